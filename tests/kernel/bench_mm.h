/*
 * The memory-management operations the benchmarks time, shared by the
 * kernel (tests/kernel/bench.c, instructions) and the host
 * (tests/host/bench_host.c, ns): each runs its pair `n` times.
 */
#ifndef TESTS_KERNEL_BENCH_MM_H
#define TESTS_KERNEL_BENCH_MM_H

#include <stdint.h>

#include "mm/pt.h"

/* Where map_unmap works: a page table, a free address whose neighbour is mapped, a frame. */
struct bench_map_target {
	struct page_table *pt;
	uintptr_t va;
	uint64_t pa;
	unsigned flags;
};

extern struct bench_map_target bench_map;

void bench_frame_alloc_free(int n);
void bench_frame_alloc_free_16(int n);
void bench_kmalloc_free_64(int n);
void bench_kmalloc_free_4k(int n);
void bench_map_unmap(int n);

/* The figures both print, in this order, by these stable names. */
struct bench_op {
	const char *name;
	void (*run)(int n);
};
extern const struct bench_op bench_mm_ops[5];

#endif
