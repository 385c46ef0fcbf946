#include "core/metrics.h"
#include "arch/hal/cpu.h"
#include "arch/hal/timer.h"
#include "core/kthread.h"
#include "mm/heap.h"
#include "mm/pmm.h"

struct metrics metrics;

/* Counter ticks to ns (the counter's rate, once the arch knows it). */
static uint64_t to_ns(uint64_t ticks, uint64_t count)
{
	if (!count)
		return 0;
	uint64_t hz = arch_counter_hz(), avg = ticks / count;
	return hz ? (uint64_t)((unsigned __int128)avg * 1000000000u / hz) : avg;
}

void metrics_read(struct kernel_metrics *out)
{
	struct allocator_stats h = heap_stats();
	*out = (struct kernel_metrics){
	    .context_switches = metrics.context_switches,
	    .syscalls_processed = metrics.syscalls,
	    .page_faults = metrics.page_faults,
	    .interrupts_handled = metrics.interrupts,
	    .ipc_messages_sent = metrics.ipc_messages,
	    .memory_allocations = h.allocation_count,
	    .average_syscall_latency_ns = to_ns(metrics.syscall_ticks, metrics.syscalls),
	    .average_context_switch_latency_ns =
		to_ns(metrics.switch_ticks, metrics.switches_timed),
	    .idle_ns = kthread_idle_ns(),
	    .uptime_ns = arch_time_ns(),
	};
}
