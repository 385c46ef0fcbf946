/*
 * FAT12: the sector cache, mount, FAT entries, directory walks, names and
 * paths, and the calls that only read (stat, read, readdir).
 */
#include "fs/fat_internal.h"

#include "core/kstring.h"

const char *fat_error_name(int err)
{
	static const char *const names[] = {
	    "FAT_OK",	      "FAT_E_IO",      "FAT_E_CORRUPT", "FAT_E_NOT_FOUND",
	    "FAT_E_EXISTS",   "FAT_E_NOT_DIR", "FAT_E_IS_DIR",	"FAT_E_NOT_EMPTY",
	    "FAT_E_NO_SPACE", "FAT_E_NAME",    "FAT_E_INVALID", "FAT_E_READ_ONLY"};
	if (err > 0 || err < -11)
		return "FAT_E_?";
	return names[-err];
}

/* ---- the sector cache (write-through) ---- */

static struct fat_cache *cache_slot(struct fat_vol *v, uint64_t lba)
{
	struct fat_cache *victim = &v->cache[0], *hot = &v->cache[v->last % FAT_CACHE_SECTORS];
	if (hot->used && hot->lba == lba) {
		hot->stamp = ++v->stamp;
		return hot;
	}
	for (unsigned i = 0; i < FAT_CACHE_SECTORS; i++) {
		struct fat_cache *c = &v->cache[i];
		if (c->used && c->lba == lba) {
			c->stamp = ++v->stamp;
			v->last = (uint8_t)i;
			return c;
		}
		if (!c->used || (victim->used && c->stamp < victim->stamp))
			victim = c;
	}
	v->last = (uint8_t)(victim - v->cache); /* about to hold lba */
	return victim;
}

uint8_t *fat_sector(struct fat_vol *v, uint64_t lba, int *err)
{
	if (lba >= v->dev.sectors || lba >= v->total_sectors) {
		*err = FAT_E_CORRUPT;
		return NULL;
	}
	struct fat_cache *c = cache_slot(v, lba);
	if (c->used && c->lba == lba)
		return c->data;
	c->used = false;
	if (v->dev.read(v->dev.ctx, lba, 1, c->data) != 0) {
		*err = FAT_E_IO;
		return NULL;
	}
	c->used = true;
	c->lba = lba;
	c->stamp = ++v->stamp;
	return c->data;
}

uint8_t *fat_sector_new(struct fat_vol *v, uint64_t lba, int *err)
{
	if (lba >= v->dev.sectors || lba >= v->total_sectors) {
		*err = FAT_E_CORRUPT;
		return NULL;
	}
	struct fat_cache *c = cache_slot(v, lba);
	c->used = true;
	c->lba = lba;
	c->stamp = ++v->stamp;
	return c->data;
}

int fat_sector_write(struct fat_vol *v, uint64_t lba, uint8_t *data)
{
	if (lba >= v->dev.sectors || lba >= v->total_sectors)
		return FAT_E_CORRUPT;
	if (v->dev.write(v->dev.ctx, lba, 1, data) != 0) {
		for (unsigned i = 0; i < FAT_CACHE_SECTORS; i++)
			if (v->cache[i].lba == lba)
				v->cache[i].used = false;
		return FAT_E_IO;
	}
	return FAT_OK;
}

/* ---- mount ---- */

uint16_t fat_date(unsigned year, unsigned month, unsigned day)
{
	if (year < 1980)
		year = 1980;
	if (year > 2107)
		year = 2107;
	return (uint16_t)(((year - 1980) << 9) | ((month & 15) << 5) | (day & 31));
}

uint16_t fat_time(unsigned hour, unsigned minute, unsigned second)
{
	return (uint16_t)(((hour & 31) << 11) | ((minute & 63) << 5) | ((second / 2) & 31));
}

void fat_set_clock(struct fat_vol *v, uint16_t date, uint16_t time)
{
	v->date = date;
	v->time = time;
}

int fat_mount(struct fat_vol *v, const struct fat_dev *dev)
{
	if (!v || !dev || !dev->read || !dev->write)
		return FAT_E_INVALID;
	memset(v, 0, sizeof(*v));
	v->dev = *dev;
	if (dev->sectors == 0)
		return FAT_E_CORRUPT;
	v->total_sectors = 1; /* enough for fat_sector to read the boot sector */
	int err = FAT_OK;
	const uint8_t *b = fat_sector(v, 0, &err);
	if (!b)
		return err;
	if (!((b[0] == 0xEB && b[2] == 0x90) || b[0] == 0xE9) || b[510] != 0x55 || b[511] != 0xAA)
		return FAT_E_CORRUPT;
	uint16_t bps = le16(b + 11);
	uint8_t spc = b[13];
	uint16_t reserved = le16(b + 14);
	uint8_t nfats = b[16];
	uint16_t root_entries = le16(b + 17);
	uint32_t total = le16(b + 19);
	uint8_t media = b[21];
	uint16_t fatsz = le16(b + 22);
	if (total == 0)
		total = le32(b + 32);
	if (bps != FAT_SECTOR || spc == 0 || (spc & (spc - 1)) != 0 || reserved == 0 ||
	    nfats == 0 || nfats > 2 || root_entries == 0 || fatsz == 0 ||
	    (media != 0xF0 && media < 0xF8) || total == 0 || total > dev->sectors)
		return FAT_E_CORRUPT;
	uint32_t root_sectors = ((uint32_t)root_entries * DIRENT + FAT_SECTOR - 1) / FAT_SECTOR;
	uint32_t data_start = reserved + (uint32_t)nfats * fatsz + root_sectors;
	if (data_start >= total)
		return FAT_E_CORRUPT;
	uint32_t clusters = (total - data_start) / spc;
	if (clusters == 0 || clusters > FAT12_MAX_CLUSTERS)
		return FAT_E_CORRUPT;
	/* Entries 0 .. clusters + 1, 12 bits each, must fit in one FAT copy. */
	if ((uint32_t)fatsz * FAT_SECTOR < ((clusters + 2) * 3 + 1) / 2)
		return FAT_E_CORRUPT;
	v->sec_per_clus = spc;
	v->nfats = nfats;
	v->media = media;
	v->reserved = reserved;
	v->root_entries = root_entries;
	v->fat_sectors = fatsz;
	v->total_sectors = total;
	v->fat_start = reserved;
	v->root_start = reserved + (uint32_t)nfats * fatsz;
	v->root_sectors = root_sectors;
	v->data_start = data_start;
	v->clusters = clusters;
	v->cluster_size = (uint32_t)spc * FAT_SECTOR;
	v->alloc_hint = 2;
	v->date = fat_date(1980, 1, 1);
	v->time = 0;
	v->mounted = true;
	return FAT_OK;
}

/* ---- FAT entries ---- */

static int fat_byte(struct fat_vol *v, unsigned n, uint32_t off, uint8_t *out)
{
	int err = FAT_OK;
	uint8_t *s =
	    fat_sector(v, v->fat_start + (uint64_t)n * v->fat_sectors + off / FAT_SECTOR, &err);
	if (!s)
		return err;
	*out = s[off % FAT_SECTOR];
	return FAT_OK;
}

int fat_get_copy(struct fat_vol *v, unsigned n, uint16_t c, uint16_t *val)
{
	if (c >= v->clusters + 2)
		return FAT_E_CORRUPT;
	uint32_t off = c + c / 2u;
	uint8_t lo = 0, hi = 0;
	int err = fat_byte(v, n, off, &lo);
	if (err == FAT_OK)
		err = fat_byte(v, n, off + 1, &hi);
	if (err != FAT_OK)
		return err;
	uint16_t w = (uint16_t)(lo | (hi << 8));
	*val = (c & 1) ? (uint16_t)(w >> 4) : (uint16_t)(w & 0xFFF);
	return FAT_OK;
}

int fat_get(struct fat_vol *v, uint16_t c, uint16_t *val)
{
	return fat_get_copy(v, 0, c, val);
}

enum fat_next fat_classify(const struct fat_vol *v, uint16_t val)
{
	if (val == 0)
		return NEXT_FREE;
	if (val >= 0xFF8)
		return NEXT_END;
	if (fat_valid_cluster(v, val))
		return NEXT_CLUSTER;
	return NEXT_BAD; /* 1, 0xFF7 (bad cluster) or past the last cluster */
}

int fat_chain_next(struct fat_vol *v, uint16_t c, uint16_t *next)
{
	uint16_t val;
	int err = fat_get(v, c, &val);
	if (err != FAT_OK)
		return err;
	if (fat_classify(v, val) != NEXT_CLUSTER)
		return FAT_E_CORRUPT;
	*next = val;
	return FAT_OK;
}

int fat_find_file(struct fat_vol *v, const char *path, struct dir_loc *loc)
{
	bool root;
	int err = fat_path_find(v, path, loc, &root);
	if (err != FAT_OK)
		return err;
	return root || (loc->ent[11] & FAT_ATTR_DIRECTORY) ? FAT_E_IS_DIR : FAT_OK;
}

/* Write one byte of FAT copy n: read, modify, write the sector. */
static int fat_put_byte(struct fat_vol *v, unsigned n, uint32_t off, uint8_t mask, uint8_t bits)
{
	int err = FAT_OK;
	uint64_t lba = v->fat_start + (uint64_t)n * v->fat_sectors + off / FAT_SECTOR;
	uint8_t *s = fat_sector(v, lba, &err);
	if (!s)
		return err;
	uint8_t *p = &s[off % FAT_SECTOR];
	uint8_t nv = (uint8_t)((*p & ~mask) | (bits & mask));
	if (nv == *p)
		return FAT_OK;
	*p = nv;
	return fat_sector_write(v, lba, s);
}

int fat_set(struct fat_vol *v, uint16_t c, uint16_t val)
{
	if (!fat_valid_cluster(v, c))
		return FAT_E_CORRUPT;
	uint32_t off = c + c / 2u;
	val &= 0xFFF;
	for (unsigned n = 0; n < v->nfats; n++) {
		int err;
		if (c & 1) {
			err = fat_put_byte(v, n, off, 0xF0, (uint8_t)(val << 4));
			if (err == FAT_OK)
				err = fat_put_byte(v, n, off + 1, 0xFF, (uint8_t)(val >> 4));
		} else {
			err = fat_put_byte(v, n, off, 0xFF, (uint8_t)val);
			if (err == FAT_OK)
				err = fat_put_byte(v, n, off + 1, 0x0F, (uint8_t)(val >> 8));
		}
		if (err != FAT_OK)
			return err;
	}
	return FAT_OK;
}

/*
 * Set n entries (c[i] to val[i]) in every copy, each FAT sector written
 * once for all the entries in it that come together (a batch of clusters
 * in a row touches one or two sectors a copy): the sector being changed
 * is written before the next one is touched, so the cache never holds a
 * change not on the disk for longer than one sector's worth of entries.
 */
int fat_set_many(struct fat_vol *v, const uint16_t *c, const uint16_t *val, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!fat_valid_cluster(v, c[i]))
			return FAT_E_CORRUPT;
	for (unsigned copy = 0; copy < v->nfats; copy++) {
		uint64_t base = v->fat_start + (uint64_t)copy * v->fat_sectors, pending = 0;
		uint8_t *ps = NULL;
		int err = FAT_OK;
		for (unsigned i = 0; i < n; i++) {
			uint32_t off = c[i] + c[i] / 2u;
			uint16_t x = val[i] & 0xFFF;
			uint8_t mask[2] = {(c[i] & 1) ? 0xF0 : 0xFF, (c[i] & 1) ? 0xFF : 0x0F};
			uint8_t bits[2] = {(c[i] & 1) ? (uint8_t)(x << 4) : (uint8_t)x,
					   (c[i] & 1) ? (uint8_t)(x >> 4) : (uint8_t)(x >> 8)};
			for (unsigned k = 0; k < 2; k++) {
				uint64_t lba = base + (off + k) / FAT_SECTOR;
				if (ps && lba != pending) {
					if ((err = fat_sector_write(v, pending, ps)) != FAT_OK)
						return err;
					ps = NULL;
				}
				if (!ps && !(ps = fat_sector(v, lba, &err)))
					return err;
				pending = lba;
				uint8_t *p = &ps[(off + k) % FAT_SECTOR];
				*p = (uint8_t)((*p & ~mask[k]) | (bits[k] & mask[k]));
			}
		}
		if (ps && (err = fat_sector_write(v, pending, ps)) != FAT_OK)
			return err;
	}
	return FAT_OK;
}

int fat_write_through(struct fat_vol *v, uint64_t lba, uint32_t count, const void *buf)
{
	if (lba >= v->total_sectors || count > v->total_sectors - lba ||
	    lba + count > v->dev.sectors)
		return FAT_E_CORRUPT;
	for (unsigned i = 0; i < FAT_CACHE_SECTORS; i++) /* what the cache holds of it is stale */
		if (v->cache[i].used && v->cache[i].lba >= lba && v->cache[i].lba < lba + count)
			v->cache[i].used = false;
	return v->dev.write(v->dev.ctx, lba, count, buf) ? FAT_E_IO : FAT_OK;
}

/*
 * Walk a chain from first: *n clusters, *last the final one. FAT_E_CORRUPT
 * for a free, bad or out-of-range cluster or a loop (more hops than clusters).
 */
int fat_chain(struct fat_vol *v, uint16_t first, uint32_t *n, uint16_t *last)
{
	*n = 0;
	*last = 0;
	if (first == 0)
		return FAT_OK;
	if (!fat_valid_cluster(v, first))
		return FAT_E_CORRUPT;
	uint16_t c = first;
	for (uint32_t hops = 1;; hops++) {
		if (hops > v->clusters)
			return FAT_E_CORRUPT;
		uint16_t val;
		int err = fat_get(v, c, &val);
		if (err != FAT_OK)
			return err;
		enum fat_next k = fat_classify(v, val);
		if (k == NEXT_END) {
			*n = hops;
			*last = c;
			return FAT_OK;
		}
		if (k != NEXT_CLUSTER)
			return FAT_E_CORRUPT;
		c = val;
	}
}

/* The index-th cluster of a chain (index < its length, checked by the walk). */
int fat_nth(struct fat_vol *v, uint16_t first, uint32_t index, uint16_t *out)
{
	uint16_t c = first;
	if (!fat_valid_cluster(v, c) || index >= v->clusters)
		return FAT_E_CORRUPT;
	for (uint32_t i = 0; i < index; i++) {
		int err = fat_chain_next(v, c, &c);
		if (err != FAT_OK)
			return err;
	}
	*out = c;
	return FAT_OK;
}

/* ---- directories ---- */

void fat_dir_start(struct dir_it *it, uint16_t start)
{
	it->start = start;
	it->clus = start;
	it->index = 0;
	it->hops = 0;
	it->end = false;
}

int fat_dir_where(struct fat_vol *v, const struct dir_it *it, uint64_t *lba, uint16_t *off)
{
	if (it->end)
		return FAT_E_NOT_FOUND;
	uint32_t per_sector = FAT_SECTOR / DIRENT;
	if (it->start == 0) {
		if (it->index >= v->root_entries)
			return FAT_E_NOT_FOUND;
		*lba = v->root_start + it->index / per_sector;
	} else {
		if (!fat_valid_cluster(v, it->clus))
			return FAT_E_CORRUPT;
		uint32_t within = it->index % (v->cluster_size / DIRENT);
		*lba = fat_cluster_lba(v, it->clus) + within / per_sector;
	}
	*off = (uint16_t)((it->index % per_sector) * DIRENT);
	return FAT_OK;
}

int fat_dir_next(struct fat_vol *v, struct dir_it *it)
{
	if (it->end)
		return FAT_E_NOT_FOUND;
	it->index++;
	if (it->start == 0 || it->index % (v->cluster_size / DIRENT) != 0)
		return FAT_OK;
	uint16_t val;
	int err = fat_get(v, it->clus, &val);
	if (err != FAT_OK)
		return err;
	switch (fat_classify(v, val)) {
	case NEXT_END:
		it->end = true;
		return FAT_OK;
	case NEXT_CLUSTER:
		if (++it->hops >= v->clusters)
			return FAT_E_CORRUPT;
		it->clus = val;
		return FAT_OK;
	default:
		return FAT_E_CORRUPT;
	}
}

int fat_dir_read(struct fat_vol *v, const struct dir_it *it, uint8_t *ent, uint64_t *lba,
		 uint16_t *off)
{
	int err = fat_dir_where(v, it, lba, off);
	if (err != FAT_OK)
		return err;
	const uint8_t *s = fat_sector(v, *lba, &err);
	if (!s)
		return err;
	memcpy(ent, s + *off, DIRENT);
	return FAT_OK;
}

bool fat_dir_hidden(const uint8_t *ent)
{
	if ((ent[11] & 0x3F) == FAT_ATTR_LFN || (ent[11] & FAT_ATTR_VOLUME_ID))
		return true;
	return ent[0] == '.';
}

/* ---- names ---- */

static bool name_char_ok(char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return strchr("!#$%&'()-@^_`{}~", c) != NULL && c != '\0';
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* One path component [s, s+n) to its 11-byte form, or FAT_E_NAME. */
static int name_parse(const char *s, size_t n, uint8_t out[11])
{
	memset(out, ' ', 11);
	size_t i = 0, base = 0, ext = 0;
	for (; i < n && s[i] != '.'; i++) {
		char c = upper(s[i]);
		if (base == 8 || !name_char_ok(c))
			return FAT_E_NAME;
		out[base++] = (uint8_t)c;
	}
	if (base == 0)
		return FAT_E_NAME;
	if (i < n) {
		for (i++; i < n; i++) {
			char c = upper(s[i]);
			if (ext == 3 || !name_char_ok(c))
				return FAT_E_NAME;
			out[8 + ext++] = (uint8_t)c;
		}
		if (ext == 0)
			return FAT_E_NAME;
	}
	return FAT_OK;
}

static bool name_eq(const uint8_t *ent, const uint8_t name[11])
{
	for (unsigned i = 0; i < 11; i++) {
		char c = (char)ent[i];
		if (i == 0 && ent[0] == 0x05)
			c = (char)0xE5;
		if (upper(c) != (char)name[i])
			return false;
	}
	return true;
}

static void name_show(const uint8_t *ent, char out[13])
{
	unsigned k = 0;
	for (unsigned i = 0; i < 8 && ent[i] != ' '; i++)
		out[k++] = (i == 0 && ent[0] == 0x05) ? (char)0xE5 : (char)ent[i];
	if (ent[8] != ' ') {
		out[k++] = '.';
		for (unsigned i = 8; i < 11 && ent[i] != ' '; i++)
			out[k++] = (char)ent[i];
	}
	out[k] = '\0';
}

uint8_t fat_lfn_sum(const uint8_t name[11])
{
	uint8_t sum = 0;
	for (unsigned i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) ? 0x80 : 0) + (sum >> 1) + name[i]);
	return sum;
}

/* ---- paths ---- */

/* Find name in directory dir. FAT_E_NOT_FOUND if it is not there. */
int fat_dir_lookup(struct fat_vol *v, uint16_t dir, const uint8_t name[11], struct dir_loc *loc)
{
	struct dir_it it, lfn;
	bool in_lfn = false;
	fat_dir_start(&it, dir);
	for (;;) {
		uint8_t e[DIRENT];
		uint64_t lba;
		uint16_t off;
		int err = fat_dir_read(v, &it, e, &lba, &off);
		if (err != FAT_OK)
			return err;
		if (e[0] == 0x00)
			return FAT_E_NOT_FOUND;
		if (e[0] == ENT_FREE) {
			in_lfn = false;
		} else if ((e[11] & 0x3F) == FAT_ATTR_LFN) {
			if (!in_lfn)
				lfn = it;
			in_lfn = true;
		} else {
			if (!(e[11] & FAT_ATTR_VOLUME_ID) && name_eq(e, name)) {
				memcpy(loc->ent, e, DIRENT);
				loc->lba = lba;
				loc->off = off;
				loc->dir = dir;
				loc->has_lfn = in_lfn;
				if (in_lfn)
					loc->lfn = lfn;
				loc->at = it;
				return FAT_OK;
			}
			in_lfn = false;
		}
		err = fat_dir_next(v, &it);
		if (err != FAT_OK)
			return err;
	}
}

/* The first cluster of a directory entry, checked. */
int fat_dir_cluster(const struct fat_vol *v, const uint8_t *ent, uint16_t *out)
{
	if (!(ent[11] & FAT_ATTR_DIRECTORY))
		return FAT_E_NOT_DIR;
	uint16_t c = le16(ent + 26);
	if (!fat_valid_cluster(v, c))
		return FAT_E_CORRUPT;
	*out = c;
	return FAT_OK;
}

/*
 * Walk path to its last component: *dir the directory that should hold it,
 * name its 11-byte form. FAT_E_INVALID for "/" itself. If avoid is not 0,
 * passing through directory cluster avoid is FAT_E_INVALID.
 */
int fat_path_parent(struct fat_vol *v, const char *path, uint16_t *dir, uint8_t name[11],
		    uint16_t avoid)
{
	if (!v || !v->mounted || !path || path[0] != '/')
		return FAT_E_INVALID;
	uint16_t d = 0;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return FAT_E_INVALID;
		const char *s = p;
		while (*p != '\0' && *p != '/')
			p++;
		int err = name_parse(s, (size_t)(p - s), name);
		if (err != FAT_OK)
			return err;
		const char *q = p;
		while (*q == '/')
			q++;
		if (*q == '\0') {
			*dir = d;
			return FAT_OK;
		}
		struct dir_loc loc;
		err = fat_dir_lookup(v, d, name, &loc);
		if (err != FAT_OK)
			return err;
		err = fat_dir_cluster(v, loc.ent, &d);
		if (err != FAT_OK)
			return err;
		if (avoid != 0 && d == avoid)
			return FAT_E_INVALID;
	}
}

/* Locate path's entry. *root set (and loc untouched) for "/". */
int fat_path_find(struct fat_vol *v, const char *path, struct dir_loc *loc, bool *root)
{
	uint16_t dir;
	uint8_t name[11];
	*root = false;
	int err = fat_path_parent(v, path, &dir, name, 0);
	if (err == FAT_E_INVALID && v && v->mounted && path && path[0] == '/') {
		const char *p = path;
		while (*p == '/')
			p++;
		if (*p == '\0') {
			*root = true;
			return FAT_OK;
		}
	}
	if (err != FAT_OK)
		return err;
	return fat_dir_lookup(v, dir, name, loc);
}

static void stat_fill(const uint8_t *e, struct fat_stat *out)
{
	memset(out, 0, sizeof(*out));
	out->size = le32(e + 28);
	out->attr = e[11];
	out->dir = (e[11] & FAT_ATTR_DIRECTORY) != 0;
	out->time = le16(e + 22);
	out->date = le16(e + 24);
	out->first_cluster = le16(e + 26);
	name_show(e, out->name);
}

int fat_stat(struct fat_vol *v, const char *path, struct fat_stat *out)
{
	struct dir_loc loc;
	bool root;
	if (!out)
		return FAT_E_INVALID;
	int err = fat_path_find(v, path, &loc, &root);
	if (err != FAT_OK)
		return err;
	if (root) {
		memset(out, 0, sizeof(*out));
		out->attr = FAT_ATTR_DIRECTORY;
		out->dir = true;
		out->name[0] = '/';
		return FAT_OK;
	}
	stat_fill(loc.ent, out);
	return FAT_OK;
}

int fat_read(struct fat_vol *v, const char *path, uint32_t offset, void *buf, uint32_t len,
	     uint32_t *got)
{
	struct dir_loc loc;
	if (!got || (!buf && len))
		return FAT_E_INVALID;
	*got = 0;
	int err = fat_find_file(v, path, &loc);
	if (err != FAT_OK)
		return err;
	uint32_t size = le32(loc.ent + 28);
	if (offset >= size || len == 0)
		return FAT_OK;
	if (len > size - offset)
		len = size - offset;
	uint16_t c = le16(loc.ent + 26);
	/* The whole chain must hold the size. */
	uint32_t n;
	uint16_t last;
	err = fat_chain(v, c, &n, &last);
	if (err != FAT_OK)
		return err;
	if ((uint64_t)n * v->cluster_size < size)
		return FAT_E_CORRUPT;
	err = fat_nth(v, c, offset / v->cluster_size, &c);
	if (err != FAT_OK)
		return err;
	uint8_t *out = buf;
	uint32_t pos = offset, done = 0;
	while (done < len) {
		uint32_t in = pos % v->cluster_size;
		if (in == 0 && len - done >= v->cluster_size) {
			/* Whole clusters, as many as lie in a row: one device read, past the cache. */
			uint32_t run = 1;
			uint16_t after = 0;
			bool have_after = false;
			while ((run + 1) * v->cluster_size <= len - done) {
				if ((err = fat_chain_next(v, (uint16_t)(c + run - 1), &after)) !=
				    FAT_OK)
					return err;
				have_after = true;
				if (after != c + run)
					break;
				run++;
				have_after = false;
			}
			if (v->dev.read(v->dev.ctx, fat_cluster_lba(v, c),
					run * (v->cluster_size / FAT_SECTOR), out + done))
				return FAT_E_IO;
			done += run * v->cluster_size;
			pos += run * v->cluster_size;
			*got = done;
			if (done == len)
				break;
			if (!have_after &&
			    (err = fat_chain_next(v, (uint16_t)(c + run - 1), &after)) != FAT_OK)
				return err;
			c = after;
			continue;
		}
		uint64_t lba = fat_cluster_lba(v, c) + in / FAT_SECTOR;
		uint32_t so = in % FAT_SECTOR, k = FAT_SECTOR - so;
		if (k > len - done)
			k = len - done;
		const uint8_t *s = fat_sector(v, lba, &err);
		if (!s)
			return err;
		memcpy(out + done, s + so, k);
		done += k;
		pos += k;
		*got = done;
		if (done < len && pos % v->cluster_size == 0 &&
		    (err = fat_chain_next(v, c, &c)) != FAT_OK)
			return err;
	}
	return FAT_OK;
}

int fat_readdir(struct fat_vol *v, const char *path, uint32_t index, struct fat_stat *out)
{
	struct dir_loc loc;
	bool root;
	if (!out)
		return FAT_E_INVALID;
	int err = fat_path_find(v, path, &loc, &root);
	if (err != FAT_OK)
		return err;
	uint16_t dir = 0;
	if (!root) {
		err = fat_dir_cluster(v, loc.ent, &dir);
		if (err != FAT_OK)
			return err;
	}
	struct dir_it it;
	fat_dir_start(&it, dir);
	uint32_t seen = 0;
	for (;;) {
		uint8_t e[DIRENT];
		uint64_t lba;
		uint16_t off;
		err = fat_dir_read(v, &it, e, &lba, &off);
		if (err != FAT_OK)
			return err;
		if (e[0] == 0x00)
			return FAT_E_NOT_FOUND;
		if (e[0] != ENT_FREE && !fat_dir_hidden(e) && seen++ == index) {
			stat_fill(e, out);
			return FAT_OK;
		}
		err = fat_dir_next(v, &it);
		if (err != FAT_OK)
			return err;
	}
}

/* ---- raw access, for the r2 calls (fat.h) ---- */

int fat_entry_get(struct fat_vol *v, uint32_t cluster, uint16_t *val)
{
	if (!v->mounted)
		return FAT_E_INVALID;
	if (cluster > 0xFFFF || !fat_valid_cluster(v, (uint16_t)cluster))
		return FAT_E_INVALID;
	return fat_get(v, (uint16_t)cluster, val);
}

int fat_list_raw(struct fat_vol *v, uint32_t dir, uint32_t index, uint8_t ent[32])
{
	if (!v->mounted || dir > 0xFFFF || (dir && !fat_valid_cluster(v, (uint16_t)dir)))
		return FAT_E_INVALID;
	struct dir_it it;
	fat_dir_start(&it, (uint16_t)dir);
	for (uint32_t live = 0;;) {
		uint64_t lba;
		uint16_t off;
		int err = fat_dir_read(v, &it, ent, &lba, &off);
		if (err != FAT_OK)
			return err;
		if (ent[0] == 0)
			return FAT_E_NOT_FOUND; /* the end of the directory */
		bool hidden = ent[0] == 0xE5 || (ent[11] & 0x3F) == FAT_ATTR_LFN ||
			      (ent[11] & FAT_ATTR_VOLUME_ID);
		if (!hidden && live++ == index)
			return FAT_OK;
		if ((err = fat_dir_next(v, &it)) != FAT_OK)
			return err;
	}
}
