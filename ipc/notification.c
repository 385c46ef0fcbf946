/* Notification bookkeeping (see notification.h). */
#include "ipc/notification.h"

void notification_signal(struct notification *n, uint64_t bits, notification_deliver_fn deliver)
{
	n->pending |= bits;
	struct ipc_link *l;
	while (n->pending && (l = ipcq_pop(&n->waiters)))
		if (deliver(l, n->pending))
			n->pending = 0;
}

uint64_t notification_take(struct notification *n)
{
	uint64_t bits = n->pending;
	n->pending = 0;
	return bits;
}

void notification_close(struct notification *n, void (*fail)(struct ipc_link *l))
{
	struct ipc_link *l;
	while ((l = ipcq_pop(&n->waiters)))
		fail(l);
}
