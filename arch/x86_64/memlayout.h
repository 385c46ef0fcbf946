/*
 * The x86_64 memory map, drawn once. Shared by the linker script, the boot
 * assembly and C (everything here is a plain number).
 *
 * Physical (QEMU pc, as loaded by GRUB or the PVH loader):
 *
 *   0x00000000 ..          BIOS, EBDA, option ROMs, firmware tables
 *   KERNEL_PHYS (1 MiB)    kernel image: .boot (Multiboot2 header, PVH note,
 *                          32-bit entry), then .text .rodata .data .bss
 *   above the image        RAM as the firmware's map says
 *
 * Virtual, set up by boot.S with 2 MiB pages:
 *
 *   0x0000000000000000 .. 0x00000000ffffffff   identity map of the low 4 GiB
 *                                              (firmware tables, MBI, PVH info)
 *   0xffffffff80000000 .. 0xffffffffbfffffff   KERNEL_VMA: physical 0 .. 1 GiB,
 *                                              where the kernel runs (-mcmodel=kernel)
 *
 * The identity map is temporary: the portable page-table code replaces it.
 */
#ifndef X86_64_MEMLAYOUT_H
#define X86_64_MEMLAYOUT_H

#define KERNEL_VMA  0xffffffff80000000
#define KERNEL_PHYS 0x100000

/* Bytes of physical memory the boot page tables map at 0 (identity) and at KERNEL_VMA. */
#define BOOT_IDENTITY_SIZE 0x100000000
#define BOOT_HIGH_SIZE	   0x40000000

#define BOOT_STACK_SIZE 16384

#ifndef __ASSEMBLER__
#include <stdint.h>

/* A kernel-image address as the CPU sees it at boot, as a physical address. */
static inline uint64_t kernel_virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p - KERNEL_VMA;
}

/*
 * Physical memory the boot identity map lets us read: firmware tables, the
 * MBI, the PVH start info. NULL when [pa, pa + len) is not all below 4 GiB,
 * and for pa == 0, which boot protocols use to say "absent".
 */
static inline const void *boot_phys(uint64_t pa, uint64_t len)
{
	const void *p = (const void *)(uintptr_t)pa;

	if (pa == 0 || pa >= BOOT_IDENTITY_SIZE || len > BOOT_IDENTITY_SIZE - pa)
		return 0;
	/* Hide the constant from GCC, which takes low fixed addresses for null pointer arithmetic. */
	__asm__("" : "+r"(p));
	return p;
}
#endif

#endif
