/*
 * The device manager's restart policy (drivers/lib/restart.c): the backoff
 * doubles from its minimum to its cap, a driver failing before it is ever
 * healthy is given up on after RESTART_MAX_FAILURES, and one that fails
 * after it came back healthy starts the count again (restarted for ever).
 */
#include <criterion/criterion.h>

#include "drivers/lib/restart.h"

Test(restart, backoff_doubles_then_gives_up)
{
	struct restart_policy p;
	restart_init(&p);
	uint64_t d = 0, want = RESTART_BACKOFF_MIN_NS;
	for (unsigned i = 1; i < RESTART_MAX_FAILURES; i++) {
		cr_assert_eq(restart_failed(&p, &d), RESTART_AFTER, "failure %u", i);
		cr_assert_eq(d, want, "failure %u: %llu ns", i, (unsigned long long)d);
		want *= 2;
	}
	cr_assert_eq(restart_failed(&p, &d), RESTART_GIVE_UP);
	cr_assert_eq(p.failures, RESTART_MAX_FAILURES);
	cr_assert_eq(p.restarts, RESTART_MAX_FAILURES - 1);
}

Test(restart, healthy_driver_is_restarted_for_ever)
{
	struct restart_policy p;
	restart_init(&p);
	for (unsigned i = 0; i < 100; i++) {
		uint64_t d = 0;
		restart_healthy(&p);
		cr_assert_eq(restart_failed(&p, &d), RESTART_AFTER, "kill %u", i);
		cr_assert_eq(d, RESTART_BACKOFF_MIN_NS, "a new run starts at the minimum");
	}
	cr_assert_eq(p.restarts, 100);
}

Test(restart, healthy_then_crash_loop_gives_up)
{
	struct restart_policy p;
	restart_init(&p);
	restart_healthy(&p);
	uint64_t d;
	unsigned n = 0;
	while (restart_failed(&p, &d) == RESTART_AFTER)
		n++;
	cr_assert_eq(n, RESTART_MAX_FAILURES - 1);
	cr_assert(!p.healthy);
}

Test(restart, backoff_is_capped)
{
	struct restart_policy p;
	restart_init(&p);
	uint64_t d = 0;
	/* Push the count past where the doubling would exceed the cap (pretend no give-up). */
	for (unsigned i = 0; i < 40; i++) {
		p.failures = i;
		p.healthy = false;
		if (restart_failed(&p, &d) == RESTART_AFTER)
			cr_assert_leq(d, RESTART_BACKOFF_MAX_NS);
	}
	p.failures = 0;
	cr_assert_eq(restart_failed(&p, NULL), RESTART_AFTER, "delay may be NULL");
}
