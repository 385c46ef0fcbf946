/*
 * The block server's check of one request from a client's ring
 * (blkserv.h's blkserv_check): nothing in a descriptor is believed until
 * it passes here. Pure C without system calls, so the host tests run it
 * against every kind of garbage.
 */
#include "drivers/lib/blkserv.h"
#include "include/abi/error.h"

int blkserv_check(const struct ring_desc *d, const struct block_geometry *g, uint64_t data_bytes,
		  uint32_t *count)
{
	if (!d || !g || !count)
		return DRIVER_INVALID_PARAMETER;
	*count = 0;
	unsigned op = BLK_ARG_OP(d->arg);
	if (op != BLK_OP_READ && op != BLK_OP_WRITE && op != BLK_OP_FLUSH)
		return DRIVER_INVALID_PARAMETER;
	if (op == BLK_OP_WRITE && g->flags & BLK_FLAG_READ_ONLY)
		return DRIVER_READ_ONLY;
	if (op == BLK_OP_FLUSH)
		return d->length ? DRIVER_INVALID_PARAMETER : DRIVER_OK; /* it names no data */
	/* A geometry a driver got wrong refuses everything rather than anything. */
	uint32_t bs = g->block_size;
	if (!bs || bs & (bs - 1) || !g->max_transfer_blocks)
		return DRIVER_INVALID_PARAMETER;
	uint64_t align = g->alignment ? g->alignment : 1;
	if (align & (align - 1))
		return DRIVER_INVALID_PARAMETER;
	uint64_t max = (uint64_t)g->max_transfer_blocks * bs;
	if (max > UINT32_MAX)
		max = UINT32_MAX;
	if (ring_desc_check(d, data_bytes, align, (uint32_t)max) != E_OK || d->length % bs)
		return DRIVER_INVALID_PARAMETER;
	uint32_t n = d->length / bs;
	uint64_t lba = BLK_ARG_LBA(d->arg);
	if (n > g->max_transfer_blocks || lba >= g->total_blocks || n > g->total_blocks - lba)
		return DRIVER_INVALID_PARAMETER; /* no end computed that could wrap */
	*count = n;
	return DRIVER_OK;
}
