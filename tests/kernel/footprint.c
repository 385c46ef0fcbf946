/*
 * What a test leaves behind, counted (tests/kernel/ktest.h): the kernel
 * tests that run processes (orphans, the fuzzer) compare these before and
 * after, and wait for what nobody waits for to be gone.
 */
#include "cap/cap.h"
#include "core/kprintf.h"
#include "core/kthread.h"
#include "core/process.h"
#include "ipc/port.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "tests/kernel/ktest.h"

struct ktest_footprint ktest_footprint(void)
{
	unsigned processes = process_count(); /* first: it frees what nobody waits for */
	pmm_drain_caches();
	struct allocator_stats h = heap_stats();
	return (struct ktest_footprint){
	    .frames = memory_stats().free_frames + heap_frames(),
	    .heap_bytes = h.current_allocated,
	    .heap_blocks = h.allocation_count - h.free_count,
	    .caps = cap_live_count(),
	    .replies = reply_live(),
	    .threads = kthread_count(),
	    .processes = processes,
	};
}

void ktest_footprint_print(const char *who, const char *when, const struct ktest_footprint *f)
{
	kprintf("%s: %s: %zu frames, heap %zu bytes in %zu blocks, %u capabilities, "
		"%u reply tokens, %u threads, %u processes\n",
		who, when, f->frames, f->heap_bytes, f->heap_blocks, f->caps, f->replies,
		f->threads, f->processes);
}

bool ktest_settle(unsigned processes, unsigned ms)
{
	for (unsigned waited = 0; process_count() > processes; waited += 10) {
		if (waited >= ms)
			return false;
		kthread_block(BLOCK_SLEEP, 10000000);
	}
	return true;
}
