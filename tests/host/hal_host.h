/* What the host HAL offers the tests beyond the HAL itself. */
#ifndef TESTS_HOST_HAL_HOST_H
#define TESTS_HOST_HAL_HOST_H

/* Everything written to the console since the last call, then forget it. */
const char *host_console_take(void);

#include <stddef.h>
#include <stdint.h>

#include "core/boot_info.h"

/* Simulated physical memory [0, size) behind PHYS_MAP_BASE; a fresh zeroed buffer. */
void host_phys_setup(size_t size);
/* Simulated memory of `size` bytes, its first `firmware` bytes reserved, under a fresh pmm_init(). */
int host_memory_setup(size_t size, size_t firmware);
/* The TLB flushes the walker asked for since the last call. */
unsigned long host_tlb_flushes_take(void);
/* Levels arch_mmu_levels() reports. */
extern unsigned host_mmu_levels;

#endif
