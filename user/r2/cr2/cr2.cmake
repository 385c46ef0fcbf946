# Programs in the style of r2apps' C library (libcr2), built as r2apps builds
# them (its c/Makefile.tmpl): gcc -O2 -ffreestanding -nostdlib -static
# -mno-red-zone, non-PIC, linked with cr2's own crt0.S and linker.ld (code at
# 0x600000, the data segment sharing the code's last page), not with ulib nor
# user/user.ld. Stripped onto the disk as CR2*.ELF (x86_64; included from
# user/programs/programs.cmake). Run them with `run --libcr2 CR2HELLO.ELF`.
#   CR2HELLO.ELF  prints, system information, clock, 200 ms sleep, exits with 7
#   CR2GFX.ELF    mode 13h picture through the VGA window, a byte on COM2 ends it
#   CR2TUNE.ELF   440, 660, 880 Hz with rests, through blocking play_freq
#   CR2KEYS.ELF   four scancodes through the subscribed pipe's byte 0
#   CR2CHAT.ELF   r2apps chat's client: TCP over SLIP on COM2 through 0x33/0x34, pings answered

set(CR2_DIR ${USER_DIR}/r2/cr2)
set(CR2_C_FLAGS -O2 -m64 -ffreestanding -fno-builtin -fno-stack-protector -mno-red-zone -fno-pic
  -fno-pie -fno-asynchronous-unwind-tables -mgeneral-regs-only -Wall -Wextra -Werror)

function(cr2_program name)
  string(TOUPPER ${name} upper)
  set(target cr2_${name})
  add_executable(${target} ${CR2_DIR}/crt0.S ${CR2_DIR}/cr2.c ${CR2_DIR}/${name}.c)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name}.elf SUFFIX ""
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/user/r2/cr2
    LINK_DEPENDS ${CR2_DIR}/linker.ld)
  target_include_directories(${target} PRIVATE ${CR2_DIR})
  target_compile_options(${target} PRIVATE ${CR2_C_FLAGS})
  target_link_options(${target} PRIVATE -nostdlib -static -no-pie -Wl,--build-id=none
    -Wl,-z,noexecstack -Wl,-T,${CR2_DIR}/linker.ld -Wl,-m,elf_x86_64)
  target_link_libraries(${target} PRIVATE gcc)
  set(stripped ${CMAKE_BINARY_DIR}/user/r2/cr2/disk/${upper}.ELF)
  add_custom_command(OUTPUT ${stripped}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/user/r2/cr2/disk
    COMMAND ${CMAKE_STRIP} -o ${stripped} $<TARGET_FILE:${target}>
    DEPENDS ${target} VERBATIM)
  set(DISK_PROGRAMS ${DISK_PROGRAMS} ${stripped} PARENT_SCOPE)
endfunction()

cr2_program(cr2hello)
cr2_program(cr2gfx)
cr2_program(cr2tune)
cr2_program(cr2keys)
cr2_program(cr2chat)
