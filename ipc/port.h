/*
 * The bookkeeping of IPC, free of threads and hardware so that the host
 * tests run it: FIFO queues of waiters, tables of objects named by ids
 * with a generation, one-shot reply tokens and the Xous server names. The
 * kernel side (ipc/ipc.c) blocks and wakes threads around these.
 */
#ifndef IPC_PORT_H
#define IPC_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/abi/error.h"

/* A waiter: embedded in what waits (a thread); on at most one queue. */
struct ipc_link {
	struct ipc_link *next, *prev;
	struct ipc_queue *queue; /* NULL while not queued */
};

struct ipc_queue {
	struct ipc_link *head, *tail;
};

void ipcq_push(struct ipc_queue *q, struct ipc_link *l);
/* Put a waiter back at the head (it was taken, then could not be served). */
void ipcq_push_front(struct ipc_queue *q, struct ipc_link *l);
/* The first waiter, taken off the queue; NULL when empty. */
struct ipc_link *ipcq_pop(struct ipc_queue *q);
/* Take a waiter off whatever queue it is on (nothing if none). */
void ipcq_remove(struct ipc_link *l);
static inline bool ipcq_empty(const struct ipc_queue *q)
{
	return !q->head;
}

/*
 * A table of objects named by 64-bit ids: the slot in the low bits, a
 * generation above it, so that the id of a destroyed object never names
 * the next one in its slot.
 */
#define IPC_TABLE_SLOTS 256u
struct ipc_table {
	void *obj[IPC_TABLE_SLOTS];
	uint32_t gen[IPC_TABLE_SLOTS];
};

/* A new id for `obj`; E_RESOURCE_EXHAUSTED when the table is full. */
int ipc_table_add(struct ipc_table *t, void *obj, uint64_t *id);
/* The object an id names, or NULL. */
void *ipc_table_get(const struct ipc_table *t, uint64_t id);
void ipc_table_remove(struct ipc_table *t, uint64_t id);

/*
 * Reply tokens: a call that reached its receiver holds a slot naming the
 * caller and the only process that may reply. One reply consumes it.
 */
#define REPLY_SLOTS 256u
void reply_init(void);
/* A token for `caller` (an opaque thread) that only `replier` may use. */
int reply_alloc(void *caller, const void *replier, uint64_t *token);
/*
 * Take the caller of `token` if `replier` may reply to it: E_OK and
 * *caller, or the reason the caller stopped waiting (E_TIMEOUT,
 * E_PROCESS_TERMINATED; the slot is free after), or E_IPC_INVALID_REPLY
 * for a token that is not the replier's or not live.
 */
int reply_take(uint64_t token, const void *replier, void **caller);
/* The caller waiting on `token` if `replier` may reply to it, without using the token; else NULL. */
void *reply_peek(uint64_t token, const void *replier);
/* The caller stops waiting (`why`: E_TIMEOUT, E_PROCESS_TERMINATED); the replier learns why. */
void reply_cancel(uint64_t token, int why);
/* The replier ended: free its slots, calling fn(caller, arg) for each caller still waiting. */
void reply_drop_replier(const void *replier, void (*fn)(void *caller, void *arg), void *arg);
/* Slots in use (tests, dumps). */
unsigned reply_live(void);

/* Xous server names: unique, 1..64 bytes of UTF-8. */
#define SERVER_NAME_MAX 64u
#define SERVER_NAMES	32u
bool utf8_valid(const char *s, size_t len);
/* Register `server` under a name: E_SERVER_EXISTS, E_INVALID_STRING, E_RESOURCE_EXHAUSTED. */
int names_add(const char *name, size_t len, void *server);
void *names_find(const char *name, size_t len);
/* Every name is taken. */
bool names_full(void);
void names_remove(void *server);
void names_init(void);

#endif
