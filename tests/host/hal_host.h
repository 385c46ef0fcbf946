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
struct page_table;
/*
 * For user-space tests: 64 MiB of memory (1 MiB firmware) and the heap,
 * and in *kpt an x86_64-format kernel table with one upper-half page,
 * whose upper half user spaces copy. E_OK or the first error.
 */
int host_user_space_setup(struct page_table *kpt);
/* Free frames, with the per-CPU caches drained first. */
size_t host_free_frames(void);
/* The TLB flushes the walker asked for since the last call. */
unsigned long host_tlb_flushes_take(void);
/* Levels arch_mmu_levels() reports. */
extern unsigned host_mmu_levels;

#endif
