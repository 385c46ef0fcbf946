/*
 * The ring transport between a driver and its client (sDDF's pattern):
 * single-producer single-consumer rings of descriptors in memory both
 * map, beside a data region the descriptors point into. Each side keeps
 * the ring's size and its own index privately and only publishes its
 * index; what the other side publishes is checked before it is believed,
 * and every descriptor is checked against the data region before it is
 * used, so garbage in shared memory is an error, never a fault or a hang.
 * Pure C with no system calls: the block and network drivers and their
 * clients share it, and the host tests run it.
 */
#ifndef DRIVERS_RING_H
#define DRIVERS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A request or a completion: a piece of the data region and what it is for. */
struct ring_desc {
	uint64_t offset; /* into the data region */
	uint32_t length; /* bytes */
	uint32_t cookie; /* the client's tag, returned with the completion */
	uint64_t arg;	 /* operation-specific (a block address, a status) */
};

/* The shared part: each index on a cache line of its own, then the descriptors. */
struct ring_shared {
	uint32_t head; /* written by the producer only: descriptors pushed so far */
	uint32_t pad0[15];
	uint32_t tail; /* written by the consumer only: descriptors taken so far */
	uint32_t pad1[15];
	struct ring_desc desc[];
};

/* One side's view: nothing here is read from shared memory but the peer's index. */
struct ring {
	struct ring_shared *sh;
	uint32_t size;	/* descriptors, a power of two */
	uint32_t local; /* our own index (head for the producer, tail for the consumer) */
	bool producer;
};

/* Bytes of shared memory a ring of `size` descriptors needs. */
size_t ring_bytes(uint32_t size);
/*
 * Attach to the ring in `mem` (`bytes` long) as producer or consumer.
 * The side that makes the ring formats it (both indices 0) with `format`;
 * the other attaches to what is there, taking its own published index as
 * a start (it is its own: the peer may not have changed it).
 * E_INVALID_PARAMETER for a size that is not a power of two (or above
 * 2^24), memory too small or misaligned.
 */
int ring_attach(struct ring *r, void *mem, size_t bytes, uint32_t size, bool producer, bool format);
/* Push a descriptor (producer): E_BUSY when full, E_INVALID_PARAMETER when the peer's index is garbage. */
int ring_push(struct ring *r, const struct ring_desc *d);
/* Take the next descriptor (consumer): E_NOT_FOUND when empty, E_INVALID_PARAMETER for garbage. */
int ring_pop(struct ring *r, struct ring_desc *d);
/* Descriptors waiting, as this side sees them; the garbage case counts as 0. */
uint32_t ring_pending(const struct ring *r);
/*
 * Whether a descriptor lies inside a data region of `region` bytes, with
 * its offset a multiple of `align` (a power of two, or 1) and a length
 * of at least 1 and at most `max_length`: E_OK or E_INVALID_PARAMETER.
 */
int ring_desc_check(const struct ring_desc *d, uint64_t region, uint64_t align,
		    uint32_t max_length);

#endif
