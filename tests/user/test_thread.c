/* Threads and scheduling from user mode: create, join, info, priorities, timeouts, FP state. */
#include "utest.h"

#define STACK 16384

static void *stack(void)
{
	void *p;
	return sys_mmap(NULL, STACK, PROT_READ | PROT_WRITE, &p, NULL) ? NULL : p;
}

static void exit_with(uintptr_t code)
{
	sys_thread_exit((int)code);
}

UTEST(create_join_info)
{
	uint64_t tid, cap;
	int code;
	void *s = stack();
	UASSERT(s != NULL);
	UASSERT_EQ(sys_thread_create(exit_with, s, STACK, 1234, 0, &tid, &cap), E_OK);
	UASSERT(tid != sys_thread_self());
	struct thread_info ti;
	UASSERT_EQ(sys_thread_info(cap, &ti), E_OK);
	UASSERT_EQ(ti.thread_id, tid);
	UASSERT_EQ(ti.stack_base, (uintptr_t)s);
	UASSERT_EQ(ti.stack_size, STACK);
	UASSERT_EQ(sys_thread_join(cap, 0, &code), E_OK);
	UASSERT_EQ(code, 1234);
	UASSERT_EQ(sys_thread_join(cap, 0, &code), E_NOT_FOUND); /* reaped */
	UASSERT_EQ(sys_thread_join(0x5555aaaa5555aaaaull, 0, &code), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_thread_info(0, (void *)0xffffffff80000000ul), E_MEM_BAD_ADDRESS);
	/* Bad entry points and stacks. */
	UASSERT_EQ(sys_thread_create(NULL, s, STACK, 0, 0, &tid, &cap), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_thread_create(exit_with, s, STACK, 0, 99, &tid, &cap), E_INVALID_PARAMETER);
	UASSERT_EQ(
	    sys_thread_create(exit_with, (void *)0xffffffff80000000ul, STACK, 0, 0, &tid, &cap),
	    E_INVALID_PARAMETER);
	sys_munmap(s, STACK);
	return 0;
}

static volatile char order[8];
static volatile unsigned order_len;

static void mark(uintptr_t c)
{
	order[order_len++] = (char)c;
	sys_thread_exit(0);
}

UTEST(priorities_are_respected)
{
	uint64_t tid, lo, hi;
	int code;
	void *s1 = stack(), *s2 = stack();
	order_len = 0;
	/* Both wait while we run (Normal); once we block, High runs before Low. */
	UASSERT_EQ(sys_thread_create(mark, s1, STACK, 'L', 10, &tid, &lo), E_OK);
	UASSERT_EQ(sys_thread_create(mark, s2, STACK, 'H', 5, &tid, &hi), E_OK);
	UASSERT_EQ(sys_set_priority(hi, 30), E_OK);
	UASSERT_EQ(sys_thread_join(lo, 0, &code), E_OK);
	UASSERT_EQ(sys_thread_join(hi, 0, &code), E_OK);
	UASSERT_EQ(order_len, 2);
	UASSERT_EQ(order[0], 'H');
	UASSERT_EQ(order[1], 'L');
	UASSERT_EQ(sys_set_priority(0, 41), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_set_affinity(0, 1), E_OK);
	sys_munmap(s1, STACK);
	sys_munmap(s2, STACK);
	return 0;
}

static volatile int stop_spinning;

static void spin_until_told(uintptr_t unused)
{
	(void)unused;
	while (!stop_spinning)
		sys_yield();
	sys_thread_exit(5);
}

UTEST(join_timeout_fires_never_early)
{
	uint64_t tid, cap;
	int code;
	void *s = stack();
	stop_spinning = 0;
	UASSERT_EQ(sys_thread_create(spin_until_told, s, STACK, 0, 0, &tid, &cap), E_OK);
	uint64_t t0 = sys_clock();
	UASSERT_EQ(sys_thread_join(cap, 20000000, &code), E_TIMEOUT);
	uint64_t dt = sys_clock() - t0;
	UASSERT(dt >= 20000000); /* never early; how late is the host's business */
	/* It is still there, and still joinable. */
	stop_spinning = 1;
	UASSERT_EQ(sys_thread_join(cap, 0, &code), E_OK);
	UASSERT_EQ(code, 5);
	sys_munmap(s, STACK);
	return 0;
}

/* FP/SIMD registers belong to each thread: values held across yields stay exact. */
static volatile int fp_bad;

static void fp_worker(uintptr_t seed)
{
	double x = (double)seed, acc = 0;
	for (int i = 0; i < 200; i++) {
		acc += x * 0.5;
		x += 1.0;
		if (i % 10 == 0)
			sys_yield();
	}
	double expect = 0;
	for (int i = 0; i < 200; i++)
		expect += ((double)seed + i) * 0.5;
	if (acc != expect)
		fp_bad = 1;
	sys_thread_exit(0);
}

UTEST(fp_state_is_per_thread)
{
	uint64_t tid, a, b;
	int code;
	void *s1 = stack(), *s2 = stack();
	fp_bad = 0;
	UASSERT_EQ(sys_thread_create(fp_worker, s1, STACK, 3, 0, &tid, &a), E_OK);
	UASSERT_EQ(sys_thread_create(fp_worker, s2, STACK, 1000, 0, &tid, &b), E_OK);
	double mine = 1.25;
	for (int i = 0; i < 20; i++) {
		mine = mine * 2 - 1.25;
		sys_yield();
	}
	UASSERT(mine == 1.25);
	UASSERT_EQ(sys_thread_join(a, 0, &code), E_OK);
	UASSERT_EQ(sys_thread_join(b, 0, &code), E_OK);
	UASSERT_EQ(fp_bad, 0);
	sys_munmap(s1, STACK);
	sys_munmap(s2, STACK);
	return 0;
}

/*
 * The thread pointer belongs to each thread too: set through
 * SYS_THREAD_SET_POINTER on every arch (FS base, TPIDR_EL0, tp), and
 * directly where user code may write it. Each thread's pointer points at a
 * word holding the pointer itself, so that x86_64 reads it back as %fs:0.
 */
static volatile int tp_bad;
static uintptr_t tp_self[3];

static uintptr_t get_tp(void)
{
	uintptr_t v;
#if defined(__x86_64__)
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
#elif defined(__aarch64__)
	__asm__ volatile("mrs %0, tpidr_el0" : "=r"(v));
#else
	__asm__ volatile("mv %0, tp" : "=r"(v));
#endif
	return v;
}

static void tp_worker(uintptr_t i)
{
	uintptr_t value = (uintptr_t)&tp_self[i];
	tp_self[i] = value;
	if (sys_thread_set_pointer((void *)value))
		tp_bad = 1;
#if defined(__aarch64__)
	__asm__ volatile("msr tpidr_el0, %0" ::"r"(value)); /* the same, by hand */
#elif defined(__riscv)
	__asm__ volatile("mv tp, %0" ::"r"(value));
#endif
	for (int n = 0; n < 20; n++) {
		sys_yield();
		if (get_tp() != value)
			tp_bad = 1;
	}
	sys_thread_exit(0);
}

UTEST(thread_pointer_is_per_thread)
{
	uint64_t tid, a, b;
	int code;
	void *s1 = stack(), *s2 = stack();
	tp_self[0] = (uintptr_t)&tp_self[0];
	UASSERT_EQ(sys_thread_set_pointer(&tp_self[0]), E_OK);
	UASSERT_EQ(get_tp(), (uintptr_t)&tp_self[0]);
	tp_bad = 0;
	UASSERT_EQ(sys_thread_create(tp_worker, s1, STACK, 1, 0, &tid, &a), E_OK);
	UASSERT_EQ(sys_thread_create(tp_worker, s2, STACK, 2, 0, &tid, &b), E_OK);
	UASSERT_EQ(sys_thread_join(a, 0, &code), E_OK);
	UASSERT_EQ(sys_thread_join(b, 0, &code), E_OK);
	UASSERT_EQ(tp_bad, 0);
	UASSERT_EQ(get_tp(), (uintptr_t)&tp_self[0]);
	/* Only user addresses (on x86_64 a non-canonical FS base would fault the kernel). */
	UASSERT_EQ(sys_thread_set_pointer((void *)0xffff800000000000ul), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_thread_set_pointer((void *)0x8000000000000000ul), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(get_tp(), (uintptr_t)&tp_self[0]);
	UASSERT_EQ(sys_thread_set_pointer(NULL), E_OK); /* as it started */
	sys_munmap(s1, STACK);
	sys_munmap(s2, STACK);
	return 0;
}

#if defined(__x86_64__)
/* Sets the same pointer as its creator, then loads %fs, which zeroes FS base behind the kernel. */
static void fs_clobber(uintptr_t v)
{
	sys_thread_set_pointer((void *)v);
	__asm__ volatile("mov %%ss, %%ax\n\tmov %%ax, %%fs" ::: "rax");
	sys_yield();
	sys_thread_exit(0);
}

UTEST(fs_base_survives_another_threads_segment_load)
{
	uint64_t tid, t;
	int code;
	void *s = stack();
	tp_self[0] = (uintptr_t)&tp_self[0];
	UASSERT_EQ(sys_thread_set_pointer(&tp_self[0]), E_OK);
	UASSERT_EQ(sys_thread_create(fs_clobber, s, STACK, tp_self[0], 0, &tid, &t), E_OK);
	UASSERT_EQ(sys_thread_join(t, 0, &code), E_OK);
	UASSERT_EQ(get_tp(), (uintptr_t)&tp_self[0]);
	UASSERT_EQ(sys_thread_set_pointer(NULL), E_OK);
	sys_munmap(s, STACK);
	return 0;
}
#endif
