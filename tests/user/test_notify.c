/*
 * Notifications from user mode (ipc/notify.c): bits accumulate and are
 * taken whole, a waiter in another process is woken by a signal, rights
 * decide who signals and who waits, the object goes with its last
 * capability (a waiter learns E_IPC_CLOSED) and its owner, a waiter
 * killed meanwhile ends, and a process owns at most 32.
 */
#include "ipc.h"
#include "utest.h"

#define HIGH 30 /* after our yield it runs first, until it blocks */

/* Waits on its first capability; exits with the bits it got, or 1000 + the error. */
UCHILD(notify_waiter)
{
	uint64_t bits = 0;
	long err =
	    notification_wait(utest_cap(0), UTEST_PATIENCE_NS, &bits); /* a lost signal fails */
	return err ? 1000 + (int)err : (int)bits;
}

/* Makes notifications until refused; exits with how many, 100 + the error if not refused right. */
UCHILD(notify_filler)
{
	uint64_t cap;
	int made = 0;
	long err;
	while (!(err = notification_create(&cap)))
		made++;
	return err == E_RESOURCE_EXHAUSTED ? made : 100 + (int)err;
}

UTEST(notification_bits_accumulate_and_are_taken_whole)
{
	uint64_t n, bits = 99;
	UASSERT_EQ(notification_create(&n), E_OK);
	UASSERT_EQ(notification_poll(n, &bits), E_OK);
	UASSERT_EQ(bits, 0);
	UASSERT_EQ(notification_signal(n, 0x5), E_OK);
	UASSERT_EQ(notification_signal(n, 0x4), E_OK);
	UASSERT_EQ(notification_signal(n, 1ull << 63), E_OK);
	UASSERT_EQ(notification_poll(n, &bits), E_OK);
	UASSERT_EQ(bits, 0x5 | 1ull << 63);
	UASSERT_EQ(notification_poll(n, &bits), E_OK);
	UASSERT_EQ(bits, 0);
	UASSERT_EQ(notification_signal(n, 0x30), E_OK);
	UASSERT_EQ(notification_wait(n, UTEST_PATIENCE_NS, &bits), E_OK); /* pending: no wait */
	UASSERT_EQ(bits, 0x30);
	UASSERT_EQ(notification_wait(n, 1000000, &bits), E_TIMEOUT);
	UASSERT_EQ(notification_signal(n, 0), E_OK); /* nothing to hand: still nothing */
	UASSERT_EQ(notification_wait(n, 1000000, &bits), E_TIMEOUT);
	UASSERT_EQ(sys_cap_revoke(n), E_OK);
	UASSERT_EQ(notification_signal(n, 1), E_INVALID_CAPABILITY);
	return 0;
}

UTEST(notification_wakes_a_waiter_in_another_process)
{
	uint64_t n, child;
	struct process_exit_info info;
	UASSERT_EQ(notification_create(&n), E_OK);
	/* The waiter runs at once and blocks (it is of higher priority); the signal wakes it. */
	UASSERT_EQ(utest_start_caps("notify_waiter", NULL, HIGH, &n, 1, &child), E_OK);
	UASSERT_EQ(sys_yield(), E_OK); /* it runs first, until it blocks in its wait */
	UASSERT_EQ(notification_signal(n, 0x2a0), E_OK);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0x2a0);
	/* Signalled before the waiter comes: it finds the bits. */
	UASSERT_EQ(notification_signal(n, 0x11), E_OK);
	UASSERT_EQ(utest_start_caps("notify_waiter", NULL, 0, &n, 1, &child), E_OK);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0x11);
	UASSERT_EQ(sys_cap_revoke(n), E_OK);
	return 0;
}

UTEST(notification_rights_and_bad_capabilities)
{
	uint64_t n, reader, writer, mem, bits;
	void *page;
	UASSERT_EQ(notification_create(&n), E_OK);
	UASSERT_EQ(sys_cap_derive(n, RIGHT_READ, &reader), E_OK);
	UASSERT_EQ(sys_cap_derive(n, RIGHT_WRITE, &writer), E_OK);
	UASSERT_EQ(notification_signal(reader, 1), E_PERMISSION_DENIED);
	UASSERT_EQ(notification_wait(writer, 1000, &bits), E_PERMISSION_DENIED);
	UASSERT_EQ(notification_poll(writer, &bits), E_PERMISSION_DENIED);
	UASSERT_EQ(notification_signal(writer, 8), E_OK);
	UASSERT_EQ(notification_poll(reader, &bits), E_OK);
	UASSERT_EQ(bits, 8);
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_READ, &page, &mem), E_OK);
	UASSERT_EQ(notification_signal(mem, 1), E_INVALID_CAPABILITY);
	UASSERT_EQ(notification_wait(mem, 1000, &bits), E_INVALID_CAPABILITY);
	UASSERT_EQ(notification_signal(n ^ (1ull << 40), 1), E_INVALID_CAPABILITY);
	UASSERT_EQ(notification_poll(0, &bits), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_munmap(page, 4096), E_OK);
	UASSERT_EQ(sys_cap_revoke(n), E_OK); /* the derived ones go too */
	UASSERT_EQ(notification_poll(reader, &bits), E_INVALID_CAPABILITY);
	return 0;
}

UTEST(notification_goes_with_its_last_capability_and_its_waiters_learn_it)
{
	uint64_t n, child;
	struct process_exit_info info;
	UASSERT_EQ(notification_create(&n), E_OK);
	UASSERT_EQ(utest_start_caps("notify_waiter", NULL, HIGH, &n, 1, &child), E_OK);
	UASSERT_EQ(sys_yield(), E_OK); /* it runs first, until it blocks in its wait */
	/* The child's capability was derived from ours: revoking ours takes both. */
	UASSERT_EQ(sys_cap_revoke(n), E_OK);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 1000 + E_IPC_CLOSED);
	/* A waiter killed while it waits ends; nothing hangs. */
	UASSERT_EQ(notification_create(&n), E_OK);
	UASSERT_EQ(utest_start_caps("notify_waiter", NULL, HIGH, &n, 1, &child), E_OK);
	UASSERT_EQ(sys_yield(), E_OK); /* it runs first, until it blocks in its wait */
	UASSERT_EQ(sys_process_terminate(child, 5), E_OK);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_TERMINATED);
	UASSERT_EQ(notification_signal(n, 1), E_OK); /* no waiter: it stays pending */
	uint64_t bits;
	UASSERT_EQ(notification_poll(n, &bits), E_OK);
	UASSERT_EQ(bits, 1);
	UASSERT_EQ(sys_cap_revoke(n), E_OK);
	return 0;
}

UTEST(notification_quota_and_owner_end)
{
	struct process_exit_info info;
	/* A child makes its 32 and is refused the 33rd; they go when it ends. */
	UASSERT_EQ(utest_spawn("notify_filler", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 32);
	UASSERT_EQ(utest_spawn("notify_filler", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 32);
	/* Ours: 32 too, and freed ones make room again. */
	uint64_t n[33];
	for (unsigned i = 0; i < 32; i++)
		UASSERT_EQ(notification_create(&n[i]), E_OK);
	UASSERT_EQ(notification_create(&n[32]), E_RESOURCE_EXHAUSTED);
	UASSERT_EQ(sys_cap_revoke(n[7]), E_OK);
	UASSERT_EQ(notification_create(&n[7]), E_OK);
	for (unsigned i = 0; i < 32; i++)
		UASSERT_EQ(sys_cap_revoke(n[i]), E_OK);
	return 0;
}
