/* IPC bookkeeping: queues, id tables, reply tokens, server names (see port.h). */
#include "ipc/port.h"
#include "core/kstring.h"

void ipcq_push(struct ipc_queue *q, struct ipc_link *l)
{
	l->next = NULL;
	l->prev = q->tail;
	if (q->tail)
		q->tail->next = l;
	else
		q->head = l;
	q->tail = l;
	l->queue = q;
}

void ipcq_push_front(struct ipc_queue *q, struct ipc_link *l)
{
	l->prev = NULL;
	l->next = q->head;
	if (q->head)
		q->head->prev = l;
	else
		q->tail = l;
	q->head = l;
	l->queue = q;
}

void ipcq_remove(struct ipc_link *l)
{
	struct ipc_queue *q = l->queue;
	if (!q)
		return;
	if (l->prev)
		l->prev->next = l->next;
	else
		q->head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		q->tail = l->prev;
	l->next = l->prev = NULL;
	l->queue = NULL;
}

struct ipc_link *ipcq_pop(struct ipc_queue *q)
{
	struct ipc_link *l = q->head;
	if (l)
		ipcq_remove(l);
	return l;
}

#define SLOT_BITS 8u
_Static_assert(IPC_TABLE_SLOTS == 1u << SLOT_BITS && REPLY_SLOTS == 1u << SLOT_BITS,
	       "ids keep the slot in the low byte");

int ipc_table_add(struct ipc_table *t, void *obj, uint64_t *id)
{
	for (unsigned i = 0; i < IPC_TABLE_SLOTS; i++)
		if (!t->obj[i]) {
			t->obj[i] = obj;
			*id = (uint64_t)++t->gen[i] << SLOT_BITS | i;
			return E_OK;
		}
	return E_RESOURCE_EXHAUSTED;
}

void *ipc_table_get(const struct ipc_table *t, uint64_t id)
{
	unsigned i = id & (IPC_TABLE_SLOTS - 1);
	return id >> SLOT_BITS == t->gen[i] ? t->obj[i] : NULL;
}

void ipc_table_remove(struct ipc_table *t, uint64_t id)
{
	if (ipc_table_get(t, id))
		t->obj[id & (IPC_TABLE_SLOTS - 1)] = NULL;
}

static struct reply_slot {
	void *caller; /* NULL: free, or cancelled (then `why` says why) */
	const void *replier;
	uint32_t gen;
	int why;
} replies[REPLY_SLOTS];
static unsigned replies_live;

void reply_init(void)
{
	memset(replies, 0, sizeof(replies));
	replies_live = 0;
}

/* Tokens are never 0 (0 means "no reply expected"): the generation starts at 1. */
int reply_alloc(void *caller, const void *replier, uint64_t *token)
{
	static unsigned next;
	/* A free slot; failing that, one whose caller gave up (its replier then hears nothing). */
	for (unsigned n = 0; n < 2 * REPLY_SLOTS; n++) {
		unsigned i = (next + n) % REPLY_SLOTS;
		struct reply_slot *s = &replies[i];
		if (s->replier && (n < REPLY_SLOTS || s->caller))
			continue;
		if (s->replier)
			replies_live--; /* evicted */
		next = i + 1;
		s->caller = caller;
		s->replier = replier;
		s->why = E_OK;
		if (!++s->gen)
			s->gen = 1;
		*token = (uint64_t)s->gen << SLOT_BITS | i;
		replies_live++;
		return E_OK;
	}
	return E_RESOURCE_EXHAUSTED;
}

static struct reply_slot *slot_of(uint64_t token)
{
	struct reply_slot *s = &replies[token & (REPLY_SLOTS - 1)];
	return s->replier && token >> SLOT_BITS == s->gen ? s : NULL;
}

static void slot_free(struct reply_slot *s)
{
	s->caller = NULL;
	s->replier = NULL;
	replies_live--;
}

void *reply_peek(uint64_t token, const void *replier)
{
	struct reply_slot *s = slot_of(token);
	return s && s->replier == replier ? s->caller : NULL;
}

int reply_take(uint64_t token, const void *replier, void **caller)
{
	struct reply_slot *s = slot_of(token);
	if (!s || s->replier != replier)
		return E_IPC_INVALID_REPLY;
	int why = s->caller ? E_OK : s->why;
	*caller = s->caller;
	slot_free(s);
	return why;
}

void reply_cancel(uint64_t token, int why)
{
	struct reply_slot *s = slot_of(token);
	if (s) {
		s->caller = NULL;
		s->why = why;
	}
}

void reply_drop_replier(const void *replier, void (*fn)(void *caller, void *arg), void *arg)
{
	for (unsigned i = 0; i < REPLY_SLOTS; i++) {
		struct reply_slot *s = &replies[i];
		if (s->replier != replier)
			continue;
		void *caller = s->caller;
		slot_free(s);
		if (caller)
			fn(caller, arg);
	}
}

unsigned reply_live(void)
{
	return replies_live;
}

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF, no NUL. */
bool utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < len;) {
		unsigned c = s[i], n;
		uint32_t cp;
		if (!c)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		if (i + n >= len) /* truncated */
			return false;
		for (unsigned k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += n + 1;
	}
	return true;
}

static struct server_name {
	char name[SERVER_NAME_MAX];
	size_t len;
	void *server; /* NULL: free */
} names[SERVER_NAMES];

void names_init(void)
{
	memset(names, 0, sizeof(names));
}

void *names_find(const char *name, size_t len)
{
	for (unsigned i = 0; i < SERVER_NAMES; i++)
		if (names[i].server && names[i].len == len && !memcmp(names[i].name, name, len))
			return names[i].server;
	return NULL;
}

int names_add(const char *name, size_t len, void *server)
{
	if (!len || len > SERVER_NAME_MAX || !utf8_valid(name, len))
		return E_INVALID_STRING;
	if (names_find(name, len))
		return E_SERVER_EXISTS;
	for (unsigned i = 0; i < SERVER_NAMES; i++)
		if (!names[i].server) {
			memcpy(names[i].name, name, len);
			names[i].len = len;
			names[i].server = server;
			return E_OK;
		}
	return E_RESOURCE_EXHAUSTED;
}

bool names_full(void)
{
	for (unsigned i = 0; i < SERVER_NAMES; i++)
		if (!names[i].server)
			return false;
	return true;
}

void names_remove(void *server)
{
	for (unsigned i = 0; i < SERVER_NAMES; i++)
		if (names[i].server == server)
			names[i].server = NULL;
}
