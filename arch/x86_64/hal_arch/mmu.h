/*
 * x86_64 half of <arch/hal/mmu.h>: the virtual layout (drawn in
 * memlayout.h) and the name of the entry format (pte.c). Plain numbers, so
 * boot.S can use them too. Included by arch/hal/mmu.h; never include it
 * directly from portable code.
 */
#ifndef HAL_ARCH_MMU_H
#define HAL_ARCH_MMU_H

/* The direct map: PML4 slots 256..383 (64 TiB), the first slot of the upper half. */
#define PHYS_MAP_BASE 0xffff800000000000
#define PHYS_MAP_SIZE 0x400000000000
/* The kernel image: the top 2 GiB, where -mcmodel=kernel code must live. */
#define KERNEL_VIRT_BASE 0xffffffff80000000
/*
 * The lower half, 47 bits of canonical addresses, less its last page: an
 * instruction there could end at the first non-canonical address, and
 * sysretq to such a rip faults in ring 0 (trap.S).
 */
#define USER_TOP 0x00007ffffffff000

#ifndef __ASSEMBLER__
#define arch_pt_format x86_64_pt_format
extern const struct pt_format x86_64_pt_format;
#endif

#endif
