/* The timed memory-management operations (see bench_mm.h). */
#include "tests/kernel/bench_mm.h"
#include "mm/heap.h"
#include "mm/pmm.h"

struct bench_map_target bench_map;

void bench_frame_alloc_free(int n)
{
	uint64_t f;
	for (int i = 0; i < n; i++) {
		allocate_frames(1, ZONE_NORMAL, &f);
		free_frames(f, 1);
	}
}

void bench_frame_alloc_free_16(int n)
{
	uint64_t f;
	for (int i = 0; i < n; i++) {
		allocate_frames(16, ZONE_NORMAL, &f);
		free_frames(f, 16);
	}
}

void bench_kmalloc_free_64(int n)
{
	for (int i = 0; i < n; i++)
		kfree(kmalloc(64));
}

void bench_kmalloc_free_4k(int n)
{
	for (int i = 0; i < n; i++)
		kfree(kmalloc(4096));
}

void bench_map_unmap(int n)
{
	for (int i = 0; i < n; i++) {
		map_page(bench_map.pt, bench_map.va, bench_map.pa, bench_map.flags);
		unmap_page(bench_map.pt, bench_map.va, NULL);
	}
}

const struct bench_op bench_mm_ops[5] = {
    {"frame_alloc_free", bench_frame_alloc_free},
    {"frame_alloc_free_16", bench_frame_alloc_free_16},
    {"kmalloc_free_64", bench_kmalloc_free_64},
    {"kmalloc_free_4k", bench_kmalloc_free_4k},
    {"map_unmap", bench_map_unmap},
};
