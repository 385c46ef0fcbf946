/*
 * The device manager's restart policy (restart.h): a backoff that doubles
 * with each failure in a row, and a limit on failures that came before
 * the driver was ever healthy. Pure C, host-tested (tests/host/test_restart.c).
 */
#include "drivers/lib/restart.h"

void restart_init(struct restart_policy *p)
{
	p->failures = 0;
	p->restarts = 0;
	p->healthy = false;
}

void restart_healthy(struct restart_policy *p)
{
	p->healthy = true;
}

enum restart_action restart_failed(struct restart_policy *p, uint64_t *delay_ns)
{
	if (p->healthy) /* it had come back: a new run of failures starts */
		p->failures = 0;
	p->healthy = false;
	p->failures++;
	if (p->failures >= RESTART_MAX_FAILURES)
		return RESTART_GIVE_UP;
	uint64_t d = RESTART_BACKOFF_MIN_NS;
	for (unsigned i = 1; i < p->failures && d < RESTART_BACKOFF_MAX_NS; i++)
		d *= 2;
	if (d > RESTART_BACKOFF_MAX_NS)
		d = RESTART_BACKOFF_MAX_NS;
	p->restarts++;
	if (delay_ns)
		*delay_ns = d;
	return RESTART_AFTER;
}
