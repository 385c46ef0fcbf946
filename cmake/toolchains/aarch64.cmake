set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(KERNEL_ARCH aarch64 CACHE STRING "kernel architecture")
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
kernel_pick_compiler(aarch64-none-elf- aarch64-elf- aarch64-linux-gnu-)
