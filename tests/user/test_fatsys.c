/*
 * The guest half of the host <-> guest file test (tests/system/fat_files):
 * the host makes a FAT12 image with mkfs.fat and mcopy (labelled KTSMALL or
 * KTFULL: deep directories, long names, fragmented files, a near-full
 * disk; tests/system/fat_files.py) with MANIFEST.TXT listing every file's
 * path, size and FNV-1a. This test reads every file and checks it against
 * the manifest, then runs a fixed script of writes, renames, deletes and
 * directory changes (the same as SCRIPT in fat_files.py, which the host
 * then compares with the image), printing each step ("fatsys: ...").
 *
 * Two ways to reach the files, one script: FATSYS_FILE_API 1 (the default)
 * goes through the native file API (user/lib/file.h: the file server,
 * started here on the only FAT disk unless one already serves), 0 through
 * the FAT12 library (fs/) over the block device directly (blkfat.h): it
 * tells a fault of the server from one of the library.
 *
 * Only in a boot that has the image: in any other it says so and passes
 * (ci/boot --test attaches none; a test boot skips nothing).
 */
#include "drivers/lib/blkdev.h"
#include "drivers/lib/devmgr.h"
#include "fs/fat.h"
#include "fs/server/blkfat.h"
#include "include/abi/file.h"
#include "utest.h"

#ifndef FATSYS_FILE_API
#define FATSYS_FILE_API 1
#endif

#if FATSYS_FILE_API
#include "file.h"
#include "fs/server/fsserv.h"
#endif

#define CHUNK 1500u /* reads cross sectors and clusters at odd places */

/* The file system as the script sees it: each call 0 or an error. */
struct gfile {
#if FATSYS_FILE_API
	uint64_t fd;
#else
	char path[FILE_PATH_MAX];
	uint32_t pos;
	bool append;
#endif
};

#if FATSYS_FILE_API

static uint64_t server;
static bool server_ours;

static void g_unmount(void);

static int g_mount(void)
{
	struct file_stat st;
	if (file_stat("/", &st)) {
		if (fsserv_start(&server))
			return -1;
		server_ours = true;
	}
	/* The volume served must be fat_files.py's (the system test attaches no other FAT disk). */
	if (!file_stat("/MANIFEST.TXT", &st))
		return 0;
	g_unmount();
	return -1;
}

static void g_unmount(void)
{
	file_sync();
	if (server_ours)
		fsserv_stop(server);
	server_ours = false;
}

static int g_open(const char *path, unsigned flags, struct gfile *f, uint64_t *size)
{
	return (int)file_open(path, flags, &f->fd, size);
}

static int g_read(struct gfile *f, void *buf, uint32_t len, uint32_t *got)
{
	size_t n;
	long err = sys_read(f->fd, buf, len, &n);
	*got = (uint32_t)n;
	return (int)err;
}

static int g_write(struct gfile *f, const void *buf, uint32_t len)
{
	size_t put;
	long err = file_write(f->fd, buf, len, &put);
	return err ? (int)err : put == len ? 0 : -1;
}

static int g_seek(struct gfile *f, uint32_t pos)
{
	return (int)file_seek(f->fd, pos, SEEK_SET, NULL);
}

static void g_close(struct gfile *f)
{
	file_close(f->fd);
}

static int g_stat(const char *path, uint64_t *size, bool *dir)
{
	struct file_stat st;
	long err = file_stat(path, &st);
	*size = err ? 0 : st.size;
	*dir = !err && (st.attr & FILE_ATTR_DIR);
	return (int)err;
}

/* The entries of a directory. */
static int g_count(const char *path, unsigned *n)
{
	struct file_dirent ents[8];
	unsigned count;
	uint32_t index = 0;
	*n = 0;
	do {
		long err = file_readdir(path, index, ents, 8, &count, &index);
		if (err)
			return (int)err;
		*n += count;
	} while (count);
	return 0;
}

static int g_mkdir(const char *p)
{
	return (int)file_mkdir(p);
}

static int g_rmdir(const char *p)
{
	return (int)file_rmdir(p);
}

static int g_unlink(const char *p)
{
	return (int)file_unlink(p);
}

static int g_rename(const char *a, const char *b)
{
	return (int)file_rename(a, b);
}

static int g_check(bool *clean)
{
	struct file_check c;
	long err = file_check(&c);
	*clean = !err && !c.lost_clusters && !c.cross_linked && !c.bad_sizes && !c.bad_chains &&
		 !c.fat_mismatch;
	return (int)err;
}

#else /* the FAT12 library over the block device */

static struct blkdev disk;
static struct fat_vol vol;

/* The disk whose boot sector has the label KT... (fat_files.py's images). */
static bool open_test_disk(void)
{
	char name[8];
	for (unsigned n = 0; n < 8; n++) {
		snprintf(name, sizeof(name), "blk%u", n);
		if (blkdev_open(&disk, devmgr_endpoint, name, 16, BLKFAT_WINDOW))
			continue;
		uint8_t *boot = blkdev_data(&disk, 0);
		if (disk.geo.block_size == FAT_SECTOR && !blkdev_read(&disk, 0, 1, 0) &&
		    boot[38] == 0x29 && !memcmp(boot + 43, "KT", 2))
			return true;
		blkdev_close(&disk);
	}
	return false;
}

static int g_mount(void)
{
	if (!open_test_disk())
		return -1;
	struct fat_dev dev = blkfat_dev(&disk);
	if (fat_mount(&vol, &dev) == FAT_OK)
		return 0;
	blkdev_close(&disk);
	return -1;
}

static void g_unmount(void)
{
	blkdev_flush(&disk);
	blkdev_close(&disk);
}

static int g_open(const char *path, unsigned flags, struct gfile *f, uint64_t *size)
{
	struct fat_stat st;
	int err = fat_stat(&vol, path, &st);
	if (err == FAT_E_NOT_FOUND && (flags & FILE_CREATE))
		err = fat_write(&vol, path, 0, "", 0, true, false);
	else if (!err && st.dir)
		err = FAT_E_IS_DIR;
	else if (!err && (flags & FILE_TRUNCATE))
		err = fat_write(&vol, path, 0, "", 0, false, true);
	if (err || (err = fat_stat(&vol, path, &st)))
		return err;
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->pos = 0;
	f->append = flags & FILE_APPEND;
	if (size)
		*size = st.size;
	return 0;
}

static int g_read(struct gfile *f, void *buf, uint32_t len, uint32_t *got)
{
	int err = fat_read(&vol, f->path, f->pos, buf, len, got);
	f->pos += err ? 0 : *got;
	return err;
}

static int g_write(struct gfile *f, const void *buf, uint32_t len)
{
	struct fat_stat st;
	if (f->append) {
		int err = fat_stat(&vol, f->path, &st);
		if (err)
			return err;
		f->pos = st.size;
	}
	int err = fat_write(&vol, f->path, f->pos, buf, len, false, false);
	f->pos += err ? 0 : len;
	return err;
}

static int g_seek(struct gfile *f, uint32_t pos)
{
	f->pos = pos;
	return 0;
}

static void g_close(struct gfile *f)
{
	(void)f;
}

static int g_stat(const char *path, uint64_t *size, bool *dir)
{
	struct fat_stat st;
	int err = fat_stat(&vol, path, &st);
	*size = err ? 0 : st.size;
	*dir = !err && st.dir;
	return err;
}

static int g_count(const char *path, unsigned *n)
{
	struct fat_stat st;
	int err;
	for (*n = 0; !(err = fat_readdir(&vol, path, *n, &st)); (*n)++)
		;
	return err == FAT_E_NOT_FOUND ? 0 : err;
}

static int g_mkdir(const char *p)
{
	return fat_mkdir(&vol, p);
}

static int g_rmdir(const char *p)
{
	return fat_rmdir(&vol, p);
}

static int g_unlink(const char *p)
{
	return fat_unlink(&vol, p);
}

static int g_rename(const char *a, const char *b)
{
	return fat_rename(&vol, a, b);
}

static int g_check(bool *clean)
{
	struct fat_check_report r;
	int err = fat_check(&vol, &r);
	*clean = !err && !r.lost_clusters && !r.cross_linked && !r.bad_sizes && !r.bad_chains &&
		 !r.fat_copies_differ;
	return err;
}

#endif

static uint32_t fnv1a(uint32_t h, const uint8_t *p, uint32_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x01000193u;
	return h;
}

/* What the guest writes (fat_files.py's pattern()): byte i of tag. */
static uint8_t pattern(uint32_t i, unsigned tag)
{
	return (uint8_t)(i * 31 + tag * 17 + (i >> 8));
}

static uint8_t buf[64u << 10];
static char manifest[16384];

/* The whole of a small file into `out` (at most max bytes); its length. */
static int read_small(const char *path, char *out, uint32_t max, uint32_t *len)
{
	struct gfile f = {0};
	uint32_t got;
	*len = 0;
	int err = g_open(path, FILE_READ, &f, NULL);
	if (err)
		return err;
	while (*len < max && !(err = g_read(&f, out + *len, max - *len, &got)) && got)
		*len += got;
	g_close(&f);
	return err;
}

/* One manifest entry checked: size by stat and by open, contents by FNV, a seek into its middle. */
static int check_file(const char *path, uint32_t size, uint32_t want)
{
	struct gfile f = {0};
	uint64_t st_size, open_size = 0;
	bool dir;
	uint8_t mid[16], again[16];
	uint32_t h = 0x811c9dc5u, at = 0, got, midn = 0;
	if (g_stat(path, &st_size, &dir) || dir || st_size != size)
		return utest_fail(__FILE__, __LINE__, "%s: stat: size %llu, want %u", path,
				  (unsigned long long)st_size, (unsigned)size);
	if (g_open(path, FILE_READ, &f, &open_size))
		return utest_fail(__FILE__, __LINE__, "%s: cannot open", path);
	int r = 0;
	for (;; at += got) {
		if (g_read(&f, buf, CHUNK, &got)) {
			r = utest_fail(__FILE__, __LINE__, "%s: read failed at %u", path, at);
			goto out;
		}
		if (!got)
			break;
		h = fnv1a(h, buf, got);
		for (uint32_t i = 0; i < got; i++)
			if (at + i >= size / 2 && midn < sizeof(mid))
				mid[midn++] = buf[i];
	}
	if (at != size || h != want || open_size != size) {
		r = utest_fail(__FILE__, __LINE__, "%s: %u bytes, fnv %08x, want %u, %08x", path,
			       at, h, size, want);
		goto out;
	}
	if (g_seek(&f, size / 2) || g_read(&f, again, sizeof(again), &got) || got != midn ||
	    memcmp(mid, again, midn))
		r = utest_fail(__FILE__, __LINE__, "%s: a seek to %u reads other bytes", path,
			       size / 2);
out:
	g_close(&f);
	return r;
}

/* Every file the manifest lists; how many, and the bytes. */
static int check_manifest(unsigned *files, unsigned *frag)
{
	uint32_t len;
	uint64_t bytes = 0;
	if (read_small("/MANIFEST.TXT", manifest, sizeof(manifest) - 1, &len))
		return utest_fail(__FILE__, __LINE__, "no /MANIFEST.TXT");
	manifest[len] = 0;
	*files = *frag = 0;
	for (char *line = manifest, *next; *line; line = next) {
		char *nl = strchr(line, '\n'), *sp = strchr(line, ' '), *end;
		if (!nl || !sp || sp > nl)
			return utest_fail(__FILE__, __LINE__, "a bad manifest line");
		next = nl + 1;
		*nl = *sp = 0;
		uint32_t size = (uint32_t)strtoul(sp + 1, &end, 10);
		uint32_t want = (uint32_t)strtoul(end + 1, NULL, 16);
		if (check_file(line, size, want))
			return 1;
		(*files)++;
		*frag += !strncmp(line, "/FRAG/", 6);
		bytes += size;
	}
	printf("fatsys: read %u files (%llu bytes) as the manifest lists them\n", *files,
	       (unsigned long long)bytes);
	return 0;
}

/* A file made (or emptied) and written in pieces of `piece` bytes. */
static int write_file(const char *path, unsigned flags, const void *data, uint32_t len,
		      uint32_t piece)
{
	struct gfile f = {0};
	int err = g_open(path, FILE_WRITE | flags, &f, NULL);
	if (err)
		return err;
	for (uint32_t at = 0; !err && at < len; at += piece)
		err = g_write(&f, (const uint8_t *)data + at, len - at < piece ? len - at : piece);
	g_close(&f);
	return err;
}

/* A file whose contents are expected, checked. */
static int read_is(const char *path, const void *want, uint32_t len)
{
	static char got[24000];
	uint32_t n;
	return !read_small(path, got, sizeof(got), &n) && n == len && !memcmp(got, want, len);
}

#define STEP(what, ok)                                                                  \
	do {                                                                            \
		if (!(ok))                                                              \
			return utest_fail(__FILE__, __LINE__, "step failed: %s", what); \
		printf("fatsys: %s\n", what);                                           \
	} while (0)

/* The script: fat_files.py's script() does the same to the host's model. */
static int run_script(void)
{
	static char text[3000];
	uint32_t len = 0;
	for (unsigned n = 1; n <= 150; n++)
		len +=
		    (uint32_t)snprintf(text + len, sizeof(text) - len, "line %u of NEW.TXT\n", n);
	for (uint32_t i = 0; i < 20000; i++)
		buf[i] = pattern(i, 1);
	STEP("mkdir /GUEST", !g_mkdir("/GUEST"));
	STEP("write /GUEST/NEW.TXT", !write_file("/GUEST/NEW.TXT", FILE_CREATE, text, len, 700) &&
					 read_is("/GUEST/NEW.TXT", text, len));
	STEP("write /GUEST/BIG.DAT (20000 bytes, 4 KiB a write)",
	     !write_file("/GUEST/BIG.DAT", FILE_CREATE, buf, 20000, 4096) &&
		 read_is("/GUEST/BIG.DAT", buf, 20000));
	STEP("rename /README.TXT /GUEST/README.OLD", !g_rename("/README.TXT", "/GUEST/README.OLD"));
	STEP("rename /D1/D2/D3/D4/D5/D6/DEEP.TXT /D1/D2/DEEP2.TXT",
	     !g_rename("/D1/D2/D3/D4/D5/D6/DEEP.TXT", "/D1/D2/DEEP2.TXT"));
	STEP("rmdir /D1/D2/D3/D4/D5/D6 refused while it holds L6.TXT",
	     g_rmdir("/D1/D2/D3/D4/D5/D6"));
	STEP("unlink /D1/D2/D3/D4/D5/D6/L6.TXT", !g_unlink("/D1/D2/D3/D4/D5/D6/L6.TXT"));
	STEP("rmdir /D1/D2/D3/D4/D5/D6", !g_rmdir("/D1/D2/D3/D4/D5/D6"));
	STEP("unlink /FRAG/F00.BIN", !g_unlink("/FRAG/F00.BIN"));
	for (uint32_t i = 0; i < 5000; i++)
		buf[i] = pattern(i, 2);
	struct gfile f = {0};
	STEP("write 5000 bytes at 1000 into the fragmented /FRAG/BIG.BIN",
	     !g_open("/FRAG/BIG.BIN", FILE_WRITE, &f, NULL) && !g_seek(&f, 1000) &&
		 !g_write(&f, buf, 5000));
	g_close(&f);
	static const char more[] = "appended by the guest\n";
	STEP("append to /HELLO.TXT",
	     !write_file("/HELLO.TXT", FILE_APPEND, more, sizeof(more) - 1, 64));
	static const char shorter[] = "short now\n";
	STEP("truncate /NOTES.TXT and write it",
	     !write_file("/NOTES.TXT", FILE_TRUNCATE, shorter, sizeof(shorter) - 1, 64) &&
		 read_is("/NOTES.TXT", shorter, sizeof(shorter) - 1));
	STEP("rename the directory /D1/D2/D3 /GUEST/D3", !g_rename("/D1/D2/D3", "/GUEST/D3"));
	STEP("mkdir /TMP1, write /TMP1/X.TXT, unlink it, rmdir /TMP1",
	     !g_mkdir("/TMP1") && !write_file("/TMP1/X.TXT", FILE_CREATE, "x\n", 2, 2) &&
		 !g_unlink("/TMP1/X.TXT") && !g_rmdir("/TMP1"));
	STEP("rmdir /D1 refused (not empty), unlink /GUEST refused (a directory)",
	     g_rmdir("/D1") && g_unlink("/GUEST"));
	return 0;
}

/* A file larger than the disk, 4 KiB a write: the writes end with an error, then it is removed. */
static int fill_disk(void)
{
	struct gfile f = {0};
	uint32_t at = 0;
	int err = g_open("/GUEST/HUGE.BIN", FILE_WRITE | FILE_CREATE, &f, NULL);
	if (err)
		return utest_fail(__FILE__, __LINE__, "HUGE.BIN: open: %d", err);
	for (; at < (1536u << 10) && !(err = g_write(&f, buf, 4096)); at += 4096)
		;
	g_close(&f);
	printf("fatsys: write /GUEST/HUGE.BIN until the disk is full: %u KiB went, then error %d\n",
	       at >> 10, err);
	if (!err)
		return utest_fail(__FILE__, __LINE__, "1.5 MiB went onto a smaller disk");
	STEP("unlink /GUEST/HUGE.BIN", !g_unlink("/GUEST/HUGE.BIN"));
	return 0;
}

DEVMGR_UTEST(fatsys_host_image_read_then_changed_by_the_script)
{
	unsigned files = 0, frag = 0, n = 0;
	bool clean = false;
	/* Not a failure, and no skip (a test boot skips nothing): this boot has no such image. */
	if (g_mount()) {
		printf("fatsys: no image of tests/system/fat_files in this boot: nothing to do\n");
		return 0;
	}
	printf("fatsys: through %s\n", FATSYS_FILE_API ? "the file API (user/lib/file.h)"
						       : "the FAT12 library over blkdev");
	int r = check_manifest(&files, &frag);
	if (!r && (g_count("/FRAG", &n) || n != frag))
		r = utest_fail(__FILE__, __LINE__, "/FRAG lists %u entries, the manifest %u", n,
			       frag);
	if (!r)
		r = run_script();
	if (!r)
		r = fill_disk();
	if (!r && (g_check(&clean) || !clean))
		r = utest_fail(__FILE__, __LINE__, "the volume's check finds it unclean");
	if (!r)
		printf("fatsys: the volume's check finds it clean; script done\n");
	g_unmount();
	return r;
}
