# riscv64: S-mode kernel for QEMU virt, booted by OpenSBI (-kernel kernel.elf)
# or by U-Boot S-mode (booti of the Image made below).
set(ARCH_SOURCES
  ${ARCH_DIR}/boot.S
  ${ARCH_DIR}/boot.c
  ${ARCH_DIR}/boot_pt.c
  ${ARCH_DIR}/mmu.c
  ${ARCH_DIR}/pte.c
  ${ARCH_DIR}/trap.S
  ${ARCH_DIR}/trap.c
  ${ARCH_DIR}/console.c
  ${ARCH_DIR}/irq.c
  ${ARCH_DIR}/io.c
  ${ARCH_DIR}/power.c
  ${ARCH_DIR}/cpu.c
  ${ARCH_DIR}/sbi.c
  ${ARCH_DIR}/timer.c
  ${ARCH_DIR}/context.S
  ${ARCH_DIR}/context.c
  ${ARCH_DIR}/user.c
  ${ARCH_DIR}/fpu.S
  ${ARCH_DIR}/clz.S)                  # __clzdi2 without libgcc's byte loop
set(ARCH_LINKER_SCRIPT ${ARCH_DIR}/linker.ld)
set(ARCH_C_FLAGS
  -march=rv64imac_zicsr_zifencei # integer, mul/div, atomics, compressed; CSR and fence.i
                                 # instructions are separate extensions since ISA 20191213
  -mabi=lp64                     # soft-float ABI: the kernel never touches FP registers
  -mcmodel=medany)               # PC-relative addressing: the image runs at its load
                                 # address until paging is on (boot_pt.c), then at
                                 # its link address in the higher half
set(ARCH_LINK_FLAGS
  -march=rv64imac -mabi=lp64)    # pick libgcc's rv64imac/lp64 multilib (GCC 12 matches the
                                 # multilib on the plain -march string)

# QEMU shapes of the test suite: "name|qemu args".
set(ARCH_TEST_SHAPES
  "m128-smp1|-m 128M -smp 1"
  "m1g-smp4|-m 1G -smp 4"
  "m4g-smp4|-m 4G -smp 4")
set(ARCH_TEST_FIRMWARE opensbi)
set(ARCH_FIRMWARES opensbi uboot)

# U-Boot's booti takes a raw Image (header at offset 0), not the ELF.
function(arch_post_build target)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${target}> ${CMAKE_BINARY_DIR}/Image
    BYPRODUCTS ${CMAKE_BINARY_DIR}/Image
    COMMENT "riscv64: Image for U-Boot's booti")
endfunction()
