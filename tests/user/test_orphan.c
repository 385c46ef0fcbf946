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

/* Blocks for ever (a receive nobody sends to): it ends only when it is ended. */
UCHILD(orphan_forever)
{
	uint64_t ep;
	struct ipc_message m;
	if (ipc_endpoint_create(NULL, &ep))
		return 1;
	ipc_receive(ep, 0, &m);
	return 2;
}

/* A child that blocks for ever, and then itself for ever: a tree for process_terminate_tree. */
UCHILD(orphan_tree)
{
	uint64_t cap, ep;
	struct ipc_message m;
	if (utest_start("orphan_forever", NULL, 0, &cap) || ipc_endpoint_create(NULL, &ep))
		return 1;
	ipc_receive(ep, 0, &m);
	return 2;
}

/* Ends by itself, soon. */
UCHILD(orphan_brief)
{
	sys_sleep(30000000);
	return 7;
}

UCHILD(orphan_maker)
{
	const char *mode = utest_child_arg;
	uint64_t pid, cap;
	if (!strcmp(mode, "nested")) /* a child that makes an orphan of its own, itself orphaned */
		return (int)utest_start("orphan_maker", "suspended_started", 0, &cap);
	if (!strcmp(mode, "running")) /* it goes on and ends by itself */
		return (int)utest_start("orphan_brief", NULL, 0, &cap);
	if (!strcmp(mode, "ended")) { /* a zombie nobody collects: it runs first and exits */
		long err = utest_start("exit42", NULL, UTEST_PRIO_FIRST, &cap);
		return err ? (int)err : (int)sys_yield();
	}
	if (utest_create("orphan_forever", NULL, 0, NULL, 0, &pid, &cap))
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
	if (!strcmp(mode, "started_suspended")) { /* blocked for ever when it is suspended */
		if (sys_process_start(cap))
			return 3;
		return (int)xous_process_suspend(pid);
	}
	return 5;
}
