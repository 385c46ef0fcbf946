/*
 * Block benchmarks, end to end from a client process: `init child
 * bench_blk_NAME` starts a device manager of its own, opens blk0 through
 * the client library and times BENCH_N requests, exiting with the figure:
 * instructions per request (per MiB for the 1 MiB reads) under -icount
 * shift=0, where the clock is the instruction count except while the CPU
 * idles waiting for the disk, which the kernel counts (idle_ns) and we
 * subtract. Everything runs in the window: the client, the driver, the
 * kernel, the manager's heartbeats. The wall-clock children time the same
 * 1 MiB requests by the clock instead, in MB/s (a boot without -icount).
 */
#include "drivers/lib/blkdev.h"
#include "drivers/lib/devmgr.h"
#include "utest.h"

#define BENCH_DISK "blk0"
#define BENCH_DATA (2u << 20)
#define BENCH_SPAN 8192u /* LBAs the requests spread over (4 MiB) */

/* `n` requests of `blocks` each, `depth` in flight; the instructions they took. */
static long run(struct blkdev *d, enum blk_op op, uint32_t blocks, unsigned depth, unsigned long n)
{
	unsigned long sent = 0, done = 0;
	uint32_t bytes = blocks * 512;
	unsigned slots = BENCH_DATA / bytes;
	if (depth > slots)
		depth = slots;
	struct kernel_metrics m0, m1;
	sys_kernel_metrics(&m0);
	uint64_t t0 = bench_busy_ns();
	while (done < n) {
		while (sent < n && sent - done < depth) {
			uint32_t slot = (uint32_t)(sent % depth);
			uint64_t lba = (sent * blocks) % BENCH_SPAN;
			bool more = sent + 1 < n && sent + 1 - done < depth;
			int err =
			    blkdev_submit(d, op, lba, blocks, (uint64_t)slot * bytes, slot, more);
			if (err)
				return -err;
			sent++;
		}
		uint32_t cookie;
		int status;
		int err = blkdev_complete(d, &cookie, &status);
		if (err || status)
			return -(err ? err : status);
		done++;
	}
	long t = (long)(bench_busy_ns() - t0);
	/* Where the instructions went, per 10 requests (a figure to read, not the figure). */
	if (!sys_kernel_metrics(&m1) && n >= 64)
		printf(
		    "bench_blk: %lu x %u blocks, depth %u, per 10 requests: %llu system calls, "
		    "%llu switches, %llu interrupts\n",
		    n, blocks, depth,
		    (unsigned long long)((m1.syscalls_processed - m0.syscalls_processed) * 10 / n),
		    (unsigned long long)((m1.context_switches - m0.context_switches) * 10 / n),
		    (unsigned long long)((m1.interrupts_handled - m0.interrupts_handled) * 10 / n));
	return t;
}

/* Wall-clock figures instead (without -icount): MB/s from the clock, 8 MiB a pass. */
static bool wall;

static int bench(enum blk_op op, uint32_t blocks, unsigned depth, bool per_mib)
{
	unsigned long n = bench_count();
	if (!n)
		return 0;
	uint64_t mgr, proc;
	struct process_exit_info info;
	if (devmgr_start(&mgr, &proc))
		return -1;
	struct blkdev d;
	long figure = -2;
	if (!blkdev_open(&d, mgr, BENCH_DISK, 64, BENCH_DATA)) {
		/* A first pass warms what a first touch costs (pages, the device's caches). */
		long t = run(&d, op, blocks, depth, n < 16 ? n : 16);
		uint64_t t0 = sys_clock();
		if (t >= 0)
			t = run(&d, op, blocks, depth, n);
		uint64_t ns = sys_clock() - t0;
		if (t > 0 && wall)
			figure =
			    ns ? (long)((uint64_t)n * blocks * 512 * 1000 / ns) : -4; /* MB/s */
		else if (t > 0)
			figure = per_mib ? t * 2048 / (long)(n * blocks) : t / (long)n;
		else
			figure = t ? t : -3;
		blkdev_close(&d);
	}
	devmgr_power_off(mgr);
	sys_process_terminate(proc, 0);
	sys_process_wait(proc, 0, &info);
	sys_cap_revoke(proc);
	sys_cap_revoke(mgr);
	return figure > 0x7fffffff ? -1000 : (int)figure;
}

UCHILD(bench_blk_r4k_qd1)
{
	return bench(BLK_OP_READ, 8, 1, false);
}

UCHILD(bench_blk_r4k_qd16)
{
	return bench(BLK_OP_READ, 8, 16, false);
}

UCHILD(bench_blk_w4k_qd1)
{
	return bench(BLK_OP_WRITE, 8, 1, false);
}

UCHILD(bench_blk_w4k_qd16)
{
	return bench(BLK_OP_WRITE, 8, 16, false);
}

/* 1 MiB reads, as the client library passes them: requests of 128 KiB, 8 in flight. */
UCHILD(bench_blk_r1m)
{
	return bench(BLK_OP_READ, 256, 8, true);
}

/* Wall clock: 1 MiB reads and writes as the library passes them (128 KiB, 8 in flight). */
UCHILD(bench_blk_wall_r1m)
{
	wall = true;
	return bench(BLK_OP_READ, 256, 8, true);
}

UCHILD(bench_blk_wall_w1m)
{
	wall = true;
	return bench(BLK_OP_WRITE, 256, 8, true);
}
