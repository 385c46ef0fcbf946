/* Physical memory as the kernel sees it: through the direct map. */
#ifndef MM_PHYS_H
#define MM_PHYS_H

#include <stdint.h>

#include "arch/hal/mmu.h"

/* The kernel virtual address of physical address `pa` (the direct map). */
static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(PHYS_MAP_BASE + pa);
}

/* The physical address of a direct-map pointer. */
static inline uint64_t virt_to_phys(const void *va)
{
	return (uint64_t)((uintptr_t)va - PHYS_MAP_BASE);
}

#endif
