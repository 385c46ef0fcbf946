/*
 * Native IPC from user mode: endpoints, channels, send/receive/call/reply
 * between processes, timeouts, closed channels, a server killed mid-call,
 * capabilities carried by messages, bad arguments.
 */
#include "ipc.h"
#include "utest.h"

#define STACK	  16384
#define IPC_QUOTA 32 /* IPC_PER_PROCESS */

/* A server child: replies w0 + 1 to every call on the endpoint it was given, until w0 = 0. */
UCHILD(ipc_echo)
{
	uint64_t ep = utest_cap(0);
	struct ipc_message m;
	long err = ipc_receive(ep, 0, &m);
	while (!err && m.w[0]) {
		uint64_t w[4] = {m.w[0] + 1, m.sender, m.w[2], m.w[3]};
		err = ipc_reply_receive(m.reply, MSG_INFO(32, MSG_SMALL), w, ep, &m);
	}
	if (!err)
		err = ipc_reply(m.reply, 0, NULL);
	return (int)err;
}

/* A client child: 20 calls carrying its argument, each answered with w0 * 2. */
UCHILD(ipc_client)
{
	uint64_t ep = utest_cap(0);
	uint64_t me = strtoul(utest_child_arg, NULL, 0);
	for (uint64_t i = 1; i <= 20; i++) {
		uint64_t w[4] = {me * 1000 + i, 0, 0, 0};
		struct ipc_message r;
		long err = ipc_call(ep, MSG_INFO(8, MSG_SMALL), w, &r);
		if (err)
			return (int)err;
		if (r.w[0] != w[0] * 2)
			return 100;
	}
	return 0;
}

/* Receives one call and then crashes without replying. */
UCHILD(ipc_crash_server)
{
	struct ipc_message m;
	if (ipc_receive(utest_cap(0), 0, &m))
		return 1;
	*(volatile int *)0 = 1;
	return 2;
}

/* Receives a message with a capability and says what it is: the object type, or 100 + error. */
UCHILD(ipc_cap_receiver)
{
	struct ipc_message m;
	long err = ipc_receive(utest_cap(0), 0, &m);
	if (err)
		return 100 + (int)err;
	if (!(m.info & MSG_CAP))
		return 99;
	struct ipc_buffer *b = ipc_buffer();
	unsigned type;
	uint64_t object;
	uint32_t rights;
	err = sys_cap_validate(b->header.capability, 0, &type, &object, &rights);
	if (err)
		return 100 + (int)err;
	return rights == (RIGHT_READ | RIGHT_GRANT) ? (int)type : 98;
}

UTEST(ping_pong_between_processes)
{
	uint64_t ep, child;
	struct process_exit_info info;
	UASSERT_EQ(ipc_endpoint_create(NULL, &ep), E_OK);
	UASSERT_EQ(utest_start_caps("ipc_echo", NULL, 0, &ep, 1, &child), E_OK);
	for (uint64_t i = 1; i <= 100; i++) {
		uint64_t w[4] = {i, 0, 3 * i, 4 * i};
		struct ipc_message r;
		UASSERT_EQ(ipc_call(ep, MSG_INFO(32, MSG_SMALL), w, &r), E_OK);
		UASSERT_EQ(r.w[0], i + 1);
		UASSERT_EQ(r.w[2], 3 * i);
		UASSERT_EQ(r.w[3], 4 * i);
		UASSERT_EQ(MSG_LEN(r.info), 32);
		UASSERT_EQ(r.reply, 0);
		UASSERT(r.sender != 0);
	}
	uint64_t quit[4] = {0};
	UASSERT_EQ(ipc_call(ep, 0, quit, NULL), E_OK);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0);
	UASSERT_EQ(sys_cap_revoke(ep), E_OK);
	return 0;
}

UTEST(many_clients_one_server)
{
	enum { CLIENTS = 4, CALLS = 20 };
	uint64_t ep, child[CLIENTS], seen[CLIENTS] = {0};
	UASSERT_EQ(ipc_endpoint_create(NULL, &ep), E_OK);
	for (unsigned c = 0; c < CLIENTS; c++) {
		char arg[4] = {(char)('1' + c), 0};
		UASSERT_EQ(utest_start_caps("ipc_client", arg, 0, &ep, 1, &child[c]), E_OK);
	}
	struct ipc_message m;
	UASSERT_EQ(ipc_receive(ep, 0, &m), E_OK);
	for (unsigned n = 0; n < CLIENTS * CALLS; n++) {
		uint64_t who = m.w[0] / 1000 - 1;
		UASSERT(who < CLIENTS);
		UASSERT_EQ(m.w[0] % 1000, ++seen[who]); /* each client's calls in order */
		uint64_t w[4] = {m.w[0] * 2, 0, 0, 0};
		if (n + 1 < CLIENTS * CALLS)
			UASSERT_EQ(ipc_reply_receive(m.reply, MSG_INFO(8, MSG_SMALL), w, ep, &m),
				   E_OK);
		else
			UASSERT_EQ(ipc_reply(m.reply, MSG_INFO(8, MSG_SMALL), w), E_OK);
	}
	for (unsigned c = 0; c < CLIENTS; c++) {
		struct process_exit_info info;
		UASSERT_EQ(sys_process_wait(child[c], 0, &info), E_OK);
		UASSERT_EQ(info.exit_code, 0);
		UASSERT_EQ(seen[c], CALLS);
	}
	UASSERT_EQ(sys_cap_revoke(ep), E_OK);
	return 0;
}

static uint64_t silent_ep;
static volatile int caller_gave_up;
static void silent_receiver(uintptr_t arg)
{
	(void)arg;
	struct ipc_message m;
	long err = ipc_receive(silent_ep, 0, &m);
	if (!err) { /* reply only once the caller has given up: the reply says so */
		uint64_t end = sys_clock() + UTEST_PATIENCE_NS;
		while (!caller_gave_up && sys_clock() < end)
			sys_sleep(1000000);
		err = ipc_reply(m.reply, 0, NULL);
	}
	sys_thread_exit((int)err);
}

UTEST(timeouts_fire)
{
	uint64_t ep;
	struct ipc_message m;
	uint64_t w[4] = {1, 2, 3, 4};
	UASSERT_EQ(ipc_endpoint_create(NULL, &ep), E_OK);
	uint64_t t0 = sys_clock();
	UASSERT_EQ(ipc_receive(ep, 30, &m), E_TIMEOUT);
	uint64_t t1 = sys_clock();
	UASSERT(t1 - t0 >= 30000000ull); /* how much later is the host's business */
	/* Nobody receives: a send and a call give up too. */
	UASSERT_EQ(ipc_send(ep, MSG_TIMEOUT_MS(MSG_INFO(8, MSG_SMALL), 20), w), E_TIMEOUT);
	UASSERT_EQ(ipc_call(ep, MSG_TIMEOUT_MS(MSG_INFO(8, MSG_SMALL), 20), w, &m), E_TIMEOUT);
	UASSERT(sys_clock() - t1 >= 40000000ull);
	/* A receiver that never replies: the call times out waiting for the reply. */
	uint64_t tid, th;
	int code;
	void *s;
	silent_ep = ep;
	caller_gave_up = 0;
	UASSERT_EQ(sys_mmap(NULL, STACK, PROT_READ | PROT_WRITE, &s, NULL), E_OK);
	UASSERT_EQ(sys_thread_create(silent_receiver, s, STACK, 0, 0, &tid, &th), E_OK);
	UASSERT(utest_wait_blocked(th)); /* it waits on the endpoint: the call reaches it */
	t1 = sys_clock();
	UASSERT_EQ(ipc_call(ep, MSG_TIMEOUT_MS(MSG_INFO(8, MSG_SMALL), 30), w, &m), E_TIMEOUT);
	UASSERT(sys_clock() - t1 >= 30000000ull);
	caller_gave_up = 1;
	UASSERT_EQ(sys_thread_join(th, 0, &code), E_OK);
	UASSERT_EQ(code, E_TIMEOUT);
	sys_munmap(s, STACK);
	UASSERT_EQ(sys_cap_revoke(ep), E_OK);
	return 0;
}

static uint64_t blocked_send_cap;
static void blocked_sender(uintptr_t arg)
{
	(void)arg;
	uint64_t w[4] = {7};
	sys_thread_exit((int)ipc_send(blocked_send_cap, MSG_INFO(8, MSG_SMALL), w));
}

UTEST(closed_channel)
{
	uint64_t a, b, to_b, to_a, tid, th;
	struct ipc_message m;
	uint64_t w[4] = {5, 6, 7, 8};
	int code;
	UASSERT_EQ(ipc_endpoint_create(NULL, &a), E_OK);
	UASSERT_EQ(ipc_endpoint_create(NULL, &b), E_OK);
	UASSERT_EQ(ipc_channel_create(a, b, &to_b, &to_a), E_OK);
	/* Through the channel each way, received on the endpoint at the other end. */
	blocked_send_cap = to_b;
	void *s;
	UASSERT_EQ(sys_mmap(NULL, STACK, PROT_READ | PROT_WRITE, &s, NULL), E_OK);
	UASSERT_EQ(sys_thread_create(blocked_sender, s, STACK, 0, 0, &tid, &th), E_OK);
	UASSERT_EQ(ipc_receive(b, UTEST_PATIENCE_MS, &m), E_OK);
	UASSERT_EQ(m.w[0], 7);
	UASSERT_EQ(sys_thread_join(th, 0, &code), E_OK);
	UASSERT_EQ(code, E_OK);
	UASSERT_EQ(ipc_receive(a, 10, &m), E_TIMEOUT); /* nothing went the other way */
	/* A sender blocked on the channel when it closes is told. */
	UASSERT_EQ(sys_thread_create(blocked_sender, s, STACK, 0, 0, &tid, &th), E_OK);
	UASSERT(utest_wait_blocked(th));
	UASSERT_EQ(ipc_channel_close(to_a), E_OK);
	UASSERT_EQ(sys_thread_join(th, 0, &code), E_OK);
	UASSERT_EQ(code, E_IPC_CLOSED);
	/* And every later message to it. */
	UASSERT_EQ(ipc_send(to_b, MSG_INFO(8, MSG_SMALL), w), E_IPC_CLOSED);
	UASSERT_EQ(ipc_send(to_a, MSG_INFO(8, MSG_SMALL), w), E_IPC_CLOSED);
	UASSERT_EQ(ipc_channel_close(to_a), E_IPC_CLOSED);
	UASSERT_EQ(ipc_receive(b, 10, &m), E_TIMEOUT);
	sys_munmap(s, STACK);
	sys_cap_revoke(a);
	sys_cap_revoke(b);
	return 0;
}

UTEST(server_killed_mid_call)
{
	uint64_t ep, child;
	struct ipc_message m;
	struct process_exit_info info;
	uint64_t w[4] = {1};
	UASSERT_EQ(ipc_endpoint_create(NULL, &ep), E_OK);
	UASSERT_EQ(utest_start_caps("ipc_crash_server", NULL, 0, &ep, 1, &child), E_OK);
	/* The server takes the call, then dies: the caller learns it, it does not hang. */
	UASSERT_EQ(ipc_call(ep, MSG_INFO(8, MSG_SMALL), w, &m), E_PROCESS_TERMINATED);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
	UASSERT_EQ(sys_cap_revoke(ep), E_OK);
	return 0;
}

UTEST(capability_travels_with_grant)
{
	uint64_t ep, child, mem, narrow, plain;
	void *page;
	struct process_exit_info info;
	UASSERT_EQ(ipc_endpoint_create(NULL, &ep), E_OK);
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, &page, &mem), E_OK);
	UASSERT_EQ(sys_cap_derive(mem, RIGHT_READ | RIGHT_GRANT, &narrow), E_OK);
	UASSERT_EQ(sys_cap_derive(mem, RIGHT_READ, &plain), E_OK);
	struct ipc_buffer *b = ipc_buffer();
	UASSERT(b != NULL);
	uint64_t w[4] = {1};
	/* Without GRANT, or a forged token, it does not leave. */
	b->send_capability = plain;
	UASSERT_EQ(ipc_send(ep, MSG_INFO(8, MSG_SMALL) | MSG_CAP, w), E_PERMISSION_DENIED);
	b->send_capability = 0x1234567812345678ull;
	UASSERT_EQ(ipc_send(ep, MSG_INFO(8, MSG_SMALL) | MSG_CAP, w), E_INVALID_CAPABILITY);
	UASSERT_EQ(utest_start_caps("ipc_cap_receiver", NULL, 0, &ep, 1, &child), E_OK);
	b->send_capability = narrow;
	UASSERT_EQ(ipc_send(ep, MSG_INFO(8, MSG_SMALL) | MSG_CAP, w), E_OK);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, OBJ_MEMORY);
	sys_munmap(page, 4096);
	sys_cap_revoke(mem);
	sys_cap_revoke(ep);
	return 0;
}

static uint64_t echo_ep;
static void full_echo(uintptr_t arg)
{
	(void)arg;
	struct ipc_message m;
	long err = ipc_receive(echo_ep, 0, &m);
	if (!err) { /* all eight words back, reversed, with the header's view of it */
		struct ipc_buffer *b = ipc_buffer();
		uint64_t all[8] = {m.w[0],	m.w[1],	     m.w[2],	  m.w[3],
				   b->words[4], b->words[5], b->words[6], b->words[7]};
		for (unsigned i = 0; i < 8; i++)
			b->words[i] = all[7 - i];
		uint64_t w[4] = {all[7], all[6], all[5], all[4]};
		err = b->header.sequence == 1 && b->header.message_type == MSG_SMALL
			  ? ipc_reply(m.reply, MSG_INFO(64, MSG_SMALL), w)
			  : 99;
	}
	sys_thread_exit((int)err);
}

UTEST(sixty_four_byte_messages)
{
	uint64_t tid, th;
	int code;
	void *s;
	struct ipc_message r;
	UASSERT_EQ(ipc_endpoint_create(NULL, &echo_ep), E_OK);
	UASSERT_EQ(sys_mmap(NULL, STACK, PROT_READ | PROT_WRITE, &s, NULL), E_OK);
	UASSERT_EQ(sys_thread_create(full_echo, s, STACK, 0, 0, &tid, &th), E_OK);
	struct ipc_buffer *b = ipc_buffer();
	uint64_t w[4] = {10, 11, 12, 13};
	for (unsigned i = 4; i < 8; i++)
		b->words[i] = 10 + i;
	UASSERT_EQ(ipc_call(echo_ep, MSG_INFO(65, MSG_SMALL), w, &r), E_IPC_TOO_LARGE);
	UASSERT_EQ(ipc_call(echo_ep, MSG_INFO(8, 77), w, &r), E_INVALID_PARAMETER);
	UASSERT_EQ(ipc_call(echo_ep, MSG_INFO(64, MSG_SMALL), w, &r), E_OK);
	UASSERT_EQ(MSG_LEN(r.info), 64);
	UASSERT_EQ(r.w[0], 17);
	UASSERT_EQ(r.w[3], 14);
	UASSERT_EQ(b->words[4], 13);
	UASSERT_EQ(b->words[7], 10);
	UASSERT_EQ(b->header.sender, r.sender);
	UASSERT_EQ(sys_thread_join(th, 0, &code), E_OK);
	UASSERT_EQ(code, E_OK);
	sys_munmap(s, STACK);
	/* The buffer's page is the kernel's to place: it cannot be unmapped or mapped over. */
	UASSERT_EQ(sys_munmap(b, 4096), E_BUSY);
	UASSERT_EQ(sys_cap_revoke(echo_ep), E_OK);
	return 0;
}

UTEST(ipc_bad_arguments)
{
	uint64_t ep, a, to_b, to_a, mem;
	void *page;
	struct ipc_message m;
	uint64_t w[4] = {0};
	UASSERT_EQ(ipc_endpoint_create(NULL, &ep), E_OK);
	UASSERT_EQ(ipc_endpoint_create(NULL, &a), E_OK);
	UASSERT_EQ(ipc_channel_create(a, ep, &to_b, &to_a), E_OK);
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_READ, &page, &mem), E_OK);
	/* Wrong objects and rights. */
	UASSERT_EQ(ipc_send(mem, 0, w), E_PERMISSION_DENIED);
	UASSERT_EQ(ipc_receive(to_b, 1, &m), E_INVALID_CAPABILITY);
	UASSERT_EQ(ipc_send(0xdeadbeefull, 0, w), E_INVALID_CAPABILITY);
	uint64_t send_only;
	UASSERT_EQ(sys_cap_derive(ep, RIGHT_WRITE, &send_only), E_OK);
	UASSERT_EQ(ipc_receive(send_only, 1, &m), E_PERMISSION_DENIED);
	UASSERT_EQ(ipc_channel_create(mem, ep, &to_b, &to_a), E_INVALID_CAPABILITY);
	/* Reply tokens: made up, or used twice. */
	UASSERT_EQ(ipc_reply(0, 0, w), E_IPC_INVALID_REPLY);
	UASSERT_EQ(ipc_reply(0x123456789ull, 0, w), E_IPC_INVALID_REPLY);
	UASSERT_EQ(ipc_channel_close(ep), E_INVALID_CAPABILITY);
	UASSERT_EQ(SYS2(SYS_IPC_REPLY, 0, MSG_INFO(100, 0), NULL), E_IPC_TOO_LARGE);
	sys_munmap(page, 4096);
	sys_cap_revoke(mem);
	sys_cap_revoke(a);
	sys_cap_revoke(ep);
	return 0;
}

/*
 * Large messages: a reader of shared regions. Each call is MSG_LARGE with
 * words {region token (ours), offset, length, keep}; it maps the region
 * (once, while `keep` says the same region comes again), sums the bytes
 * as 64-bit words and replies with the sum. Word 0 = 0: quit.
 */
UCHILD(shm_reader)
{
	uint64_t ep = utest_cap(0), mapped_token = 0;
	const uint64_t *base = NULL;
	struct ipc_message m;
	long err = ipc_receive(ep, 0, &m);
	while (!err && m.w[0]) {
		if (MSG_TYPE(m.info) != MSG_LARGE)
			return 90;
		if (m.w[0] != mapped_token) {
			void *at;
			if ((err = sys_shared_region_map(m.w[0], NULL, PROT_READ, &at)))
				return 91;
			base = at;
			mapped_token = m.w[0];
		}
		uint64_t sum = 0;
		const uint64_t *p = base + m.w[1] / 8;
		for (uint64_t i = 0; i < m.w[2] / 8; i++)
			sum += p[i];
		if (!m.w[3]) { /* done with it */
			sys_munmap((void *)base, m.w[1] + m.w[2]);
			sys_cap_revoke(mapped_token);
			mapped_token = 0;
		}
		uint64_t w[4] = {sum, 0, 0, 0};
		err = ipc_reply_receive(m.reply, MSG_INFO(8, MSG_SMALL), w, ep, &m);
	}
	if (!err)
		err = ipc_reply(m.reply, 0, NULL);
	return (int)err;
}

UTEST(large_message_through_a_shared_region)
{
	uint64_t ep, child, region, theirs;
	uint64_t *data;
	struct ipc_message r;
	struct process_exit_info info;
	UASSERT_EQ(ipc_endpoint_create(NULL, &ep), E_OK);
	UASSERT_EQ(utest_start_caps("shm_reader", NULL, 0, &ep, 1, &child), E_OK);
	UASSERT_EQ(sys_shared_region_create(16384, PROT_READ | PROT_WRITE, NULL, &region), E_OK);
	UASSERT_EQ(sys_shared_region_map(region, NULL, 0, (void **)&data), E_OK);
	uint64_t sum = 0;
	for (unsigned i = 0; i < 2048; i++)
		sum += data[i] = i * 3 + 1;
	UASSERT_EQ(sys_shared_region_transfer(region, child, SHM_SHARE, &theirs), E_OK);
	uint64_t w[4] = {theirs, 0, 16384, 1};
	UASSERT_EQ(ipc_call(ep, MSG_INFO(32, MSG_LARGE), w, &r), E_OK);
	UASSERT_EQ(r.w[0], sum);
	/* Shared: the reader sees what we write next, without a copy. */
	data[5] += 1000;
	w[1] = 0;
	w[2] = 8192;
	w[3] = 0;
	UASSERT_EQ(ipc_call(ep, MSG_INFO(32, MSG_LARGE), w, &r), E_OK);
	uint64_t half = 0;
	for (unsigned i = 0; i < 1024; i++)
		half += data[i];
	UASSERT_EQ(r.w[0], half);
	uint64_t quit[4] = {0};
	UASSERT_EQ(ipc_call(ep, 0, quit, NULL), E_OK);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0);
	sys_munmap(data, 16384);
	sys_cap_revoke(region);
	sys_cap_revoke(ep);
	return 0;
}

static uint64_t doomed_ep;
static void doomed_receiver(uintptr_t arg)
{
	(void)arg;
	struct ipc_message m;
	sys_thread_exit((int)ipc_receive(doomed_ep, 0, &m));
}

/* Creates endpoints until refused, gives them all back, and creates again: 0 when right. */
UCHILD(ipc_endpoint_quota)
{
	uint64_t eps[IPC_QUOTA + 1], a, b;
	unsigned n = 0;
	while (n <= IPC_QUOTA && !ipc_endpoint_create(NULL, &eps[n]))
		n++;
	if (n != IPC_QUOTA)
		return 100 + (int)n;
	if (ipc_endpoint_create(NULL, &a) != E_RESOURCE_EXHAUSTED)
		return 1;
	for (unsigned i = 0; i < n; i++)
		if (sys_cap_revoke(eps[i]))
			return 2;
	/* The last capability took each endpoint with it. */
	if (ipc_endpoint_create(NULL, &a) || ipc_endpoint_create(NULL, &b))
		return 3;
	return 0;
}

UTEST(endpoints_go_with_their_last_capability)
{
	uint64_t tid, th, narrow;
	int code;
	void *s;
	struct process_exit_info info;
	uint64_t w[4] = {1};
	UASSERT_EQ(ipc_endpoint_create(NULL, &doomed_ep), E_OK);
	UASSERT_EQ(sys_cap_derive(doomed_ep, RIGHT_WRITE, &narrow), E_OK);
	UASSERT_EQ(sys_mmap(NULL, STACK, PROT_READ | PROT_WRITE, &s, NULL), E_OK);
	UASSERT_EQ(sys_thread_create(doomed_receiver, s, STACK, 0, 0, &tid, &th), E_OK);
	UASSERT(utest_wait_blocked(th));	     /* it waits on the endpoint */
	UASSERT_EQ(sys_cap_revoke(doomed_ep), E_OK); /* and the derived one with it */
	UASSERT_EQ(sys_thread_join(th, 0, &code), E_OK);
	UASSERT_EQ(code, E_IPC_CLOSED);
	UASSERT_EQ(ipc_send(narrow, MSG_INFO(8, MSG_SMALL), w), E_INVALID_CAPABILITY);
	sys_munmap(s, STACK);
	UASSERT_EQ(utest_spawn("ipc_endpoint_quota", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0);
	return 0;
}
