/*
 * Single-producer single-consumer descriptor rings (ring.h). Indices run
 * freely and wrap at 2^32; a slot is index & (size - 1). The producer
 * writes the descriptor, then publishes head with release order; the
 * consumer reads head with acquire order, then the descriptor, copies it
 * out, then publishes tail with release order. A peer's index is believed
 * only when it is within `size` of ours, in the right direction.
 */
#include "drivers/lib/ring.h"
#include "include/abi/error.h"

size_t ring_bytes(uint32_t size)
{
	return sizeof(struct ring_shared) + (size_t)size * sizeof(struct ring_desc);
}

int ring_attach(struct ring *r, void *mem, size_t bytes, uint32_t size, bool producer, bool format)
{
	if (!r || !mem || !size || size & (size - 1) || size > (1u << 24) ||
	    bytes < ring_bytes(size) || (uintptr_t)mem % _Alignof(struct ring_shared))
		return E_INVALID_PARAMETER;
	struct ring_shared *sh = mem;
	if (format) {
		__atomic_store_n(&sh->head, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&sh->tail, 0, __ATOMIC_RELEASE);
	}
	*r = (struct ring){
	    .sh = sh,
	    .size = size,
	    .local = __atomic_load_n(producer ? &sh->head : &sh->tail, __ATOMIC_RELAXED),
	    .producer = producer,
	};
	return E_OK;
}

/* Descriptors the producer has pushed that the consumer has not taken, or size + 1 for garbage. */
static uint32_t in_flight(const struct ring *r)
{
	uint32_t head = r->producer ? r->local : __atomic_load_n(&r->sh->head, __ATOMIC_ACQUIRE);
	uint32_t tail = r->producer ? __atomic_load_n(&r->sh->tail, __ATOMIC_ACQUIRE) : r->local;
	uint32_t n = head - tail; /* unsigned: wraps as the indices do */
	return n > r->size ? r->size + 1 : n;
}

int ring_push(struct ring *r, const struct ring_desc *d)
{
	if (!r->producer)
		return E_INVALID_PARAMETER;
	uint32_t n = in_flight(r);
	if (n > r->size)
		return E_INVALID_PARAMETER; /* the consumer's index is not one it could have */
	if (n == r->size)
		return E_BUSY;
	r->sh->desc[r->local & (r->size - 1)] = *d;
	r->local++;
	__atomic_store_n(&r->sh->head, r->local, __ATOMIC_RELEASE);
	return E_OK;
}

int ring_pop(struct ring *r, struct ring_desc *d)
{
	if (r->producer)
		return E_INVALID_PARAMETER;
	uint32_t n = in_flight(r);
	if (n > r->size)
		return E_INVALID_PARAMETER; /* the producer's index is not one it could have */
	if (!n)
		return E_NOT_FOUND;
	/* A copy: the producer may scribble on the slot, but not on what we checked. */
	*d = r->sh->desc[r->local & (r->size - 1)];
	r->local++;
	__atomic_store_n(&r->sh->tail, r->local, __ATOMIC_RELEASE);
	return E_OK;
}

uint32_t ring_pending(const struct ring *r)
{
	uint32_t n = in_flight(r);
	return n > r->size ? 0 : n;
}

int ring_desc_check(const struct ring_desc *d, uint64_t region, uint64_t align, uint32_t max_length)
{
	if (!align || align & (align - 1) || d->offset % align || !d->length ||
	    d->length > max_length)
		return E_INVALID_PARAMETER;
	/* No end computed that could wrap. */
	if (d->offset > region || d->length > region - d->offset)
		return E_INVALID_PARAMETER;
	return E_OK;
}
