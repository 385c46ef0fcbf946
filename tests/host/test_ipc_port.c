/*
 * IPC bookkeeping on the host: waiter queues are FIFO and leave no trace,
 * ids of destroyed objects never name new ones, reply tokens are one-shot
 * and only their replier's, and server names are unique UTF-8.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ipc/port.h"

struct waiter {
	struct ipc_link link;
	int id;
};

static int id_of(struct ipc_link *l)
{
	return l ? ((struct waiter *)l)->id : -1;
}

Test(ipc_port, queue_is_fifo_and_removal_anywhere_works)
{
	struct ipc_queue q = {0};
	struct waiter w[5];
	for (int i = 0; i < 5; i++) {
		w[i] = (struct waiter){.id = i};
		ipcq_push(&q, &w[i].link);
	}
	ipcq_remove(&w[0].link); /* head */
	ipcq_remove(&w[2].link); /* middle */
	ipcq_remove(&w[4].link); /* tail */
	ipcq_remove(&w[4].link); /* not queued: nothing happens */
	cr_assert_null(w[2].link.queue);
	ipcq_push_front(&q, &w[2].link);
	cr_assert_eq(id_of(ipcq_pop(&q)), 2);
	cr_assert_eq(id_of(ipcq_pop(&q)), 1);
	cr_assert_eq(id_of(ipcq_pop(&q)), 3);
	cr_assert(ipcq_empty(&q));
	cr_assert_null(ipcq_pop(&q));
	cr_assert_null(q.tail);
	/* Refill after draining: the links were reset. */
	ipcq_push(&q, &w[3].link);
	ipcq_push_front(&q, &w[1].link);
	cr_assert_eq(id_of(ipcq_pop(&q)), 1);
	cr_assert_eq(id_of(ipcq_pop(&q)), 3);
	cr_assert(ipcq_empty(&q));
}

Test(ipc_port, table_ids_are_never_reused)
{
	static struct ipc_table t;
	int objs[IPC_TABLE_SLOTS + 1];
	uint64_t ids[IPC_TABLE_SLOTS], id;
	for (unsigned i = 0; i < IPC_TABLE_SLOTS; i++)
		cr_assert_eq(ipc_table_add(&t, &objs[i], &ids[i]), E_OK);
	cr_assert_eq(ipc_table_add(&t, &objs[IPC_TABLE_SLOTS], &id), E_RESOURCE_EXHAUSTED);
	cr_assert_eq(ipc_table_get(&t, ids[7]), &objs[7]);
	ipc_table_remove(&t, ids[7]);
	cr_assert_null(ipc_table_get(&t, ids[7]));
	cr_assert_eq(ipc_table_add(&t, &objs[IPC_TABLE_SLOTS], &id), E_OK);
	cr_assert_neq(id, ids[7]); /* the same slot, a new generation */
	cr_assert_null(ipc_table_get(&t, ids[7]));
	cr_assert_eq(ipc_table_get(&t, id), &objs[IPC_TABLE_SLOTS]);
	ipc_table_remove(&t, ids[7]); /* stale: nothing happens */
	cr_assert_eq(ipc_table_get(&t, id), &objs[IPC_TABLE_SLOTS]);
	cr_assert_null(ipc_table_get(&t, 0xffffffffffull));
}

static int dropped;
static void count_drop(void *caller, void *arg)
{
	(void)arg;
	cr_assert_not_null(caller);
	dropped++;
}

Test(ipc_port, reply_tokens_are_one_shot_and_the_repliers)
{
	int caller, other_caller, server, stranger;
	uint64_t t, t2;
	void *c;
	reply_init();
	cr_assert_eq(reply_alloc(&caller, &server, &t), E_OK);
	cr_assert_neq(t, 0);
	cr_assert_eq(reply_live(), 1);
	cr_assert_eq(reply_take(t, &stranger, &c), E_IPC_INVALID_REPLY);
	cr_assert_eq(reply_take(t ^ 1, &server, &c), E_IPC_INVALID_REPLY);
	cr_assert_eq(reply_take(t, &server, &c), E_OK);
	cr_assert_eq(c, &caller);
	cr_assert_eq(reply_take(t, &server, &c), E_IPC_INVALID_REPLY); /* used */
	cr_assert_eq(reply_live(), 0);
	/* A caller that gave up: its replier learns why, once. */
	cr_assert_eq(reply_alloc(&caller, &server, &t), E_OK);
	reply_cancel(t, E_TIMEOUT);
	cr_assert_eq(reply_take(t, &server, &c), E_TIMEOUT);
	cr_assert_eq(reply_take(t, &server, &c), E_IPC_INVALID_REPLY);
	/* A replier that dies releases its callers. */
	cr_assert_eq(reply_alloc(&caller, &server, &t), E_OK);
	cr_assert_eq(reply_alloc(&other_caller, &server, &t2), E_OK);
	reply_cancel(t2, E_PROCESS_TERMINATED);
	dropped = 0;
	reply_drop_replier(&server, count_drop, NULL);
	cr_assert_eq(dropped, 1); /* the cancelled one waits no more */
	cr_assert_eq(reply_live(), 0);
	/* The table fills, and empties. */
	uint64_t all[REPLY_SLOTS];
	for (unsigned i = 0; i < REPLY_SLOTS; i++)
		cr_assert_eq(reply_alloc(&caller, &server, &all[i]), E_OK);
	cr_assert_eq(reply_alloc(&caller, &server, &t), E_RESOURCE_EXHAUSTED);
	/* A slot whose caller gave up is taken back when nothing else is free. */
	reply_cancel(all[9], E_TIMEOUT);
	cr_assert_eq(reply_alloc(&other_caller, &server, &t), E_OK);
	cr_assert_eq(reply_take(all[9], &server, &c), E_IPC_INVALID_REPLY);
	cr_assert_eq(reply_take(t, &server, &c), E_OK);
	cr_assert_eq(c, &other_caller);
	for (unsigned i = 0; i < REPLY_SLOTS; i++)
		if (i != 9)
			cr_assert_eq(reply_take(all[i], &server, &c), E_OK);
	cr_assert_eq(reply_live(), 0);
}

Test(ipc_port, utf8_rules)
{
	cr_assert(utf8_valid("plain", 5));
	cr_assert(utf8_valid("caf\xc3\xa9", 5));
	cr_assert(utf8_valid("\xe2\x82\xac", 3));	  /* euro sign */
	cr_assert(utf8_valid("\xf0\x9f\x98\x80", 4));	  /* an emoji */
	cr_assert_not(utf8_valid("\xc3", 1));		  /* truncated */
	cr_assert_not(utf8_valid("\xc0\xaf", 2));	  /* overlong */
	cr_assert_not(utf8_valid("\xe0\x80\xaf", 3));	  /* overlong */
	cr_assert_not(utf8_valid("\xed\xa0\x80", 3));	  /* a surrogate */
	cr_assert_not(utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
	cr_assert_not(utf8_valid("\x80", 1));		  /* a lone continuation */
	cr_assert_not(utf8_valid("a\0b", 3));		  /* NUL */
	cr_assert_not(utf8_valid("\xc3\x28", 2));	  /* a bad continuation */
}

Test(ipc_port, server_names_are_unique)
{
	int s1, s2;
	names_init();
	cr_assert_eq(names_add("echo", 4, &s1), E_OK);
	cr_assert_eq(names_add("echo", 4, &s2), E_SERVER_EXISTS);
	cr_assert_eq(names_add("echo2", 5, &s2), E_OK);
	cr_assert_eq(names_find("echo", 4), &s1);
	cr_assert_eq(names_find("echo2", 5), &s2);
	cr_assert_null(names_find("ech", 3));
	cr_assert_eq(names_add("", 0, &s2), E_INVALID_STRING);
	cr_assert_eq(names_add("\xff", 1, &s2), E_INVALID_STRING);
	char big[SERVER_NAME_MAX + 1];
	memset(big, 'n', sizeof(big));
	cr_assert_eq(names_add(big, sizeof(big), &s2), E_INVALID_STRING);
	cr_assert_eq(names_add(big, SERVER_NAME_MAX, &s2), E_OK);
	names_remove(&s1);
	cr_assert_null(names_find("echo", 4));
	cr_assert_eq(names_add("echo", 4, &s2), E_OK); /* the name is free again */
	char name[8];
	int fill = 0;
	for (unsigned i = 0; i < SERVER_NAMES; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		if (names_add(name, strlen(name), &s1) == E_RESOURCE_EXHAUSTED)
			fill = 1;
	}
	cr_assert(fill);
	names_init();
}
