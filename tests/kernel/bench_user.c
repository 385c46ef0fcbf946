/*
 * User-mode benchmarks: a child of init does N operations (tests/user/
 * bench.c); the figure is (time with N - time with 0) / N, in
 * instructions under -icount shift=0, best of a few runs.
 */
#include "arch/hal/hal.h"
#include "core/init.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "tests/kernel/bench.h"

#define RUNS 3

static uint64_t run_child(const char *name, unsigned n)
{
	char args[48], env[32];
	/* "init\0child\0NAME\0": the NULs go in as characters. */
	int args_size = ksnprintf(args, sizeof(args), "init%cchild%c%s", 0, 0, name) + 1;
	int env_size = ksnprintf(env, sizeof(env), "BENCH_N=%u", n) + 1;
	struct process *p;
	struct process_exit_info info = {.exit_code = -1};
	uint64_t t0 = arch_counter();
	if (init_create(args, (size_t)args_size, env, (size_t)env_size, PRIO_NORMAL, &p) ||
	    process_start(p) || process_wait(p, 0, &info) || info.exit_code) {
		kprintf("bench: child %s failed (%d)\n", name, info.exit_code);
		return 0;
	}
	uint64_t ticks = arch_counter() - t0, hz = arch_counter_hz();
	return hz ? ticks * 1000000000ull / hz : ticks;
}

static uint64_t report(const char *bench, const char *child, unsigned n, unsigned ops)
{
	uint64_t best = UINT64_MAX;
	if (!kbench_wanted(bench))
		return 0;
	for (int r = 0; r < RUNS; r++) {
		uint64_t with = run_child(child, n), without = run_child(child, 0);
		uint64_t per = with > without ? (with - without) / ops : 0;
		if (per < best)
			best = per;
	}
	kprintf("BENCH arch=%s name=%s value=%llu unit=instr\n", arch_name, bench,
		(unsigned long long)best);
	return best;
}

/*
 * A child that measures for itself: its exit code is the figure, best of
 * RUNS (the least instructions, or the most MB/s).
 */
static void report_unit(const char *bench, const char *child, unsigned n, const char *unit)
{
	char args[48], env[32];
	int args_size = ksnprintf(args, sizeof(args), "init%cchild%c%s", 0, 0, child) + 1;
	int env_size = ksnprintf(env, sizeof(env), "BENCH_N=%u", n) + 1;
	int32_t best = -1;
	if (!kbench_wanted(bench))
		return;
	for (int r = 0; r < RUNS; r++) {
		struct process *p;
		struct process_exit_info info = {.exit_code = -1};
		if (init_create(args, (size_t)args_size, env, (size_t)env_size, PRIO_NORMAL, &p) ||
		    process_start(p) || process_wait(p, 0, &info) ||
		    info.exit_reason != EXIT_NORMAL || info.exit_code <= 0) {
			kprintf("bench: child %s failed (%d)\n", child, info.exit_code);
			return;
		}
		bool more = !strcmp(unit, "MB/s");
		if (best < 0 || (more ? info.exit_code > best : info.exit_code < best))
			best = info.exit_code;
	}
	kprintf("BENCH arch=%s name=%s value=%d unit=%s\n", arch_name, bench, best, unit);
}

static void report_code(const char *bench, const char *child, unsigned n)
{
	report_unit(bench, child, n, "instr");
}

/* A figure as a multiple of the null system call, one decimal. */
static void ratio(const char *bench, uint64_t value, uint64_t null)
{
	if (!value || !null)
		return; /* one or the other left out (kbench.only) */
	uint64_t tenths = (value * 10 + null / 2) / null;
	kprintf("bench: %s = %llu.%llu null system calls\n", bench,
		(unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
}

void kbench_user(void)
{
	uint64_t null = report("null_syscall", "bench_null", 2000, 2000);
	report("yield_switch", "bench_yield", 1000, 2000); /* two threads: 2N switches */
	report("process_create_exit_wait", "bench_spawn", 20, 20);
	ratio("ipc_call_reply", report("ipc_call_reply", "bench_ipc", 1000, 1000), null);
	ratio("xous_scalar_call", report("xous_scalar_call", "bench_xous", 1000, 1000), null);
	ratio("notify_wakeup", report("notify_wakeup", "bench_notify", 1000, 2000), null);
	report("shm_move_64k", "bench_shm_move", 20, 20);
	report("shm_share_64k", "bench_shm_share", 20, 20);
	/* Interrupt taken to driver thread acknowledging: the average of 50, best of RUNS. */
	report_code("irq_latency", "bench_irq", 50);
	/* Block requests end to end from a client (tests/user/bench_blk.c), idle time excluded. */
	report_code("blk_read_4k_qd1", "bench_blk_r4k_qd1", 200);
	report_code("blk_read_4k_qd16", "bench_blk_r4k_qd16", 400);
	report_code("blk_write_4k_qd1", "bench_blk_w4k_qd1", 200);
	report_code("blk_write_4k_qd16", "bench_blk_w4k_qd16", 400);
	report_code("blk_read_1m_per_mib", "bench_blk_r1m", 64);
	/*
	 * Files through the file server (tests/user/bench_file.c), and the block
	 * reads they need: asked for by name alone (kbench.only=file_), they take minutes.
	 */
	if (kbench_only()[0] && !strncmp(kbench_only(), "file_", 5)) {
		report_code("file_read_1m_per_mib", "bench_file_r1m", 4);
		report_code("file_raw_blocks_1m_per_mib", "bench_file_raw_r1m", 4);
		report_code("file_read_at_end_1m", "bench_file_lend1m", 4); /* the forwarding */
		report_code("file_write_1m_per_mib", "bench_file_w1m", 4);
		report_code("file_create_delete_100", "bench_file_create100", 2);
	}
	/* Wall clock, asked for by name alone (kbench.only=wall_, in a boot without -icount). */
	if (kbench_only()[0] && !strncmp(kbench_only(), "wall_", 5)) {
		report_unit("wall_blk_read_1m", "bench_blk_wall_r1m", 64, "MB/s");
		report_unit("wall_blk_write_1m", "bench_blk_wall_w1m", 64, "MB/s");
	}
}
