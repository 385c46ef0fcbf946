/*
 * Memory-management benchmarks, run when the command line holds "kbench".
 * Under QEMU -icount shift=0 virtual time advances 1 ns per instruction, so
 * counter ticks converted to ns are instructions: rdtsc counts them
 * directly, cntvct_el0 and the RISC-V time CSR at their own rates. Each
 * figure is the best of several runs of N operations.
 */
#include "tests/kernel/bench.h"
#include "arch/hal/hal.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "core/kthread.h"
#include "core/process.h"
#include "mm/heap.h"
#include "mm/kvm.h"
#include "mm/pmm.h"
#include "tests/kernel/bench_mm.h"

#define N    2000
#define RUNS 5

typedef void (*bench_fn)(int n);

#define NOP10 "nop; nop; nop; nop; nop; nop; nop; nop; nop; nop;"

/* Calibration: exactly 100 instructions per iteration beyond the loop. */
static void nops_100(int n)
{
	for (int i = 0; i < n; i++)
		__asm__ volatile(NOP10 NOP10 NOP10 NOP10 NOP10 NOP10 NOP10 NOP10 NOP10 NOP10 ::
				     : "memory");
}

/* Two threads yielding to each other N times: 2N switches through the scheduler. */
static uint64_t pair_start, pair_end;

static void yielder(void *arg)
{
	(void)arg;
	if (!pair_start)
		pair_start = arch_counter();
	for (int i = 0; i < N; i++)
		kthread_yield();
	pair_end = arch_counter();
}

static uint64_t measure_switch(void)
{
	uint64_t hz = arch_counter_hz(), best = UINT64_MAX;

	for (int r = 0; r < RUNS; r++) {
		pair_start = pair_end = 0;
		struct kthread *a = kthread_create("bench-a", yielder, NULL, PRIO_NORMAL);
		struct kthread *b = kthread_create("bench-b", yielder, NULL, PRIO_NORMAL);
		if (!a || !b)
			return 0;
		kthread_join(a);
		kthread_join(b);
		uint64_t ticks = pair_end - pair_start;
		uint64_t ns = hz ? ticks * 1000000000ull / hz : ticks;
		if (ns < best)
			best = ns;
	}
	return best / (2 * N);
}

static void empty(int n)
{
	for (int i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
}

/* Instructions (ns of virtual time) for one call of fn, loop overhead included. */
static uint64_t measure(bench_fn fn)
{
	uint64_t hz = arch_counter_hz(), best = UINT64_MAX;

	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = arch_counter();
		fn(N);
		uint64_t ticks = arch_counter() - t0;
		/* rdtsc under -icount counts ns already; other counters tick at hz. */
		uint64_t ns = hz ? ticks * 1000000000ull / hz : ticks;
		if (ns < best)
			best = ns;
	}
	return best;
}

static const char *only = "";

const char *kbench_only(void)
{
	return only;
}

bool kbench_wanted(const char *name)
{
	return !strncmp(name, only, strlen(only));
}

/* One figure: instructions per operation, the empty loop taken off. */
static void report(const char *name, bench_fn fn, uint64_t base)
{
	if (!kbench_wanted(name))
		return;
	uint64_t t = measure(fn);
	kprintf("BENCH arch=%s name=%s value=%llu unit=instr\n", arch_name, name,
		(unsigned long long)((t > base ? t - base + N / 2 : 0) / N)); /* to the nearest */
}

void kbench_boot(void)
{
	uint64_t hz = arch_counter_hz(), end = process_first_user_counter();
	uint64_t ticks = end > arch_boot_counter() ? end - arch_boot_counter() : 0;
	/* Counted in 128-bit: ticks * 10^9 overflows 64 bits past about 18 s. */
	uint64_t instr = hz ? (uint64_t)((unsigned __int128)ticks * 1000000000u / hz) : ticks;
	kprintf("BENCH arch=%s name=boot_to_user value=%llu unit=instr\n", arch_name,
		(unsigned long long)instr);
}

void kbench_run_all(const char *prefix)
{
	uint64_t frame, anchor;
	only = prefix;

	kbench_user();

	/* A neighbour keeps the leaf table alive, as in a populated address space. */
	allocate_frames(1, ZONE_NORMAL, &frame);
	allocate_frames(1, ZONE_NORMAL, &anchor);
	map_page(&kernel_pt, KVM_SCRATCH_VA + PAGE_SIZE, anchor * FRAME_SIZE,
		 PTE_PRESENT | PTE_NO_EXECUTE | PTE_GLOBAL);
	bench_map =
	    (struct bench_map_target){&kernel_pt, KVM_SCRATCH_VA, frame * FRAME_SIZE,
				      PTE_PRESENT | PTE_WRITABLE | PTE_NO_EXECUTE | PTE_GLOBAL};
	uint64_t base = measure(empty);
	if (kbench_wanted("kthread_switch"))
		kprintf("BENCH arch=%s name=kthread_switch value=%llu unit=instr\n", arch_name,
			(unsigned long long)measure_switch());
	for (unsigned i = 0; i < sizeof(bench_mm_ops) / sizeof(bench_mm_ops[0]); i++)
		report(bench_mm_ops[i].name, bench_mm_ops[i].run, base);
	report("calibration_100_nops", nops_100, base);
	unmap_page(&kernel_pt, KVM_SCRATCH_VA + PAGE_SIZE, NULL);
	free_frames(anchor, 1);
	free_frames(frame, 1);
}
