/*
 * Kernel threads: a guarded stack, a CPU context and a scheduler entity.
 * Cooperative for now (switches happen in kthread_yield, kthread_exit and
 * when a thread blocks); the timer adds preemption with user mode.
 */
#ifndef CORE_KTHREAD_H
#define CORE_KTHREAD_H

#include <stdbool.h>

#include "arch/hal/context.h"
#include "sched/sched.h"

struct kthread {
	struct sched_entity se; /* first: a scheduler entity is its thread */
	struct cpu_context ctx;
	uintptr_t stack_top; /* 0 for the boot thread, which runs on the boot stack */
	void (*fn)(void *);
	void *arg;
	bool exited;
	struct kthread *joiner; /* the thread in kthread_join() on it */
	char name[16];
};

/* Make the running boot code thread 0 (CPU 0's idle thread) and start the scheduler. */
void kthread_init(void);
/* A new ready thread running fn(arg) at `priority`; NULL when out of memory. */
struct kthread *kthread_create(const char *name, void (*fn)(void *), void *arg, unsigned priority);
/* Once the tick runs, new threads start with interrupts enabled. */
void kthread_set_preemptive(bool on);
/* The running thread. */
struct kthread *kthread_current(void);
/* Let another ready thread of equal or higher priority run. */
void kthread_yield(void);
/* Switch to whatever the scheduler picks (after blocking, waking, ...). */
void kthread_schedule(void);
/* Wait (blocked) for `t` to exit, then free its stack and itself; one joiner per thread. */
int kthread_join(struct kthread *t);

#endif
