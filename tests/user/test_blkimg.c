/*
 * Block devices end to end, through the device manager and the client
 * library, the way a file server will use them: patterns written at many
 * LBAs with 16 requests in flight, read back and flushed; the edges (past
 * the end, wrapping, unaligned, oversized, read-only) refused with their
 * DriverError; a stream of writes that survives the driver killed and
 * hung many times; a hostile client's garbage refused while others are
 * served. The disks are ci/boot's test disks (or tests/system/blk_image's,
 * of the same sizes), found by their size; the host then
 * checks each image byte for byte (tests/system/blk_image), so the layout
 * of what is written here is the checker's too: keep them together.
 */
#include "drivers/lib/blkdev.h"
#include "drivers/lib/devmgr.h"
#include "ipc.h"
#include "utest.h"

#define DATA_BYTES (1u << 20)
#define SLOTS	   64u

/* The pattern word `i` of sector `lba` under `tag` (blk_check.py's word()). */
static uint32_t word(uint64_t lba, unsigned i, uint32_t tag)
{
	uint32_t v = (uint32_t)(lba * 2654435761u) ^ (uint32_t)(i * 2246822519u) ^
		     (uint32_t)(tag * 3266489917u);
	return v ^ (v >> 15);
}

static void fill(uint8_t *buf, uint64_t lba, uint32_t count, uint32_t tag)
{
	uint32_t *w = (uint32_t *)buf;
	for (uint32_t s = 0; s < count; s++)
		for (unsigned i = 0; i < 128; i++)
			w[s * 128 + i] = word(lba + s, i, tag);
}

static bool check(const uint8_t *buf, uint64_t lba, uint32_t count, uint32_t tag)
{
	const uint32_t *w = (const uint32_t *)buf;
	for (uint32_t s = 0; s < count; s++)
		for (unsigned i = 0; i < 128; i++)
			if (w[s * 128 + i] != word(lba + s, i, tag))
				return false;
	return true;
}

/* Where request k of the pattern phase goes: its slot of [1, half), an offset, a count. */
static void slot_of(uint64_t sectors, unsigned k, uint64_t *lba, uint32_t *count)
{
	uint64_t size = (sectors / 2 - 1) / SLOTS;
	*lba = 1 + k * size + (k * 7) % 32;
	*count = 1 + (k * 13) % 64;
}

/*
 * The test disk of `role`, told apart by its size (ci/boot's test disks, or
 * tests/system/blk_image's images): 'A' the read-write one on virtio-pci
 * (8 MiB), 'R' the read-only one (2 MiB), 'B' the one on virtio-mmio (4 MiB).
 */
static bool find_disk(char role, char name[8])
{
	uint64_t want = role == 'A' ? 16384 : role == 'R' ? 4096 : 8192;
	for (unsigned n = 0; n < 8; n++) {
		snprintf(name, 8, "blk%u", n);
		struct blkdev d;
		if (blkdev_open(&d, devmgr_endpoint, name, 8, 4096))
			continue;
		bool ok = d.geo.total_blocks == want &&
			  !(d.geo.flags & BLK_FLAG_READ_ONLY) == (role != 'R');
		blkdev_close(&d);
		if (ok)
			return true;
	}
	return false;
}

/* The pattern phase: SLOTS writes, 16 in flight, read back, flushed. */
static int patterns(struct blkdev *d, uint32_t tag)
{
	uint64_t sectors = d->geo.total_blocks;
	/* The cookie is the buffer's slot; which request it carries is in req[]. */
	unsigned sent = 0, done = 0, free_slots[16], nfree, req[16];
	for (int pass = 0; pass < 2; pass++) {
		sent = done = 0;
		nfree = 16;
		for (unsigned i = 0; i < 16; i++)
			free_slots[i] = i;
		while (done < SLOTS) {
			while (sent < SLOTS && sent - done < 16) {
				uint64_t lba;
				uint32_t count;
				slot_of(sectors, sent, &lba, &count);
				uint32_t slot = free_slots[--nfree];
				uint64_t off = (uint64_t)slot * 64 * 512;
				if (pass == 0)
					fill(blkdev_data(d, off), lba, count, tag);
				else
					memset(blkdev_data(d, off), 0, count * 512);
				req[slot] = sent;
				UASSERT_EQ(blkdev_submit(d, pass ? BLK_OP_READ : BLK_OP_WRITE, lba,
							 count, off, slot, false),
					   DRIVER_OK);
				sent++;
			}
			uint32_t cookie;
			int status;
			UASSERT_EQ(blkdev_complete(d, &cookie, &status), DRIVER_OK);
			UASSERT_EQ(status, DRIVER_OK);
			UASSERT(cookie < 16);
			if (pass) {
				uint64_t lba;
				uint32_t count;
				slot_of(sectors, req[cookie], &lba, &count);
				UASSERT(check(blkdev_data(d, (uint64_t)cookie * 64 * 512), lba,
					      count, tag));
			}
			free_slots[nfree++] = cookie; /* its buffer is free again only now */
			done++;
		}
		UASSERT_EQ(blkdev_flush(d), DRIVER_OK);
	}
	return 0;
}

/* Bad requests: each its DriverError, nothing written, the device still serves. */
static int edges(struct blkdev *d, uint32_t tag)
{
	uint64_t last = d->geo.total_blocks - 1;
	uint32_t max = d->geo.max_transfer_blocks;
	UASSERT_EQ(blkdev_read(d, last + 1, 1, 0), DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(blkdev_read(d, last, 2, 0), DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(blkdev_write(d, (1ull << 56) - 1, 2, 0), DRIVER_INVALID_PARAMETER); /* wraps */
	UASSERT_EQ(blkdev_read(d, 1, 0, 0), DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(blkdev_read(d, 1, 1, 100), DRIVER_INVALID_PARAMETER);     /* unaligned */
	UASSERT_EQ(blkdev_read(d, 1, max + 1, 0), DRIVER_INVALID_PARAMETER); /* oversized */
	UASSERT_EQ(blkdev_read(d, 1, 2, DATA_BYTES - 512), DRIVER_INVALID_PARAMETER); /* outside */
	/* The last sector is the device's too. */
	fill(blkdev_data(d, 0), last, 1, tag);
	UASSERT_EQ(blkdev_write(d, last, 1, 0), DRIVER_OK);
	memset(blkdev_data(d, 0), 0, 512);
	UASSERT_EQ(blkdev_read(d, last, 1, 0), DRIVER_OK);
	UASSERT(check(blkdev_data(d, 0), last, 1, tag));
	return 0;
}

static int open_role(char role, struct blkdev *d)
{
	char name[8];
	if (!find_disk(role, name))
		return utest_fail(__FILE__, __LINE__,
				  "no test disk '%c' (ci/boot --test attaches it)", role);
	UASSERT_EQ(blkdev_open(d, devmgr_endpoint, name, 64, DATA_BYTES), DRIVER_OK);
	return 0;
}

DEVMGR_UTEST(blkimg_patterns_and_edges_on_a_pci_disk)
{
	struct blkdev d;
	if (open_role('A', &d))
		return 1;
	int r = patterns(&d, 1);
	if (!r)
		r = edges(&d, 3);
	blkdev_close(&d);
	return r;
}

#if !defined(__x86_64__)
DEVMGR_UTEST(blkimg_patterns_on_an_mmio_disk)
{
	struct blkdev d;
	if (open_role('B', &d))
		return 1;
	int r = patterns(&d, 2);
	blkdev_close(&d);
	return r;
}
#endif

DEVMGR_UTEST(blkimg_read_only_disk_refuses_writes)
{
	struct blkdev d;
	if (open_role('R', &d))
		return 1;
	UASSERT(d.geo.flags & BLK_FLAG_READ_ONLY);
	UASSERT_EQ(blkdev_read(&d, 1, 8, 0), DRIVER_OK);
	UASSERT_EQ(blkdev_write(&d, 1, 8, 0), DRIVER_READ_ONLY);
	UASSERT_EQ(blkdev_flush(&d), DRIVER_OK);
	blkdev_close(&d);
	return 0;
}

DEVMGR_UTEST(blkimg_ramdisk_patterns)
{
	struct blkdev d;
	UASSERT_EQ(blkdev_open(&d, devmgr_endpoint, "ram0", 64, DATA_BYTES), DRIVER_OK);
	int r = patterns(&d, 4);
	if (!r)
		r = edges(&d, 5);
	blkdev_close(&d);
	return r;
}

/* Wait until the manager says the device's driver is healthy again. */
static bool healthy(const char *name, uint64_t *generation)
{
	uint64_t end = sys_clock() + UTEST_PATIENCE_NS;
	unsigned state;
	while (sys_clock() < end) {
		if (!devmgr_status(devmgr_endpoint, name, &state, generation, NULL) &&
		    state == DEVSTATE_HEALTHY)
			return true;
		sys_sleep(10000000);
	}
	return false;
}

#define STREAM_FAULT_EVERY 48u
#define STREAM_KILLS	   8u
#define STREAM_HANGS	   3u

/*
 * A stream of 4 KiB writes into the upper half, 16 in flight, each to a
 * place of its own; the driver killed or hung every STREAM_FAULT_EVERY
 * completions while writes are in flight. Every write completes (the
 * library reconnects and resubmits), and reads back; the host finds them
 * all on the image.
 */
DEVMGR_UTEST(blkimg_stream_survives_driver_kills_and_hangs)
{
	struct blkdev d;
	char name[8];
	if (!find_disk('A', name))
		return utest_fail(__FILE__, __LINE__, "no test disk 'A'");
	UASSERT_EQ(blkdev_open(&d, devmgr_endpoint, name, 64, DATA_BYTES), DRIVER_OK);
	uint64_t base = d.geo.total_blocks / 2, gen0, gen;
	unsigned total = (unsigned)((d.geo.total_blocks - base - 1) / 8);
	if (total > 1024)
		total = 1024;
	UASSERT(healthy(name, &gen0));
	unsigned sent = 0, done = 0, kills = 0, hangs = 0, faults = 0, free_slots[16], nfree = 16;
	for (unsigned i = 0; i < 16; i++)
		free_slots[i] = i;
	while (done < total) {
		while (sent < total && sent - done < 16) {
			uint32_t slot = free_slots[--nfree];
			uint64_t off = (uint64_t)slot * 4096;
			fill(blkdev_data(&d, off), base + 8 * sent, 8, 1000 + sent);
			UASSERT_EQ(
			    blkdev_submit(&d, BLK_OP_WRITE, base + 8 * sent, 8, off, slot, false),
			    DRIVER_OK);
			sent++;
		}
		uint32_t cookie;
		int status;
		UASSERT_EQ(blkdev_complete(&d, &cookie, &status), DRIVER_OK);
		UASSERT_EQ(status, DRIVER_OK);
		UASSERT(cookie < 16);
		free_slots[nfree++] = cookie; /* its buffer is free again only now */
		done++;
		if (done % STREAM_FAULT_EVERY == 0 && faults < STREAM_KILLS + STREAM_HANGS &&
		    sent - done > 0) {
			/* Healthy first, so each fault is a fresh failure, not a crash loop. */
			UASSERT(healthy(name, &gen));
			bool hang = faults % 4 == 3;
			UASSERT_EQ(devmgr_fault(devmgr_endpoint, name,
						hang ? DEVMGR_FAULT_HANG : DEVMGR_FAULT_KILL, 0),
				   DRIVER_OK);
			faults++;
			if (hang)
				hangs++;
			else
				kills++;
		}
	}
	UASSERT(healthy(name, &gen));
	UASSERT(gen >= gen0 + faults); /* each fault a restart (a slow heartbeat may add one) */
	/* Read it all back. */
	unsigned lost = 0;
	for (unsigned j = 0; j < total; j++) {
		UASSERT_EQ(blkdev_read(&d, base + 8 * j, 8, 0), DRIVER_OK);
		lost += !check(blkdev_data(&d, 0), base + 8 * j, 8, 1000 + j);
	}
	UASSERT_EQ(blkdev_flush(&d), DRIVER_OK);
	printf("blkimg: restart: %u kills and %u hangs survived (%llu restarts), %u writes "
	       "acknowledged, %u lost, %llu requests resubmitted\n",
	       kills, hangs, (unsigned long long)(gen - gen0), total, lost,
	       (unsigned long long)d.restarted);
	printf("blkimg: %s stream=%u\n", name, total);
	blkdev_close(&d);
	UASSERT_EQ(lost, 0);
	return 0;
}
