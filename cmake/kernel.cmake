# The kernel image for KERNEL_ARCH. The arch folder adds its sources, its
# linker script and its flags (arch/<arch>/arch.cmake); everything else is
# shared.

configure_file(${CMAKE_SOURCE_DIR}/cmake/config.h.in ${CMAKE_BINARY_DIR}/generated/config.h)

set(ARCH_DIR ${CMAKE_SOURCE_DIR}/arch/${KERNEL_ARCH})
include(${ARCH_DIR}/arch.cmake) # sets ARCH_SOURCES, ARCH_LINKER_SCRIPT, ARCH_C_FLAGS

file(GLOB KTEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/kernel/*.c
  ${CMAKE_SOURCE_DIR}/tests/kernel/${KERNEL_ARCH}/*.c) # the arch's own kernel tests
include(${CMAKE_SOURCE_DIR}/user/user.cmake) # init.elf, embedded through generated/embed.S
include(${CMAKE_SOURCE_DIR}/cmake/disk.cmake) # build/ARCH/disk/fat.img, the programs on it

# Everything is compiled once and linked twice: the first pass without a
# symbol table, the second with the table of the first's code symbols
# (cmake/ksyms.sh), which panic backtraces print names from. The table sits in
# .rodata, after .text, and holds only constants, so code does not move; the
# build checks that, comparing the table of the final image with its own.
add_library(kernel_objs OBJECT ${CORE_PURE_SOURCES} ${CORE_KERNEL_SOURCES} ${MM_PURE_SOURCES}
  ${MM_KERNEL_SOURCES} ${CAP_PURE_SOURCES} ${SCHED_PURE_SOURCES}
  ${IPC_PURE_SOURCES} ${IPC_KERNEL_SOURCES}
  ${ARCH_SOURCES} ${KTEST_SOURCES} ${CMAKE_BINARY_DIR}/generated/embed.S)
add_dependencies(kernel_objs init_stripped)
target_include_directories(kernel_objs PRIVATE
  ${CMAKE_SOURCE_DIR}        # "core/...", "arch/hal/..."
  ${ARCH_DIR}                # <hal_arch/...>: the arch's inline half of the HAL
  ${CMAKE_BINARY_DIR}/generated)
set(KERNEL_C_FLAGS
  -Wall -Wextra -Werror
  -ffreestanding            # no hosted library; only the compiler's own headers
  -fno-builtin-printf       # our kprintf is not printf
  -fno-stack-protector      # no canary runtime in the kernel
  -fno-common               # one definition per global
  -fno-omit-frame-pointer   # panic() walks the frame-pointer chain
  -fno-pie -fno-pic         # linked at a fixed address
  -fno-asynchronous-unwind-tables # no unwinder; saves space
  -fno-delete-null-pointer-checks # physical address 0 may be real memory
  -g -O2
  ${ARCH_C_FLAGS})
target_compile_options(kernel_objs PRIVATE ${KERNEL_C_FLAGS})

set(KSYMS ${CMAKE_SOURCE_DIR}/cmake/ksyms.sh)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/generated)
execute_process(COMMAND ${KSYMS} --empty ${CMAKE_BINARY_DIR}/generated/ksyms_empty.S)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/generated/ksyms.S
  COMMAND ${KSYMS} ${CMAKE_NM} $<TARGET_FILE:kernel_pass1> ${CMAKE_BINARY_DIR}/generated/ksyms.S
  DEPENDS kernel_pass1 ${KSYMS}
  COMMENT "Symbol table of the first link pass" VERBATIM)

foreach(pass kernel_pass1 kernel)
  if(pass STREQUAL "kernel")
    add_executable(${pass} $<TARGET_OBJECTS:kernel_objs> ${CMAKE_BINARY_DIR}/generated/ksyms.S)
    set_target_properties(${pass} PROPERTIES OUTPUT_NAME kernel.elf SUFFIX "")
    set(map ${CMAKE_BINARY_DIR}/kernel.map)
  else()
    add_executable(${pass} $<TARGET_OBJECTS:kernel_objs> ${CMAKE_BINARY_DIR}/generated/ksyms_empty.S)
    set_target_properties(${pass} PROPERTIES OUTPUT_NAME kernel-pass1.elf SUFFIX "")
    set(map ${CMAKE_BINARY_DIR}/kernel-pass1.map)
  endif()
  target_link_options(${pass} PRIVATE
    -nostdlib -static -no-pie # nothing from the host's C library
    -Wl,--build-id=none       # the note would land before the boot header
    -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack
    -Wl,-T,${ARCH_LINKER_SCRIPT} -Wl,-Map,${map}
    ${ARCH_LINK_FLAGS})
  target_compile_options(${pass} PRIVATE ${KERNEL_C_FLAGS}) # the table's object: the same ABI
  target_link_libraries(${pass} PRIVATE gcc) # compiler helpers (e.g. 128-bit division)
  set_target_properties(${pass} PROPERTIES LINK_DEPENDS ${ARCH_LINKER_SCRIPT})
endforeach()
# Code that moved between the passes would make the table lie: fail the build.
add_custom_command(TARGET kernel POST_BUILD
  COMMAND ${KSYMS} ${CMAKE_NM} $<TARGET_FILE:kernel> ${CMAKE_BINARY_DIR}/generated/ksyms.check.S
  COMMAND ${CMAKE_COMMAND} -E compare_files ${CMAKE_BINARY_DIR}/generated/ksyms.S
          ${CMAKE_BINARY_DIR}/generated/ksyms.check.S
  COMMENT "Symbol table: code at the same addresses in both link passes" VERBATIM)

# The arch may turn kernel.elf into what its loaders take (an Image, an ISO).
if(COMMAND arch_post_build)
  arch_post_build(kernel)
endif()

# Tests: the kernel suite under QEMU, once per machine shape the arch lists
# in ARCH_TEST_SHAPES ("name|qemu args") through its fastest firmware path
# (ARCH_TEST_FIRMWARE), and every firmware path of ci/boot (ARCH_FIRMWARES).
set(BOOT ${CMAKE_SOURCE_DIR}/ci/boot)
foreach(shape IN LISTS ARCH_TEST_SHAPES)
  string(REPLACE "|" ";" parts "${shape}")
  list(GET parts 0 name)
  list(GET parts 1 args)
  separate_arguments(args UNIX_COMMAND "${args}")
  # The suite takes seconds; the limits are for a hang on a loaded host, not a measure.
  # A test boot has everything a test needs: nothing may skip there.
  add_test(NAME ktest-${name}
    COMMAND ${BOOT} ${KERNEL_ARCH} --firmware ${ARCH_TEST_FIRMWARE} --no-build
            --build-dir ${CMAKE_BINARY_DIR} --test --timeout 400 -- ${args})
  set_tests_properties(ktest-${name} PROPERTIES TIMEOUT 450 FAIL_REGULAR_EXPRESSION " # SKIP ")
endforeach()
# Both suites from the shell of a plain boot (`ktest`, `run test`), typed over the console.
add_test(NAME system-plain-boot
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/plain_boot ${KERNEL_ARCH} ${CMAKE_BINARY_DIR}
          ${ARCH_TEST_FIRMWARE})
set_tests_properties(system-plain-boot PROPERTIES TIMEOUT 700)
foreach(fw IN LISTS ARCH_FIRMWARES)
  add_test(NAME system-boot-${fw}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/system/boot_banner ${KERNEL_ARCH} ${fw} ${CMAKE_BINARY_DIR})
  set_tests_properties(system-boot-${fw} PROPERTIES TIMEOUT 300)
endforeach()
# The system call fuzzer (tests/user/fuzz.c) in a kernel booted for it alone: three seeds of
# 50 000 calls, each checked for leaks afterwards (tests/kernel/test_fuzz.c).
add_test(NAME fuzz-${KERNEL_ARCH}
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/fuzz ${KERNEL_ARCH} ${ARCH_TEST_FIRMWARE} ${CMAKE_BINARY_DIR})
set_tests_properties(fuzz-${KERNEL_ARCH} PROPERTIES TIMEOUT 480)
# The benchmarks run (figures in the log, see ci/bench), their calibration checked.
add_test(NAME kbench COMMAND ${CMAKE_SOURCE_DIR}/tests/system/kbench ${KERNEL_ARCH} ${CMAKE_BINARY_DIR})
set_tests_properties(kbench PROPERTIES TIMEOUT 300)
list(GET ARCH_FIRMWARES 0 fw)
add_test(NAME system-panic-${fw}
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/boot_banner ${KERNEL_ARCH} ${fw} ${CMAKE_BINARY_DIR} --panic)
set_tests_properties(system-panic-${fw} PROPERTIES TIMEOUT 300)
add_test(NAME system-overflow-${fw}
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/boot_banner ${KERNEL_ARCH} ${fw} ${CMAKE_BINARY_DIR} --overflow)
set_tests_properties(system-overflow-${fw} PROPERTIES TIMEOUT 300)
# GDB through ci/gdb: a stop at kmain and a backtrace that ends at the entry code.
add_test(NAME system-gdb
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/gdb_backtrace ${KERNEL_ARCH} ${CMAKE_BINARY_DIR})
set_tests_properties(system-gdb PROPERTIES TIMEOUT 180)
# The scripts: bad arguments get usage and status 2, a QEMU that cannot start a failure.
add_test(NAME system-scripts
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/scripts ${KERNEL_ARCH} ${CMAKE_BINARY_DIR})
set_tests_properties(system-scripts PROPERTIES TIMEOUT 180)
# The shell as a person uses it: line editing, history, Ctrl-C, 'run' reports, an idle prompt.
add_test(NAME system-shell-${fw}
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/shell ${KERNEL_ARCH} ${fw} ${CMAKE_BINARY_DIR})
set_tests_properties(system-shell-${fw} PROPERTIES TIMEOUT 360)
add_test(NAME system-shell-polled-${fw}
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/shell ${KERNEL_ARCH} ${fw} ${CMAKE_BINARY_DIR} --polled)
set_tests_properties(system-shell-polled-${fw} PROPERTIES TIMEOUT 360)
# The user shell as a person uses it: files on the FAT disk, editing, history, Ctrl-C, run, ps,
# kill, a 2 KiB line, Ctrl-D to the kernel's shell; by interrupt and with a polled console.
add_test(NAME system-user-shell-${fw}
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/user_shell ${KERNEL_ARCH} ${fw} ${CMAKE_BINARY_DIR})
set_tests_properties(system-user-shell-${fw} PROPERTIES TIMEOUT 450)
add_test(NAME system-user-shell-polled-${fw}
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/user_shell ${KERNEL_ARCH} ${fw} ${CMAKE_BINARY_DIR} --polled)
set_tests_properties(system-user-shell-polled-${fw} PROPERTIES TIMEOUT 450)
# Block devices: what the guest wrote is on the host's images byte for byte, through driver kills and hangs.
add_test(NAME system-blk-image
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/blk_image ${KERNEL_ARCH} ${CMAKE_BINARY_DIR})
set_tests_properties(system-blk-image PROPERTIES TIMEOUT 900)
# Files: the file server killed during a stream of writes; the image checked by fsck.fat and mtools.
add_test(NAME system-fs-kill
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/fs_kill ${KERNEL_ARCH} ${CMAKE_BINARY_DIR})
set_tests_properties(system-fs-kill PROPERTIES TIMEOUT 900)
# Files, host <-> guest: images mkfs.fat and mcopy made read right, the guest's script of changes
# on them as the host finds it (fsck.fat -n, mdir, mtype).
add_test(NAME system-fat-files
  COMMAND ${CMAKE_SOURCE_DIR}/tests/system/fat_files ${KERNEL_ARCH} ${CMAKE_BINARY_DIR}
          ${ARCH_TEST_FIRMWARE})
set_tests_properties(system-fat-files PROPERTIES TIMEOUT 900)
# The r2 legacy ABI (x86_64): the screen, the speaker, the keyboard, the clock and COM2, seen from outside.
if(KERNEL_ARCH STREQUAL "x86_64")
  foreach(what text mode13 planar tone melody keys rtc rings console framebuffer com2)
    add_test(NAME system-r2-${what}
      COMMAND ${CMAKE_SOURCE_DIR}/tests/system/r2_legacy ${KERNEL_ARCH} ${CMAKE_BINARY_DIR} ${what})
    set_tests_properties(system-r2-${what} PROPERTIES TIMEOUT 300)
  endforeach()
  # The r2 calls on GRUB's linear framebuffer, through its driver (the user tests that know it).
  add_test(NAME ktest-framebuffer
    COMMAND ${BOOT} ${KERNEL_ARCH} --firmware grub --framebuffer 800x600x32 --no-build
            --build-dir ${CMAKE_BINARY_DIR} --test --timeout 400
            --cmdline "ktest.only=user_suite utest.only=r2_framebuffer")
  set_tests_properties(ktest-framebuffer PROPERTIES TIMEOUT 450
    FAIL_REGULAR_EXPRESSION " # SKIP |no framebuffer in this boot")
  # Programs of our own in the style of r2apps' C library (user/r2/cr2/), run from the disk
  # with `run --libcr2`: what a person sees and hears of them.
  foreach(what hello gfx tune keys chat)
    add_test(NAME system-r2app-${what}
      COMMAND ${CMAKE_SOURCE_DIR}/tests/system/r2_apps ${KERNEL_ARCH} ${CMAKE_BINARY_DIR} ${what})
    set_tests_properties(system-r2app-${what} PROPERTIES TIMEOUT 300)
  endforeach()
endif()
