/*
 * The FAT12 library (fs/) against images mkfs.fat and mtools make at test
 * time: every file read back byte for byte (fragmented, deep, long names),
 * writes that fsck.fat -n finds clean and mtools reads back as the library
 * wrote them, a disk filled to FAT_E_NO_SPACE, fat_check on faults fsck.fat
 * also reports, and a mutation fuzz whose device fails the test on any
 * access outside the image.
 */
#define _DEFAULT_SOURCE /* mkdtemp, setenv, popen */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/fat.h"

/* ---- the RAM block device ---- */

struct ramdev {
	uint8_t *data;
	uint64_t sectors;
	bool outside;	/* any access past the end */
	uint8_t *dirty; /* sectors written, one byte each (the fuzz restores them) */
	unsigned writes, flushes;
	uint64_t log[256]; /* the order of writes (their LBAs) and flushes (UINT64_MAX) */
	unsigned nlog;
};

static int ram_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct ramdev *d = ctx;
	if (lba >= d->sectors || count > d->sectors - lba) {
		d->outside = true;
		return -1;
	}
	memcpy(buf, d->data + lba * 512, (size_t)count * 512);
	return 0;
}

static int ram_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
	struct ramdev *d = ctx;
	if (lba >= d->sectors || count > d->sectors - lba) {
		d->outside = true;
		return -1;
	}
	memcpy(d->data + lba * 512, buf, (size_t)count * 512);
	if (d->dirty)
		memset(d->dirty + lba, 1, count);
	d->writes++;
	if (d->nlog < 256)
		d->log[d->nlog++] = lba;
	return 0;
}

static int ram_flush(void *ctx)
{
	struct ramdev *d = ctx;
	d->flushes++;
	if (d->nlog < 256)
		d->log[d->nlog++] = UINT64_MAX;
	return 0;
}

static struct fat_dev ram_dev(struct ramdev *d)
{
	return (struct fat_dev){.ctx = d,
				.sectors = d->sectors,
				.read = ram_read,
				.write = ram_write,
				.flush = ram_flush};
}

/* ---- host tools and files ---- */

static char dir[64];

/* What a test allocates, freed by remove_dir. */
static void *allocs[256];
static unsigned nallocs;

static void *keep(void *p)
{
	cr_assert_not_null(p);
	if (nallocs < 256)
		allocs[nallocs++] = p;
	return p;
}

static void make_dir(void)
{
	strcpy(dir, "/tmp/kestrel-fat-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	setenv("MTOOLS_SKIP_CHECK", "1", 1);
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	while (nallocs > 0)
		free(allocs[--nallocs]);
}

/* Run a shell command in the test's directory; its exit status. */
static int run(const char *fmt, ...)
{
	char cmd[1024], full[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd %s && { %s ; } >/dev/null 2>&1", dir, cmd);
	int st = system(full);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/* A command's standard output, NUL-terminated (malloc'd); *n its length. */
static char *capture(size_t *n, const char *fmt, ...)
{
	char cmd[1024], full[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd %s && %s 2>/dev/null", dir, cmd);
	FILE *p = popen(full, "r");
	cr_assert_not_null(p);
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	for (size_t k; (k = fread(out + len, 1, cap - len - 1, p)) > 0;) {
		len += k;
		if (cap - len < 2)
			out = realloc(out, cap *= 2);
	}
	out[len] = '\0';
	pclose(p);
	if (n)
		*n = len;
	return out;
}

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}

/* Content of a test file: bytes from its seed. */
static uint8_t *pattern(size_t n, uint32_t seed)
{
	uint8_t *b = keep(malloc(n ? n : 1));
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (uint8_t)(x >> 16);
	}
	return b;
}

static void put_file(const char *name, const uint8_t *b, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

static uint8_t *load(const char *name, size_t *n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "open %s", path);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = keep(malloc(*n ? *n : 1));
	cr_assert_eq(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

/* The image in memory, mounted. */
struct img {
	struct ramdev dev;
	struct fat_dev fd;
	struct fat_vol vol;
	size_t size;
};

static void img_open(struct img *m, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->dev.data = load(name, &m->size);
	m->dev.sectors = m->size / 512;
	m->fd = ram_dev(&m->dev);
	cr_assert_eq(fat_mount(&m->vol, &m->fd), FAT_OK);
}

static void img_save(struct img *m, const char *name)
{
	put_file(name, m->dev.data, m->size);
}

/* Read a whole file through the library, in pieces of step bytes. */
static uint8_t *lib_read(struct fat_vol *v, const char *path, uint32_t *n, uint32_t step)
{
	struct fat_stat st;
	cr_assert_eq(fat_stat(v, path, &st), FAT_OK, "stat %s", path);
	uint8_t *b = malloc(st.size + 1);
	uint32_t pos = 0, got;
	while (pos < st.size) {
		int err = fat_read(v, path, pos, b + pos, step, &got);
		cr_assert_eq(err, FAT_OK, "read %s at %u: %s", path, pos, fat_error_name(err));
		cr_assert_gt(got, 0);
		pos += got;
	}
	cr_assert_eq(fat_read(v, path, pos, b, step, &got), FAT_OK);
	cr_assert_eq(got, 0);
	*n = st.size;
	return b;
}

static void assert_clean(struct fat_vol *v)
{
	struct fat_check_report r;
	cr_assert_eq(fat_check(v, &r), FAT_OK);
	cr_assert_eq(r.lost_clusters + r.cross_linked + r.bad_sizes + r.bad_chains +
			 r.fat_copies_differ,
		     0, "check: lost %u cross %u sizes %u chains %u copies %u", r.lost_clusters,
		     r.cross_linked, r.bad_sizes, r.bad_chains, r.fat_copies_differ);
}

/* Whether the library's file equals bytes b[0..n). */
static void assert_lib_file(struct fat_vol *v, const char *path, const uint8_t *b, size_t n)
{
	uint32_t got;
	uint8_t *f = lib_read(v, path, &got, 333);
	cr_assert_eq(got, n, "%s: size %u, want %zu", path, got, n);
	cr_assert(memcmp(f, b, n) == 0, "%s: contents differ", path);
	free(f);
}

/* Whether mtype prints bytes b[0..n) for ::path. */
static void assert_mtype(const char *path, const uint8_t *b, size_t n)
{
	size_t got;
	char *out = capture(&got, "mtype -i img '::%s'", path);
	cr_assert_eq(got, n, "mtype %s: %zu bytes, want %zu", path, got, n);
	cr_assert(memcmp(out, b, n) == 0, "mtype %s: contents differ", path);
	free(out);
}

/* Where the regions of an image are, from its BPB. */
struct geo {
	uint32_t fat, fatsz, nfats, root, data, spc;
};

static struct geo geo_of(const uint8_t *d)
{
	struct geo g;
	g.fat = d[14] | d[15] << 8;
	g.nfats = d[16];
	g.fatsz = d[22] | d[23] << 8;
	g.root = g.fat + g.nfats * g.fatsz;
	g.data = g.root + ((d[17] | d[18] << 8) * 32u + 511) / 512;
	g.spc = d[13];
	return g;
}

static void set12_in(uint8_t *d, struct geo g, unsigned copy, unsigned c, unsigned val)
{
	uint8_t *f = d + (g.fat + copy * g.fatsz) * 512 + c + c / 2;
	if (c & 1) {
		f[0] = (uint8_t)((f[0] & 0x0F) | (val << 4));
		f[1] = (uint8_t)(val >> 4);
	} else {
		f[0] = (uint8_t)val;
		f[1] = (uint8_t)((f[1] & 0xF0) | ((val >> 8) & 0x0F));
	}
}

static void set12(uint8_t *d, unsigned copy, unsigned c, unsigned val)
{
	set12_in(d, geo_of(d), copy, c, val);
}

/* ---- 1: reading what mkfs.fat and mcopy make ---- */

Test(fat, reads_every_file_of_an_mtools_image)
{
	make_dir();
	cr_assert_eq(run("mkfs.fat -F 12 -s 1 -C img 200"), 0);
	static const struct {
		const char *host, *img;
		size_t size;
	} files[] = {
	    {"s1", "S1.TXT", 100},	  {"empty", "EMPTY.DAT", 0},
	    {"multi", "MULTI.BIN", 5000}, {"a", "A.BIN", 3000},
	    {"b", "B.BIN", 2000},	  {"deep", "D1/D2/D3/D4/DEEP.TXT", 1500},
	    {"sub", "D1/SUB.TXT", 512},	  {"lfn", "D1/long file name.txt", 777},
	};
	uint8_t *data[8];
	for (unsigned i = 0; i < 8; i++) {
		data[i] = pattern(files[i].size, i + 1);
		put_file(files[i].host, data[i], files[i].size);
	}
	uint8_t *c = pattern(9000, 99);
	put_file("c", c, 9000);
	cr_assert_eq(run("mmd -i img ::D1 ::D1/D2 ::D1/D2/D3 ::D1/D2/D3/D4"), 0);
	for (unsigned i = 0; i < 8; i++)
		cr_assert_eq(run("mcopy -i img %s '::%s'", files[i].host, files[i].img), 0);
	/* C takes A's gap, then more after B: a fragmented chain. */
	cr_assert_eq(run("mdel -i img ::A.BIN && mcopy -i img c ::C.BIN"), 0);
	cr_assert_eq(run("fsck.fat -n img"), 0);

	struct img m;
	img_open(&m, "img");
	for (unsigned i = 0; i < 8; i++) {
		if (i == 3 || i == 7)
			continue; /* A was deleted; the long name is looked up below */
		char path[64];
		snprintf(path, sizeof(path), "/%s", files[i].img);
		assert_lib_file(&m.vol, path, data[i], files[i].size);
	}
	assert_lib_file(&m.vol, "/c.bin", c, 9000);
	struct fat_stat sb, sc;
	cr_assert_eq(fat_stat(&m.vol, "/B.BIN", &sb), FAT_OK);
	cr_assert_eq(fat_stat(&m.vol, "/C.BIN", &sc), FAT_OK);
	cr_assert_lt(sc.first_cluster, sb.first_cluster, "C should start in A's gap");
	cr_assert_eq(fat_stat(&m.vol, "/A.BIN", &sb), FAT_E_NOT_FOUND);

	/* The long name: its 8.3 alias is the one file in D1 that is not SUB.TXT or D2. */
	struct fat_stat st;
	char alias[32] = "";
	unsigned n = 0;
	for (uint32_t i = 0; fat_readdir(&m.vol, "/D1", i, &st) == FAT_OK; i++, n++)
		if (strcmp(st.name, "SUB.TXT") != 0 && strcmp(st.name, "D2") != 0)
			snprintf(alias, sizeof(alias), "/D1/%s", st.name);
	cr_assert_eq(n, 3, "D1 has D2, SUB.TXT and the long name");
	cr_assert_neq(alias[0], '\0');
	assert_lib_file(&m.vol, alias, data[7], 777);
	cr_assert_eq(fat_readdir(&m.vol, "/D1", 3, &st), FAT_E_NOT_FOUND);

	/* The root lists what is there, not the deleted A. */
	const char *want[] = {"D1", "S1.TXT", "EMPTY.DAT", "MULTI.BIN", "C.BIN", "B.BIN"};
	for (uint32_t i = 0; i < 6; i++) {
		cr_assert_eq(fat_readdir(&m.vol, "/", i, &st), FAT_OK);
		cr_assert_str_eq(st.name, want[i]);
		cr_assert_eq(st.dir, i == 0);
	}
	cr_assert_eq(fat_readdir(&m.vol, "/", 6, &st), FAT_E_NOT_FOUND);
	cr_assert_eq(fat_stat(&m.vol, "/d1/d2/D3", &st), FAT_OK);
	cr_assert(st.dir);
	cr_assert_eq(fat_stat(&m.vol, "/", &st), FAT_OK);
	cr_assert(st.dir);
	cr_assert_eq(fat_stat(&m.vol, "/S1.TXT/X", &st), FAT_E_NOT_DIR);
	cr_assert_eq(fat_stat(&m.vol, "/NOPE/X", &st), FAT_E_NOT_FOUND);
	cr_assert_eq(fat_stat(&m.vol, "/TOOLONGNAME", &st), FAT_E_NAME);
	cr_assert_eq(fat_stat(&m.vol, "/A.B.C", &st), FAT_E_NAME);
	cr_assert_eq(fat_stat(&m.vol, "S1.TXT", &st), FAT_E_INVALID);
	uint32_t got;
	cr_assert_eq(fat_read(&m.vol, "/D1", 0, &st, 1, &got), FAT_E_IS_DIR);
	assert_clean(&m.vol);
	struct fat_check_report r;
	cr_assert_eq(fat_check(&m.vol, &r), FAT_OK);
	cr_assert_eq(r.files, 8);
	cr_assert_eq(r.dirs, 4);
	cr_assert_eq(m.dev.writes, 0, "reading writes nothing");
	cr_assert(!m.dev.outside);
	remove_dir();
}

Test(fat, mount_refuses_what_is_not_a_sane_fat12)
{
	make_dir();
	cr_assert_eq(run("mkfs.fat -F 12 -C img 200 && mkfs.fat -F 16 -C img16 20000"), 0);
	struct img m;
	img_open(&m, "img");
	struct fat_vol v;
	struct fat_dev d = m.fd;
	d.sectors = 100; /* the volume is bigger than the device */
	cr_assert_eq(fat_mount(&v, &d), FAT_E_CORRUPT);
	cr_assert(!v.mounted);
	struct fat_stat st;
	cr_assert_eq(fat_stat(&v, "/", &st), FAT_E_INVALID);
	static const struct {
		unsigned off;
		uint8_t val;
	} bad[] = {{0, 0},     {510, 0}, {11, 1},    {12, 4},	{13, 0}, {13, 3},
		   {14, 0},    {15, 2},	 {16, 0},    {16, 3},	{17, 0}, {18, 0},
		   {21, 0x12}, {22, 0},	 {19, 0xFF}, {20, 0xFF}};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t save[2] = {m.dev.data[bad[i].off], m.dev.data[bad[i].off + 1]};
		m.dev.data[bad[i].off] = bad[i].val;
		if (bad[i].off == 17 || bad[i].off == 22)
			m.dev.data[bad[i].off + 1] = 0;
		cr_assert_eq(fat_mount(&v, &m.fd), FAT_E_CORRUPT, "byte %u = %#x", bad[i].off,
			     bad[i].val);
		m.dev.data[bad[i].off] = save[0];
		m.dev.data[bad[i].off + 1] = save[1];
	}
	cr_assert_eq(fat_mount(&v, &m.fd), FAT_OK);
	struct img m16;
	memset(&m16, 0, sizeof(m16));
	m16.dev.data = load("img16", &m16.size);
	m16.dev.sectors = m16.size / 512;
	m16.fd = ram_dev(&m16.dev);
	cr_assert_eq(fat_mount(&v, &m16.fd), FAT_E_CORRUPT, "FAT16 is refused");
	cr_assert(!m.dev.outside && !m16.dev.outside);
	cr_assert_str_eq(fat_error_name(FAT_E_CORRUPT), "FAT_E_CORRUPT");
	cr_assert_str_eq(fat_error_name(5), "FAT_E_?");
	remove_dir();
}

/* ---- 2: writes that fsck.fat and mtools agree with ---- */

Test(fat, writes_pass_fsck_and_read_back_with_mtools)
{
	make_dir();
	cr_assert_eq(run("mkfs.fat -F 12 -s 1 -C img 200"), 0);
	uint8_t *multi = pattern(5000, 1), *small = pattern(100, 2), *c = pattern(9000, 3);
	uint8_t *lfn = pattern(700, 4);
	put_file("multi", multi, 5000);
	put_file("small", small, 100);
	put_file("c", c, 9000);
	put_file("long file name.txt", lfn, 700);
	cr_assert_eq(run("mmd -i img ::D1 ::D1/D2 && mcopy -i img multi ::MULTI.BIN && mcopy -i "
			 "img small ::S1.TXT && mcopy -i img c ::C.BIN && mcopy -i img 'long "
			 "file name.txt' ::D1/ && mcopy -i img small ::D1/D2/IN.TXT && mcopy -i "
			 "img small ::GONE.TXT"),
		     0);
	struct img m;
	img_open(&m, "img");
	struct fat_vol *v = &m.vol;
	fat_set_clock(v, fat_date(2019, 7, 4), fat_time(10, 20, 30));

	/* Create. */
	uint8_t *nw = pattern(1500, 5);
	cr_assert_eq(fat_write(v, "/NEW.TXT", 0, nw, 1500, false, false), FAT_E_NOT_FOUND);
	cr_assert_eq(fat_write(v, "/NEW.TXT", 0, nw, 1500, true, false), FAT_OK);
	cr_assert_eq(fat_write(v, "/NEW.TXT", 0, nw, 1500, true, false), FAT_OK);
	struct fat_stat st;
	cr_assert_eq(fat_stat(v, "/NEW.TXT", &st), FAT_OK);
	cr_assert_eq(st.size, 1500);
	cr_assert_eq(st.date, fat_date(2019, 7, 4));
	cr_assert_eq(st.time, fat_time(10, 20, 30));
	cr_assert_eq(st.attr, FAT_ATTR_ARCHIVE);
	cr_assert_gt(m.dev.flushes, 0);
	/* Overwrite in the middle, across clusters. */
	uint8_t *patch = pattern(1200, 6);
	cr_assert_eq(fat_write(v, "/MULTI.BIN", 1000, patch, 1200, false, false), FAT_OK);
	memcpy(multi + 1000, patch, 1200);
	/* Append. */
	uint8_t *more = pattern(3000, 7);
	uint8_t *small2 = keep(malloc(3100));
	memcpy(small2, small, 100);
	memcpy(small2 + 100, more, 3000);
	cr_assert_eq(fat_write(v, "/S1.TXT", 100, more, 3000, false, false), FAT_OK);
	/* Truncate, then grow past the end with a gap of zeros. */
	cr_assert_eq(fat_write(v, "/C.BIN", 1234, NULL, 0, false, true), FAT_OK);
	uint8_t *c2 = keep(calloc(1, 4000));
	memcpy(c2, c, 1234);
	memcpy(c2 + 3000, patch, 1000);
	cr_assert_eq(fat_write(v, "/C.BIN", 3000, patch, 1000, false, false), FAT_OK);
	/* Empty a file. */
	cr_assert_eq(fat_write(v, "/D1/D2/IN.TXT", 0, NULL, 0, false, true), FAT_OK);
	cr_assert_eq(fat_stat(v, "/D1/D2/IN.TXT", &st), FAT_OK);
	cr_assert_eq(st.size, 0);
	cr_assert_eq(st.first_cluster, 0);
	/* Directories: made, filled past one cluster, renamed across, removed. */
	cr_assert_eq(fat_mkdir(v, "/ND"), FAT_OK);
	cr_assert_eq(fat_mkdir(v, "/ND"), FAT_E_EXISTS);
	cr_assert_eq(fat_mkdir(v, "/ND/SUB"), FAT_OK);
	cr_assert_eq(fat_mkdir(v, "/NOPE/SUB"), FAT_E_NOT_FOUND);
	cr_assert_eq(fat_mkdir(v, "/S1.TXT/SUB"), FAT_E_NOT_DIR);
	for (unsigned i = 0; i < 40; i++) {
		char p[32];
		snprintf(p, sizeof(p), "/ND/SUB/F%u.TXT", i);
		cr_assert_eq(fat_write(v, p, 0, nw, i * 10, true, false), FAT_OK);
	}
	cr_assert_eq(fat_write(v, "/ND/SUB", 0, nw, 1, true, false), FAT_E_IS_DIR);
	cr_assert_eq(fat_write(v, "/", 0, nw, 1, true, false), FAT_E_IS_DIR);
	cr_assert_eq(fat_rmdir(v, "/ND/SUB"), FAT_E_NOT_EMPTY);
	cr_assert_eq(fat_rmdir(v, "/"), FAT_E_INVALID);
	cr_assert_eq(fat_rmdir(v, "/S1.TXT"), FAT_E_NOT_DIR);
	cr_assert_eq(fat_mkdir(v, "/EMPTY"), FAT_OK);
	cr_assert_eq(fat_rmdir(v, "/EMPTY"), FAT_OK);
	cr_assert_eq(fat_stat(v, "/EMPTY", &st), FAT_E_NOT_FOUND);
	for (unsigned i = 0; i < 40; i += 2) {
		char p[32];
		snprintf(p, sizeof(p), "/ND/SUB/F%u.TXT", i);
		cr_assert_eq(fat_unlink(v, p), FAT_OK);
	}
	/* Renames: within a directory, across, a directory (its ".." follows), a long name. */
	cr_assert_eq(fat_rename(v, "/NEW.TXT", "/ND/NEW2.TXT"), FAT_OK);
	cr_assert_eq(fat_rename(v, "/ND/NEW2.TXT", "/ND/NEW3.TXT"), FAT_OK);
	cr_assert_eq(fat_rename(v, "/D1/D2", "/ND/D2M"), FAT_OK);
	cr_assert_eq(fat_rename(v, "/ND", "/ND/D2M/X"), FAT_E_INVALID);
	cr_assert_eq(fat_rename(v, "/ND", "/ND/X"), FAT_E_INVALID);
	cr_assert_eq(fat_rename(v, "/S1.TXT", "/MULTI.BIN"), FAT_E_EXISTS);
	cr_assert_eq(fat_rename(v, "/S1.TXT", "/s1.txt"), FAT_OK);
	struct fat_stat ls;
	char alias[32] = "";
	for (uint32_t i = 0; fat_readdir(v, "/D1", i, &ls) == FAT_OK; i++)
		snprintf(alias, sizeof(alias), "/D1/%s", ls.name);
	cr_assert_neq(alias[0], '\0');
	cr_assert_eq(fat_rename(v, alias, "/D1/SHORT.TXT"), FAT_OK);
	cr_assert_eq(fat_rename(v, "/MULTI.BIN", "/D1/MULTI.BIN"), FAT_OK);
	/* Unlink. */
	cr_assert_eq(fat_unlink(v, "/GONE.TXT"), FAT_OK);
	cr_assert_eq(fat_unlink(v, "/GONE.TXT"), FAT_E_NOT_FOUND);
	cr_assert_eq(fat_unlink(v, "/D1"), FAT_E_IS_DIR);
	assert_clean(v);
	cr_assert(!m.dev.outside);

	/* What the host tools make of it. */
	img_save(&m, "img");
	cr_assert_eq(run("fsck.fat -n img"), 0);
	char *list = keep(capture(NULL, "mdir -i img -/ -b | sort"));
	char want[4096] = "";
	const char *fixed[] = {"::/C.BIN",   "::/D1/",	   "::/D1/MULTI.BIN",  "::/D1/SHORT.TXT",
			       "::/ND/",     "::/ND/D2M/", "::/ND/D2M/IN.TXT", "::/ND/NEW3.TXT",
			       "::/ND/SUB/", "::/S1.TXT"};
	char lines[64][40];
	unsigned n = 0;
	for (unsigned i = 0; i < 10; i++)
		snprintf(lines[n++], 40, "%s", fixed[i]);
	for (unsigned i = 1; i < 40; i += 2)
		snprintf(lines[n++], 40, "::/ND/SUB/F%u.TXT", i);
	qsort(lines, n, 40, (int (*)(const void *, const void *))strcmp);
	for (unsigned i = 0; i < n; i++) {
		strcat(want, lines[i]);
		strcat(want, "\n");
	}
	char *sorted = keep(capture(NULL, "printf '%%s' '%s' | sort", want));
	cr_assert_str_eq(list, sorted);
	char *line = keep(capture(NULL, "mdir -i img ::ND/NEW3.TXT | grep NEW3"));
	cr_assert_not_null(strstr(line, "1500 2019-07-04  10:20"), "mdir: %s", line);
	assert_mtype("C.BIN", c2, 4000);
	assert_mtype("D1/MULTI.BIN", multi, 5000);
	assert_mtype("S1.TXT", small2, 3100);
	assert_mtype("D1/SHORT.TXT", lfn, 700);
	assert_mtype("ND/NEW3.TXT", nw, 1500);
	assert_mtype("ND/D2M/IN.TXT", nw, 0);
	assert_mtype("ND/SUB/F39.TXT", nw, 390);
	/* mtools writes, the library reads. */
	cr_assert_eq(run("mcopy -i img c ::ND/D2M/BACK.BIN && mmd -i img ::ND/D2M/MM"), 0);
	img_open(&m, "img");
	assert_lib_file(&m.vol, "/ND/D2M/BACK.BIN", c, 9000);
	cr_assert_eq(fat_stat(&m.vol, "/ND/D2M/MM", &st), FAT_OK);
	cr_assert(st.dir);
	assert_clean(&m.vol);
	remove_dir();
}

/* Random writes, truncations, unlinks and renames against a model, then fsck.fat and mtype. */
Test(fat, random_writes_match_a_model_and_fsck)
{
	make_dir();
	put_file("ro", (const uint8_t *)"read only", 9);
	cr_assert_eq(run("mkfs.fat -F 12 -s 2 -C img 400 && mmd -i img ::M && mcopy -i img ro "
			 "::RO.TXT && mattrib -i img +r ::RO.TXT"),
		     0);
	struct img m;
	img_open(&m, "img");
	struct fat_vol *v = &m.vol;
	enum { FILES = 6, MAXSZ = 30000 };
	uint8_t *model[FILES], *src = pattern(MAXSZ, 77);
	uint32_t size[FILES] = {0};
	bool exists[FILES] = {false};
	for (unsigned f = 0; f < FILES; f++)
		model[f] = keep(calloc(1, MAXSZ));
	unsigned writes = 0;
	for (unsigned op = 0; op < 3000; op++) {
		unsigned f = (unsigned)(rnd() % FILES), kind = (unsigned)(rnd() % 10);
		char path[32];
		snprintf(path, sizeof(path), f % 2 ? "/G%u.DAT" : "/M/F%u.DAT", f);
		int err;
		if (kind < 6) {
			uint32_t off = (uint32_t)(rnd() % ((exists[f] ? size[f] : 0) + 2000));
			uint32_t len = (uint32_t)(rnd() % 4000);
			bool trunc = rnd() % 4 == 0;
			if (off + len > MAXSZ)
				continue;
			const uint8_t *from = src + rnd() % (MAXSZ - len);
			err = fat_write(v, path, off, from, len, true, trunc);
			cr_assert_eq(err, FAT_OK, "op %u write %s: %s", op, path,
				     fat_error_name(err));
			writes++;
			if (!exists[f])
				size[f] = 0;
			exists[f] = true;
			if (off > size[f])
				memset(model[f] + size[f], 0, off - size[f]);
			memcpy(model[f] + off, from, len);
			if (trunc || off + len > size[f])
				size[f] = off + len;
		} else if (kind == 6) {
			uint32_t off = (uint32_t)(rnd() % (size[f] + 1));
			err = fat_write(v, path, off, NULL, 0, false, true);
			cr_assert_eq(err, exists[f] ? FAT_OK : FAT_E_NOT_FOUND);
			if (exists[f])
				size[f] = off;
		} else if (kind == 7) {
			cr_assert_eq(fat_unlink(v, path), exists[f] ? FAT_OK : FAT_E_NOT_FOUND);
			exists[f] = false;
		} else if (kind == 8) {
			if (!exists[f])
				continue;
			cr_assert_eq(fat_rename(v, path, f % 2 ? "/M/TMP" : "/TMP"), FAT_OK);
			cr_assert_eq(fat_rename(v, f % 2 ? "/M/TMP" : "/TMP", path), FAT_OK);
		} else if (exists[f]) {
			assert_lib_file(v, path, model[f], size[f]);
		}
		if (op % 500 == 499)
			assert_clean(v);
	}
	cr_assert_gt(writes, 1000, "writes done: %u", writes);
	cr_assert_eq(fat_write(v, "/RO.TXT", 0, src, 1, false, false), FAT_E_READ_ONLY);
	cr_assert_eq(fat_unlink(v, "/RO.TXT"), FAT_E_READ_ONLY);
	assert_clean(v);
	img_save(&m, "img");
	cr_assert_eq(run("fsck.fat -n img"), 0);
	for (unsigned f = 0; f < FILES; f++) {
		char path[32];
		snprintf(path, sizeof(path), f % 2 ? "G%u.DAT" : "M/F%u.DAT", f);
		if (exists[f])
			assert_mtype(path, model[f], size[f]);
		else
			cr_assert_neq(run("mtype -i img '::%s'", path), 0);
	}
	assert_mtype("RO.TXT", (const uint8_t *)"read only", 9);
	remove_dir();
}

/* The ".." entry of a directory (its second), read from the image. */
static unsigned dotdot(struct img *m, unsigned c)
{
	struct geo g = geo_of(m->dev.data);
	const uint8_t *e = m->dev.data + (g.data + (c - 2) * g.spc) * 512 + 32;
	cr_assert(memcmp(e, "..         ", 11) == 0);
	return e[26] | e[27] << 8;
}

Test(fat, moved_directories_keep_dotdot_right)
{
	make_dir();
	cr_assert_eq(run("mkfs.fat -F 12 -C img 200"), 0);
	struct img m;
	img_open(&m, "img");
	struct fat_vol *v = &m.vol;
	struct fat_stat a, b;
	cr_assert_eq(fat_mkdir(v, "/A"), FAT_OK);
	cr_assert_eq(fat_mkdir(v, "/A/B"), FAT_OK);
	cr_assert_eq(fat_write(v, "/A/B/F", 0, "x", 1, true, false), FAT_OK);
	cr_assert_eq(fat_stat(v, "/A", &a), FAT_OK);
	cr_assert_eq(fat_stat(v, "/A/B", &b), FAT_OK);
	cr_assert_eq(dotdot(&m, a.first_cluster), 0);
	cr_assert_eq(dotdot(&m, b.first_cluster), a.first_cluster);
	cr_assert_eq(fat_rename(v, "/A/B", "/B"), FAT_OK);
	cr_assert_eq(dotdot(&m, b.first_cluster), 0);
	img_save(&m, "img");
	cr_assert_eq(run("fsck.fat -n img"), 0);
	cr_assert_eq(fat_rename(v, "/B", "/A/B2"), FAT_OK);
	cr_assert_eq(dotdot(&m, b.first_cluster), a.first_cluster);
	cr_assert_eq(fat_rename(v, "/A", "/A/B2/X"), FAT_E_INVALID);
	cr_assert_eq(fat_rename(v, "/NOPE", "/X"), FAT_E_NOT_FOUND);
	cr_assert_eq(fat_rename(v, "/A", "/NOPE/X"), FAT_E_NOT_FOUND);
	cr_assert_eq(fat_rename(v, "/", "/X"), FAT_E_INVALID);
	assert_clean(v);
	img_save(&m, "img");
	cr_assert_eq(run("fsck.fat -n img"), 0);
	char *out = keep(capture(NULL, "mtype -i img ::A/B2/F"));
	cr_assert_str_eq(out, "x");
	remove_dir();
}

/* A device that fails after so many calls. */
static int fail_after;
static int failing_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	return fail_after-- <= 0 ? -5 : ram_read(ctx, lba, count, buf);
}
static int failing_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
	return fail_after-- <= 0 ? -5 : ram_write(ctx, lba, count, buf);
}
static int failing_flush(void *ctx)
{
	return fail_after-- <= 0 ? -5 : ram_flush(ctx);
}

Test(fat, device_errors_give_fat_e_io)
{
	make_dir();
	uint8_t *a = pattern(3000, 1);
	put_file("a", a, 3000);
	cr_assert_eq(run("mkfs.fat -F 12 -s 1 -C img 100 && mmd -i img ::D && mcopy -i img a "
			 "::D/A.BIN"),
		     0);
	size_t n;
	uint8_t *base = load("img", &n);
	uint8_t *work = keep(malloc(n));
	struct ramdev dev = {.data = work, .sectors = n / 512};
	struct fat_dev fd = {.ctx = &dev,
			     .sectors = dev.sectors,
			     .read = failing_read,
			     .write = failing_write,
			     .flush = failing_flush};
	static struct fat_vol v;
	unsigned io = 0;
	for (int k = 0; k < 400; k++) {
		memcpy(work, base, n);
		fail_after = k;
		int r[8];
		r[0] = fat_mount(&v, &fd);
		if (r[0] != FAT_OK) {
			cr_assert_eq(r[0], FAT_E_IO);
			io++;
			continue;
		}
		uint32_t got;
		uint8_t buf[3000];
		struct fat_check_report rep;
		r[1] = fat_read(&v, "/D/A.BIN", 0, buf, sizeof(buf), &got);
		r[2] = fat_write(&v, "/D/A.BIN", 2000, a, 3000, false, false);
		r[3] = fat_mkdir(&v, "/E");
		r[4] = fat_rename(&v, "/D/A.BIN", "/E/B.BIN");
		r[5] = fat_check(&v, &rep);
		r[6] = fat_unlink(&v, "/E/B.BIN");
		r[7] = fat_rmdir(&v, "/E");
		bool failed = false;
		for (unsigned i = 1; i < 8; i++) {
			cr_assert(r[i] == FAT_OK || r[i] == FAT_E_IO || r[i] == FAT_E_NOT_FOUND ||
				      r[i] == FAT_E_EXISTS || r[i] == FAT_E_NOT_EMPTY,
				  "k %d call %u: %s", k, i, fat_error_name(r[i]));
			failed |= r[i] == FAT_E_IO;
		}
		io += failed;
		/* Whatever was left, a healthy device reads it without a crash. */
		fail_after = 1 << 30;
		cr_assert_eq(fat_mount(&v, &fd), FAT_OK);
		cr_assert_eq(fat_check(&v, &rep), FAT_OK);
		cr_assert(!dev.outside);
	}
	cr_assert_gt(io, 20, "io %u",
		     io); /* many runs meet a failure (the cache spares some I/O) */
	cr_assert_lt(io, 400, "the last runs meet no failure");
	remove_dir();
}

/* ---- 3: a full disk ---- */

Test(fat, fills_the_disk_to_no_space_and_stays_clean)
{
	make_dir();
	cr_assert_eq(run("mkfs.fat -F 12 -s 1 -r 32 -C img 64"), 0);
	struct img m;
	img_open(&m, "img");
	struct fat_vol *v = &m.vol;
	uint8_t *b = pattern(3000, 9);
	cr_assert_eq(fat_mkdir(v, "/D"), FAT_OK);
	unsigned made = 0;
	int err = FAT_OK;
	for (; made < 1000; made++) {
		char p[32];
		snprintf(p, sizeof(p), "/D/F%u", made);
		err = fat_write(v, p, 0, b, 3000, true, false);
		if (err != FAT_OK)
			break;
	}
	cr_assert_eq(err, FAT_E_NO_SPACE);
	cr_assert_gt(made, 10);
	char p[32];
	snprintf(p, sizeof(p), "/D/F%u", made);
	struct fat_stat st;
	cr_assert_eq(fat_stat(v, p, &st), FAT_E_NOT_FOUND, "a refused write changes nothing");
	/* Appends until the last cluster is gone, then small files fill the root. */
	uint32_t size = 3000;
	unsigned before;
	while (before = m.dev.writes,
	       (err = fat_write(v, "/D/F0", size, b, 100, false, false)) == FAT_OK)
		size += 100;
	cr_assert_eq(err, FAT_E_NO_SPACE);
	cr_assert_eq(m.dev.writes, before, "FAT_E_NO_SPACE writes nothing");
	cr_assert_eq(fat_stat(v, "/D/F0", &st), FAT_OK);
	cr_assert_eq(st.size, size);
	unsigned roots = 0;
	for (; roots < 100; roots++) {
		snprintf(p, sizeof(p), "/R%u", roots);
		if ((err = fat_write(v, p, 0, NULL, 0, true, false)) != FAT_OK)
			break;
	}
	cr_assert_eq(err, FAT_E_NO_SPACE);
	cr_assert_eq(roots, 31, "32 root entries, one is D");
	assert_clean(v);
	img_save(&m, "img");
	cr_assert_eq(run("fsck.fat -n img"), 0);
	/* Freeing one file makes room for another. */
	cr_assert_eq(fat_unlink(v, "/D/F3"), FAT_OK);
	cr_assert_eq(fat_write(v, "/D/AGAIN", 0, b, 3000, true, false), FAT_OK);
	assert_lib_file(v, "/D/AGAIN", b, 3000);
	assert_clean(v);
	img_save(&m, "img");
	cr_assert_eq(run("fsck.fat -n img"), 0);
	cr_assert(!m.dev.outside);
	remove_dir();
}

/* ---- 4: faults fat_check and fsck.fat both see ---- */

/* The root entry with this 11-byte name. */
static uint8_t *root_entry(uint8_t *d, const char *name11)
{
	struct geo g = geo_of(d);
	for (uint8_t *e = d + g.root * 512; e < d + g.data * 512; e += 32)
		if (memcmp(e, name11, 11) == 0)
			return e;
	cr_assert_fail("no entry %s", name11);
	return NULL;
}

enum fault { LOST, CROSS, SIZE, COPIES, LOOP, FREE_IN, BAD_IN };

static void fault_case(enum fault f)
{
	make_dir();
	uint8_t *a = pattern(1500, 1), *b = pattern(700, 2);
	put_file("a", a, 1500);
	put_file("b", b, 700);
	cr_assert_eq(run("mkfs.fat -F 12 -s 1 -C img 100 && mcopy -i img a ::A.BIN && mcopy -i "
			 "img b ::B.BIN && mmd -i img ::D"),
		     0);
	size_t n;
	uint8_t *d = load("img", &n);
	uint8_t *ea = root_entry(d, "A       BIN"), *eb = root_entry(d, "B       BIN");
	unsigned ca = ea[26] | ea[27] << 8, cb = eb[26] | eb[27] << 8;
	switch (f) {
	case LOST:
		set12(d, 0, 150, 0xFFF);
		set12(d, 1, 150, 0xFFF);
		break;
	case CROSS: /* B's entry now points into A's chain; B's own cluster is lost */
		eb[26] = (uint8_t)(ca + 2);
		eb[27] = (uint8_t)((ca + 2) >> 8);
		break;
	case SIZE:
		ea[28] = 0x10;
		ea[29] = 0x27; /* 10 000 bytes on a 3-cluster chain */
		break;
	case COPIES:
		set12(d, 1, cb, 0);
		break;
	case LOOP:
		set12(d, 0, ca + 2, ca);
		set12(d, 1, ca + 2, ca);
		break;
	case FREE_IN: /* A's second cluster marked free: its third is cut off */
	case BAD_IN:
		set12(d, 0, ca + 1, f == FREE_IN ? 0 : 0xFF7);
		set12(d, 1, ca + 1, f == FREE_IN ? 0 : 0xFF7);
		break;
	}
	put_file("img", d, n);
	cr_assert_neq(run("fsck.fat -n img"), 0, "fsck.fat should complain");
	struct img m;
	img_open(&m, "img");
	struct fat_check_report r;
	cr_assert_eq(fat_check(&m.vol, &r), FAT_OK);
	cr_assert_eq(r.files, 2);
	cr_assert_eq(r.dirs, 1);
	switch (f) {
	case LOST:
		cr_assert_eq(r.lost_clusters, 1);
		cr_assert_eq(r.cross_linked + r.bad_sizes + r.bad_chains + r.fat_copies_differ, 0);
		break;
	case CROSS:
		cr_assert_eq(r.cross_linked, 1);
		cr_assert_eq(r.lost_clusters, 2, "B's own two clusters");
		break;
	case SIZE:
		cr_assert_eq(r.bad_sizes, 1);
		cr_assert_eq(r.lost_clusters + r.cross_linked + r.bad_chains + r.fat_copies_differ,
			     0);
		uint32_t got;
		uint8_t buf[16];
		cr_assert_eq(fat_read(&m.vol, "/A.BIN", 9000, buf, 16, &got), FAT_E_CORRUPT);
		break;
	case COPIES:
		cr_assert_eq(r.fat_copies_differ, 1);
		cr_assert_eq(r.lost_clusters + r.cross_linked + r.bad_sizes + r.bad_chains, 0);
		break;
	case LOOP:
		cr_assert_eq(r.bad_chains, 1);
		uint32_t got2;
		uint8_t buf2[16];
		cr_assert_eq(fat_read(&m.vol, "/A.BIN", 0, buf2, 16, &got2), FAT_E_CORRUPT);
		cr_assert_eq(fat_write(&m.vol, "/A.BIN", 0, buf2, 16, false, false), FAT_E_CORRUPT);
		break;
	case FREE_IN:
	case BAD_IN:
		cr_assert_eq(r.bad_chains, 1);
		cr_assert_eq(r.lost_clusters, 1, "A's third cluster");
		cr_assert_eq(r.cross_linked + r.fat_copies_differ, 0);
		uint32_t got3;
		uint8_t buf3[16];
		cr_assert_eq(fat_read(&m.vol, "/A.BIN", 600, buf3, 16, &got3), FAT_E_CORRUPT);
		break;
	}
	/* What a write cut short leaves is recovered; other damage is left alone. */
	uint8_t *before = keep(malloc(m.size));
	memcpy(before, m.dev.data, m.size);
	int rec = fat_recover(&m.vol, &r);
	if (f == LOST || f == COPIES) {
		cr_assert_eq(rec, FAT_OK);
		img_save(&m, "fixed");
		cr_assert_eq(run("fsck.fat -n fixed"), 0, "the recovered image is clean");
	} else {
		cr_assert_eq(rec, FAT_E_CORRUPT);
		cr_assert(!memcmp(before, m.dev.data, m.size), "nothing changed");
	}
	cr_assert(!m.dev.outside);
	remove_dir();
}

Test(fat, check_finds_a_lost_cluster)
{
	fault_case(LOST);
}

Test(fat, check_finds_a_cross_link)
{
	fault_case(CROSS);
}

Test(fat, check_finds_a_size_past_the_chain)
{
	fault_case(SIZE);
}

Test(fat, check_finds_fat_copies_that_differ)
{
	fault_case(COPIES);
}

Test(fat, check_finds_a_chain_loop)
{
	fault_case(LOOP);
}

Test(fat, check_finds_a_free_cluster_inside_a_chain)
{
	fault_case(FREE_IN);
}

Test(fat, check_finds_a_bad_cluster_inside_a_chain)
{
	fault_case(BAD_IN);
}

/* The region of a logged write: 0 FAT, 1 root directory, 2 data, 3 flush. */
static int region(const struct geo *g, uint64_t lba)
{
	if (lba == UINT64_MAX)
		return 3;
	if (lba < g->root)
		return 0;
	return lba < g->data ? 1 : 2;
}

Test(fat, writes_go_data_then_fat_then_entry_then_flush)
{
	make_dir();
	cr_assert_eq(run("mkfs.fat -F 12 -s 1 -C img 100"), 0);
	struct img m;
	img_open(&m, "img");
	struct geo g = geo_of(m.dev.data);
	uint8_t *b = pattern(5000, 3);
	cr_assert_eq(fat_write(&m.vol, "/F.BIN", 0, NULL, 0, true, false), FAT_OK);
	m.dev.nlog = 0;
	cr_assert_eq(fat_write(&m.vol, "/F.BIN", 0, b, 5000, false, false), FAT_OK);
	static const int grow[] = {2, 0, 1, 3};
	unsigned k = 0;
	for (unsigned i = 0; i < m.dev.nlog; i++) {
		int r = region(&g, m.dev.log[i]);
		while (k < 4 && grow[k] != r)
			k++;
		cr_assert_lt(k, 4, "write %u (lba %llu) out of order", i,
			     (unsigned long long)m.dev.log[i]);
	}
	cr_assert_eq(region(&g, m.dev.log[m.dev.nlog - 1]), 3, "the flush comes last");
	/* Both FAT copies are written. */
	bool copy[2] = {false, false};
	for (unsigned i = 0; i < m.dev.nlog; i++)
		if (region(&g, m.dev.log[i]) == 0)
			copy[(m.dev.log[i] - g.fat) / g.fatsz] = true;
	cr_assert(copy[0] && copy[1]);
	/* A truncation: the entry first, then the FAT frees the tail. */
	m.dev.nlog = 0;
	cr_assert_eq(fat_write(&m.vol, "/F.BIN", 100, NULL, 0, false, true), FAT_OK);
	static const int shrink[] = {1, 0, 3};
	k = 0;
	for (unsigned i = 0; i < m.dev.nlog; i++) {
		int r = region(&g, m.dev.log[i]);
		while (k < 3 && shrink[k] != r)
			k++;
		cr_assert_lt(k, 3, "truncate: write %u out of order", i);
	}
	assert_lib_file(&m.vol, "/F.BIN", b, 100);
	assert_clean(&m.vol);
	remove_dir();
}

Test(fat, directory_loops_and_bad_clusters_end_with_corrupt)
{
	make_dir();
	uint8_t *a = pattern(700, 1);
	put_file("a", a, 700);
	cr_assert_eq(run("mkfs.fat -F 12 -s 1 -C img 100 && mmd -i img ::D ::D/E && mcopy -i img "
			 "a ::D/E/A.BIN && mcopy -i img a ::X.BIN"),
		     0);
	size_t n;
	uint8_t *d = load("img", &n);
	struct geo g = geo_of(d);
	uint8_t *ed = root_entry(d, "D          ");
	unsigned cd = ed[26] | ed[27] << 8;
	/* In D's cluster: ".", "..", then E; E now points back at D. */
	uint8_t *ee = d + (g.data + (cd - 2) * g.spc) * 512 + 64;
	cr_assert(memcmp(ee, "E          ", 11) == 0);
	ee[26] = (uint8_t)cd;
	ee[27] = (uint8_t)(cd >> 8);
	/* X.BIN's first cluster past the last one. */
	uint8_t *ex = root_entry(d, "X       BIN");
	ex[26] = 0xF0;
	ex[27] = 0x0F;
	put_file("img", d, n);
	cr_assert_neq(run("fsck.fat -n img"), 0);
	struct img m;
	img_open(&m, "img");
	struct fat_stat st;
	cr_assert_eq(fat_stat(&m.vol, "/D/E/E/E/E/E/E/E", &st), FAT_OK, "the loop is a path");
	struct fat_check_report r;
	cr_assert_eq(fat_check(&m.vol, &r), FAT_OK);
	cr_assert_eq(r.cross_linked, 1, "E runs into D");
	cr_assert_eq(r.bad_chains, 1, "X is out of range");
	uint32_t got;
	uint8_t buf[8];
	cr_assert_eq(fat_read(&m.vol, "/X.BIN", 0, buf, 8, &got), FAT_E_CORRUPT);
	cr_assert_eq(fat_write(&m.vol, "/X.BIN", 0, buf, 8, false, false), FAT_E_CORRUPT);
	/* D's own chain loops onto itself: listing it ends. */
	set12(m.dev.data, 0, cd, cd);
	set12(m.dev.data, 1, cd, cd);
	/* Its cluster full of labels (skipped, not free), so every walk reaches the loop. */
	uint8_t *dc = m.dev.data + (g.data + (cd - 2) * g.spc) * 512;
	for (unsigned e = 3; e < 16 * g.spc; e++) {
		memcpy(dc + e * 32, "LABEL      ", 11);
		dc[e * 32 + 11] = FAT_ATTR_VOLUME_ID;
	}
	cr_assert_eq(fat_mount(&m.vol, &m.fd), FAT_OK);
	uint32_t i = 0;
	int err;
	while ((err = fat_readdir(&m.vol, "/D", i, &st)) == FAT_OK)
		i++;
	cr_assert_eq(err, FAT_E_CORRUPT);
	cr_assert_eq(fat_stat(&m.vol, "/D/NOPE", &st), FAT_E_CORRUPT);
	cr_assert_eq(fat_write(&m.vol, "/D/NEW", 0, buf, 8, true, false), FAT_E_CORRUPT);
	cr_assert_eq(fat_check(&m.vol, &r), FAT_OK);
	cr_assert_gt(r.bad_chains, 1);
	cr_assert(!m.dev.outside);
	remove_dir();
}

/* ---- 5: mutation fuzz ---- */

static unsigned outcomes[12]; /* the fuzz's writing calls, by result */

static int assert_error(int err)
{
	if (err > 0 || err < FAT_E_READ_ONLY)
		cr_assert_fail("not a fat_error: %d", err);
	return err;
}

static void tally(int err)
{
	outcomes[-assert_error(err)]++;
}

#define FUZZ_RUNS 100000

static unsigned fuzz_paths;

/* Every call on every path it can reach: stat, read, readdir, recursing a little. */
static void visit(struct fat_vol *v, const char *path, unsigned depth)
{
	struct fat_stat st;
	static uint8_t buf[4096];
	uint32_t got;
	for (uint32_t i = 0; i < 40; i++) {
		int err = fat_readdir(v, path, i, &st);
		assert_error(err);
		if (err != FAT_OK)
			break;
		char sub[128];
		snprintf(sub, sizeof(sub), "%s/%s", depth ? path : "", st.name);
		fuzz_paths++;
		assert_error(fat_stat(v, sub, &st));
		assert_error(fat_read(v, sub, (uint32_t)(rnd() % 3000), buf, sizeof(buf), &got));
		if (got > sizeof(buf))
			cr_assert_fail("read %u into %zu", got, sizeof(buf));
		if (st.dir && depth < 4)
			visit(v, sub, depth + 1);
	}
}

Test(fat, mutation_fuzz_never_crashes_hangs_or_strays, .timeout = 600)
{
	make_dir();
	uint8_t *a = pattern(3000, 1), *b = pattern(600, 2), *c = pattern(5000, 3);
	put_file("a", a, 3000);
	put_file("b", b, 600);
	put_file("c", c, 5000);
	put_file("long name here.txt", b, 100);
	cr_assert_eq(run("mkfs.fat -F 12 -s 1 -r 32 -C img 64 && mmd -i img ::D ::D/E && mcopy "
			 "-i img a ::A && mcopy -i img b ::B && mcopy -i img c ::D/C && mcopy -i "
			 "img 'long name here.txt' ::D/E/ && mdel -i img ::A && mcopy -i img c "
			 "::FRAG && mcopy -i img b ::D/E/B2"),
		     0);
	size_t n;
	uint8_t *base = load("img", &n);
	uint8_t *work = keep(malloc(n));
	memcpy(work, base, n);
	struct geo g = geo_of(base);
	uint32_t clusters = (uint32_t)(n / 512 - g.data) / g.spc;
	struct ramdev dev = {.data = work, .sectors = n / 512, .dirty = keep(calloc(1, n / 512))};
	struct fat_dev fd = ram_dev(&dev);
	static struct fat_vol v;
	unsigned mounted = 0, flagged = 0;
	for (unsigned run_no = 0; run_no < FUZZ_RUNS; run_no++) {
		for (size_t s = 0; s < n / 512; s++)
			if (dev.dirty[s]) {
				memcpy(work + s * 512, base + s * 512, 512);
				dev.dirty[s] = 0;
			}
		unsigned muts = 1 + (unsigned)(rnd() % 4);
		for (unsigned k = 0; k < muts; k++) {
			uint64_t r = rnd();
			unsigned kind = (unsigned)(r % 8);
			r >>= 3;
			size_t at = 0;
			switch (kind) {
			case 0: /* a byte anywhere in the metadata and first data sectors */
				at = (size_t)(r % ((g.data + 24) * 512));
				work[at] ^= (uint8_t)(1u << ((r >> 20) % 8));
				break;
			case 1: /* a random byte */
				at = (size_t)(r % ((g.data + 24) * 512));
				work[at] = (uint8_t)(r >> 24);
				break;
			case 2: /* a FAT entry: a loop, another chain, out of range, free, bad */
			case 3: {
				unsigned e = 2 + (unsigned)(r % clusters);
				static const unsigned vals[] = {0, 1, 0xFF7, 0xFF0, 0xFFF, 0xFF8};
				unsigned val = (r >> 16) % 3 == 0 ? e
					       : (r >> 16) % 3 == 1
						   ? 2 + (unsigned)((r >> 24) % (clusters + 40))
						   : vals[(r >> 32) % 6];
				set12_in(work, g, (unsigned)((r >> 40) % 3 == 0), e, val);
				at = (g.fat + ((r >> 40) % 3 == 0) * g.fatsz) * 512;
				if ((r >> 44) % 2)
					set12_in(work, g, 1 - (unsigned)((r >> 40) % 3 == 0), e,
						 val);
				memset(dev.dirty + g.fat, 1, g.root - g.fat);
				break;
			}
			case 4: /* a directory entry's size or cluster (root, or D's cluster) */
			case 5: {
				size_t ent =
				    (r % 2 ? g.root * 512 : (g.data) * 512) + ((r >> 1) % 16) * 32;
				at = ent;
				if (kind == 4) {
					uint32_t sz = (r >> 8) % 2 ? 0xFFFFFFFFu
								   : (uint32_t)(r >> 12) % 200000;
					memcpy(work + ent + 28, &sz, 4);
				} else {
					uint16_t cl = (uint16_t)((r >> 8) % (clusters + 60));
					memcpy(work + ent + 26, &cl, 2);
					if ((r >> 30) % 4 == 0)
						work[ent + 11] ^= FAT_ATTR_DIRECTORY;
				}
				break;
			}
			case 6: /* a BPB field */
				at = 11 + (size_t)(r % 25);
				work[at] = (uint8_t)(r >> 8);
				break;
			case 7: /* nothing: the image as it is */
				break;
			}
			dev.dirty[at / 512] = 1;
		}
		dev.outside = false;
		if (fat_mount(&v, &fd) != FAT_OK)
			continue;
		mounted++;
		visit(&v, "/", 0);
		struct fat_check_report rep;
		assert_error(fat_check(&v, &rep));
		static uint8_t wbuf[2000];
		uint32_t off = (uint32_t)(rnd() % 4000), len = (uint32_t)(rnd() % sizeof(wbuf));
		switch (rnd() % 6) {
		case 0:
			tally(fat_write(&v, "/D/C", off, wbuf, len, false, rnd() % 2));
			break;
		case 1:
			tally(fat_write(&v, "/D/E/NEW.TXT", off, wbuf, len, true, false));
			break;
		case 2:
			tally(fat_unlink(&v, "/FRAG"));
			break;
		case 3:
			tally(fat_mkdir(&v, "/D/E/M"));
			break;
		case 4:
			tally(fat_rename(&v, "/D/E", "/E2"));
			break;
		case 5:
			tally(fat_rmdir(&v, "/D/E"));
			tally(fat_rename(&v, "/B", "/D/E/B3"));
			break;
		}
		assert_error(fat_check(&v, &rep));
		if (rep.lost_clusters + rep.cross_linked + rep.bad_sizes + rep.bad_chains +
		    rep.fat_copies_differ)
			flagged++;
		cr_assert(!dev.outside, "run %u touched a sector outside the image", run_no);
	}
	cr_assert_gt(mounted, FUZZ_RUNS / 4, "most runs should mount (%u did)", mounted);
	cr_assert_gt(fuzz_paths, FUZZ_RUNS, "paths were reached (%u)", fuzz_paths);
	cr_log_info("fuzz: mounted %u, flagged by fat_check %u, paths %u, writes OK %u, "
		    "FAT_E_CORRUPT %u",
		    mounted, flagged, fuzz_paths, outcomes[0], outcomes[2]);
	cr_assert_gt(flagged, FUZZ_RUNS / 10, "fat_check should see many of the faults");
	cr_assert_gt(outcomes[0], FUZZ_RUNS / 10, "many writes should succeed");
	cr_assert_gt(outcomes[-FAT_E_CORRUPT], 100, "some writes should meet damage");
	remove_dir();
}

/* fat_format makes what fsck.fat accepts and mtools reads; the library mounts and fills it. */
Test(fat, format_makes_what_fsck_and_mtools_accept)
{
	make_dir();
	const struct {
		uint32_t sectors;
		unsigned spc;
	} shapes[] = {{2880, 1}, {16384, 8}, {12288, 4}, {400, 1}};
	for (unsigned i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct img m = {0};
		m.size = (size_t)shapes[i].sectors * 512;
		m.dev.data = keep(calloc(1, m.size));
		m.dev.sectors = shapes[i].sectors;
		m.fd = ram_dev(&m.dev);
		cr_assert_eq(fat_format(&m.fd, shapes[i].sectors, shapes[i].spc, "BENCH"), FAT_OK,
			     "shape %u", i);
		cr_assert_eq(fat_mount(&m.vol, &m.fd), FAT_OK);
		uint8_t *data = pattern(70000, 9);
		cr_assert_eq(fat_mkdir(&m.vol, "/D"), FAT_OK);
		uint32_t len = m.vol.clusters * m.vol.cluster_size > 140000 ? 70000 : 3000;
		cr_assert_eq(fat_write(&m.vol, "/D/F.BIN", 0, data, len, true, false), FAT_OK);
		img_save(&m, "fmt");
		cr_assert_eq(run("fsck.fat -n fmt"), 0, "fsck.fat on shape %u", i);
		cr_assert_eq(run("mtype -i fmt ::D/F.BIN > out && cmp -n %u out - < /dev/null || "
				 "test $(stat -c %%s out) = %u",
				 len, len),
			     0);
	}
	/* Shapes the library refuses: too many clusters for FAT12, bad cluster sizes. */
	struct ramdev d = {.data = keep(calloc(1, 32768 * 512)), .sectors = 32768};
	struct fat_dev fd = ram_dev(&d);
	cr_assert_eq(fat_format(&fd, 32768, 1, NULL), FAT_E_INVALID);
	cr_assert_eq(fat_format(&fd, 2880, 3, NULL), FAT_E_INVALID);
	cr_assert_eq(fat_format(&fd, 40000, 16, NULL), FAT_E_INVALID); /* past the device */
	remove_dir();
}

/* mtools' count of free bytes (mdir's "185 856 bytes free"). */
static uint64_t mtools_free(const char *img)
{
	char *out = keep(capture(NULL, "mdir -i %s :: | grep 'bytes free'", img));
	uint64_t n = 0;
	for (const char *s = out; *s && *s != 'b'; s++)
		if (*s >= '0' && *s <= '9')
			n = n * 10 + (uint64_t)(*s - '0');
	return n;
}

Test(fat, free_clusters_agree_with_mtools)
{
	make_dir();
	cr_assert_eq(run("mkfs.fat -F 12 -s 1 -C img 200"), 0);
	uint8_t *b = pattern(5000, 9);
	put_file("b", b, 5000);
	cr_assert_eq(run("mcopy -i img b ::B.BIN"), 0);
	struct img m;
	img_open(&m, "img");
	uint32_t n = 0;
	cr_assert_eq(fat_free_clusters(&m.vol, &n), FAT_OK);
	cr_assert_eq((uint64_t)n * m.vol.cluster_size, mtools_free("img"));
	/* 5000 more bytes: ten 512-byte clusters fewer, as mtools counts too. */
	cr_assert_eq(fat_write(&m.vol, "/C.BIN", 0, b, 5000, true, false), FAT_OK);
	uint32_t after = 0;
	cr_assert_eq(fat_free_clusters(&m.vol, &after), FAT_OK);
	cr_assert_eq(after, n - 10);
	img_save(&m, "img");
	cr_assert_eq((uint64_t)after * m.vol.cluster_size, mtools_free("img"));
	remove_dir();
}
