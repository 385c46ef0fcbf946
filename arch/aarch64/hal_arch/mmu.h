/*
 * The inline half of <arch/hal/mmu.h> for AArch64: the virtual layout.
 * 4 KiB granule, a 47-bit user half (T0SZ = 17) and a 48-bit kernel half
 * (T1SZ = 16), 4 levels. TTBR1_EL1 holds the kernel's root for good,
 * TTBR0_EL1 the running address space's root (arch_mmu_activate()).
 * VA[47:39] indexes the root in both halves: user space uses entries
 * 0-255 of its root, the kernel 256-511 of its own, and every kernel
 * address has bit 47 set. A user root may carry copies of the kernel's
 * entries 256-511: TTBR0 never reaches them.
 *
 *   0x0000000000000000 .. USER_TOP       user space (TTBR0, root 0-255)
 *   0xffff000000000000 .. +128 TiB       unused: the kernel root's entries
 *                                        0-255, never mapped
 *   0xffff800000000000 PHYS_MAP_BASE     direct map of physical memory,
 *                      .. +64 TiB        PA x at PHYS_MAP_BASE + x (root 256-383)
 *   0xffffffff80000000 KERNEL_VIRT_BASE  the kernel image, linked at
 *                      + 0x200000        KERNEL_VIRT_BASE + 2 MiB (the Image's
 *                                        text_offset) (root 511)
 */
#ifndef HAL_ARCH_MMU_H
#define HAL_ARCH_MMU_H

#ifdef __ASSEMBLER__
#define MMU_UL(x) x
#else
#define MMU_UL(x) x##ul
#endif

#define PHYS_MAP_BASE	 MMU_UL(0xffff800000000000)
#define PHYS_MAP_SIZE	 MMU_UL(0x400000000000)
#define KERNEL_VIRT_BASE MMU_UL(0xffffffff80000000)
#define USER_TOP	 MMU_UL(0x0000800000000000)

#ifndef __ASSEMBLER__
extern const struct pt_format aarch64_pt_format;
#define arch_pt_format aarch64_pt_format
#endif

#endif
