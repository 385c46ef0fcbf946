/*
 * Time and the tick on every arch: the clock advances, the tick arrives
 * when interrupts are on, and it preempts threads that never yield.
 */
#include "arch/hal/cpu.h"
#include "arch/hal/timer.h"
#include "core/kthread.h"
#include "core/timer.h"
#include "sched/sched.h"
#include "tests/kernel/ktest.h"

#define MS 1000000ull

KTEST(timer_clock_advances)
{
	uint64_t t0 = arch_time_ns();
	volatile unsigned spin = 0;
	for (unsigned i = 0; i < 100000; i++)
		spin += i;
	KASSERT_GT_U(arch_time_ns(), t0);
	KASSERT_GT_U(arch_counter_hz(), 0);
}

KTEST(timer_ticks_arrive_with_interrupts_on)
{
	uint64_t n0 = timer_ticks(), start = arch_time_ns();
	irqflags_t flags = arch_irq_save();

	arch_irq_enable();
	/* The bound only keeps a dead tick from hanging the suite: far above three periods. */
	while (timer_ticks() < n0 + 3 && arch_time_ns() - start < 30000 * MS)
		arch_cpu_idle();
	arch_irq_restore(flags);
	uint64_t elapsed = arch_time_ns() - start;
	KASSERT_GE_U(timer_ticks(), n0 + 3);
	/* Three ticks take two whole periods (less 1 %: x86 calibrates two clocks apart). */
	KASSERT_GE_U(elapsed, 2 * TIMER_TICK_NS - TIMER_TICK_NS / 100);
	KASSERT(!arch_irq_enabled());
}

/*
 * Two threads of one priority that never yield: only the tick can take the
 * CPU from one and give it to the other. Each counts its own loops and the
 * times it found the other's count moved since it last looked, which happens
 * only when the other ran in between: proof of the switch, whatever the
 * host's clock did meanwhile. The bound is in ticks, which the kernel counts
 * (SCHED_TIMESLICE_TICKS each turn), so a descheduled QEMU cannot trip it.
 */
#define TURNS	   2
#define TICK_BOUND (100 * SCHED_TIMESLICE_TICKS * TURNS)

static volatile uint64_t loops[2];
static volatile unsigned turns[2];

static void spinner(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg, other = 1 - me;
	uint64_t seen = loops[other], t0 = timer_ticks();

	/* Until both saw the other move TURNS times: the first to get there keeps moving. */
	while ((turns[0] < TURNS || turns[1] < TURNS) && timer_ticks() - t0 < TICK_BOUND) {
		loops[me]++;
		if (loops[other] != seen) {
			seen = loops[other];
			turns[me]++;
		}
	}
}

KTEST(timer_preempts_threads_that_never_yield)
{
	loops[0] = loops[1] = 0;
	turns[0] = turns[1] = 0;
	struct kthread *a = kthread_create("spin-a", spinner, (void *)0, PRIO_NORMAL);
	struct kthread *b = kthread_create("spin-b", spinner, (void *)1, PRIO_NORMAL);
	KASSERT(a && b);
	KASSERT_EQ(kthread_join(a), E_OK);
	KASSERT_EQ(kthread_join(b), E_OK);
	/* Without preemption the first would spin alone to the bound, seeing nothing move. */
	KASSERT_GE(turns[0], TURNS);
	KASSERT_GE(turns[1], TURNS);
}
