/*
 * Host half of <arch/hal/mmu.h>: "physical memory" is a buffer the tests
 * allocate, and the direct map is wherever that buffer sits.
 */
#ifndef HOST_HAL_ARCH_MMU_H
#define HOST_HAL_ARCH_MMU_H

#include <stdint.h>

extern uintptr_t host_phys_map_base;
#define PHYS_MAP_BASE host_phys_map_base
#define PHYS_MAP_SIZE (1ull << 46)
#define USER_TOP      0x0000800000000000ull

/* The three arches' formats, all linked into the host tests. */
extern const struct pt_format x86_64_pt_format;
extern const struct pt_format aarch64_pt_format;
extern const struct pt_format riscv64_pt_format;

#endif
