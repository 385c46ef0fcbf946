/*
 * Threads: a guarded kernel stack, a CPU context and a scheduler entity.
 * They switch when they yield, block or exit, and when the tick preempts
 * them (with interrupts on). A user thread is one with a process
 * (core/process.c): its user registers live at the top of its kernel stack.
 */
#ifndef CORE_KTHREAD_H
#define CORE_KTHREAD_H

#include <stdbool.h>

#include "arch/hal/context.h"
#include "ipc/ipc_thread.h"
#include "sched/sched.h"

struct process;
struct fpu_state;

struct kthread {
	struct sched_entity se; /* first: a scheduler entity is its thread */
	struct cpu_context ctx;
	uintptr_t stack_top; /* 0 for the boot thread, which runs on the boot stack */
	void (*fn)(void *);
	void *arg;
	bool exited;
	union {
		struct {
			bool killed; /* its process is ending: die at the next way out */
			bool park;   /* its process is suspended: stop at the next way out */
		};
		uint16_t leaving; /* either: trap_user_return() has work (one load) */
	};
	bool parked;		/* stopped for its suspended process (core/process.c) */
	struct kthread *joiner; /* the thread in kthread_join() on it */
	char name[16];
	/* User threads (core/process.c): */
	struct process *proc;	   /* NULL for kernel threads */
	struct fpu_state *fpu;	   /* the user FP/SIMD registers while it is switched out */
	struct kthread *proc_next; /* the process's threads */
	uintptr_t ustack_base, ustack_size;
	uintptr_t tls; /* its thread pointer, where the arch keeps it (arch_load_thread_pointer) */
	int exit_code;
	struct ipc_thread ipc; /* ipc/ipc.c */
};

struct vmspace;

/* Make the running boot code thread 0 (CPU 0's idle thread) and start the scheduler. */
void kthread_init(void);
/*
 * Become the idle loop for good (the boot thread, once it started the
 * others): run what is ready, else wait for an interrupt (hlt, wfi).
 */
_Noreturn void kthread_idle_loop(void);
/* Time the idle thread spent waiting for an interrupt since boot, in ns. */
uint64_t kthread_idle_ns(void);
/* An interrupt came: end the idle thread's wait if it was waiting (interrupts off). */
void kthread_idle_end(void);
/* A new ready thread running fn(arg) at `priority`; NULL when out of memory. */
struct kthread *kthread_create(const char *name, void (*fn)(void *), void *arg, unsigned priority);
/* The same in two steps: a thread that does not run until kthread_start(). */
struct kthread *kthread_new(const char *name, void (*fn)(void *), void *arg);
int kthread_start(struct kthread *t, unsigned priority);
/* Make `vs` (NULL: none) the user half this CPU translates with. */
void kthread_use_space(struct vmspace *vs);
/* Free a thread that has exited and will not run again (not the running one). */
void kthread_free(struct kthread *t);
/* Threads made and not yet freed (the boot thread not counted). */
unsigned kthread_count(void);
/*
 * Block the running thread for `reason` until woken or `timeout_ns` passes
 * (0: no timeout); E_OK when woken, E_TIMEOUT when the time ran out.
 * Interrupts must be off; they are off again on return.
 */
int kthread_block(enum block_reason reason, uint64_t timeout_ns);
/* Once the tick runs, new threads start with interrupts enabled. */
void kthread_set_preemptive(bool on);
/* The running thread (one CPU runs the kernel today). */
extern struct kthread *kthread_running;
static inline struct kthread *kthread_current(void)
{
	return kthread_running;
}
/*
 * Block the running thread for `reason` (as kthread_block) and run `to`,
 * a blocked thread whose wait is over, at once (the IPC fast path).
 */
int kthread_handoff(struct kthread *to, enum block_reason reason, uint64_t timeout_ns);
/* Let another ready thread of equal or higher priority run. */
void kthread_yield(void);
/* Switch to whatever the scheduler picks (after blocking, waking, ...). */
void kthread_schedule(void);
/* Wait (blocked) for `t` to exit, then free its stack and itself; one joiner per thread. */
int kthread_join(struct kthread *t);

#endif
