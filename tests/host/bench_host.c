/*
 * The memory-management benchmarks on the host, in ns per operation
 * (clock_gettime, best of several runs), for ci/bench. Built without
 * sanitizers; same operations as tests/kernel/bench.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hal_host.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/pt.h"

#define N    200000
#define RUNS 5

static struct page_table pt;
static uint64_t scratch;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void frame_alloc_free(void)
{
	uint64_t f;
	for (int i = 0; i < N; i++) {
		allocate_frames(1, ZONE_NORMAL, &f);
		free_frames(f, 1);
	}
}

static void frame_alloc_free_16(void)
{
	uint64_t f;
	for (int i = 0; i < N; i++) {
		allocate_frames(16, ZONE_NORMAL, &f);
		free_frames(f, 16);
	}
}

static void kmalloc_free_64(void)
{
	for (int i = 0; i < N; i++)
		kfree(kmalloc(64));
}

static void kmalloc_free_4k(void)
{
	for (int i = 0; i < N; i++)
		kfree(kmalloc(4096));
}

static void map_unmap(void)
{
	for (int i = 0; i < N; i++) {
		map_page(&pt, 0x40000000, scratch * FRAME_SIZE, PTE_PRESENT | PTE_WRITABLE);
		unmap_page(&pt, 0x40000000, NULL);
	}
}

int main(void)
{
	static struct boot_info bi;
	static const struct {
		const char *name;
		void (*fn)(void);
	} benches[] = {
	    {"frame_alloc_free", frame_alloc_free},
	    {"frame_alloc_free_16", frame_alloc_free_16},
	    {"kmalloc_free_64", kmalloc_free_64},
	    {"kmalloc_free_4k", kmalloc_free_4k},
	    {"map_unmap", map_unmap},
	};
	uint64_t anchor;

	host_phys_setup(64 << 20);
	boot_add_ram(&bi, 0, 64 << 20);
	if (pmm_init(&bi, UINT64_MAX) || pt_create(&pt, &x86_64_pt_format, 4))
		return 1;
	heap_init();
	allocate_frames(1, ZONE_NORMAL, &scratch);
	allocate_frames(1, ZONE_NORMAL, &anchor);
	map_page(&pt, 0x40001000, anchor * FRAME_SIZE, PTE_PRESENT);
	for (unsigned i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		uint64_t best = UINT64_MAX;
		for (int r = 0; r < RUNS; r++) {
			uint64_t t0 = now_ns();
			benches[i].fn();
			uint64_t t = now_ns() - t0;
			if (t < best)
				best = t;
		}
		printf("BENCH arch=host name=%s value=%.1f unit=ns\n", benches[i].name,
		       (double)best / N);
	}
	return 0;
}
