set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(KERNEL_ARCH riscv64 CACHE STRING "kernel architecture")
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
kernel_pick_compiler(riscv64-unknown-elf- riscv64-elf- riscv64-linux-gnu-)
