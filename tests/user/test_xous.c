/*
 * The Xous calls from user mode: server names, scalar and memory messages
 * between processes, lent pages the client cannot touch, a server dying
 * mid-call, interrupts as messages, spawn/suspend/resume/terminate,
 * memory and heap.
 */
#include "ipc.h"
#include "utest.h"

enum { ID_QUIT, ID_SUM, ID_HELD_MEMORY, ID_COUNT, ID_MEMORY, ID_RELEASE };

/* Code that exits with 42, position independent: what process_spawn runs. */
extern const char spawn_stub[], spawn_stub_end[];
__asm__(".pushsection .text\n"
	".globl spawn_stub\n"
	"spawn_stub:\n"
#if defined(__x86_64__)
	"mov $42, %edi\n"
	"mov $1, %eax\n"
	"syscall\n"
	"ud2\n"
#elif defined(__aarch64__)
	"mov x0, #42\n"
	"mov x8, #1\n"
	"svc #0\n"
	"brk #0\n"
#elif defined(__riscv)
	"li a0, 42\n"
	"li a7, 1\n"
	"ecall\n"
	"ebreak\n"
#endif
	".globl spawn_stub_end\n"
	"spawn_stub_end:\n"
	".popsection\n");

/* Connect to a server a child is about to create: retried until it exists (or patience ends). */
static long connect_retry(const char *name, uint64_t *conn)
{
	uint64_t end = sys_clock() + UTEST_PATIENCE_NS;
	long err;
	while ((err = xous_client_connect(name, conn)) == E_SERVER_NOT_FOUND && sys_clock() < end)
		sys_sleep(2000000);
	return err;
}

/* A server named by its argument: sums, counts scalars, reads and writes lent memory. */
UCHILD(xous_server)
{
	uint64_t sid, scalars = 0;
	long last_reply = 0;
	struct xous_message m;
	if (xous_server_create(utest_child_arg, &sid))
		return 1;
	long err = xous_server_receive(sid, &m);
	while (!err) {
		uint64_t v[5] = {0};
		const unsigned char *in = (const unsigned char *)m.a[0];
		unsigned char *out = (unsigned char *)m.a[2];
		switch (m.id) {
		case ID_SUM:
			v[0] = m.a[0] + m.a[1] + m.a[2] + m.a[3];
			v[4] = m.kind;
			break;
		case ID_COUNT:
			v[0] = scalars;
			break;
		case ID_HELD_MEMORY: { /* the pages stay lent until an ID_RELEASE scalar comes */
			struct xous_message r;
			do
				err = xous_server_receive(sid, &r);
			while (!err && r.id != ID_RELEASE);
			if (err)
				return 3;
		}
			/* fall through */
		case ID_MEMORY:
			for (uint64_t i = 0; i < m.a[1]; i++)
				v[0] += in[i];
			for (uint64_t i = 0; i < m.a[3]; i++)
				out[i] = (unsigned char)(i + 1);
			v[1] = m.a[1];
			v[2] = m.a[3];
			v[3] = m.kind;
			break;
		case ID_QUIT:
			v[0] = (uint64_t)last_reply;
			break;
		}
		if (m.kind == XOUS_SCALAR) { /* nothing to reply to */
			scalars++;
			err = xous_server_receive(sid, &m);
			continue;
		}
		if (m.id == ID_QUIT)
			return (int)xous_server_reply(m.sender, 0, v, NULL);
		long r = xous_server_reply(m.sender, sid, v, &m); /* and wait for the next */
		if (r) { /* the reply failed (its client is gone): receive on our own */
			last_reply = r;
			err = xous_server_receive(sid, &m);
		}
	}
	return 2;
}

UTEST(xous_names)
{
	uint64_t sid, conn;
	UASSERT_EQ(xous_server_create("kestrel.test.names", &sid), E_OK);
	UASSERT_EQ(xous_server_create("kestrel.test.names", &sid), E_SERVER_EXISTS);
	UASSERT_EQ(xous_client_connect("kestrel.test.names", &conn), E_OK);
	UASSERT_EQ(xous_client_connect("kestrel.test.none", &conn), E_SERVER_NOT_FOUND);
	UASSERT_EQ(xous_server_create("", &sid), E_INVALID_STRING);
	UASSERT_EQ(xous_server_create("bad\xff\xfe", &sid), E_INVALID_STRING);
	UASSERT_EQ(xous_server_create("\xc0\x80", &sid), E_INVALID_STRING); /* overlong NUL */
	UASSERT_EQ(xous_server_create("caf\xc3\xa9", &sid), E_OK);	    /* UTF-8 is fine */
	UASSERT_EQ(xous_client_connect("caf\xc3\xa9", &conn), E_OK);
	char long_name[80];
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[79] = 0;
	UASSERT_EQ(xous_server_create(long_name, &sid), E_INVALID_STRING);
	UASSERT_EQ(SYS2(SYS_XOUS_SERVER_CREATE, 0xffffffff80000000ul, 8, NULL), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(SYS2(SYS_XOUS_CLIENT_CONNECT, 0x10, 8, NULL), E_MEM_BAD_ADDRESS);
	/* A process owns at most eight servers: the names are everybody's. */
	struct process_exit_info info;
	UASSERT_EQ(utest_spawn("xous_server_quota", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 8);
	return 0;
}

UCHILD(xous_server_quota)
{
	char name[32];
	uint64_t sid;
	int n = 0;
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "kestrel.test.quota%d", i);
		long err = xous_server_create(name, &sid);
		if (err == E_RESOURCE_EXHAUSTED)
			break;
		if (err)
			return 100 + (int)err;
		n++;
	}
	return n;
}

UTEST(xous_scalar_and_memory_messages)
{
	uint64_t child, conn, out[5];
	struct process_exit_info info;
	UASSERT_EQ(utest_start("xous_server", "kestrel.test.echo", 0, &child), E_OK);
	UASSERT_EQ(connect_retry("kestrel.test.echo", &conn), E_OK);
	uint64_t a[4] = {1, 2, 3, 4};
	UASSERT_EQ(xous_send_blocking(conn, ID_SUM, a, 0, out), E_OK);
	UASSERT_EQ(out[0], 10);
	UASSERT_EQ(out[4], XOUS_BLOCKING_SCALAR);
	for (int i = 0; i < 3; i++)
		UASSERT_EQ(xous_send_scalar(conn, 99, i, 0, 0, 0), E_OK);
	UASSERT_EQ(xous_send_blocking(conn, ID_COUNT, a, 0, out), E_OK);
	UASSERT_EQ(out[0], 3);
	/* Memory: the pages are lent, read and written by the server, and come back. */
	unsigned char *in, *res;
	UASSERT_EQ(sys_mmap(NULL, 8192, PROT_READ | PROT_WRITE, (void **)&in, NULL), E_OK);
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, (void **)&res, NULL), E_OK);
	uint64_t sum = 0;
	for (unsigned i = 0; i < 8192; i++)
		sum += in[i] = (unsigned char)(i * 7);
	UASSERT_EQ(xous_send_memory(conn, ID_MEMORY, in, 8192, res, 4096, out), E_OK);
	UASSERT_EQ(out[0], sum);
	UASSERT_EQ(out[1], 8192);
	UASSERT_EQ(out[3], XOUS_MEMORY);
	for (unsigned i = 0; i < 4096; i++)
		UASSERT_EQ(res[i], (unsigned char)(i + 1));
	in[0] = 1; /* ours again */
	/* Memory the client does not own, or not page aligned. */
	UASSERT_EQ(xous_send_memory(conn, ID_MEMORY, (void *)0x7000000, 4096, NULL, 0, out),
		   E_MEM_BAD_ADDRESS);
	UASSERT_EQ(xous_send_memory(conn, ID_MEMORY, in + 16, 4096, NULL, 0, out), E_BAD_ALIGNMENT);
	/* The IPC buffer is pinned: the kernel writes there, it is never lent. */
	UASSERT_EQ(xous_send_memory(conn, ID_MEMORY, ipc_buffer(), 4096, NULL, 0, out),
		   E_MEM_BAD_ADDRESS);
	UASSERT_EQ(xous_send_memory(conn, ID_MEMORY, in, 100, NULL, 0, out), E_BAD_ALIGNMENT);
	UASSERT_EQ(xous_send_memory(conn, ID_MEMORY, NULL, 0, (void *)spawn_stub, 4096, out),
		   spawn_stub == (const char *)((uintptr_t)spawn_stub & ~4095ul) ? E_MEM_BAD_ADDRESS
										 : E_BAD_ALIGNMENT);
	UASSERT_EQ(sys(SYS_XOUS_CLIENT_SEND, conn, 77, 0, 0, 0, 0, 0, NULL), E_INVALID_PARAMETER);
	UASSERT_EQ(xous_send_blocking(0x4242, ID_SUM, a, 0, out), E_INVALID_CAPABILITY);
	UASSERT_EQ(xous_send_blocking(conn, ID_QUIT, a, 0, out), E_OK);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0);
	/* The server is gone, and its name with it. */
	UASSERT_EQ(xous_send_blocking(conn, ID_SUM, a, 0, out), E_SERVER_NOT_FOUND);
	UASSERT_EQ(xous_client_connect("kestrel.test.echo", &conn), E_SERVER_NOT_FOUND);
	sys_munmap(in, 8192);
	sys_munmap(res, 4096);
	return 0;
}

/*
 * Writes the page over and over: ours until the first thread lends it (the
 * server holds it until told), then the write faults and ends the process.
 */
static volatile unsigned char *lent;
static void toucher(uintptr_t arg)
{
	(void)arg;
	for (;;) {
		lent[0] = 1;
		sys_yield();
	}
}

/* A client whose second thread touches the pages its first has lent. */
UCHILD(xous_lend_toucher)
{
	static char stack[8192] __attribute__((aligned(16)));
	uint64_t conn, tid, th, out[5];
	unsigned char *in;
	if (connect_retry(utest_child_arg, &conn) ||
	    sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, (void **)&in, NULL))
		return 1;
	lent = in;
	if (sys_thread_create(toucher, stack, sizeof(stack), 0, 0, &tid, &th))
		return 2;
	xous_send_memory(conn, ID_HELD_MEMORY, in, 4096, NULL, 0, out);
	return 3; /* not reached: the toucher's fault ends the process */
}

UTEST(xous_lent_pages_fault_the_client)
{
	uint64_t server, client, conn, out[5];
	struct process_exit_info info;
	uint64_t a[4] = {0};
	UASSERT_EQ(utest_start("xous_server", "kestrel.test.lend", 0, &server), E_OK);
	UASSERT_EQ(utest_start("xous_lend_toucher", "kestrel.test.lend", 0, &client), E_OK);
	UASSERT_EQ(sys_process_wait(client, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
	/* Released now, the server's reply finds its client gone. */
	UASSERT_EQ(connect_retry("kestrel.test.lend", &conn), E_OK);
	UASSERT_EQ(xous_send_scalar(conn, ID_RELEASE, 0, 0, 0, 0), E_OK);
	UASSERT_EQ(xous_send_blocking(conn, ID_QUIT, a, 0, out), E_OK);
	UASSERT_EQ(out[0], E_PROCESS_TERMINATED);
	UASSERT_EQ(sys_process_wait(server, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0);
	return 0;
}

/* Creates a server, takes one message, and crashes. */
UCHILD(xous_dying_server)
{
	uint64_t sid;
	struct xous_message m;
	if (xous_server_create(utest_child_arg, &sid) || xous_server_receive(sid, &m))
		return 1;
	__builtin_trap();
}

UTEST(xous_server_dies_mid_call)
{
	uint64_t child, conn, out[5];
	struct process_exit_info info;
	uint64_t a[4] = {1, 2, 3, 4};
	UASSERT_EQ(utest_start("xous_dying_server", "kestrel.test.dying", 0, &child), E_OK);
	UASSERT_EQ(connect_retry("kestrel.test.dying", &conn), E_OK);
	UASSERT_EQ(xous_send_blocking(conn, ID_SUM, a, 0, out), E_SERVER_NOT_FOUND);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT(info.exit_reason != EXIT_NORMAL);
	UASSERT_EQ(xous_client_connect("kestrel.test.dying", &conn), E_SERVER_NOT_FOUND);
	/* A timeout on a server that never answers. */
	uint64_t sid;
	UASSERT_EQ(xous_server_create("kestrel.test.mute", &sid), E_OK);
	UASSERT_EQ(xous_client_connect("kestrel.test.mute", &conn), E_OK);
	UASSERT_EQ(xous_send_blocking(conn, ID_SUM, a, 20, out), E_TIMEOUT);
	return 0;
}

/* Claims the tick, takes three interrupt messages; 0 when all was right. */
UCHILD(xous_irq_server)
{
	uint64_t sid, other;
	struct xous_message m;
	if (xous_server_create("kestrel.test.irq", &sid) ||
	    xous_server_create("kestrel.test.irq2", &other))
		return 1;
	if (xous_interrupt_claim(12345, sid) != E_NOT_FOUND)
		return 2;
	if (xous_interrupt_claim(IRQ_TICK, sid))
		return 3;
	if (xous_interrupt_claim(IRQ_TICK, other) != E_INTERRUPT_IN_USE)
		return 4;
	for (int i = 0; i < 3; i++) {
		if (xous_server_receive(sid, &m))
			return 5;
		if (m.kind != XOUS_INTERRUPT || m.a[0] != IRQ_TICK || m.a[1] < 1 || m.sender)
			return 6;
	}
	return 0;
}

UTEST(xous_interrupts_arrive_as_messages)
{
	struct process_exit_info info;
	/* Twice: the first claimer's death gives the line back. */
	for (int i = 0; i < 2; i++) {
		UASSERT_EQ(utest_spawn("xous_irq_server", NULL, 0, &info), E_OK);
		UASSERT_EQ(info.exit_code, 0);
	}
	UASSERT_EQ(xous_interrupt_claim(IRQ_TICK, 0x999), E_INVALID_CAPABILITY); /* no server */
	return 0;
}

/* Sleeps until a server of the name in its argument exists, then exits with 7. */
UCHILD(xous_sleepy)
{
	uint64_t conn;
	while (xous_client_connect(utest_child_arg, &conn) == E_SERVER_NOT_FOUND)
		sys_sleep(1000000);
	return 7;
}

static uint64_t pid_of(uint64_t cap)
{
	unsigned type;
	uint64_t object;
	uint32_t rights;
	return sys_cap_validate(cap, 0, &type, &object, &rights) ? 0 : object;
}

UTEST(xous_processes)
{
	uint64_t pid, cap;
	struct process_exit_info info;
	void *page;
	size_t stub = (size_t)(spawn_stub_end - spawn_stub);
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, &page, NULL), E_OK);
	memcpy(page, spawn_stub, stub);
	UASSERT_EQ(xous_process_spawn((char *)page + 8, 0x300000, 4096, &pid, &cap),
		   E_BAD_ALIGNMENT);
	/* Not the IPC buffer: the kernel writes there while the thread lives. */
	UASSERT_EQ(xous_process_spawn(ipc_buffer(), 0x300000, 4096, &pid, &cap), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(xous_process_spawn(page, 0x300000, 4096, &pid, &cap), E_OK);
	UASSERT_EQ(sys_write(1, page, 1), E_MEM_BAD_ADDRESS);	       /* the page left us */
	UASSERT_EQ(sys_process_wait(cap, 30000000, &info), E_TIMEOUT); /* not started yet */
	UASSERT_EQ(xous_process_resume(pid), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 42);
	/* Suspended before it ever ran, then started the native way: it still waits. */
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, &page, NULL), E_OK);
	memcpy(page, spawn_stub, stub);
	UASSERT_EQ(xous_process_spawn(page, 0x300000, 4096, &pid, &cap), E_OK);
	UASSERT_EQ(xous_process_suspend(pid), E_OK);
	UASSERT_EQ(sys_process_start(cap), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 60000000, &info), E_TIMEOUT);
	UASSERT_EQ(xous_process_resume(pid), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 42);
	/*
	 * Suspend parks a child; resume lets it go on. The child ends only once
	 * the name it waits for exists, which we create while it is parked.
	 */
	uint64_t wake;
	UASSERT_EQ(utest_start("xous_sleepy", "kestrel.test.wake", 0, &cap), E_OK);
	pid = pid_of(cap);
	UASSERT_EQ(xous_process_suspend(pid), E_OK);
	UASSERT_EQ(xous_server_create("kestrel.test.wake", &wake), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 150000000, &info), E_TIMEOUT);
	UASSERT_EQ(xous_process_resume(pid), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 7);
	UASSERT_EQ(sys_cap_revoke(wake), E_OK);
	UASSERT_EQ(utest_start("xous_sleepy", "kestrel.test.never", 0, &cap), E_OK);
	UASSERT_EQ(xous_process_terminate(pid_of(cap)), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_TERMINATED);
	/* Only children, only live ones. */
	struct thread_info self;
	UASSERT_EQ(sys_thread_info(0, &self), E_OK);
	UASSERT_EQ(xous_process_terminate(self.process_id), E_PROCESS_NOT_CHILD);
	UASSERT_EQ(xous_process_suspend(99999), E_PROCESS_NOT_FOUND);
	UASSERT_EQ(xous_process_resume(99999), E_PROCESS_NOT_FOUND);
	UASSERT_EQ(xous_process_yield(), E_OK);
	return 0;
}

UTEST(xous_memory_and_heap)
{
	void *p, *heap;
	UASSERT_EQ(xous_memory_allocate(0, 0, 8192, 0, &p), E_OK);
	((volatile char *)p)[8191] = 1;
	UASSERT_EQ(xous_memory_allocate(0, 0x300000000ul, 4096, 0, &p), E_OK);
	UASSERT_EQ((uintptr_t)p, 0x300000000ul);
	UASSERT_EQ(xous_memory_allocate(0, 0x300000000ul, 4096, 0, &p), E_MEM_ALREADY_MAPPED);
	UASSERT_EQ(xous_memory_allocate(0, 0, 100, 0, &p), E_BAD_ALIGNMENT);
	UASSERT_EQ(xous_memory_allocate(0, 0x300000010ul, 4096, 0, &p), E_BAD_ALIGNMENT);
	/* Physical memory only with a capability for it (test_hw.c: init holds the root one). */
	uint64_t mem;
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_READ, &p, &mem), E_OK);
	UASSERT_EQ(xous_memory_allocate(0x1000, 0, 4096, mem, &p), E_INVALID_CAPABILITY);
	UASSERT_EQ(xous_heap_resize(10000, &heap), E_OK);
	UASSERT_EQ((uintptr_t)heap, XOUS_HEAP_BASE);
	((volatile char *)heap)[12287] = 5;
	UASSERT_EQ(xous_heap_resize(20000, &heap), E_OK);
	UASSERT_EQ(((volatile char *)heap)[12287], 5);
	UASSERT_EQ(xous_heap_resize(0, &heap), E_OK);
	UASSERT_EQ(sys_write(1, heap, 1), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(xous_heap_resize(1ul << 40, &heap), E_OUT_OF_MEMORY);
	return 0;
}

static uint64_t self_sid;
static void crashing_server(uintptr_t arg)
{
	(void)arg;
	struct xous_message m;
	if (!xous_server_receive(self_sid, &m))
		*(volatile char *)m.a[0] = 1; /* a lent page, read-only here: the process dies */
	sys_thread_exit(1);
}

/* Lends pages to a server of its own process, which then crashes the process. */
UCHILD(xous_self_lender)
{
	static char stack[8192] __attribute__((aligned(16)));
	uint64_t conn, tid, th, out[5];
	unsigned char *in;
	if (xous_server_create("kestrel.test.self", &self_sid) ||
	    xous_client_connect("kestrel.test.self", &conn) ||
	    sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, (void **)&in, NULL) ||
	    sys_thread_create(crashing_server, stack, sizeof(stack), 0, 0, &tid, &th))
		return 1;
	xous_send_memory(conn, ID_MEMORY, in, 4096, NULL, 0, out);
	return 2;
}

UTEST(xous_a_lender_never_keeps_its_process_alive)
{
	uint64_t child;
	struct process_exit_info info;
	UASSERT_EQ(utest_start("xous_self_lender", NULL, 0, &child), E_OK);
	UASSERT_EQ(sys_process_wait(child, 2000000000ull, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
	return 0;
}
