#include "core/metrics.h"
#include "mm/heap.h"
#include "mm/pmm.h"

struct metrics metrics;

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
	    .average_syscall_latency_ns =
		metrics.syscalls ? metrics.syscall_ns / metrics.syscalls : 0,
	    .average_context_switch_latency_ns =
		metrics.switches_timed ? metrics.switch_ns / metrics.switches_timed : 0,
	};
}
