/*
 * Kernel threads on every arch: the context switch carries each thread's
 * registers and stack, priorities order them, stacks have guard pages and
 * go back to the frame allocator.
 */
#include "core/kthread.h"
#include "core/trap.h"
#include "mm/kstack.h"
#include "mm/kvm.h"
#include "mm/pmm.h"
#include "tests/kernel/ktest.h"

static char trace[32];
static unsigned trace_len;

static void note(char c)
{
	if (trace_len < sizeof(trace) - 1)
		trace[trace_len++] = c;
	trace[trace_len] = 0;
}

/* Callee-saved state must survive a switch: a deep-ish local computation across yields. */
static void ping(void *arg)
{
	char c = (char)(uintptr_t)arg;
	volatile uint64_t acc = 0;

	for (unsigned i = 0; i < 3; i++) {
		uint64_t local = (uint64_t)c * 1000 + i;
		note(c);
		kthread_yield();
		acc += local;
		if (local != (uint64_t)c * 1000 + i)
			note('!');
	}
	if (acc != (uint64_t)c * 3000 + 3)
		note('?');
}

KTEST(kthread_switches_interleave_and_keep_state)
{
	trace_len = 0;
	struct kthread *a = kthread_create("a", ping, (void *)(uintptr_t)'a', PRIO_NORMAL);
	struct kthread *b = kthread_create("b", ping, (void *)(uintptr_t)'b', PRIO_NORMAL);
	KASSERT(a && b);
	KASSERT_EQ(kthread_join(a), E_OK);
	KASSERT_EQ(kthread_join(b), E_OK);
	KASSERT_STREQ(trace, "ababab");
	KASSERT(kthread_current() != a);
}

static void mark(void *arg)
{
	note((char)(uintptr_t)arg);
}

KTEST(kthread_priorities_order_threads)
{
	trace_len = 0;
	struct kthread *lo = kthread_create("lo", mark, (void *)(uintptr_t)'l', PRIO_LOW);
	struct kthread *hi = kthread_create("hi", mark, (void *)(uintptr_t)'h', PRIO_REALTIME);
	struct kthread *mid = kthread_create("mid", mark, (void *)(uintptr_t)'m', PRIO_NORMAL);
	KASSERT(lo && hi && mid);
	KASSERT_EQ(kthread_join(lo), E_OK);
	KASSERT_EQ(kthread_join(hi), E_OK);
	KASSERT_EQ(kthread_join(mid), E_OK);
	KASSERT_STREQ(trace, "hml");
}

static void idle_thread(void *arg)
{
	(void)arg;
}

KTEST(kthread_stacks_have_guard_pages_and_come_back)
{
	pmm_drain_caches();
	size_t free0 = memory_stats().free_frames;
	struct kthread *t = kthread_create("g", idle_thread, NULL, PRIO_LOW);
	KASSERT(t != NULL);
	uint64_t pa;
	uintptr_t bottom = kstack_bottom(t->stack_top);
	KASSERT_EQ(translate(&kernel_pt, bottom, &pa), E_OK);
	KASSERT_EQ(translate(&kernel_pt, bottom - PAGE_SIZE, &pa), E_MEM_NOT_MAPPED);
	trap_expect(TRAP_PAGE_FAULT);
	*(volatile char *)(bottom - 8) = 1;
	KASSERT(trap_expect_done());
	KASSERT_EQ_U(trap_last()->addr, bottom - 8);
	KASSERT_EQ(kthread_join(t), E_OK);
	KASSERT_EQ(translate(&kernel_pt, bottom, &pa), E_MEM_NOT_MAPPED);
	pmm_drain_caches();
	/* The thread's stack frames are back (its struct came from a slab the heap keeps). */
	KASSERT_LE(free0 - memory_stats().free_frames, 1);
}

/* A high-priority thread joins a low one: it must block, or the low one never runs. */
static void parent(void *arg)
{
	(void)arg;
	struct kthread *child = kthread_create("child", mark, (void *)(uintptr_t)'c', PRIO_LOW);
	if (!child || kthread_join(child) != E_OK)
		note('!');
	note('p');
}

KTEST(kthread_join_blocks_the_joiner)
{
	trace_len = 0;
	struct kthread *p = kthread_create("parent", parent, NULL, PRIO_REALTIME);
	KASSERT(p != NULL);
	KASSERT_EQ(kthread_join(p), E_OK);
	KASSERT_STREQ(trace, "cp");
	KASSERT_EQ(kthread_join(NULL), E_INVALID_PARAMETER);
}
