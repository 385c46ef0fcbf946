/*
 * The block transport between a client and a block driver (sDDF's
 * pattern on drivers/lib/ring.h): one shared region the client makes,
 * holding a request ring, a completion ring and a data region; one
 * notification each way. Control goes by IPC on the driver's endpoint
 * (BLK_CTL_*, word 0 the call, the reply's word 0 a DriverError); each
 * block request is a descriptor, its data in the data region, which the
 * driver pins once and hands to the device as it is: no copy.
 *
 * The region, `entries` descriptors per ring and `data_bytes` of data,
 * is laid out by blk_layout(): the request ring at 0, the completion ring
 * after it, the data region at the next page. The driver computes the
 * layout itself from the sizes in BLK_CTL_OPEN and checks the region is
 * big enough; nothing in the region is believed but the rings' indices
 * (checked by ring.c) and descriptors (checked against the data region,
 * the device's geometry and the opcodes).
 */
#ifndef DRIVERS_LIB_BLKPROTO_H
#define DRIVERS_LIB_BLKPROTO_H

#include "drivers/lib/ring.h"

enum blk_ctl {
	/* -> w1 block_size | max_transfer_blocks << 32, w2 total_blocks,
	 *    w3 alignment | flags << 32 (BLK_FLAG_*) */
	BLK_CTL_GEOMETRY = 0x100,
	/* w1 entries (a power of two, 4..256), w2 data bytes (page multiple, at most
	 * BLK_DATA_MAX), MSG_CAP the region (READ WRITE MAP GRANT)
	 *   -> w1 session, w2 the doorbell bit; MSG_CAP the driver's notification (WRITE) */
	BLK_CTL_OPEN = 0x101,
	/* w1 session, w2 bit (0-63); MSG_CAP the client's notification (WRITE): the
	 * session serves from now on, completions signal that bit */
	BLK_CTL_NOTIFY = 0x102,
	BLK_CTL_CLOSE = 0x103,	/* w1 session -> */
	BLK_CTL_STATUS = 0x104, /* -> w1 enum device_status */
};

#define BLK_FLAG_READ_ONLY 1u
#define BLK_DATA_MAX	   (16u << 20)
#define BLK_ENTRIES_MAX	   256u

/* DeviceStatus. */
enum device_status { DEVICE_READY = 1, DEVICE_BUSY = 2, DEVICE_ERROR = 3, DEVICE_OFFLINE = 4 };

/* BlockGeometry. */
struct block_geometry {
	uint32_t block_size; /* bytes, a power of two */
	uint64_t total_blocks;
	uint32_t max_transfer_blocks; /* per request */
	uint32_t alignment;	      /* bytes a request's data offset must be a multiple of */
	uint32_t flags;		      /* BLK_FLAG_* */
};

/* A request: offset and length in the data region, the client's cookie, arg = BLK_ARG(lba, op). */
enum blk_op { BLK_OP_READ = 1, BLK_OP_WRITE = 2, BLK_OP_FLUSH = 3 };
#define BLK_ARG(lba, op) ((uint64_t)(lba) << 8 | (uint8_t)(op))
#define BLK_ARG_OP(arg)	 ((unsigned)((arg)&0xff))
#define BLK_ARG_LBA(arg) ((arg) >> 8)
/* A completion: the request's offset, length (bytes done), cookie; arg = its DriverError. */

struct blk_layout {
	uint64_t req, cmp, data; /* offsets in the region */
	uint64_t data_bytes;
	uint64_t total; /* the region's least size */
};

/* The layout for `entries` and `data_bytes`; false if they are out of range. */
static inline bool blk_layout(uint32_t entries, uint64_t data_bytes, struct blk_layout *l)
{
	if (entries < 4 || entries > BLK_ENTRIES_MAX || (entries & (entries - 1)) || !data_bytes ||
	    data_bytes > BLK_DATA_MAX || (data_bytes & 4095))
		return false;
	uint64_t rb = (ring_bytes(entries) + 63) & ~63ull;
	l->req = 0;
	l->cmp = rb;
	l->data = (2 * rb + 4095) & ~4095ull;
	l->data_bytes = data_bytes;
	l->total = l->data + data_bytes;
	return true;
}

#endif
