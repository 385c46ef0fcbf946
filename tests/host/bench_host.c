/*
 * The memory-management benchmarks on the host, in ns per operation
 * (clock_gettime, best of several runs), for ci/bench: the operations of
 * tests/kernel/bench_mm.c, optimised, without sanitizers.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include "hal_host.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "sched/sched.h"
#include "tests/kernel/bench_mm.h"

#define N    200000
#define RUNS 5

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Pick-next with `count` runnable threads of one priority: each step gives
 * up the current thread's slice and picks the next (round robin), so the
 * figure is one yield_cpu() plus one next_thread(). It must not grow with
 * the number of threads.
 */
static void bench_pick_next(unsigned count)
{
	static struct sched_entity idle, threads[10000];
	struct sched_entity *idles[] = {&idle};
	uint64_t best = UINT64_MAX;

	sched_init(1, idles);
	for (unsigned i = 0; i < count; i++) {
		threads[i] = (struct sched_entity){.id = i + 1};
		schedule_thread(&threads[i], PRIO_NORMAL);
	}
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = now_ns();
		for (int i = 0; i < N; i++) {
			yield_cpu(0);
			next_thread(0);
		}
		uint64_t t = now_ns() - t0;
		if (t < best)
			best = t;
	}
	printf("BENCH arch=host name=pick_next_%u value=%.1f unit=ns\n", count, (double)best / N);
}

int main(void)
{
	static struct boot_info bi;
	static struct page_table pt;
	uint64_t frame, anchor;

	host_phys_setup(64 << 20);
	boot_add_ram(&bi, 0, 64 << 20);
	if (pmm_init(&bi, UINT64_MAX) || pt_create(&pt, &x86_64_pt_format, 4))
		return 1;
	heap_init();
	allocate_frames(1, ZONE_NORMAL, &frame);
	allocate_frames(1, ZONE_NORMAL, &anchor);
	map_page(&pt, 0x40001000, anchor * FRAME_SIZE, PTE_PRESENT);
	bench_map = (struct bench_map_target){&pt, 0x40000000, frame * FRAME_SIZE,
					      PTE_PRESENT | PTE_WRITABLE};
	for (unsigned i = 0; i < sizeof(bench_mm_ops) / sizeof(bench_mm_ops[0]); i++) {
		uint64_t best = UINT64_MAX;
		for (int r = 0; r < RUNS; r++) {
			uint64_t t0 = now_ns();
			bench_mm_ops[i].run(N);
			uint64_t t = now_ns() - t0;
			if (t < best)
				best = t;
		}
		printf("BENCH arch=host name=%s value=%.1f unit=ns\n", bench_mm_ops[i].name,
		       (double)best / N);
	}
	bench_pick_next(10);
	bench_pick_next(1000);
	bench_pick_next(10000);
	return 0;
}
