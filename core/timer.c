/* The tick: fire timeouts, age timeslices, preempt when the scheduler says so. */
#include "core/timer.h"
#include "arch/hal/timer.h"
#include "core/kprintf.h"
#include "core/kthread.h"
#include "core/metrics.h"
#include "core/process.h"
#include "ipc/xous.h"

static volatile uint64_t ticks;

void timer_start(void)
{
	arch_timer_init();
	kthread_set_preemptive(true); /* before the first tick can start a thread */
	arch_timer_set(arch_time_ns() + TIMER_TICK_NS);
	pr_info("timer: %s, tick %llu ms", arch_timer_name(),
		(unsigned long long)(TIMER_TICK_NS / 1000000));
}

uint64_t timer_ticks(void)
{
	return ticks;
}

void trap_timer(struct trap_frame *tf)
{
	(void)tf;
	kthread_idle_end();
	ticks++;
	metrics.interrupts++;
	process_tick();
	xous_tick();
	uint64_t now = arch_time_ns();
	arch_timer_set(now + TIMER_TICK_NS);
	if (sched_tick(0, now))
		kthread_schedule(); /* the interrupted thread resumes here when it runs again */
}
