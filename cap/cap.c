/*
 * The global capability table. Entries form derivation trees (parent, first
 * child, doubly linked siblings), so revocation visits exactly the subtree.
 * Free entries are chained through next_sibling. A slot's generation grows
 * each time it is freed, so old tokens for it stop working. Each space
 * lists its own entries (space_prev, space_next), so destroying a space and
 * revoking its capabilities for an object visit what it holds, not the table.
 */
#include "cap/cap.h"
#include "core/kstring.h"

#define NONE	  -1
#define SLOT_BITS 16
#define GEN_BITS  16
#define TAG_BITS  24

struct entry {
	uint64_t object_id;
	uint64_t extent;   /* how much of the object from object_id (hardware ranges), else 0 */
	cap_token_t token; /* its token, made once: validation compares, never rehashes */
	uint32_t rights;
	uint32_t owner; /* cap_space id, 0 when free */
	uint16_t generation;
	uint8_t type;
	int32_t parent, first_child, prev_sibling, next_sibling;
	int32_t space_prev, space_next; /* the owner's list */
	struct cap_space *space;	/* the owner, NULL when free */
};

static struct {
	struct entry e[CAP_SLOTS];
	int32_t free_head; /* freed slots, most recent first */
	uint32_t used;	   /* slots ever handed out: those above were never touched */
	uint32_t live;
	uint32_t next_space_id;
} caps;

/* Per object type; outside `caps` so cap_system_init() keeps them. */
static const struct cap_object_ops *object_ops[OBJ_TYPE_COUNT];

_Static_assert(CAP_SLOTS <= (1 << SLOT_BITS), "slots fit the token");

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static cap_token_t make_token(const struct cap_space *cs, uint32_t slot, uint16_t gen)
{
	uint64_t body = slot | (uint64_t)gen << SLOT_BITS;
	uint64_t tag = mix(body ^ cs->key) >> (64 - TAG_BITS);
	return body | tag << (SLOT_BITS + GEN_BITS);
}

/* The slot a token names in `cs`, or NONE: bounds, liveness, owner, generation and tag. */
static int32_t slot_of(const struct cap_space *cs, cap_token_t token)
{
	uint32_t slot = token & ((1u << SLOT_BITS) - 1);
	uint16_t gen = (uint16_t)(token >> SLOT_BITS);

	if (!cs || !cs->id || slot >= CAP_SLOTS)
		return NONE;
	const struct entry *e = &caps.e[slot];
	if (e->owner != cs->id || e->generation != gen || e->token != token)
		return NONE;
	return (int32_t)slot;
}

/* What `token` (live, slot `slot`) names, into *out if there is one. */
static void fill(int32_t slot, cap_token_t token, struct capability *out)
{
	const struct entry *e = &caps.e[slot];
	if (!out)
		return;
	out->object_type = (enum object_type)e->type;
	out->object_id = e->object_id;
	out->extent = e->extent;
	out->rights = e->rights;
	out->generation = e->generation;
	out->token = token;
}

/*
 * Slots are handed out from the free list, else from the untouched part of
 * the table above `used`, so starting empty costs nothing however large the
 * table (it is in .bss): only slots used before are cleared.
 */
void cap_system_init(void)
{
	memset(caps.e, 0, caps.used * sizeof(caps.e[0]));
	caps.used = 0;
	caps.free_head = NONE;
	caps.live = 0;
	caps.next_space_id = 1;
}

void cap_space_init(struct cap_space *cs, uint64_t seed)
{
	cs->id = caps.next_space_id++;
	cs->key = mix(seed ^ mix(cs->id) ^ 0x6b65737472656cull);
	cs->first = cs->last = NONE;
	cs->count = 0;
	cs->quota = CAP_SPACE_QUOTA;
}

/* Take a free slot for `owner` (within its quota) and link it under `parent` (NONE: a root). */
static int32_t alloc_entry(struct cap_space *owner, uint8_t type, uint64_t object_id,
			   uint64_t extent, uint32_t rights, int32_t parent)
{
	if (owner->count >= owner->quota)
		return NONE;
	int32_t s = caps.free_head;
	if (s != NONE)
		caps.free_head = caps.e[s].next_sibling;
	else if (caps.used < CAP_SLOTS)
		s = (int32_t)caps.used++;
	else
		return NONE;
	struct entry *e = &caps.e[s];
	e->object_id = object_id;
	e->extent = extent;
	e->rights = rights;
	e->owner = owner->id;
	e->space = owner;
	e->space_prev = owner->last; /* appended: the list keeps the order they were made in */
	e->space_next = NONE;
	if (owner->last != NONE)
		caps.e[owner->last].space_next = s;
	else
		owner->first = s;
	owner->last = s;
	owner->count++;
	e->type = type;
	e->parent = parent;
	e->first_child = NONE;
	e->prev_sibling = NONE;
	e->next_sibling = NONE;
	if (parent != NONE) {
		struct entry *p = &caps.e[parent];
		e->next_sibling = p->first_child;
		if (p->first_child != NONE)
			caps.e[p->first_child].prev_sibling = s;
		p->first_child = s;
	}
	caps.live++;
	if (object_ops[type])
		object_ops[type]->get(object_id);
	return s;
}

/* Unlink a childless entry from its parent and free its slot. */
static void free_entry(int32_t s)
{
	struct entry *e = &caps.e[s];

	if (e->prev_sibling != NONE)
		caps.e[e->prev_sibling].next_sibling = e->next_sibling;
	else if (e->parent != NONE)
		caps.e[e->parent].first_child = e->next_sibling;
	if (e->next_sibling != NONE)
		caps.e[e->next_sibling].prev_sibling = e->prev_sibling;
	if (e->space_prev != NONE)
		caps.e[e->space_prev].space_next = e->space_next;
	else
		e->space->first = e->space_next;
	if (e->space_next != NONE)
		caps.e[e->space_next].space_prev = e->space_prev;
	else
		e->space->last = e->space_prev;
	e->space->count--;
	e->space = NULL;
	e->space_prev = e->space_next = NONE;
	e->owner = 0;
	e->generation++;
	e->parent = e->first_child = e->prev_sibling = NONE;
	e->next_sibling = caps.free_head;
	caps.free_head = s;
	caps.live--;
	if (object_ops[e->type]) /* last: the slot is consistent whatever put() frees */
		object_ops[e->type]->put(e->object_id);
}

/* Free the subtree under `root`, root included, deepest first, in whatever spaces. */
static void revoke_subtree(int32_t root)
{
	int32_t cur = root;

	for (;;) {
		while (caps.e[cur].first_child != NONE)
			cur = caps.e[cur].first_child;
		int32_t up = caps.e[cur].parent;
		free_entry(cur);
		if (cur == root)
			return;
		cur = up;
	}
}

int create_capability_range(struct cap_space *cs, enum object_type type, uint64_t object_id,
			    uint64_t extent, uint32_t rights, struct capability *out)
{
	if (!cs || !cs->id || (unsigned)type >= OBJ_TYPE_COUNT || rights & ~RIGHTS_ALL)
		return E_INVALID_PARAMETER;
	int32_t s = alloc_entry(cs, (uint8_t)type, object_id, extent, rights, NONE);
	if (s == NONE)
		return E_RESOURCE_EXHAUSTED;
	caps.e[s].token = make_token(cs, (uint32_t)s, caps.e[s].generation);
	fill(s, caps.e[s].token, out);
	return E_OK;
}

int create_capability(struct cap_space *cs, enum object_type type, uint64_t object_id,
		      uint32_t rights, struct capability *out)
{
	return create_capability_range(cs, type, object_id, 0, rights, out);
}

/* A child of `parent` in `to`; `id`/`extent` NULL: the parent's object, else the one given. */
static int derive_into(struct cap_space *from, cap_token_t parent, struct cap_space *to,
		       uint32_t rights, uint32_t need, const uint64_t *id, const uint64_t *extent,
		       struct capability *out)
{
	int32_t p = slot_of(from, parent);
	if (p == NONE)
		return E_INVALID_CAPABILITY;
	if (!to || !to->id || rights & ~RIGHTS_ALL)
		return E_INVALID_PARAMETER;
	const struct entry *pe = &caps.e[p];
	if ((pe->rights & need) != need || rights & ~pe->rights)
		return E_PERMISSION_DENIED; /* rights only narrow */
	int32_t s = alloc_entry(to, pe->type, id ? *id : pe->object_id,
				extent ? *extent : pe->extent, rights, p);
	if (s == NONE)
		return E_RESOURCE_EXHAUSTED;
	caps.e[s].token = make_token(to, (uint32_t)s, caps.e[s].generation);
	fill(s, caps.e[s].token, out);
	return E_OK;
}

int derive_capability(struct cap_space *cs, cap_token_t parent, uint32_t rights,
		      struct capability *out)
{
	return derive_into(cs, parent, cs, rights, 0, NULL, NULL, out);
}

int derive_capability_range(struct cap_space *cs, cap_token_t parent, uint32_t rights,
			    uint64_t object_id, uint64_t extent, struct capability *out)
{
	return derive_into(cs, parent, cs, rights, 0, &object_id, &extent, out);
}

int grant_capability(struct cap_space *from, cap_token_t token, struct cap_space *to,
		     uint32_t rights, struct capability *out)
{
	return derive_into(from, token, to, rights, RIGHT_GRANT, NULL, NULL, out);
}

int validate_capability(const struct cap_space *cs, cap_token_t token, uint32_t required,
			struct capability *out)
{
	int32_t s = slot_of(cs, token);
	if (s == NONE)
		return E_INVALID_CAPABILITY;
	if ((caps.e[s].rights & required) != required)
		return E_PERMISSION_DENIED;
	fill(s, token, out);
	return E_OK;
}

int cap_lookup(const struct cap_space *cs, cap_token_t token, enum object_type type,
	       uint32_t required, struct capability *out)
{
	int32_t s = slot_of(cs, token);
	if (s == NONE || caps.e[s].type != type)
		return E_INVALID_CAPABILITY;
	if ((caps.e[s].rights & required) != required)
		return E_PERMISSION_DENIED;
	fill(s, token, out);
	return E_OK;
}

int revoke_capability(struct cap_space *cs, cap_token_t token)
{
	int32_t s = slot_of(cs, token);
	if (s == NONE)
		return E_INVALID_CAPABILITY;
	revoke_subtree(s);
	return E_OK;
}

void cap_space_destroy(struct cap_space *cs)
{
	if (!cs->id)
		return;
	while (cs->first != NONE) /* each revocation takes the first entry at least */
		revoke_subtree(cs->first);
	cs->id = 0;
}

void cap_revoke_object(struct cap_space *cs, enum object_type type, uint64_t object_id)
{
	if (!cs || !cs->id)
		return;
	/*
	 * A revocation may free later entries of the list too (those derived
	 * in this space): start again from the head after each one.
	 */
	for (int32_t s = cs->first; s != NONE;) {
		const struct entry *e = &caps.e[s];
		if (e->type == type && e->object_id == object_id) {
			revoke_subtree(s);
			s = cs->first;
		} else {
			s = e->space_next;
		}
	}
}

void cap_set_object_ops(enum object_type type, const struct cap_object_ops *ops)
{
	if ((unsigned)type < OBJ_TYPE_COUNT)
		object_ops[type] = ops;
}

int cap_space_room(const struct cap_space *cs, uint32_t n, uint32_t table_n)
{
	if (!cs || !cs->id)
		return E_INVALID_PARAMETER;
	bool fits =
	    cs->count + n <= cs->quota && caps.live + (n > table_n ? n : table_n) <= CAP_SLOTS;
	return fits ? E_OK : E_RESOURCE_EXHAUSTED;
}

uint32_t cap_live_count(void)
{
	return caps.live;
}

/* Cursors: 0 the start, slot + 1 the next entry to look at, CURSOR_END past the last. */
#define CURSOR_END (CAP_SLOTS + 1u)

int cap_next(const struct cap_space *cs, enum object_type type, uint32_t *cursor,
	     struct capability *out)
{
	if (!cs || !cs->id || *cursor > CAP_SLOTS) {
		*cursor = CURSOR_END;
		return E_INVALID_CAPABILITY;
	}
	int32_t s = *cursor ? (int32_t)*cursor - 1 : cs->first;
	if (s != NONE && caps.e[s].owner != cs->id)
		s = NONE; /* the capability it pointed at went: the walk ends */
	for (; s != NONE; s = caps.e[s].space_next) {
		const struct entry *e = &caps.e[s];
		if (e->type == (uint8_t)type) {
			fill(s, e->token, out);
			*cursor = e->space_next == NONE ? CURSOR_END : (uint32_t)e->space_next + 1;
			return E_OK;
		}
	}
	*cursor = CURSOR_END;
	return E_INVALID_CAPABILITY;
}
