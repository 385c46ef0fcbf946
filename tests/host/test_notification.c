/*
 * The notification bookkeeping (ipc/notification.c): bits accumulate
 * until taken whole, the first waiter able to take them gets them all, a
 * dying waiter is passed over, and closing fails every waiter; plus a
 * random run against a model.
 */
#include <criterion/criterion.h>

#include "blob.h"
#include "ipc/notification.h"

struct waiter {
	struct ipc_link link; /* first */
	bool dying, woken, failed;
	uint64_t bits;
};

static bool deliver(struct ipc_link *l, uint64_t bits)
{
	struct waiter *w = (struct waiter *)l;
	if (w->dying)
		return false;
	w->woken = true;
	w->bits = bits;
	return true;
}

static void fail(struct ipc_link *l)
{
	((struct waiter *)l)->failed = true;
}

Test(notification, bits_accumulate_until_taken)
{
	struct notification n = {0};
	cr_assert_eq(notification_take(&n), 0);
	notification_signal(&n, 0x1, deliver);
	notification_signal(&n, 0x8, deliver);
	notification_signal(&n, 0x1, deliver);
	cr_assert_eq(notification_take(&n), 0x9);
	cr_assert_eq(notification_take(&n), 0, "taken means cleared");
}

Test(notification, first_waiter_gets_everything_pending)
{
	struct notification n = {0};
	struct waiter a = {0}, b = {0};
	ipcq_push(&n.waiters, &a.link);
	ipcq_push(&n.waiters, &b.link);
	notification_signal(&n, 0, deliver);
	cr_assert(!a.woken && !b.woken, "no bits, nobody woken");
	notification_signal(&n, 0x6, deliver);
	cr_assert(a.woken);
	cr_assert_eq(a.bits, 0x6);
	cr_assert(!b.woken, "one signal, one waiter");
	cr_assert_eq(n.pending, 0);
	notification_signal(&n, 0x1, deliver);
	cr_assert(b.woken);
	cr_assert_eq(b.bits, 0x1);
	cr_assert(ipcq_empty(&n.waiters));
}

Test(notification, a_dying_waiter_is_passed_over)
{
	struct notification n = {0};
	struct waiter a = {.dying = true}, b = {0};
	ipcq_push(&n.waiters, &a.link);
	ipcq_push(&n.waiters, &b.link);
	notification_signal(&n, 0x40, deliver);
	cr_assert(!a.woken);
	cr_assert(a.link.queue == NULL, "it is off the queue all the same");
	cr_assert(b.woken);
	cr_assert_eq(b.bits, 0x40);
	struct waiter c = {.dying = true};
	ipcq_push(&n.waiters, &c.link);
	notification_signal(&n, 0x2, deliver);
	cr_assert_eq(n.pending, 0x2, "no taker: the bits stay");
}

Test(notification, close_fails_every_waiter)
{
	struct notification n = {0};
	struct waiter w[3] = {0};
	for (int i = 0; i < 3; i++)
		ipcq_push(&n.waiters, &w[i].link);
	notification_close(&n, fail);
	for (int i = 0; i < 3; i++)
		cr_assert(w[i].failed && !w[i].woken);
	cr_assert(ipcq_empty(&n.waiters));
}

Test(notification, random_run_against_a_model)
{
	struct notification n = {0};
	struct waiter w[8] = {0};
	uint64_t seed = 12345, model = 0, delivered = 0, signalled = 0;
	for (int step = 0; step < 20000; step++) {
		unsigned r = blob_rand(&seed) % 4, i = blob_rand(&seed) % 8;
		if (r == 0 && !w[i].link.queue && !model) { /* a wait that blocks */
			w[i] = (struct waiter){0};
			ipcq_push(&n.waiters, &w[i].link);
		} else if (r == 1) {
			uint64_t bits = 1ull << (blob_rand(&seed) % 64);
			signalled |= bits;
			model |= bits;
			struct ipc_link *first = n.waiters.head;
			notification_signal(&n, bits, deliver);
			if (first) { /* the oldest waiter got the whole word */
				struct waiter *f = (struct waiter *)first;
				cr_assert(f->woken);
				cr_assert_eq(f->bits, model);
				delivered |= f->bits;
				model = 0;
			}
		} else if (r == 2) {
			uint64_t got = notification_take(&n);
			cr_assert_eq(got, model);
			delivered |= got;
			model = 0;
		}
		cr_assert_eq(n.pending, model);
		cr_assert(!n.pending || ipcq_empty(&n.waiters), "bits never wait beside a waiter");
	}
	delivered |= notification_take(&n);
	cr_assert_eq(delivered, signalled, "no bit is lost");
}
