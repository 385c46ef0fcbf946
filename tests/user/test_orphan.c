/*
 * What becomes of a child whose parent ends (core/process.c,
 * orphan_children): `init child orphan_maker MODE` makes a child of its own
 * in the state MODE names and exits at once, leaving it behind. The kernel
 * test orphans_are_freed checks that every such child ends or runs to its
 * end, and that nothing it held stays behind.
 */
#include "ipc.h"
#include "kestrel.h"
#include "utest.h"

/* Sleeps 30 ms and exits 7: long enough to be caught in any state. */
#define CHILD "xous_sleepy"

UCHILD(orphan_maker)
{
	const char *mode = utest_child_arg;
	uint64_t pid, cap;
	if (!strcmp(mode, "nested")) /* a child that makes an orphan of its own, itself orphaned */
		return (int)utest_start("orphan_maker", "suspended_started", 0, &cap);
	if (utest_create(CHILD, NULL, 0, NULL, 0, &pid, &cap))
		return 1;
	if (!strcmp(mode, "never_started"))
		return 0;
	if (!strcmp(mode, "suspended"))
		return (int)xous_process_suspend(pid); /* never started either */
	if (!strcmp(mode, "suspended_started")) {
		if (xous_process_suspend(pid))
			return 2;
		return (int)sys_process_start(cap);
	}
	if (sys_process_start(cap))
		return 3;
	if (!strcmp(mode, "started_suspended")) {
		sys_sleep(1000000); /* let it reach its sleep first */
		return (int)xous_process_suspend(pid);
	}
	if (!strcmp(mode, "running"))
		return 0; /* it goes on and ends by itself */
	if (!strcmp(mode, "ended")) {
		struct process_exit_info info;
		/* A zombie nobody collects: the wait times out after the child ended. */
		return sys_process_wait(cap, 1, &info) == E_TIMEOUT ? (sys_sleep(60000000), 0) : 4;
	}
	return 5;
}
