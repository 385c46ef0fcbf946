/*
 * The FAT12 library (fs/) inside Kestrel, over a real disk: ci/boot
 * attaches a 1.44 MB image the host made with mkfs.fat and mcopy (told
 * apart by its 2880 sectors; HELLO.TXT and DATA/NUMBERS.TXT, the output of
 * `seq 1 4000`), reached through the device manager, the virtio-blk
 * driver and the client library. The test reads both files back, writes a
 * new file and reads it back, and the library's check finds the volume
 * clean.
 */
#include "drivers/lib/blkdev.h"
#include "drivers/lib/devmgr.h"
#include "fs/fat.h"
#include "fs/server/blkfat.h"
#include "utest.h"

#define FAT_DISK_SECTORS 2880

static bool open_fat_disk(struct blkdev *d)
{
	char name[8];
	for (unsigned n = 0; n < 8; n++) {
		snprintf(name, sizeof(name), "blk%u", n);
		if (blkdev_open(d, devmgr_endpoint, name, 16, BLKFAT_WINDOW))
			continue;
		if (d->geo.total_blocks == FAT_DISK_SECTORS && d->geo.block_size == FAT_SECTOR)
			return true;
		blkdev_close(d);
	}
	return false;
}

static struct fat_vol vol;
static char text[32768], expect[32768];

DEVMGR_UTEST(fat_reads_and_writes_a_host_made_image_on_virtio_blk)
{
	struct blkdev d;
	if (!open_fat_disk(&d))
		return utest_fail(__FILE__, __LINE__, "no FAT disk (ci/boot --test attaches it)");
	struct fat_dev dev = blkfat_dev(&d);
	int r = 1;
	uint32_t got = 0;
	struct fat_stat st;
	struct fat_check_report rep;
	if (fat_mount(&vol, &dev) != FAT_OK)
		goto out;
	/* The host's files, byte for byte. */
	static const char hello[] = "Hello from the host's mtools\n";
	if (fat_read(&vol, "/HELLO.TXT", 0, text, sizeof(text), &got) != FAT_OK ||
	    got != sizeof(hello) - 1 || memcmp(text, hello, got))
		goto out;
	size_t len = 0;
	for (unsigned i = 1; i <= 4000; i++)
		len += (size_t)snprintf(expect + len, sizeof(expect) - len, "%u\n", i);
	if (fat_stat(&vol, "/data/numbers.txt", &st) != FAT_OK || st.size != len || st.dir)
		goto out;
	if (fat_read(&vol, "/DATA/NUMBERS.TXT", 0, text, sizeof(text), &got) != FAT_OK ||
	    got != len || memcmp(text, expect, len))
		goto out;
	/* A file of ours, across clusters, read back; then the whole volume checked. */
	for (size_t i = 0; i < 5000; i++)
		expect[i] = (char)('a' + i % 26);
	if (fat_write(&vol, "/DATA/GUEST.TXT", 0, expect, 5000, true, true) != FAT_OK ||
	    fat_read(&vol, "/DATA/GUEST.TXT", 0, text, sizeof(text), &got) != FAT_OK ||
	    got != 5000 || memcmp(text, expect, 5000))
		goto out;
	if (fat_check(&vol, &rep) != FAT_OK || rep.lost_clusters || rep.cross_linked ||
	    rep.bad_sizes || rep.bad_chains || rep.fat_copies_differ || rep.files < 3)
		goto out;
	r = 0;
out:
	blkdev_close(&d);
	if (r)
		return utest_fail(__FILE__, __LINE__, "FAT disk: a step failed (got %u)",
				  (unsigned)got);
	return 0;
}
