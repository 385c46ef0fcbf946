/*
 * Orphans: a process that ends leaves children behind in every state a
 * child can be in (tests/user/test_orphan.c). Each must end or run to its
 * end, and be freed with everything it held, though nobody waits for it.
 */
#include "arch/hal/cpu.h"
#include "cap/cap.h"
#include "core/init.h"
#include "core/kstring.h"
#include "core/process.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "tests/kernel/ktest.h"

/* Run `init child orphan_maker mode`; its exit code, once every process it made is gone. */
static int orphan_round(const char *mode, unsigned processes)
{
	char args[64];
	int size = ksnprintf(args, sizeof(args), "init%cchild%corphan_maker%c%s", 0, 0, 0, mode);
	struct process *p;
	struct process_exit_info info;
	if (init_create(args, (size_t)size + 1, NULL, 0, PRIO_NORMAL, &p) || process_start(p) ||
	    process_wait(p, 0, &info))
		return -1;
	/*
	 * The orphans end on their own (the longest sleeps 30 ms); this waits
	 * for that, bounded (60 s, far past any stall of the host) only so that
	 * a leak fails instead of hanging.
	 */
	ktest_settle(processes, 60000);
	return info.exit_reason == EXIT_NORMAL ? info.exit_code : -2;
}

KTEST(orphans_are_freed)
{
	static const char *const modes[] = {
	    "never_started", "suspended", "suspended_started", "started_suspended", "running",
	    "ended",	     "nested",
	};
	for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		/* A first round warms the heap's slabs; the second must leave no trace. */
		for (int round = 0; round < 2; round++) {
			struct ktest_footprint before = ktest_footprint();
			KASSERT_EQ(orphan_round(modes[m], before.processes), 0);
			struct ktest_footprint after = ktest_footprint();
			KASSERT_EQ(after.processes, before.processes);
			if (round == 1) {
				KASSERT_EQ(after.caps, before.caps);
				KASSERT_EQ(after.heap_bytes, before.heap_bytes);
				KASSERT_EQ(after.frames, before.frames);
			}
		}
	}
}

/* Ctrl-C's way (core/shell.c): a program and the processes it started end together. */
KTEST(terminate_tree_ends_the_descendants)
{
	static const char args[] = "init\0child\0orphan_tree";
	struct ktest_footprint before = ktest_footprint();
	struct process *p;
	struct process_exit_info info;
	KASSERT_EQ(init_create(args, sizeof(args), NULL, 0, PRIO_NORMAL, &p), E_OK);
	KASSERT_EQ(process_start(p), E_OK);
	/* Until its child exists (60 s: far past any stall of the host). */
	for (unsigned i = 0; i < 6000 && process_count() < before.processes + 2; i++)
		kthread_block(BLOCK_SLEEP, 10000000);
	KASSERT_EQ(process_count(), before.processes + 2);
	irqflags_t irq = arch_irq_save();
	process_terminate_tree(p, -1, EXIT_INTERRUPTED);
	arch_irq_restore(irq);
	KASSERT_EQ(process_wait(p, 0, &info), E_OK);
	KASSERT_EQ(info.exit_reason, EXIT_INTERRUPTED);
	ktest_settle(before.processes, 60000);
	KASSERT_EQ(process_count(), before.processes);
}

/*
 * A device manager and its drivers end with the process that started them
 * (drivers/manager/start.c: the lifeline; drivers/lib/driver.c: a driver
 * whose manager is gone), whether it ends, is terminated, or terminates
 * the manager first and leaves the drivers: none runs on for good.
 */
KTEST(manager_ends_with_its_starter)
{
	static const char *const modes[] = {"exit", "killed", "manager_killed"};
	for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		char args[64];
		int size = ksnprintf(args, sizeof(args), "init%cchild%cdevmgr_starter%c%s", 0, 0, 0,
				     modes[m]);
		struct ktest_footprint before = ktest_footprint();
		struct process *p;
		struct process_exit_info info;
		KASSERT_EQ(init_create(args, (size_t)size + 1, NULL, 0, PRIO_NORMAL, &p), E_OK);
		KASSERT_EQ(process_start(p), E_OK);
		if (m == 1) {
			/* Until the manager and its two RAM disks' drivers at least are up (60 s at most). */
			for (unsigned i = 0; i < 6000 && process_count() < before.processes + 4;
			     i++)
				kthread_block(BLOCK_SLEEP, 10000000);
			KASSERT(process_count() >= before.processes + 4);
			kthread_block(BLOCK_SLEEP, 500000000); /* and the rest started */
			irqflags_t irq = arch_irq_save();
			process_terminate(p, -1, EXIT_TERMINATED, 0);
			arch_irq_restore(irq);
		}
		KASSERT_EQ(process_wait(p, 0, &info), E_OK);
		if (m != 1) {
			KASSERT_EQ(info.exit_reason, EXIT_NORMAL);
			KASSERT(info.exit_code >= 2); /* ram0 and ram1's drivers ran at least */
		}
		/* They notice within a second or so; 60 s: far past any stall of the host. */
		KASSERT(ktest_settle(before.processes, 60000));
		KASSERT_EQ(process_count(), before.processes);
	}
}
