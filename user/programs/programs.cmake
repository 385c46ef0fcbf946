# The programs on the disk (cmake/disk.cmake puts them on build/ARCH/disk/fat.img):
# standalone ELF executables, each linked with the runtime (ulib) and the
# user linker script as init is, stripped of their debug sections for the
# 1.44 MB disk (the unstripped ones stay in build/ARCH/user/programs/ for GDB).
#   HELLO.ELF  greets, prints its arguments, exits with 0
#   LOOP.ELF   a line every 0.5 s forever (Ctrl-C)
#   EXIT.ELF   exits with the code it is given
#   FAULT.ELF  faults on purpose (read, write or ill)
#   CAT.ELF    prints files through the native file API (user/lib/file.h)
#   R2DEMO.ELF the r2 demo (x86_64)
#   CR2*.ELF   programs in r2apps' libcr2 style (x86_64, user/r2/cr2/cr2.cmake)

set(PROGRAM_DIR ${USER_DIR}/programs)
set(DISK_PROGRAMS "") # the stripped programs, named as on the disk

function(user_program name)
  string(TOUPPER ${name} upper)
  set(target prog_${name})
  add_executable(${target} ${ARGN})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name}.elf SUFFIX ""
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/user/programs
    LINK_DEPENDS ${USER_DIR}/user.ld)
  # Nothing here computes in floating point: out of the FP/SIMD registers, as init.
  target_compile_options(${target} PRIVATE ${USER_NOFP_FLAGS})
  target_link_options(${target} PRIVATE -nostdlib -static -no-pie -Wl,--build-id=none
    -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,-T,${USER_DIR}/user.ld ${USER_LINK_ARCH})
  target_link_libraries(${target} PRIVATE ulib gcc)
  set(stripped ${CMAKE_BINARY_DIR}/user/programs/disk/${upper}.ELF)
  add_custom_command(OUTPUT ${stripped}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/user/programs/disk
    COMMAND ${CMAKE_OBJCOPY} --strip-debug $<TARGET_FILE:${target}> ${stripped}
    DEPENDS ${target} VERBATIM)
  set(DISK_PROGRAMS ${DISK_PROGRAMS} ${stripped} PARENT_SCOPE)
endfunction()

user_program(hello ${PROGRAM_DIR}/hello.c)
user_program(loop ${PROGRAM_DIR}/loop.c)
user_program(exit ${PROGRAM_DIR}/exit.c)
user_program(fault ${PROGRAM_DIR}/fault.c)
user_program(cat ${PROGRAM_DIR}/cat.c)
if(KERNEL_ARCH STREQUAL "x86_64")
  user_program(r2demo ${PROGRAM_DIR}/r2demo.c ${USER_DIR}/r2/r2demo.c)
  target_include_directories(prog_r2demo PRIVATE ${USER_DIR}/r2)
  include(${USER_DIR}/r2/cr2/cr2.cmake)
endif()
