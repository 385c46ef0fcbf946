# The AArch64 port: QEMU virt, booted as a Linux arm64 Image (directly with
# -kernel, or by U-Boot's booti), running in the higher half with the MMU on.
set(A ${CMAKE_CURRENT_LIST_DIR})
set(ARCH_SOURCES
  ${A}/boot.S
  ${A}/boot.c
  ${A}/console.c
  ${A}/cpu.c
  ${A}/gic.c
  ${A}/io.c
  ${A}/irq.c
  ${A}/its.c
  ${A}/mmu.c
  ${A}/power.c
  ${A}/pte.c
  ${A}/semihost.c
  ${A}/trap.S
  ${A}/trap.c
  ${A}/context.S
  ${A}/context.c
  ${A}/timer.c
  ${A}/user.S
  ${A}/user.c)
set(ARCH_LINKER_SCRIPT ${A}/linker.ld)
set(ARCH_C_FLAGS
  -mgeneral-regs-only   # no FP/SIMD in the kernel: user FP/SIMD state stays live across traps
  -mno-outline-atomics  # inline LSE/LL-SC atomics; the outlined ones need the hosted libgcc init
  -mbranch-protection=none) # no PAC/BTI: nothing at EL1 enables the keys or guarded pages yet

# Machine shapes of the kernel suite ("name|qemu args"), through the direct path.
set(ARCH_TEST_SHAPES
  "m128-smp1|-m 128M -smp 1"
  "m1g-smp4|-m 1G -smp 4"
  "m4g-smp4|-m 4G -smp 4"
  "max-el2|-cpu max -machine virt,virtualization=on -m 1G -smp 4"
  "gicv3|-cpu max -machine virt,gic-version=3 -m 1G -smp 4")
set(ARCH_TEST_FIRMWARE direct)
set(ARCH_FIRMWARES direct uboot)

# Loaders take a Linux arm64 Image: kernel.elf's loadable bytes from the
# header on, .bss left out (image_size in the header covers it).
function(arch_post_build target)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${target}> ${CMAKE_BINARY_DIR}/Image
    BYPRODUCTS ${CMAKE_BINARY_DIR}/Image
    COMMENT "Image for ${KERNEL_ARCH}")
endfunction()
