/*
 * The block client library: a client's session with a block device
 * through the device manager and the transport (blkproto.h). It makes the
 * shared region, formats the rings, opens the session, submits requests
 * (as many in flight as the ring holds) and takes completions.
 *
 * Restart: while waiting it checks the driver is alive (DRV_CTL_PING
 * after each quiet interval). When the driver is gone, every request in
 * flight completes with DRIVER_RESTARTED internally (counted in
 * `restarted`), the library looks the device up again until the manager
 * has restarted it (or says it gave up: DRIVER_HARDWARE_NOT_FOUND), opens
 * a new session on the same region and submits those requests again, so
 * the caller sees each request complete once, with the device's answer.
 * A write is acknowledged only by its completion: what the caller has
 * seen complete is on the device. Nothing waits for ever: past
 * `timeout_ns` (default 60 s) a wait ends with DRIVER_TIMEOUT.
 */
#ifndef DRIVERS_LIB_BLKDEV_H
#define DRIVERS_LIB_BLKDEV_H

#include "drivers/lib/blkproto.h"
#include "drivers/lib/driver.h"

#define BLKDEV_MAX_INFLIGHT BLK_ENTRIES_MAX

struct blkdev_req {
	bool used;
	uint8_t op;
	uint64_t lba;
	uint32_t count;
	uint64_t offset;
	uint32_t cookie;
};

struct blkdev {
	char name[16];
	uint64_t mgr, endpoint, generation;
	struct block_geometry geo;
	uint64_t region; /* the shared region's capability */
	uint8_t *mem;	 /* mapped */
	uint8_t *data;	 /* the data region in it */
	struct blk_layout layout;
	uint32_t entries;
	struct ring req, cmp;
	uint64_t note; /* ours: completions */
	unsigned note_bit;
	uint64_t doorbell; /* the driver's notification (WRITE) */
	unsigned doorbell_bit;
	uint32_t session;
	unsigned inflight;
	struct blkdev_req slot[BLKDEV_MAX_INFLIGHT]; /* by cookie % entries */
	uint64_t timeout_ns;
	bool
	    retry; /* resubmit after a restart (default true); false: complete with DRIVER_RESTARTED */
	/* Figures. */
	uint64_t reconnects, restarted, submitted, completed;
};

/*
 * Open device `name` with `entries` descriptors a ring and `data_bytes` of
 * data, through manager endpoint `mgr` (0: devmgr_endpoint).
 */
int blkdev_open(struct blkdev *d, uint64_t mgr, const char *name, uint32_t entries,
		uint64_t data_bytes);
void blkdev_close(struct blkdev *d);
/* Bytes at `offset` of the data region (NULL if outside it). */
void *blkdev_data(struct blkdev *d, uint64_t offset);
/*
 * Queue a request (BLK_OP_*; count blocks at lba, data at `offset` of the data
 * region) under `cookie` (unique among those in flight); rings the doorbell
 * unless `more` (a batch: the last of it rings). DRIVER_DEVICE_BUSY when the
 * ring is full: take a completion first.
 */
int blkdev_submit(struct blkdev *d, enum blk_op op, uint64_t lba, uint32_t count, uint64_t offset,
		  uint32_t cookie, bool more);
/* The next completion: its cookie and the device's DriverError for it. */
int blkdev_complete(struct blkdev *d, uint32_t *cookie, int *status);
/* One request, waited for. */
int blkdev_read(struct blkdev *d, uint64_t lba, uint32_t count, uint64_t offset);
int blkdev_write(struct blkdev *d, uint64_t lba, uint32_t count, uint64_t offset);
int blkdev_flush(struct blkdev *d);

#endif
