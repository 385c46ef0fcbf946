/*
 * The inline half of <arch/hal/mmu.h> for riscv64: the virtual layout.
 * 4 KiB pages, Sv39 (3 levels) or Sv48 (4 levels) as the CPU offers
 * (arch_mmu_levels()). Every address below is valid in both modes: user
 * space stays inside Sv39's lower half, the kernel inside the top 256 GiB,
 * which Sv39's root and Sv48's last level-2 table index the same way.
 *
 *   0x0000000000000000 .. USER_TOP       user space (Sv39 root 0-255)
 *   0xffffffc000000000 PHYS_MAP_BASE     direct map of physical memory,
 *                      .. +128 GiB       PA x at PHYS_MAP_BASE + x (Sv39 root 256-383)
 *   0xffffffff80000000 KERNEL_VIRT_BASE  the kernel image, linked at
 *                      + 0x200000        KERNEL_VIRT_BASE + 2 MiB (the Image's
 *                                        text_offset) (Sv39 root 510)
 *
 * The image runs wherever the loader put it in physical memory (OpenSBI:
 * 0x80200000, U-Boot: its kernel_addr_r); boot_info's kernel_phys says where.
 */
#ifndef HAL_ARCH_MMU_H
#define HAL_ARCH_MMU_H

#define PHYS_MAP_BASE	 0xffffffc000000000ul
#define PHYS_MAP_SIZE	 0x2000000000ul
#define KERNEL_VIRT_BASE 0xffffffff80000000ul
#define USER_TOP	 0x0000004000000000ul

extern const struct pt_format riscv64_pt_format;
#define arch_pt_format riscv64_pt_format

#endif
