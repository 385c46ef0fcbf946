/*
 * The system call fuzzer from the kernel's side: for each seed of
 * `fuzz.seed=` (a comma-separated list, default 1) run `init fuzz SEED
 * CALLS MS` (tests/user/fuzz.c) with CALLS from `fuzz.calls=` and MS from
 * `fuzz.ms=` (default 30000), bounded so that a hang fails instead of
 * hanging, and check that it saw nothing unexpected and that frames, heap
 * bytes and blocks, capabilities, reply tokens, threads and processes are
 * back exactly where they were. Without `fuzz.calls=` the test does
 * nothing: CI boots a kernel for it alone (`ktest.only=fuzz`).
 */
#include "arch/hal/irq.h"
#include "include/abi/hw.h"
#include "arch/hal/timer.h"
#include "cap/cap.h"
#include "core/boot_info.h"
#include "core/kthread.h"
#include "core/metrics.h"
#include "core/process.h"
#include "ipc/ipc.h"
#include "ipc/port.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "tests/kernel/ktest.h"

extern const char init_image[], init_image_end[];

static uint64_t number(const char *s, const char **end)
{
	uint64_t v = 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, base = 16;
	for (;; s++) {
		unsigned d = *s >= '0' && *s <= '9'   ? (unsigned)(*s - '0')
			     : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
			     : *s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10)
						      : 99;
		if (d >= base)
			break;
		v = v * base + d;
	}
	if (end)
		*end = s;
	return v;
}

static bool option(const char *key, char *buf, size_t len)
{
	const struct boot_info *bi = ktest_boot_info();
	return bi && boot_cmdline_get(bi, key, buf, len) && *buf;
}

/* Processes from `first` on that still exist: print them (and count them). */
static unsigned dump_from(uint64_t first, unsigned limit)
{
	unsigned n = 0;
	for (uint64_t pid = first; pid < first + 50000 && n < limit; pid++) {
		struct process *q = process_find(pid);
		if (q) {
			process_dump(q);
			n++;
		}
	}
	return n;
}

/*
 * Orphans made of random code (flat or spawned children whose parent
 * ended) may run on for good, as any running orphan may: end those, and
 * only those; a fuzzer ("init") still there, or a process that cannot
 * run, stays and fails the check.
 */
static unsigned end_running_code(uint64_t first, unsigned limit)
{
	unsigned n = 0, seen = 0;
	for (uint64_t pid = first; pid < first + 50000 && seen < limit; pid++) {
		struct process *q = process_find(pid);
		if (!q)
			continue;
		seen++;
		if (q->state == P_RUNNING && !q->suspended && strcmp(q->name, "init")) {
			process_terminate(q, -1, EXIT_TERMINATED, 0);
			n++;
		}
	}
	return n;
}

/* Wait up to `ms` for the process count to come down to `n`. */
static void fuzz_round(uint64_t seed, uint64_t calls, uint64_t ms)
{
	char args[96];
	int size = ksnprintf(args, sizeof(args), "init%cfuzz%c%#llx%c%llu%c%llu", 0, 0,
			     (unsigned long long)seed, 0, (unsigned long long)calls, 0,
			     (unsigned long long)ms) +
		   1;
	struct process_spec spec = {
	    .image = init_image,
	    .image_size = (uint64_t)(init_image_end - init_image),
	    .args = args,
	    .args_size = (uint64_t)size,
	    .priority = PRIO_NORMAL,
	    .flags = PROCESS_MAP_IMAGE, /* and no I/O ports: r2 port calls must be refused */
	};
	struct ktest_footprint before = ktest_footprint();
	uint64_t syscalls = metrics.syscalls, start = arch_time_ns();
	struct process *p;
	struct process_exit_info info;
	kprintf("fuzz: seed %#llx, %llu calls within %llu ms\n", (unsigned long long)seed,
		(unsigned long long)calls, (unsigned long long)ms);
	KASSERT_EQ(process_create(NULL, &spec, &p), E_OK);
	/* The hardware that cannot hurt the machine (tests/user/fuzz.c drops the rest). */
	KASSERT_EQ(create_capability_range(&p->caps, OBJ_DMA, 0, 0, RIGHTS_ALL, NULL), E_OK);
	KASSERT_EQ(
	    create_capability_range(&p->caps, OBJ_INTERRUPT, 0, arch_irq_limit(), RIGHTS_ALL, NULL),
	    E_OK);
	KASSERT_EQ(create_capability_range(&p->caps, OBJ_DEVICE, HW_DEV_ID(HW_DEV_ROOT, 0), 0,
					   RIGHT_READ, NULL),
		   E_OK);
	uint64_t top = p->pid;
	KASSERT_EQ(process_start(p), E_OK);
	/* Its children end by its deadline; the slack is for their cleanup under a loaded host. */
	int err = process_wait(p, (ms + 90000) * 1000000ull, &info);
	if (err == E_TIMEOUT) {
		kprintf("fuzz: seed %#llx hangs; its processes:\n", (unsigned long long)seed);
		dump_from(top, 64);
		ipc_dump();
		process_terminate(p, -1, EXIT_TERMINATED, 0);
		process_wait(p, 10000000000ull, &info);
	}
	KASSERT_EQ(err, E_OK);
	uint64_t made = metrics.syscalls - syscalls, took = (arch_time_ns() - start) / 1000000;
	kprintf("fuzz: seed %#llx: exit %d (reason %u), %llu system calls in %llu ms\n",
		(unsigned long long)seed, info.exit_code, info.exit_reason,
		(unsigned long long)made, (unsigned long long)took);
	KASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	KASSERT_EQ(info.exit_code, 0);
	/*
	 * Orphaned fuzzers (their parent was terminated) run on to their own
	 * budget or deadline, at most the top's: wait for that, and some more.
	 */
	uint64_t now = arch_time_ns(), end = start + ms * 1000000ull;
	unsigned grace = 5000 + (end > now ? (unsigned)((end - now) / 1000000) : 0);
	if (!ktest_settle(before.processes, grace)) {
		unsigned n = end_running_code(top, process_count() - before.processes);
		if (n)
			kprintf("fuzz: %u orphans of random code still ran: ended\n", n);
		if (!ktest_settle(before.processes, 5000)) {
			kprintf("fuzz: processes left behind:\n");
			dump_from(top, process_count() - before.processes);
		}
	}
	struct ktest_footprint after = ktest_footprint();
	ktest_footprint_print("fuzz", "before", &before);
	ktest_footprint_print("fuzz", "after", &after);
	KASSERT_EQ(after.processes, before.processes);
	KASSERT_EQ(after.threads, before.threads);
	KASSERT_EQ(after.caps, before.caps);
	KASSERT_EQ(after.replies, before.replies);
	KASSERT_EQ(after.heap_blocks, before.heap_blocks);
	KASSERT_EQ(after.heap_bytes, before.heap_bytes);
	KASSERT_EQ(after.frames, before.frames);
}

struct fuzz_job {
	uint64_t seed, calls, ms;
};

static void fuzz_thread(void *arg)
{
	const struct fuzz_job *j = arg;
	fuzz_round(j->seed, j->calls, j->ms);
}

KTEST(fuzz)
{
	char buf[128];
	/* Not a skip: a test boot without it is complete (ctest's fuzz-ARCH boots for it alone). */
	if (!option("fuzz.calls", buf, sizeof(buf)))
		return;
	uint64_t calls = number(buf, NULL);
	uint64_t ms = option("fuzz.ms", buf, sizeof(buf)) ? number(buf, NULL) : 30000;
	if (!option("fuzz.seed", buf, sizeof(buf)))
		ksnprintf(buf, sizeof(buf), "1");
	for (const char *s = buf; *s;) {
		const char *end;
		uint64_t seed = number(s, &end);
		KASSERT(end != s); /* a list of numbers, decimal or 0x hex */
		/*
		 * The suite runs on the idle thread, which a user thread that
		 * spins (random code, at any priority) would starve: each round
		 * runs in a kernel thread above every user priority, so its
		 * timeouts and its ending of runaway orphans always run.
		 */
		struct fuzz_job job = {seed, calls, ms};
		struct kthread *t = kthread_create("fuzz", fuzz_thread, &job, PRIO_REALTIME);
		KASSERT(t != NULL);
		KASSERT_EQ(kthread_join(t), E_OK);
		s = *end == ',' ? end + 1 : end;
		KASSERT(*s == 0 || end[0] == ',');
	}
}
