/*
 * Notifications: a word of pending bits and the threads waiting for any
 * of them. A signal ORs bits in; the first waiter able to take them gets
 * every pending bit at once and the word is clear again; with nobody
 * waiting the bits stay until a wait or poll takes them. This half is the
 * bookkeeping, free of threads so that the host tests run it; ipc/notify.c
 * keeps the objects, blocks and wakes threads, and holds the system calls.
 */
#ifndef IPC_NOTIFICATION_H
#define IPC_NOTIFICATION_H

#include <stdbool.h>
#include <stdint.h>

#include "ipc/port.h"

struct notification {
	uint64_t pending;	  /* signalled, not yet taken */
	struct ipc_queue waiters; /* first come, first served */
};

/*
 * Hand `bits` to the waiter on `l` (now off the queue): false if it can no
 * longer take them (it is dying), and the next waiter is asked.
 */
typedef bool (*notification_deliver_fn)(struct ipc_link *l, uint64_t bits);

/* OR `bits` in; the first waiter that takes them gets every pending bit. */
void notification_signal(struct notification *n, uint64_t bits, notification_deliver_fn deliver);
/* Take and clear every pending bit (0: none pending). */
uint64_t notification_take(struct notification *n);
/* Take every waiter off, calling fail(l) for each: the notification is going. */
void notification_close(struct notification *n, void (*fail)(struct ipc_link *l));

#endif
