/*
 * The system call fuzzer's process and thread side: `init fuzz SEED CALLS
 * MS [DEPTH PRIORITY]`. The first thread makes random calls (fuzz_calls.c)
 * from a generator seeded with SEED and starts up to FUZZ_WORKERS threads
 * that do the same, each with a seed of its own; children made through
 * PROCESS_CREATE run the fuzzer too, with a share of the budget, to
 * FUZZ_DEPTH. Values the kernel returns (tokens, ids, addresses, words)
 * are remembered and come back as arguments. When the budget or the time
 * is spent, the threads stop, every child is resumed, waited for (the
 * fuzzing ones) or terminated (the rest), and the process exits with the
 * number of unexpected events: a fuzzing child that did not end normally
 * or that saw some itself, a result the kernel has no error for.
 */
#include "hw.h"
#include "fuzz.h"

struct fuzz_state fz;

/* Thread state: the first thread's, then one per worker. */
static struct fuzz_thread threads[1 + FUZZ_WORKERS];
static char worker_stack[FUZZ_WORKERS][16384] __attribute__((aligned(16)));

/* splitmix64: small, and every seed (0 too) gives a full-period stream. */
uint64_t fuzz_rand(struct fuzz_thread *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void fuzz_remember(enum fuzz_kind k, uint64_t v)
{
	/* Threads race on the index: a lost update only loses a value. */
	unsigned i = fz.pool_next[k]++ % FUZZ_POOL;
	uint64_t old = fz.pool[k][i];
	fz.pool[k][i] = v;
	/*
	 * A capability forgotten is revoked: the table is global and the
	 * fuzzer would fill it otherwise (children, threads and regions we
	 * keep track of hold capabilities of their own).
	 */
	if (k < FK_CAPS && old && old != v)
		sys_cap_revoke(old);
}

uint64_t fuzz_recall(struct fuzz_thread *t, enum fuzz_kind k)
{
	unsigned next = fz.pool_next[k], n = next < FUZZ_POOL ? next : FUZZ_POOL;
	/* Mostly one of the last three: a partner for what another thread just made. */
	unsigned back = (unsigned)fuzz_below(t, fuzz_chance(t, 60) && n > 3 ? 3 : n);
	uint64_t v = n ? fz.pool[k][(next - 1 - back) % FUZZ_POOL] : 0;
	if (fuzz_chance(t, 15))
		v ^= 1ull << fuzz_below(t, 64);
	return v;
}

void fuzz_failure(const char *what, uint64_t a, uint64_t b)
{
	char line[160]; /* one write of its own: printf's buffer is not the workers' */
	__atomic_fetch_add(&fz.failures, 1, __ATOMIC_RELAXED);
	int n = snprintf(line, sizeof(line),
			 "fuzz: unexpected: process %llu seed %#llx: %s (%#llx, %#llx)\n",
			 (unsigned long long)fz.pid, (unsigned long long)fz.seed, what,
			 (unsigned long long)a, (unsigned long long)b);
	sys_write(1, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Children. */

void fuzz_child_made(uint64_t pid, uint64_t cap, unsigned kind)
{
	uint64_t own;
	/* A root capability of our own: the fuzzed calls may revoke the one we were given. */
	if (sys_cap_create(OBJ_PROCESS, pid, RIGHTS_ALL, &own))
		own = cap;
	/* Workers make children too (spawn): a slot is claimed atomically. */
	for (unsigned i = 0; i < FUZZ_CHILD_SLOTS; i++) {
		struct fuzz_child *c = &fz.child[i];
		int free = 0;
		if (__atomic_compare_exchange_n(&c->live, &free, 2, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			c->pid = pid;
			c->cap = own;
			c->kind = kind;
			__atomic_store_n(&c->live, 1, __ATOMIC_RELEASE);
			return;
		}
	}
	/*
	 * No room: a child that is not the fuzzer ends and is forgotten (our
	 * exit reaps it), or else the new one does (fuzzing children are
	 * bounded well below the slots).
	 */
	for (unsigned i = 0; i < FUZZ_CHILD_SLOTS; i++) {
		struct fuzz_child *c = &fz.child[i];
		int live = 1;
		if (!c->kind && __atomic_compare_exchange_n(&c->live, &live, 2, false,
							    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			SYS1(SYS_XOUS_PROCESS_TERMINATE, c->pid, NULL);
			c->pid = pid;
			c->cap = own;
			c->kind = kind;
			__atomic_store_n(&c->live, 1, __ATOMIC_RELEASE);
			return;
		}
	}
	SYS1(SYS_XOUS_PROCESS_TERMINATE, pid, NULL);
	if (kind)
		fuzz_failure("no slot for a fuzzing child", pid, 0);
}

static void judge(struct fuzz_child *c, const struct process_exit_info *info)
{
	__atomic_store_n(&c->live, 0, __ATOMIC_RELEASE);
	if (!c->kind)
		return; /* anything may happen to code that is not the fuzzer */
	if (info->exit_reason == EXIT_TERMINATED)
		return; /* a fuzzed call terminated it */
	if (c->kind == FUZZ_TOUCHER && info->exit_reason == EXIT_PAGE_FAULT)
		return; /* it touched memory taken from it: lent, moved, unmapped */
	if (info->exit_reason != EXIT_NORMAL) {
		fuzz_failure("a fuzzing child died", info->process_id,
			     info->exit_reason | (uint64_t)info->fault_addr << 8);
	} else if (info->exit_code) {
		__atomic_fetch_add(&fz.failures, info->exit_code & 0xffff, __ATOMIC_RELAXED);
	}
}

void fuzz_child_reaped(const struct process_exit_info *info)
{
	for (unsigned i = 0; i < FUZZ_CHILD_SLOTS; i++)
		if (fz.child[i].live == 1 && fz.child[i].pid == info->process_id)
			judge(&fz.child[i], info);
}

static unsigned fuzz_children_live(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < FUZZ_CHILD_SLOTS; i++)
		n += fz.child[i].live == 1 && fz.child[i].kind;
	return n;
}

static int64_t child_budget;

size_t fuzz_child_args(struct fuzz_thread *t, unsigned *prio, unsigned *kind)
{
	int64_t left = __atomic_load_n(&fz.calls_left, __ATOMIC_RELAXED);
	uint64_t now = sys_clock();
	if (t->worker || fz.depth >= FUZZ_DEPTH || fz.fuzz_children >= 2 * FUZZ_FUZZ_CHILDREN ||
	    fuzz_children_live() >= FUZZ_FUZZ_CHILDREN || left < 400 || now >= fz.deadline)
		return 0;
	int64_t calls = left / 4;
	__atomic_fetch_sub(&fz.calls_left, calls, __ATOMIC_RELAXED);
	child_budget = calls;
	fz.fuzz_children++;
	unsigned ms = (unsigned)((fz.deadline - now) / 2000000u) + 1;
	/* Our own priority, inherited (0) or named: its threads keep to it (fuzz_calls.c). */
	*prio = fuzz_chance(t, 50) ? 0 : fz.prio;
	*kind = fuzz_chance(t, 30) ? FUZZ_TOUCHER : FUZZ_FUZZER;
	int n = snprintf(t->args, sizeof(t->args), "init%cfuzz%c%#llx%c%lld%c%u%c%u%c%u%c%u", 0, 0,
			 (unsigned long long)fuzz_rand(t), 0, (long long)calls, 0, ms, 0,
			 fz.depth + 1, 0, fz.prio, 0, *kind == FUZZ_TOUCHER);
	return (size_t)n + 1;
}

void fuzz_child_refund(void)
{
	__atomic_fetch_add(&fz.calls_left, child_budget, __ATOMIC_RELAXED);
	fz.fuzz_children--;
}

/* Workers. */

uintptr_t fuzz_worker_stack(unsigned *slot)
{
	for (unsigned i = 0; i < FUZZ_WORKERS; i++)
		if (!fz.worker_busy[i]) {
			fz.worker_busy[i] = 1;
			*slot = i;
			threads[1 + i] = (struct fuzz_thread){
			    .rng = fuzz_rand(&threads[0]) ^ i,
			    .worker = true,
			};
			return (uintptr_t)worker_stack[i];
		}
	return 0;
}

void fuzz_worker_release(unsigned slot)
{
	fz.worker_busy[slot] = 0;
}

void fuzz_worker_made(unsigned slot, uint64_t tid)
{
	if (sys_cap_create(OBJ_THREAD, tid, RIGHTS_ALL, &fz.worker_cap[slot]))
		fz.worker_cap[slot] = 0;
}

/* Whether thread t goes on: calls left, and time (looked at every 16 calls). */
static bool go_on(struct fuzz_thread *t)
{
	return !fz.stop && __atomic_load_n(&fz.calls_left, __ATOMIC_RELAXED) > 0 &&
	       ((t->calls & 15) || sys_clock() < fz.deadline);
}

/* A worker's loop; the first is mostly a server, a partner for everybody's calls. */
static void run(struct fuzz_thread *t, bool server)
{
	while (go_on(t)) {
		__atomic_fetch_sub(&fz.calls_left, 1, __ATOMIC_RELAXED);
		if (server && fuzz_chance(t, 60))
			fuzz_serve(t);
		else
			fuzz_one(t);
		t->calls++;
	}
}

void fuzz_worker_entry(uintptr_t slot)
{
	struct fuzz_thread *t = &threads[1 + slot];
	uintptr_t r[7];
	if (!SYS0(SYS_IPC_BUFFER, r))
		t->ipcbuf = (struct ipc_buffer *)r[0];
	run(t, slot == 0);
	sys_thread_exit(0);
}

/* A worker is gone once its join succeeds, or it is not there to join any more. */
static bool worker_gone(unsigned i, uint64_t timeout_ns)
{
	int code;
	if (!fz.worker_busy[i])
		return true;
	if (!fz.worker_cap[i])
		return false; /* we cannot tell: its stack stays its own */
	long err = sys_thread_join(fz.worker_cap[i], timeout_ns, &code);
	if (err == E_TIMEOUT || err == E_BUSY)
		return false;
	fz.worker_busy[i] = 0;
	return true;
}

/* Reap children that ended, so their slots serve again (first thread only). */
static void reap_children(void)
{
	for (unsigned i = 0; i < FUZZ_CHILD_SLOTS; i++) {
		struct fuzz_child *c = &fz.child[i];
		struct process_exit_info info;
		if (c->live != 1)
			continue;
		long err = sys_process_wait(c->cap, 1000, &info);
		if (!err)
			judge(c, &info);
		else if (err != E_TIMEOUT && err != E_BUSY) /* reaped by a fuzzed wait */
			__atomic_store_n(&c->live, 0, __ATOMIC_RELEASE);
	}
}

/* Reap workers that ended, so their slots serve again. */
static void reap_workers(void)
{
	for (unsigned i = 0; i < FUZZ_WORKERS; i++)
		if (fz.worker_busy[i])
			worker_gone(i, 1000);
}

/*
 * The end: stop the workers (one may be blocked for good in a call that
 * has no timeout; the exit ends it), resume every child, terminate those
 * that are not the fuzzer, and wait for each.
 */
static void finish(void)
{
	fz.stop = 1;
	uint64_t until = sys_clock() + 2000000000ull;
	for (unsigned i = 0; i < FUZZ_WORKERS; i++)
		while (fz.worker_cap[i] && !worker_gone(i, 20000000) && sys_clock() < until)
			;
	for (unsigned i = 0; i < FUZZ_CHILD_SLOTS; i++) {
		struct fuzz_child *c = &fz.child[i];
		if (c->live != 1)
			continue;
		SYS1(SYS_XOUS_PROCESS_RESUME, c->pid, NULL);
		if (!c->kind)
			SYS1(SYS_XOUS_PROCESS_TERMINATE, c->pid, NULL);
	}
	/* Fuzzing children end by their deadline, which is before ours: then they hang. */
	until = sys_clock() + 30000000000ull;
	for (unsigned i = 0; i < FUZZ_CHILD_SLOTS; i++) {
		struct fuzz_child *c = &fz.child[i];
		struct process_exit_info info;
		long err = E_TIMEOUT;
		while (c->live == 1 && err == E_TIMEOUT) {
			err = c->cap ? sys_process_wait(c->cap, 100000000, &info) : E_NOT_FOUND;
			if (err == E_TIMEOUT && sys_clock() > until) {
				fuzz_failure("a fuzzing child hangs", c->pid, 0);
				SYS1(SYS_XOUS_PROCESS_TERMINATE, c->pid, NULL);
				until = UINT64_MAX;
			}
		}
		if (!err)
			judge(c, &info);
		c->live = 0; /* else reaped by a fuzzed wait, or its capability is gone */
	}
}

/*
 * Every init holds the root hardware capabilities: a fuzzer with them could
 * move a PCI BAR over the kernel's RAM or reset the machine through a port,
 * as the root may. It keeps what cannot hurt the machine: DMA memory, the
 * interrupt lines (a bound line masks itself) and the machine description,
 * in fz.hw (the pools revoke what they forget), and drops the rest.
 */
static void drop_hardware(void)
{
	uint64_t token;
	while ((token = hw_find_cap(OBJ_IO_PORTS, 0)))
		sys_cap_revoke(token);
	while ((token = hw_find_cap(OBJ_MMIO, 0)))
		sys_cap_revoke(token);
	while ((token = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS)))
		sys_cap_revoke(token);
	static const unsigned kept[] = {OBJ_INTERRUPT, OBJ_DMA, OBJ_DEVICE};
	for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if ((token = hw_find_cap(kept[i], HW_DEV_ROOT)))
			fz.hw[fz.nhw++] = token;
}

static void setup(struct fuzz_thread *t)
{
	drop_hardware();
	struct thread_info ti;
	sys_thread_info(0, &ti);
	fz.pid = ti.process_id;
	fz.main_tid = ti.thread_id;
	if (!utest_image(&fz.image, &fz.image_size))
		fuzz_failure("no image of our own to run children from", 0, 0);
	/* The arena: kernel results land here, and nothing else of ours is written by it. */
	void *arena;
	if (sys_mmap((void *)FUZZ_ARENA, FUZZ_ARENA_SIZE, PROT_READ | PROT_WRITE, &arena, NULL))
		fuzz_failure("no arena", FUZZ_ARENA, 0);
	uintptr_t buf[7];
	if (!SYS0(SYS_IPC_BUFFER, buf))
		t->ipcbuf = (struct ipc_buffer *)buf[0];
	fuzz_remember(FK_PID, fz.pid);
	fuzz_remember(FK_ID, fz.main_tid);
	uintptr_t r[7];
	for (unsigned i = 0; i < 2; i++)
		if (!SYS0(SYS_IPC_ENDPOINT_CREATE, r))
			fz.hot[fz.nhot++] = r[1];
	if (fz.nhot == 2 && !SYS2(SYS_IPC_CHANNEL_CREATE, fz.hot[0], fz.hot[1], r))
		fz.hot[fz.nhot++] = r[1];
	/* What our parent granted us: its endpoints first (fuzz_calls.c, make_spec). */
	for (unsigned i = 0; i < 16 && utest_cap(i); i++) {
		if (i < 2)
			fz.hot[fz.nhot++] = utest_cap(i);
		else
			fuzz_remember(FK_TOKEN, utest_cap(i));
	}
	fuzz_remember(FK_ADDR, FUZZ_ARENA);
}

int fuzz_main(int argc, char **argv)
{
	if (argc < 3) {
		printf("usage: init fuzz SEED CALLS MS [DEPTH PRIORITY TOUCH]\n");
		return 127;
	}
	fz.seed = strtoul(argv[0], NULL, 0);
	fz.calls_left = (int64_t)strtoul(argv[1], NULL, 0);
	uint64_t ms = strtoul(argv[2], NULL, 0);
	fz.depth = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 0;
	fz.prio = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 20;
	fz.touch = argc > 5 && strtoul(argv[5], NULL, 0);
	fz.deadline = sys_clock() + ms * 1000000ull;
	struct fuzz_thread *t = &threads[0];
	t->rng = fz.seed;
	setup(t);
	printf("fuzz: process %llu seed %#llx: %lld calls, %llu ms, depth %u%s\n",
	       (unsigned long long)fz.pid, (unsigned long long)fz.seed, (long long)fz.calls_left,
	       (unsigned long long)ms, fz.depth, fz.touch ? ", touching" : "");
	flush();
	while (go_on(t)) {
		__atomic_fetch_sub(&fz.calls_left, 1, __ATOMIC_RELAXED);
		fuzz_one(t);
		t->calls++;
		if (!(t->calls % 256)) { /* the first thread alone prints and keeps the books */
			reap_workers();
			reap_children();
		}
		if (!fz.depth && !(t->calls % 5000)) {
			printf("fuzz: seed %#llx: %llu calls here, %lld left\n",
			       (unsigned long long)fz.seed, (unsigned long long)t->calls,
			       (long long)fz.calls_left);
			flush();
		}
	}
	finish();
	uint64_t calls = 0, ok = 0;
	for (unsigned i = 0; i <= FUZZ_WORKERS; i++)
		calls += threads[i].calls, ok += threads[i].ok;
	printf("fuzz: process %llu seed %#llx done: %llu calls (%llu succeeded, %llu left out), "
	       "%d unexpected\n",
	       (unsigned long long)fz.pid, (unsigned long long)fz.seed, (unsigned long long)calls,
	       (unsigned long long)ok, (unsigned long long)fz.filtered, fz.failures);
	if (!fz.depth) { /* what got through, by call number: succeeded/made */
		printf("fuzz: by call, succeeded/made:");
		for (unsigned nr = 0; nr < SYS_COUNT; nr++)
			if (fz.made[nr])
				printf(" %u:%u/%u", nr, fz.succeeded[nr], fz.made[nr]);
		if (fz.made[SYS_COUNT])
			printf(" r2:%u/%u", fz.succeeded[SYS_COUNT], fz.made[SYS_COUNT]);
		printf("\n");
	}
	flush();
	return fz.failures > 0xffff ? 0xffff : fz.failures;
}
