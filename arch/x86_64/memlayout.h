/*
 * The x86_64 memory map, drawn once. Shared by the boot assembly and C
 * (everything here is a plain number); linker.ld repeats KERNEL_VMA and
 * KERNEL_PHYS. The HAL's names for the layout are in hal_arch/mmu.h.
 *
 * Physical (QEMU pc, as loaded by GRUB or the PVH loader):
 *
 *   0x00000000 ..          BIOS, EBDA, option ROMs, firmware tables
 *   KERNEL_PHYS (1 MiB)    kernel image: .boot (Multiboot2 header, PVH note,
 *                          32-bit entry), then .text .rodata .data .bss
 *   above the image        RAM as the firmware's map says
 *
 * Virtual (4-level paging, 48-bit addresses):
 *
 *   0x0000000000000000 .. 0x00007fffffffefff   user space (below USER_TOP; the last
 *                                              page of the lower half stays unmapped);
 *                                              in the boot tables only PML4[0], the
 *                                              identity map of [0, 4 GiB), until boot.S
 *                                              is high
 *   0xffff800000000000 .. 0xffffbfffffffffff   PHYS_MAP_BASE: the direct map of physical
 *                                              memory, PHYS_MAP_SIZE = 64 TiB (PML4
 *                                              256..383); the boot tables map [0, 4 GiB)
 *                                              there with 2 MiB pages
 *   0xffffffff80000000 .. 0xffffffffffffffff   KERNEL_VIRT_BASE: the kernel image at
 *                                              KERNEL_VMA + its physical address (PML4
 *                                              511, PDPT 510..511); the boot tables map
 *                                              physical [0, 1 GiB) there
 *
 * The boot tables (boot.S) are replaced by the portable kernel tables,
 * which map only the image, the direct map of RAM and the devices in use.
 */
#ifndef X86_64_MEMLAYOUT_H
#define X86_64_MEMLAYOUT_H

#include "hal_arch/mmu.h"

#define KERNEL_VMA  KERNEL_VIRT_BASE
#define KERNEL_PHYS 0x100000

/*
 * Bytes of physical memory the boot tables map at PHYS_MAP_BASE (and at 0
 * while boot.S is low); at KERNEL_VMA they map the first GiB.
 */
#define BOOT_PHYS_MAP_SIZE 0x100000000

/* The boot stack, above its guard page (linker.ld). */
#define BOOT_STACK_SIZE 16384

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The physical address of a kernel-image address. */
static inline uint64_t kernel_virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p - KERNEL_VMA;
}

/*
 * Physical memory through the boot tables' direct map, for reading
 * firmware tables, the MBI and the PVH start info during boot. NULL when
 * [pa, pa + len) is not all inside the boot direct map, and for pa == 0,
 * which boot protocols use to say "absent". After the portable tables
 * replace the boot ones only RAM stays mapped: use it at boot only.
 */
static inline const void *boot_phys(uint64_t pa, uint64_t len)
{
	if (pa == 0 || pa >= BOOT_PHYS_MAP_SIZE || len > BOOT_PHYS_MAP_SIZE - pa)
		return 0;
	return (const void *)(uintptr_t)(PHYS_MAP_BASE + pa);
}
#endif

#endif
