# The x86_64 port: QEMU `pc` and `q35`, booted by GRUB (Multiboot2) or QEMU -kernel (PVH).
set(ARCH_SOURCES
  ${ARCH_DIR}/boot.S
  ${ARCH_DIR}/boot.c
  ${ARCH_DIR}/trap.S
  ${ARCH_DIR}/trap.c
  ${ARCH_DIR}/insn.c
  ${ARCH_DIR}/gdt.c
  ${ARCH_DIR}/console.c
  ${ARCH_DIR}/irq.c
  ${ARCH_DIR}/io.c
  ${ARCH_DIR}/power.c
  ${ARCH_DIR}/cpu.c
  ${ARCH_DIR}/pvh.c
  ${ARCH_DIR}/acpi.c
  ${ARCH_DIR}/mmu.c
  ${ARCH_DIR}/pte.c
  ${ARCH_DIR}/context.S
  ${ARCH_DIR}/context.c
  ${ARCH_DIR}/timer.c
  ${ARCH_DIR}/user.c
  ${ARCH_DIR}/legacy/r2.c        # the rou2exOS personality (include/abi/r2.h)
  ${ARCH_DIR}/legacy/r2_sound.c  # its sound calls, forwarded to the speaker driver
  ${ARCH_DIR}/legacy/r2_file.c   # its file calls, forwarded to the file server
  ${ARCH_DIR}/legacy/r2_proc.c   # its calls on processes and memory (tasks, kill, meminfo)
  ${ARCH_DIR}/legacy/vga.c        # the window and the early console's text screen
  ${CMAKE_SOURCE_DIR}/core/vga_text.c
  ${ARCH_DIR}/legacy/fb.c        # GRUB's linear framebuffer: described, its geometry kept
  ${ARCH_DIR}/legacy/vgacon.c    # console=vga: the screen and keyboard as a console
  ${ARCH_DIR}/legacy/kbd.c
  ${ARCH_DIR}/legacy/cmos.c       # the wall clock, read once at boot
  ${CMAKE_SOURCE_DIR}/core/cmos_time.c
  ${ARCH_DIR}/legacy/r2_dev.c     # the r2 calls of the legacy devices, forwarded to their drivers
  ${ARCH_DIR}/legacy/heap.c
  ${ARCH_DIR}/legacy/ring.c
)
set(ARCH_LINKER_SCRIPT ${ARCH_DIR}/linker.ld)
set(ARCH_C_FLAGS
  -m64
  -mcmodel=kernel      # linked in the top 2 GiB: addresses are sign-extended 32-bit values
  -mno-red-zone        # traps push onto the interrupted stack, right below rsp
  -mno-mmx             # no MMX, SSE or x87 state in the kernel: trap entry does not save it
  -mno-sse
  -mno-sse2
  -mgeneral-regs-only  # the same for everything else (x87, AVX), and builtins that would use them
  -fcf-protection=none # no endbr64 padding: nothing here uses CET yet
)
set(ARCH_LINK_FLAGS
  -Wl,-m,elf_x86_64    # the host gcc may be multilib; link 64-bit
)

# Machine shapes for the kernel suite: "name|QEMU arguments".
set(ARCH_TEST_SHAPES
  "m128-smp1|-m 128M -smp 1"
  "m1g-smp4|-m 1G -smp 4 -device edu" # edu: a PCI function that raises INTx on demand
  "m4g-smp4|-m 4G -smp 4"
  "max-smp4|-m 512M -smp 4 -cpu max" # SMEP, SMAP and UMIP on
  "q35|-machine q35 -m 512M -smp 2 -device edu" # ICH9: MCFG, PIRQ E-H on GSIs 16-23
  "pic|-machine pc,acpi=off -m 256M -smp 1 -device edu" # no MADT: the 8259s' lines
)
set(ARCH_TEST_FIRMWARE direct)
set(ARCH_FIRMWARES grub uefi direct)

# The bootable ISO is a build product: GRUB 2 (BIOS and UEFI) with the normal command
# line, the console on the screen and keyboard too (console=vga), for QEMU (ci/boot),
# a CD or a USB stick (README). ci/boot makes other ISOs, apart, for other command
# lines (--test, --cmdline).
function(arch_post_build target)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/kernel.iso
    COMMAND ${CMAKE_SOURCE_DIR}/ci/mkiso --cmdline console=vga $<TARGET_FILE:${target}>
            ${CMAKE_BINARY_DIR}/kernel.iso
    DEPENDS ${target} ${ARCH_DIR}/grub.cfg.in ${CMAKE_SOURCE_DIR}/ci/mkiso
    COMMENT "x86_64: GRUB ISO kernel.iso" VERBATIM)
  add_custom_target(kernel_iso ALL DEPENDS ${CMAKE_BINARY_DIR}/kernel.iso)
endfunction()
