/*
 * Capabilities: the Capability System of the Kernel API. Every capability
 * lives in one global table; a process holds the ones whose owner is its
 * capability space. User space sees only tokens: a slot, the slot's
 * generation and a tag keyed by the owning space, so a guessed, stale or
 * borrowed token is InvalidCapability. Validation is O(1). Derivation only
 * narrows rights, and revoking a capability revokes everything derived
 * from it, in every space. Each space holds at most its quota of
 * capabilities (CAP_SPACE_QUOTA unless set otherwise), so one process
 * filling its space leaves the table to everyone else.
 */
#ifndef CAP_CAP_H
#define CAP_CAP_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/cap.h"
#include "include/abi/error.h"

typedef uint64_t cap_token_t;

/* Capability of the Kernel API: what a token names. */
struct capability {
	enum object_type object_type;
	uint64_t object_id;
	uint64_t extent; /* hardware ranges: how much from object_id (include/abi/hw.h); else 0 */
	uint32_t rights;
	uint16_t generation;
	cap_token_t token;
};

#define CAP_SLOTS	16384 /* the global table */
#define CAP_SPACE_QUOTA 512   /* capabilities one space may hold */

/* A process's capability space. */
struct cap_space {
	uint32_t id; /* never 0 once initialised */
	uint64_t key;
	int32_t
	    first;    /* its capabilities in the order made, listed through their slots; -1: none */
	int32_t last; /* the newest of them; -1: none */
	uint32_t count; /* how many it holds */
	uint32_t quota; /* how many it may hold */
};

/* Empty the global table (boot, and between host tests). */
void cap_system_init(void);
/* A new, empty space with the default quota; `seed` varies its tag key (a counter will do). */
void cap_space_init(struct cap_space *cs, uint64_t seed);
/* Revoke everything the space holds, and what was derived from it. */
void cap_space_destroy(struct cap_space *cs);

/* A new root capability for an object (the kernel decides who may ask). */
int create_capability(struct cap_space *cs, enum object_type type, uint64_t object_id,
		      uint32_t rights, struct capability *out);
/* The same for an object that is a range: `extent` from `object_id` (include/abi/hw.h). */
int create_capability_range(struct cap_space *cs, enum object_type type, uint64_t object_id,
			    uint64_t extent, uint32_t rights, struct capability *out);
/*
 * A child of `parent` naming (`object_id`, `extent`) instead of the
 * parent's object: the caller has checked it is part of the parent's
 * (core/hw.c narrows hardware ranges). Revoking the parent revokes it.
 */
int derive_capability_range(struct cap_space *cs, cap_token_t parent, uint32_t rights,
			    uint64_t object_id, uint64_t extent, struct capability *out);
/* A child of `parent` in the same space with `rights` (a subset of the parent's). */
int derive_capability(struct cap_space *cs, cap_token_t parent, uint32_t rights,
		      struct capability *out);
/* A child of `token` placed in another space; needs GRANT on the token. */
int grant_capability(struct cap_space *from, cap_token_t token, struct cap_space *to,
		     uint32_t rights, struct capability *out);
/* E_OK when `token` is live in `cs` and holds every right in `required`. */
int validate_capability(const struct cap_space *cs, cap_token_t token, uint32_t required,
			struct capability *out);
/* Validate and check the object type too. */
int cap_lookup(const struct cap_space *cs, cap_token_t token, enum object_type type,
	       uint32_t required, struct capability *out);
/* Revoke `token` and everything derived from it, wherever it went. */
int revoke_capability(struct cap_space *cs, cap_token_t token);
/* Revoke every capability `cs` holds for object (`type`, `id`), and what was derived from them. */
void cap_revoke_object(struct cap_space *cs, enum object_type type, uint64_t object_id);
/*
 * Objects whose lifetime capabilities share (shared regions): get() runs
 * when a capability naming one is made, put() when it is freed (revoked,
 * or its space destroyed). Neither may touch the capability table.
 */
struct cap_object_ops {
	void (*get)(uint64_t object_id);
	void (*put)(uint64_t object_id);
};
void cap_set_object_ops(enum object_type type, const struct cap_object_ops *ops);
/*
 * The next live capability of `type` in `cs` (start with *cursor 0), in
 * the order they were made, and *cursor past it; E_INVALID_CAPABILITY
 * when none is left. It walks the space's own list, not the table; a
 * cursor whose capability went meanwhile ends the walk.
 */
int cap_next(const struct cap_space *cs, enum object_type type, uint32_t *cursor,
	     struct capability *out);
/*
 * E_OK when `cs` can take `n` more capabilities and the table `table_n`
 * more (n <= table_n: others' too, such as a new process's), else
 * E_RESOURCE_EXHAUSTED. With interrupts off, what was checked is then
 * there: handlers check before they act instead of undoing after.
 */
int cap_space_room(const struct cap_space *cs, uint32_t n, uint32_t table_n);
/* Live capabilities in the whole table. */
uint32_t cap_live_count(void);
/* Every operation that adds a capability to a space beyond its quota is E_RESOURCE_EXHAUSTED. */

#endif
