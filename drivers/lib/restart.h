/*
 * The manager's restart policy, pure (host-tested): after each failure of
 * a driver, restart it after a backoff that doubles from RESTART_BACKOFF_MIN_NS
 * up to RESTART_BACKOFF_MAX_NS, or give up after RESTART_MAX_FAILURES
 * failures in a row that came before the driver was healthy (ready and
 * answering a heartbeat). A healthy driver that fails starts the count
 * again: a driver killed a hundred times, each time after it had come
 * back, is restarted a hundred times; one that crashes while starting is
 * given up on.
 */
#ifndef DRIVERS_LIB_RESTART_H
#define DRIVERS_LIB_RESTART_H

#include <stdbool.h>
#include <stdint.h>

#define RESTART_BACKOFF_MIN_NS 10000000ull   /* 10 ms */
#define RESTART_BACKOFF_MAX_NS 2000000000ull /* 2 s */
#define RESTART_MAX_FAILURES   5u
#define HEARTBEAT_INTERVAL_NS  250000000ull /* between heartbeats */
#define HEARTBEAT_TIMEOUT_MS   1500u	    /* one unanswered */
#define HEARTBEAT_MISSES       2u	    /* in a row: the driver hangs */

struct restart_policy {
	unsigned failures; /* in a row, before healthy */
	unsigned restarts; /* all, for the figures */
	bool healthy;
};

enum restart_action { RESTART_AFTER = 1, RESTART_GIVE_UP = 2 };

void restart_init(struct restart_policy *p);
/* The driver answered a heartbeat since it was ready. */
void restart_healthy(struct restart_policy *p);
/* It failed: what to do, and for RESTART_AFTER the delay in *delay_ns. */
enum restart_action restart_failed(struct restart_policy *p, uint64_t *delay_ns);

#endif
