# User space for KERNEL_ARCH: the runtime library (crt0, system call
# wrappers, libc subset) and `init`, the first process, which the kernel
# carries in its image (user/embed.S). In a test boot init runs the user
# test suite (tests/user/).

set(USER_DIR ${CMAKE_SOURCE_DIR}/user)
if(KERNEL_ARCH STREQUAL "x86_64")
  set(USER_ARCH_FLAGS -m64 -fcf-protection=none)
  set(USER_LINK_ARCH -Wl,-m,elf_x86_64)
elseif(KERNEL_ARCH STREQUAL "aarch64")
  set(USER_ARCH_FLAGS -mno-outline-atomics -mbranch-protection=none)
elseif(KERNEL_ARCH STREQUAL "riscv64")
  set(USER_ARCH_FLAGS -march=rv64imafdc_zicsr -mabi=lp64d -mcmodel=medany)
  set(USER_LINK_ARCH -march=rv64imafdc -mabi=lp64d -Wl,--no-relax) # no gp-relative relaxation: crt0 sets no gp
endif()

set(USER_C_FLAGS -Wall -Wextra -Werror -ffreestanding -fno-builtin-printf -fno-stack-protector
  -fno-common -fno-omit-frame-pointer -fno-pie -fno-pic -fno-asynchronous-unwind-tables
  -g -O2 ${USER_ARCH_FLAGS})
# The system's own code (the library, init, the manager, the drivers, the servers) keeps out
# of the FP/SIMD registers, which the compiler would use for copies: the kernel switches FP
# state lazily, so a thread that never touches it never traps for it (one trap per switch on
# the block path, else). Only what computes in floating point (the FP tests) is built with
# them. RISC-V's compiler uses FP registers for floating point alone (and one ABI must hold).
if(KERNEL_ARCH STREQUAL "riscv64")
  set(USER_NOFP_FLAGS "")
else()
  set(USER_NOFP_FLAGS -mgeneral-regs-only)
endif()
set(USER_FP_SOURCES ${CMAKE_SOURCE_DIR}/tests/user/test_thread.c
  ${CMAKE_SOURCE_DIR}/tests/user/x86_64/test_r2.c)

add_library(ulib STATIC
  ${USER_DIR}/arch/${KERNEL_ARCH}/crt0.S
  ${USER_DIR}/lib/libc.c
  ${CMAKE_SOURCE_DIR}/core/kprintf.c   # the kernel's formatter, also printf here
  ${CMAKE_SOURCE_DIR}/core/kstring.c)  # and its string functions
target_include_directories(ulib PUBLIC
  ${CMAKE_SOURCE_DIR} ${USER_DIR}/lib ${USER_DIR}/arch/${KERNEL_ARCH})
target_compile_options(ulib PUBLIC ${USER_C_FLAGS})
target_compile_options(ulib PRIVATE ${USER_NOFP_FLAGS})

file(GLOB UTEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/user/*.c)
if(KERNEL_ARCH STREQUAL "x86_64")
  # The r2 (rou2exOS) library, its demo and its tests: x86_64 only.
  file(GLOB R2_SOURCES CONFIGURE_DEPENDS ${USER_DIR}/r2/*.c ${CMAKE_SOURCE_DIR}/tests/user/x86_64/*.c)
  list(APPEND UTEST_SOURCES ${R2_SOURCES})
endif()
# The driver libraries (drivers/lib/), which the user tests drive real devices with.
# The device manager and the drivers are programs of the same image (`init manager`,
# `init driver NAME`), each started as a process of its own.
file(GLOB DRIVER_LIB_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/drivers/lib/*.c
  ${CMAKE_SOURCE_DIR}/drivers/manager/*.c ${CMAKE_SOURCE_DIR}/drivers/ramdisk/*.c
  ${CMAKE_SOURCE_DIR}/drivers/virtio-blk/*.c
  ${CMAKE_SOURCE_DIR}/drivers/pc/*.c # the legacy PC devices (include/abi/pcdev.h)
  ${CMAKE_SOURCE_DIR}/core/cmos_time.c # with the kernel's CMOS date decoding
  ${CMAKE_SOURCE_DIR}/core/vga_text.c ${CMAKE_SOURCE_DIR}/core/vga_palette.c # and VGA text, palette
  ${CMAKE_SOURCE_DIR}/fs/*.c # the FAT12 library, portable, host-tested too
  ${CMAKE_SOURCE_DIR}/net/*.c # the network library (COM2's SLIP), portable, host-tested too
  ${CMAKE_SOURCE_DIR}/fs/server/*.c) # and the file server over it (`init fsserv`)
# The user shell (`init shell`), with the kernel shell's line editor, portable code of ours.
file(GLOB SHELL_SOURCES CONFIGURE_DEPENDS ${USER_DIR}/shell/*.c)
list(APPEND SHELL_SOURCES ${CMAKE_SOURCE_DIR}/core/lineedit.c)
add_executable(init ${USER_DIR}/init/init.c ${UTEST_SOURCES} ${DRIVER_LIB_SOURCES} ${SHELL_SOURCES})
set(USER_NOFP_SOURCES ${USER_DIR}/init/init.c ${UTEST_SOURCES} ${DRIVER_LIB_SOURCES}
  ${SHELL_SOURCES})
list(REMOVE_ITEM USER_NOFP_SOURCES ${USER_FP_SOURCES})
if(USER_NOFP_FLAGS)
  set_source_files_properties(${USER_NOFP_SOURCES} PROPERTIES COMPILE_OPTIONS ${USER_NOFP_FLAGS})
endif()
set_target_properties(init PROPERTIES OUTPUT_NAME init.elf SUFFIX ""
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/user
  LINK_DEPENDS ${USER_DIR}/user.ld)
target_include_directories(init PRIVATE ${CMAKE_SOURCE_DIR}/tests/user ${USER_DIR}/r2
  ${USER_DIR}/shell ${CMAKE_BINARY_DIR}/generated) # generated/config.h: the version, for `info`
target_compile_definitions(init PRIVATE KESTREL_ARCH_NAME="${KERNEL_ARCH}")
target_link_options(init PRIVATE -nostdlib -static -no-pie -Wl,--build-id=none
  -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,-T,${USER_DIR}/user.ld ${USER_LINK_ARCH})
target_link_libraries(init PRIVATE ulib gcc)

# The kernel carries init.elf, without its debug sections, as read-only data.
set(INIT_ELF ${CMAKE_BINARY_DIR}/user/init.stripped.elf)
add_custom_command(OUTPUT ${INIT_ELF}
  COMMAND ${CMAKE_OBJCOPY} --strip-debug $<TARGET_FILE:init> ${INIT_ELF}
  DEPENDS init VERBATIM)
add_custom_target(init_stripped DEPENDS ${INIT_ELF})
configure_file(${USER_DIR}/embed.S.in ${CMAKE_BINARY_DIR}/generated/embed.S @ONLY)
set_source_files_properties(${CMAKE_BINARY_DIR}/generated/embed.S PROPERTIES OBJECT_DEPENDS ${INIT_ELF})

# The standalone programs of the disk (user/programs/).
include(${USER_DIR}/programs/programs.cmake)
