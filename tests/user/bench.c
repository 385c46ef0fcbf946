/*
 * Benchmark children: `init child bench_X N` does N operations. The kernel
 * (tests/kernel/bench_user.c) times a run with N and one with 0 and takes
 * the difference, so process start and exit cancel out.
 */
#include "ipc.h"
#include "rng.h"
#include "utest.h"

unsigned long bench_count(void)
{
	const char *n = getenv("BENCH_N");
	return n ? strtoul(n, NULL, 0) : 0;
}

/* Nanoseconds the machine ran (not idle) since boot: instructions, under -icount shift=0. */
uint64_t bench_busy_ns(void)
{
	struct kernel_metrics m;
	if (sys_kernel_metrics(&m))
		return 0;
	return m.uptime_ns - m.idle_ns;
}

UCHILD(bench_null)
{
	for (unsigned long i = bench_count(); i; i--)
		sys_thread_self();
	return 0;
}

static void yield_loop(uintptr_t n)
{
	for (; n; n--)
		sys_yield();
	sys_thread_exit(0);
}

UCHILD(bench_yield)
{
	static char stack[8192] __attribute__((aligned(16)));
	uint64_t tid, cap;
	int code;
	unsigned long n = bench_count();
	if (!n)
		return 0;
	if (sys_thread_create(yield_loop, stack, sizeof(stack), n, 0, &tid, &cap))
		return 1;
	for (unsigned long i = n; i; i--)
		sys_yield();
	return (int)sys_thread_join(cap, 0, &code);
}

UCHILD(bench_spawn)
{
	static const char args[] = "init\0child\0exit0";
	struct process_spec spec = {.args = args, .args_size = sizeof(args)};
	if (!utest_image(&spec.image, &spec.image_size))
		return 1;
	for (unsigned long i = bench_count(); i; i--) {
		uint64_t pid, cap;
		struct process_exit_info info;
		if (sys_process_create(&spec, &pid, &cap) || sys_process_start(cap) ||
		    sys_process_wait(cap, 0, &info) || sys_cap_revoke(cap))
			return 1;
	}
	return 0;
}

/* N calls with a small message to a server process (`ipc_echo`), user stub to user stub. */
UCHILD(bench_ipc)
{
	uint64_t ep, child;
	struct process_exit_info info;
	if (ipc_endpoint_create(NULL, &ep) || utest_start_caps("ipc_echo", NULL, 0, &ep, 1, &child))
		return 1;
	uint64_t w[4] = {1, 2, 3, 4};
	struct ipc_message r;
	for (unsigned long i = bench_count(); i; i--)
		if (ipc_call(ep, MSG_INFO(32, MSG_SMALL), w, &r))
			return 2;
	w[0] = 0; /* quit */
	if (ipc_call(ep, MSG_INFO(8, MSG_SMALL), w, &r) || sys_process_wait(child, 0, &info))
		return 3;
	return info.exit_code;
}

/* N Xous blocking scalar messages to a server process (`xous_server`). */
UCHILD(bench_xous)
{
	uint64_t child, conn, out[5], a[4] = {1, 2, 3, 4};
	struct process_exit_info info;
	long err = utest_start("xous_server", "kestrel.bench.xous", 0, &child);
	for (int i = 0; !err && xous_client_connect("kestrel.bench.xous", &conn); i++)
		if (i == 1000 || sys_yield())
			return 1;
	for (unsigned long i = bench_count(); !err && i; i--)
		err = xous_send_blocking(conn, 1, a, 0, out);
	if (err || xous_send_blocking(conn, 0, a, 0, out) || sys_process_wait(child, 0, &info))
		return 2;
	return info.exit_code;
}

/*
 * N transfers of 64 KiB through a shared region to a reader process
 * (`shm_reader`): fill, hand over, the reader maps and reads it all.
 * Move: a new region each time, moved; Share: one region, shared once.
 */
static int bench_shm(bool move)
{
	enum { SIZE = 65536 };
	uint64_t ep, child, region = 0, theirs = 0, *data = NULL;
	struct process_exit_info info;
	struct ipc_message r;
	if (ipc_endpoint_create(NULL, &ep) ||
	    utest_start_caps("shm_reader", NULL, 0, &ep, 1, &child))
		return 1;
	for (unsigned long n = bench_count(); n; n--) {
		if (!region) {
			if (sys_shared_region_create(SIZE, PROT_READ | PROT_WRITE, NULL, &region) ||
			    sys_shared_region_map(region, NULL, 0, (void **)&data))
				return 2;
			if (!move && sys_shared_region_transfer(region, child, SHM_SHARE, &theirs))
				return 3;
		}
		for (unsigned i = 0; i < SIZE / 8; i++)
			data[i] = n + i;
		if (move && sys_shared_region_transfer(region, child, SHM_MOVE, &theirs))
			return 4; /* our mapping and capability go with it */
		uint64_t w[4] = {theirs, 0, SIZE, !move};
		if (ipc_call(ep, MSG_INFO(32, MSG_LARGE), w, &r))
			return 5;
		if (move)
			region = 0;
	}
	uint64_t quit[4] = {0};
	if (ipc_call(ep, 0, quit, &r) || sys_process_wait(child, 0, &info))
		return 6;
	return info.exit_code;
}

UCHILD(bench_shm_move)
{
	return bench_shm(true);
}

UCHILD(bench_shm_share)
{
	return bench_shm(false);
}

UCHILD(exit0)
{
	return 0;
}

/* The other half of bench_notify: each signal on its first notification answered on its second. */
UCHILD(notify_pong)
{
	uint64_t ping = utest_cap(0), pong = utest_cap(1), bits = 0;
	while (!notification_wait(ping, 0, &bits) && bits == 1)
		if (notification_signal(pong, 1))
			return 1;
	return bits == 2 ? 0 : 2;
}

/* N round trips of signal and wake-up between two processes: 2N wake-ups. */
UCHILD(bench_notify)
{
	uint64_t n[2], child, bits;
	struct process_exit_info info;
	if (notification_create(&n[0]) || notification_create(&n[1]) ||
	    utest_start_caps("notify_pong", NULL, 0, n, 2, &child))
		return 1;
	for (unsigned long i = bench_count(); i; i--)
		if (notification_signal(n[0], 1) || notification_wait(n[1], 0, &bits))
			return 2;
	if (notification_signal(n[0], 2) || sys_process_wait(child, 0, &info))
		return 3;
	return info.exit_code;
}

/*
 * irq_latency: N requests to the virtio-rng-pci; for each interrupt what
 * hw_irq_ack says (ns since the line fired: instructions under -icount
 * shift=0, from the interrupt taken to this thread running and
 * acknowledging). Exits with their average, or a negative code.
 */
UCHILD(bench_irq)
{
	struct rng r = {0};
	uint64_t sum = 0;
	unsigned long n = bench_count();
	long err = n ? rng_open_pci(&r, NULL) : E_INVALID_PARAMETER;
	for (unsigned long i = 0; !err && i < n; i++) {
		uint32_t got;
		uint64_t since = 0;
		err = rng_read(&r, 16, &got, &since);
		sum += since;
	}
	rng_close(&r);
	if (err)
		return -(int)err;
	return sum / n > 0x7fffffff ? -1000 : (int)(sum / n);
}
