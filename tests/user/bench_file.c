/*
 * File benchmarks, end to end from a client process: `init child
 * bench_file_NAME` starts a device manager, makes a FAT12 volume on the
 * first 8 MiB of blk0 (ci/boot's scratch disk; clusters of 4 KiB) and a
 * file server on it, and times BENCH_N operations through the kernel's
 * file calls, exiting with instructions per MiB (reads, writes of a 1 MiB
 * file) or per 100 files (create then delete), idle time excluded as the
 * block benchmarks do (bench_blk.c). bench_file_raw_r1m reads the same
 * 1 MiB file's sectors straight from the disk in the requests the server
 * makes (64 KiB, one at a time): the raw block reads a file read needs.
 */
#include "drivers/lib/blkdev.h"
#include "drivers/lib/devmgr.h"
#include "file.h"
#include "fs/fat.h"
#include "fs/server/blkfat.h"
#include "fs/server/fsserv.h"
#include "utest.h"

#define BENCH_DISK    "blk0"
#define VOLUME_SECTOR 16384u /* 8 MiB */
#define MIB	      (1u << 20)

/* An empty volume on blk0 (formatted through the client library; the server is not up yet). */
static int make_volume(uint64_t mgr)
{
	struct blkdev d;
	if (blkdev_open(&d, mgr, BENCH_DISK, 16, BLKFAT_WINDOW))
		return -1;
	struct fat_dev dev = blkfat_dev(&d);
	int err =
	    d.geo.total_blocks >= VOLUME_SECTOR ? fat_format(&dev, VOLUME_SECTOR, 8, "BENCH") : -1;
	blkdev_close(&d);
	return err;
}

static uint8_t *buffer(void)
{
	void *p = NULL;
	return sys_mmap(NULL, MIB, PROT_READ | PROT_WRITE, &p, NULL) ? NULL : p;
}

/* The 1 MiB file, written once outside the window. */
static int make_file(const uint8_t *data)
{
	uint64_t fd;
	size_t put;
	if (file_open("/BENCH.BIN", FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &fd, NULL))
		return -1;
	long tag = file_write(fd, data, MIB, &put);
	file_close(fd);
	return tag || put != MIB ? -1 : 0;
}

enum what { READ_1M, WRITE_1M, CREATE_100, RAW_READ_1M, LEND_1M };

/* The first sector of /BENCH.BIN (its clusters lie in a row on the fresh volume), from the BPB. */
static int file_lba(struct blkdev *raw, uint64_t *lba)
{
	struct file_stat st;
	if (file_stat("/BENCH.BIN", &st) || blkdev_read(raw, 0, 1, 0))
		return -1;
	const uint8_t *b = blkdev_data(raw, 0);
	uint32_t reserved = b[14] | b[15] << 8, root = (b[17] | b[18] << 8) * 32u / 512;
	uint32_t fat = b[22] | b[23] << 8, spc = b[13];
	*lba = reserved + b[16] * fat + root + (uint64_t)(st.first_cluster - 2) * spc;
	return 0;
}

static long one(enum what w, uint8_t *buf, struct blkdev *raw, uint64_t lba)
{
	uint64_t fd;
	size_t n;
	char name[16];
	switch (w) {
	case READ_1M:
		if (file_open("/BENCH.BIN", FILE_READ, &fd, NULL) || sys_read(fd, buf, MIB, &n) ||
		    n != MIB)
			return -1;
		return file_close(fd);
	case WRITE_1M:
		if (file_open("/BENCH.BIN", FILE_WRITE | FILE_TRUNCATE, &fd, NULL) ||
		    file_write(fd, buf, MIB, &n) || n != MIB)
			return -1;
		return file_close(fd);
	case CREATE_100:
		for (unsigned i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "/F%u.TXT", i);
			if (file_open(name, FILE_WRITE | FILE_CREATE, &fd, NULL) || file_close(fd))
				return -1;
		}
		for (unsigned i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "/F%u.TXT", i);
			if (file_unlink(name))
				return -1;
		}
		return 0;
	case LEND_1M: /* a 1 MiB read at the end: the buffer lent and given back, no data */
		if (file_open("/BENCH.BIN", FILE_READ, &fd, NULL) ||
		    file_seek(fd, 0, SEEK_END, NULL) || sys_read(fd, buf, MIB, &n) || n)
			return -1;
		return file_close(fd);
	case RAW_READ_1M:
		for (uint32_t off = 0; off < MIB; off += BLKFAT_WINDOW) {
			if (blkdev_read(raw, lba + off / 512, BLKFAT_WINDOW / 512, 0))
				return -1;
			memcpy(buf + off, blkdev_data(raw, 0), BLKFAT_WINDOW);
		}
		return 0;
	}
	return -1;
}

static int bench(enum what w)
{
	unsigned long n = bench_count();
	if (!n)
		return 0;
	uint64_t mgr, proc, srv;
	struct process_exit_info info;
	if (devmgr_start(&mgr, &proc))
		return -1;
	long figure = -2;
	uint8_t *buf = buffer();
	struct blkdev raw;
	uint64_t lba = 0;
	if (buf && !make_volume(mgr) && !fsserv_start_on(BENCH_DISK, &srv)) {
		for (uint32_t i = 0; i < MIB; i++)
			buf[i] = (uint8_t)(i * 7 + (i >> 12));
		bool ok = !make_file(buf);
		if (ok && w == RAW_READ_1M)
			ok = !blkdev_open(&raw, mgr, BENCH_DISK, 16, BLKFAT_WINDOW) &&
			     !file_lba(&raw, &lba);
		/* A first run warms what a first touch costs; then the measured ones. */
		ok = ok && !one(w, buf, &raw, lba);
		uint64_t t0 = bench_busy_ns();
		for (unsigned long i = 0; ok && i < n; i++)
			ok = !one(w, buf, &raw, lba);
		long t = (long)(bench_busy_ns() - t0);
		figure = ok ? t / (long)n : -3;
		if (w == RAW_READ_1M && ok)
			blkdev_close(&raw);
		fsserv_stop(srv);
	}
	devmgr_power_off(mgr);
	sys_process_terminate(proc, 0);
	sys_process_wait(proc, 0, &info);
	sys_cap_revoke(proc);
	sys_cap_revoke(mgr);
	return figure > 0x7fffffff ? -1000 : (int)figure;
}

UCHILD(bench_file_r1m)
{
	return bench(READ_1M);
}

UCHILD(bench_file_w1m)
{
	return bench(WRITE_1M);
}

UCHILD(bench_file_create100)
{
	return bench(CREATE_100);
}

UCHILD(bench_file_raw_r1m)
{
	return bench(RAW_READ_1M);
}

UCHILD(bench_file_lend1m)
{
	return bench(LEND_1M);
}
