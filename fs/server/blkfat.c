/* A FAT volume's device over a block session (blkfat.h). */
#include "fs/server/blkfat.h"
#include "kestrel.h"

/* count sectors at lba through the window, as many requests as it takes. */
static int io(void *ctx, uint64_t lba, uint32_t count, void *buf, bool write)
{
	struct blkdev *d = ctx;
	uint8_t *win = blkdev_data(d, 0), *p = buf;
	while (count) {
		uint32_t n =
		    count < BLKFAT_WINDOW / FAT_SECTOR ? count : BLKFAT_WINDOW / FAT_SECTOR;
		if (write)
			memcpy(win, p, n * FAT_SECTOR);
		int err = write ? blkdev_write(d, lba, n, 0) : blkdev_read(d, lba, n, 0);
		if (err)
			return err;
		if (!write)
			memcpy(p, win, n * FAT_SECTOR);
		lba += n, p += n * FAT_SECTOR, count -= n;
	}
	return 0;
}

static int dev_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	return io(ctx, lba, count, buf, false);
}

static int dev_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
	return io(ctx, lba, count, (void *)(uintptr_t)buf, true);
}

static int dev_flush(void *ctx)
{
	return blkdev_flush(ctx);
}

struct fat_dev blkfat_dev(struct blkdev *d)
{
	return (struct fat_dev){.ctx = d,
				.sectors = d->geo.total_blocks,
				.read = dev_read,
				.write = dev_write,
				.flush = dev_flush};
}
