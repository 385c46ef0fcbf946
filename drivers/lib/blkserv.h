/*
 * The block layer on the driver's side: the BlockDevice operations a block
 * driver implements, and the framework's server that runs client sessions
 * over the transport (blkproto.h). The server maps and pins each client's
 * region, takes requests from its ring on the I/O thread, checks every
 * one (opcode, offset and length inside the data region, alignment, size
 * against max_transfer_blocks, LBA range without wrapping, writes to a
 * read-only device) and completes a bad one at once with its DriverError;
 * the others go to the driver as a struct blk_io whose buffer is the
 * client's own data (virtual address and physical segments), so the
 * device DMAs straight to and from it. The driver calls blk_complete when
 * the device is done. Statistics are counted here.
 */
#ifndef DRIVERS_LIB_BLKSERV_H
#define DRIVERS_LIB_BLKSERV_H

#include "drivers/lib/blkproto.h"
#include "drivers/lib/driver.h"

/* One request handed to the driver. */
struct blk_io {
	enum blk_op op;
	uint64_t lba;
	uint32_t count;		/* blocks (0 for a flush) */
	struct dma_buffer *buf; /* the client's data: virt and segments (NULL for a flush) */
	void *driver_priv;	/* the driver's own, untouched by the framework */
	/* The framework's: blk_complete calls done (blkserv.c's, or a test's own). */
	void (*done)(struct blk_io *io, int status);
	uint32_t session, cookie;
	uint64_t offset, start_ns;
};

struct block_ops {
	void (*geometry)(void *dev, struct block_geometry *g);
	/*
	 * Start a request: DRIVER_OK when started (blk_complete follows, on
	 * the I/O thread, perhaps before this returns), else the DriverError
	 * (the framework completes it). DRIVER_DEVICE_BUSY: try again when a
	 * request completes (the server keeps it).
	 */
	int (*read_blocks)(void *dev, struct blk_io *io);
	int (*write_blocks)(void *dev, struct blk_io *io);
	int (*flush)(void *dev, struct blk_io *io);
	enum device_status (*status)(void *dev);
	unsigned queue_depth; /* requests the driver takes at once (at least 1) */
};

/* The device finished `io` (on the I/O thread): io->done(io, status). */
void blk_complete(struct blk_io *io, int status);

/*
 * Whether a request a client put on its ring may go to the driver:
 * DRIVER_OK (and its block count in *count), or the DriverError it is
 * completed with (DRIVER_INVALID_PARAMETER, DRIVER_READ_ONLY). Pure
 * (drivers/lib/blkcheck.c, host-tested).
 */
int blkserv_check(const struct ring_desc *d, const struct block_geometry *g, uint64_t data_bytes,
		  uint32_t *count);

/* Serve block clients for a driver whose ops->block is set (driver_main calls it). */
void blkserv_install(const struct driver_ops *ops, void *dev);

#endif
