set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(KERNEL_ARCH x86_64 CACHE STRING "kernel architecture")
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
# The bare-metal cross compiler first, then the host's own gcc (Debian).
kernel_pick_compiler(x86_64-elf- HOST)
