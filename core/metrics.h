/*
 * KernelMetrics of the Kernel API, kept live: the counters are bumped where
 * the events happen, the averages kept as sums and divided on reading.
 */
#ifndef CORE_METRICS_H
#define CORE_METRICS_H

#include <stdint.h>

#include "include/abi/syscall.h"

struct metrics {
	uint64_t context_switches;
	uint64_t syscalls;
	uint64_t page_faults;
	uint64_t interrupts;
	uint64_t ipc_messages;
	uint64_t syscall_ticks; /* arch_counter() ticks summed over `syscalls` */
	uint64_t switch_ticks;	/* summed over `switches_timed` */
	uint64_t switches_timed;
	uint64_t idle_ns; /* the idle thread waiting for an interrupt (kthread_idle_ns()) */
};

extern struct metrics metrics; /* one CPU runs the kernel today */

/* The counters as the KernelMetrics structure. */
void metrics_read(struct kernel_metrics *out);

#endif
