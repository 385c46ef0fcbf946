/*
 * The console from user space: SYS_READ on fd 0 checks its buffer before
 * it takes any input; SYS_CONSOLE_BREAK has one holder at a time, and a
 * holder's end gives the break back. SYS_PROCESS_INFO lists us.
 */
#include "ipc.h"
#include "utest.h"

#define KERNEL_ADDR 0xffffffff80000000ul

/* Take the break and end holding it: the exit code is what the call said. */
UCHILD(console_break_taker)
{
	uint64_t n;
	if (notification_create(&n))
		return 99;
	return (int)sys_console_break(n, 3);
}

UTEST(console_read_checks_first)
{
	uintptr_t r[7];
	/* No input is waiting in a test boot: a bad buffer must fail at once, not wait. */
	UASSERT_EQ(SYS3(SYS_READ, 0, KERNEL_ADDR, 16, r), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(SYS3(SYS_READ, 0, NULL, 1ul << 40, r), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(SYS3(SYS_READ, 0, NULL, 0, r), E_OK); /* waits for nothing */
	UASSERT_EQ(r[0], 0);
	return 0;
}

UTEST(console_break_one_holder)
{
	uint64_t n;
	struct process_exit_info info;
	UASSERT_EQ(notification_create(&n), E_OK);
	UASSERT_EQ(sys_console_break(n, 64), E_INVALID_PARAMETER);
	UASSERT(sys_console_break(n ^ 0x5a5a0000, 0) != E_OK);
	UASSERT_EQ(sys_console_break(n, 0), E_OK);
	UASSERT_EQ(sys_console_break(n, 1), E_OK); /* the holder may change its bit */
	UASSERT_EQ(utest_spawn("console_break_taker", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, E_BUSY);
	UASSERT_EQ(sys_console_break(0, 0), E_OK);
	/* Free again: the child takes it and ends holding it, which gives it back. */
	UASSERT_EQ(utest_spawn("console_break_taker", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, E_OK);
	UASSERT_EQ(sys_console_break(n, 0), E_OK);
	UASSERT_EQ(sys_console_break(0, 0), E_OK);
	UASSERT_EQ(sys_cap_revoke(n), E_OK);
	return 0;
}

UTEST(process_info_lists_us)
{
	struct thread_info self;
	struct process_info p;
	bool found = false;
	UASSERT_EQ(sys_thread_info(0, &self), E_OK);
	unsigned i = 0;
	for (; !sys_process_info(i, &p); i++)
		if (p.pid == self.process_id) {
			found = true;
			UASSERT_EQ(p.state, PS_RUNNING);
			UASSERT(p.threads >= 1);
			UASSERT(p.memory > 0);
			UASSERT(!strcmp(p.name, "init"));
			UASSERT(!strncmp(p.args, "test", 4));
		}
	UASSERT(found);
	UASSERT_EQ(sys_process_info(i, &p), E_NOT_FOUND);
	UASSERT_EQ(sys_process_info(0, (void *)KERNEL_ADDR), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_process_info(0xffffffffu, &p), E_NOT_FOUND);
	return 0;
}
