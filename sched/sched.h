/*
 * The scheduler of the Kernel API, as policy only: per-CPU run queues with
 * a priority bitmap (O(1) pick-next), round robin with a timeslice inside a
 * priority, CPU affinity, blocking with a reason and an optional timeout,
 * waking. It decides which thread runs; switching to it is the caller's
 * (the arch's context switch), so all of this runs on the host as well.
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/error.h"

#define SCHED_MAX_CPUS	      8
#define SCHED_PRIORITIES      41 /* 0 (Idle) .. 40 (RealTime), every value usable */
#define SCHED_TIMESLICE_TICKS 4

enum priority {
	PRIO_IDLE = 0,
	PRIO_LOW = 10,
	PRIO_NORMAL = 20,
	PRIO_HIGH = 30,
	PRIO_REALTIME = 40,
};

enum block_reason {
	BLOCK_SLEEP,
	BLOCK_WAITING_FOR_IPC,
	BLOCK_WAITING_FOR_MEMORY,
	BLOCK_WAITING_FOR_IO,
	BLOCK_WAITING_FOR_CHILD,
	BLOCK_WAITING_FOR_MUTEX,
};

enum thread_state { T_NEW, T_READY, T_RUNNING, T_BLOCKED, T_UNSCHEDULED };

/* What the scheduler keeps per thread; embedded in the thread. */
struct sched_entity {
	uint32_t id;
	uint8_t priority;
	uint8_t state;	      /* enum thread_state */
	uint8_t block_reason; /* enum block_reason, while T_BLOCKED */
	uint8_t cpu;	      /* the run queue it is on or last ran on */
	uint32_t affinity;    /* CPUs it may run on, bit per CPU; 0 means all */
	uint32_t slice;	      /* ticks left in its timeslice */
	uint64_t deadline;    /* wake-up time in ns while blocked with a timeout, else 0 */
	int wake_result;      /* E_OK when woken, E_TIMEOUT when the timeout fired */
	struct sched_entity *next, *prev; /* run queue or timeout list */
};

/* Start with `cpus` CPUs, each running its idle entity (never queued, never blocked). */
int sched_init(unsigned cpus, struct sched_entity *idle[]);
/* Make a thread ready at `priority`, on a CPU its affinity allows. */
int schedule_thread(struct sched_entity *t, unsigned priority);
/* Take a thread off its run queue (or out of the blocked set) for good. */
int unschedule_thread(struct sched_entity *t);
int set_thread_priority(struct sched_entity *t, unsigned priority);
int set_thread_affinity(struct sched_entity *t, uint32_t cpus);
/*
 * The thread `cpu` should run now, made current: the highest ready priority,
 * first come first served inside it. A current thread still running goes
 * back to the tail of its queue when something of equal or higher priority
 * waits, else it keeps the CPU.
 */
struct sched_entity *next_thread(unsigned cpu);
/* The current thread of `cpu` gives up the rest of its slice. */
int yield_cpu(unsigned cpu);
/* Block `t` for `reason`; with timeout_ns it wakes by itself at now_ns + timeout_ns. */
int block_thread(struct sched_entity *t, enum block_reason reason, uint64_t timeout_ns,
		 uint64_t now_ns);
/* Make a blocked thread ready (its wake_result E_OK); E_INVALID_PARAMETER if not blocked. */
int wake_thread(struct sched_entity *t);
/*
 * The current thread of `cpu` blocks for `reason` (or is blocked already,
 * with a timeout) and gives the CPU straight to `to`, which is blocked
 * (its wait is over: wake_result E_OK), without a trip through the run
 * queue. E_INVALID_PARAMETER when `to` may not run on `cpu` or is not
 * blocked, or the current thread is the idle one; then nothing changed.
 */
int sched_handoff(unsigned cpu, enum block_reason reason, struct sched_entity *to);
/* Timer tick on `cpu` at now_ns: fire timeouts, age the slice. True when it should reschedule. */
bool sched_tick(unsigned cpu, uint64_t now_ns);
/* The thread `cpu` runs. */
struct sched_entity *sched_current(unsigned cpu);
/* Ready threads queued on `cpu`. */
unsigned sched_ready_count(unsigned cpu);
/* Whether `cpu` should call next_thread() (a higher priority thread became ready). */
bool sched_need_resched(unsigned cpu);

#endif
