/*
 * FAT12: the calls that write (write, mkdir, rmdir, unlink, rename). Each
 * counts the space it needs before changing anything, then writes data,
 * then the FAT (every copy), then the directory entry, then frees what is
 * cut off, then flushes.
 */
#include "fs/fat_internal.h"

#include "core/kstring.h"

#define BATCH 64

static int flush(struct fat_vol *v, int err)
{
	if (err == FAT_OK && v->dev.flush && v->dev.flush(v->dev.ctx) != 0)
		return FAT_E_IO;
	return err;
}

/* Count free clusters into *n, stopping once `enough` are found. */
static int count_free(struct fat_vol *v, uint32_t enough, uint32_t *n)
{
	*n = 0;
	for (uint32_t c = 2; c < v->clusters + 2 && *n < enough; c++) {
		uint16_t val;
		int err = fat_get(v, (uint16_t)c, &val);
		if (err != FAT_OK)
			return err;
		*n += val == 0;
	}
	return FAT_OK;
}

/* Whether at least want clusters are free. */
static int have_free(struct fat_vol *v, uint32_t want)
{
	uint32_t n;
	int err = count_free(v, want, &n);
	return err != FAT_OK ? err : n >= want ? FAT_OK : FAT_E_NO_SPACE;
}

int fat_free_clusters(struct fat_vol *v, uint32_t *out)
{
	*out = 0;
	return v->mounted ? count_free(v, UINT32_MAX, out) : FAT_E_INVALID;
}

/* The next free cluster from the hint on; not marked (the caller links it). */
static int find_free(struct fat_vol *v, uint16_t *out)
{
	uint32_t h = v->alloc_hint;
	if (!fat_valid_cluster(v, h))
		h = 2;
	for (uint32_t i = 0; i < v->clusters; i++) {
		uint32_t c = 2 + (h - 2 + i) % v->clusters;
		uint16_t val;
		int err = fat_get(v, (uint16_t)c, &val);
		if (err != FAT_OK)
			return err;
		if (val == 0) {
			*out = (uint16_t)c;
			v->alloc_hint = (uint16_t)(c + 1);
			return FAT_OK;
		}
	}
	return FAT_E_NO_SPACE;
}

/* Free a chain from c on, in every copy; stops at its end or at anything not a cluster. */
static int free_chain(struct fat_vol *v, uint16_t c)
{
	static const uint16_t zeros[BATCH];
	uint16_t batch[BATCH];
	unsigned n = 0;
	/* Read ahead of the frees (a batch at a time): the links are gone once written. */
	for (uint32_t hops = 0; fat_valid_cluster(v, c) && hops < v->clusters; hops++) {
		uint16_t val;
		int err = fat_get(v, c, &val);
		if (err != FAT_OK)
			return err;
		if (val != 0)
			batch[n++] = c;
		if (n == BATCH && (err = fat_set_many(v, batch, zeros, n)) != FAT_OK)
			return err;
		n %= BATCH;
		if (fat_classify(v, val) != NEXT_CLUSTER)
			break;
		c = val;
	}
	return n ? fat_set_many(v, batch, zeros, n) : FAT_OK;
}

static int write_zero_cluster(struct fat_vol *v, uint16_t c)
{
	for (uint32_t i = 0; i < v->sec_per_clus; i++) {
		int err = FAT_OK;
		uint64_t lba = fat_cluster_lba(v, c) + i;
		uint8_t *s = fat_sector_new(v, lba, &err);
		if (!s)
			return err;
		memset(s, 0, FAT_SECTOR);
		err = fat_sector_write(v, lba, s);
		if (err != FAT_OK)
			return err;
	}
	return FAT_OK;
}

/* Write one 32-byte directory entry at (lba, off). */
static int entry_patch(struct fat_vol *v, uint64_t lba, uint16_t off, const uint8_t *ent)
{
	int err = FAT_OK;
	uint8_t *s = fat_sector(v, lba, &err);
	if (!s)
		return err;
	memcpy(s + off, ent, DIRENT);
	return fat_sector_write(v, lba, s);
}

static void entry_stamp(struct fat_vol *v, uint8_t *e, bool created)
{
	put16(e + 22, v->time);
	put16(e + 24, v->date);
	put16(e + 18, v->date);
	if (created) {
		e[13] = 0;
		put16(e + 14, v->time);
		put16(e + 16, v->date);
	}
}

static void entry_new(struct fat_vol *v, uint8_t *e, const uint8_t name[11], uint8_t attr,
		      uint16_t cluster)
{
	memset(e, 0, DIRENT);
	memcpy(e, name, 11);
	if (e[0] == 0xE5)
		e[0] = 0x05;
	e[11] = attr;
	put16(e + 26, cluster);
	entry_stamp(v, e, true);
}

/*
 * Find a free slot in dir: *found, and if there is none (a subdirectory),
 * *tail its last cluster. The root full is FAT_E_NO_SPACE.
 */
static int dir_slot(struct fat_vol *v, uint16_t dir, bool *found, struct dir_it *slot,
		    uint16_t *tail)
{
	struct dir_it it;
	fat_dir_start(&it, dir);
	*found = false;
	for (;;) {
		uint8_t e[DIRENT];
		uint64_t lba;
		uint16_t off;
		uint16_t clus = it.clus;
		int err = fat_dir_read(v, &it, e, &lba, &off);
		if (err == FAT_E_NOT_FOUND) {
			if (dir == 0)
				return FAT_E_NO_SPACE;
			*tail = clus;
			return FAT_OK;
		}
		if (err != FAT_OK)
			return err;
		if (e[0] == 0x00 || e[0] == ENT_FREE) {
			*found = true;
			*slot = it;
			return FAT_OK;
		}
		err = fat_dir_next(v, &it);
		if (err != FAT_OK)
			return err;
	}
}

/* Whether dir can take one more entry with extra clusters to spare. */
static int dir_space(struct fat_vol *v, uint16_t dir, uint32_t extra)
{
	bool found;
	struct dir_it slot;
	uint16_t tail;
	int err = dir_slot(v, dir, &found, &slot, &tail);
	if (err != FAT_OK)
		return err;
	return have_free(v, extra + (found ? 0 : 1));
}

/* Write ent into a free slot of dir, growing a subdirectory by a zeroed cluster if full. */
static int dir_add(struct fat_vol *v, uint16_t dir, const uint8_t *ent, struct dir_loc *loc)
{
	bool found;
	struct dir_it slot;
	uint16_t tail = 0;
	int err = dir_slot(v, dir, &found, &slot, &tail);
	if (err != FAT_OK)
		return err;
	if (!found) {
		uint16_t c;
		err = find_free(v, &c);
		if (err == FAT_OK)
			err = write_zero_cluster(v, c);
		if (err == FAT_OK)
			err = fat_set(v, c, FAT_EOC);
		if (err == FAT_OK)
			err = fat_set(v, tail, c);
		if (err != FAT_OK)
			return err;
		slot.start = dir;
		slot.clus = c;
		slot.index = 0; /* only its place in the cluster matters to fat_dir_where */
		slot.hops = 0;
		slot.end = false;
	}
	err = fat_dir_where(v, &slot, &loc->lba, &loc->off);
	if (err != FAT_OK)
		return err;
	memcpy(loc->ent, ent, DIRENT);
	loc->dir = dir;
	loc->has_lfn = false;
	loc->at = slot;
	return entry_patch(v, loc->lba, loc->off, ent);
}

/* Mark the long-name entries before an entry deleted, and the entry too if entry_too. */
static int dir_remove(struct fat_vol *v, const struct dir_loc *loc, bool entry_too)
{
	if (loc->has_lfn) {
		uint8_t sum = fat_lfn_sum(loc->ent);
		struct dir_it it = loc->lfn;
		while (it.index < loc->at.index) {
			uint8_t e[DIRENT];
			uint64_t lba;
			uint16_t off;
			int err = fat_dir_read(v, &it, e, &lba, &off);
			if (err != FAT_OK)
				return err;
			if ((e[11] & 0x3F) == FAT_ATTR_LFN && e[0] != ENT_FREE && e[13] == sum) {
				e[0] = ENT_FREE;
				err = entry_patch(v, lba, off, e);
				if (err != FAT_OK)
					return err;
			}
			err = fat_dir_next(v, &it);
			if (err != FAT_OK)
				return err;
		}
	}
	if (!entry_too)
		return FAT_OK;
	uint8_t e[DIRENT];
	memcpy(e, loc->ent, DIRENT);
	e[0] = ENT_FREE;
	return entry_patch(v, loc->lba, loc->off, e);
}

/*
 * Write one sector of a file whose bytes start at file offset a: the data
 * range [off, end) from buf, zeros over the gap [zlo, zhi). A fresh sector
 * (in a new cluster) starts as zeros; another is left alone when neither
 * range touches it.
 */
struct wplan {
	uint32_t off, end, zlo, zhi;
	const uint8_t *buf;
};

static int put_sector(struct fat_vol *v, uint64_t lba, uint32_t a, bool fresh,
		      const struct wplan *w)
{
	uint64_t b = (uint64_t)a + FAT_SECTOR;
	bool data = w->end > w->off && a < w->end && b > w->off;
	bool zero = w->zhi > w->zlo && a < w->zhi && b > w->zlo;
	if (!fresh && !data && !zero)
		return FAT_OK;
	int err = FAT_OK;
	uint8_t *s = fresh ? fat_sector_new(v, lba, &err) : fat_sector(v, lba, &err);
	if (!s)
		return err;
	if (fresh)
		memset(s, 0, FAT_SECTOR);
	if (zero && !fresh) {
		uint32_t lo = w->zlo > a ? w->zlo : a;
		uint32_t hi = (uint64_t)w->zhi < b ? w->zhi : (uint32_t)b;
		memset(s + (lo - a), 0, hi - lo);
	}
	if (data) {
		uint32_t lo = w->off > a ? w->off : a;
		uint32_t hi = (uint64_t)w->end < b ? w->end : (uint32_t)b;
		memcpy(s + (lo - a), w->buf + (lo - w->off), hi - lo);
	}
	return fat_sector_write(v, lba, s);
}

/* Whether the data covers clusters k .. k + n - 1 of the file entirely (nothing to zero there). */
static bool covered(const struct fat_vol *v, uint32_t k, uint32_t n, const struct wplan *w)
{
	uint64_t a = (uint64_t)k * v->cluster_size, b = a + (uint64_t)n * v->cluster_size;
	bool zero = w->zhi > w->zlo && a < w->zhi && b > w->zlo;
	return !zero && w->off <= a && b <= w->end;
}

static int put_cluster(struct fat_vol *v, uint16_t c, uint32_t k, bool fresh, const struct wplan *w)
{
	if (covered(v, k, 1, w)) /* all of it from buf: one device write, past the cache */
		return fat_write_through(v, fat_cluster_lba(v, c), v->sec_per_clus,
					 w->buf + ((uint64_t)k * v->cluster_size - w->off));
	for (uint32_t i = 0; i < v->sec_per_clus; i++) {
		uint32_t a = k * v->cluster_size + i * FAT_SECTOR;
		int err = put_sector(v, fat_cluster_lba(v, c) + i, a, fresh, w);
		if (err != FAT_OK)
			return err;
	}
	return FAT_OK;
}

int fat_write(struct fat_vol *v, const char *path, uint32_t offset, const void *buf, uint32_t len,
	      bool create, bool truncate)
{
	uint16_t dir;
	uint8_t name[11];
	struct dir_loc loc;
	if (!buf && len)
		return FAT_E_INVALID;
	uint64_t end64 = (uint64_t)offset + len;
	if (end64 > UINT32_MAX)
		return FAT_E_INVALID;
	uint32_t end = (uint32_t)end64;
	int err = fat_path_parent(v, path, &dir, name, 0);
	if (err != FAT_OK)
		return err == FAT_E_INVALID && v && v->mounted && path && path[0] == '/'
			   ? FAT_E_IS_DIR
			   : err;
	uint32_t cs = v->cluster_size;
	err = fat_dir_lookup(v, dir, name, &loc);
	bool created = false;
	if (err == FAT_E_NOT_FOUND) {
		if (!create)
			return err;
		uint32_t need = (uint32_t)(((uint64_t)end + cs - 1) / cs);
		err = dir_space(v, dir, need);
		if (err != FAT_OK)
			return err;
		uint8_t e[DIRENT];
		entry_new(v, e, name, FAT_ATTR_ARCHIVE, 0);
		err = dir_add(v, dir, e, &loc);
		if (err != FAT_OK)
			return flush(v, err);
		created = true;
	} else if (err != FAT_OK) {
		return err;
	} else if (loc.ent[11] & FAT_ATTR_DIRECTORY) {
		return FAT_E_IS_DIR;
	} else if (loc.ent[11] & FAT_ATTR_READ_ONLY) {
		return FAT_E_READ_ONLY;
	}
	uint32_t old = le32(loc.ent + 28);
	uint16_t first = le16(loc.ent + 26);
	uint32_t have;
	uint16_t tail;
	err = fat_chain(v, first, &have, &tail);
	if (err != FAT_OK)
		return flush(v, err);
	if ((uint64_t)have * cs < old)
		return flush(v, FAT_E_CORRUPT);
	uint32_t size = truncate ? end : (end > old ? end : old);
	uint32_t need = (uint32_t)(((uint64_t)size + cs - 1) / cs);
	if (need > have) {
		err = have_free(v, need - have);
		if (err != FAT_OK)
			return flush(v, err);
	}
	struct wplan w = {.off = offset, .end = end, .zlo = old, .zhi = offset, .buf = buf};
	if (w.zhi > size)
		w.zhi = size;
	/* Existing clusters: overwrite in place, zero any gap past the old end. */
	uint32_t lo = offset < old ? offset : old;
	uint32_t keep = need < have ? need : have;
	if (keep > 0 && lo / cs < keep && (len > 0 || w.zhi > w.zlo)) {
		uint16_t c;
		err = fat_nth(v, first, lo / cs, &c);
		for (uint32_t k = lo / cs; err == FAT_OK && k < keep; k++) {
			err = put_cluster(v, c, k, false, &w);
			if (err == FAT_OK && k + 1 < keep) {
				uint16_t val;
				err = fat_get(v, c, &val);
				if (err == FAT_OK && fat_classify(v, val) != NEXT_CLUSTER)
					err = FAT_E_CORRUPT;
				c = val;
			}
		}
		if (err != FAT_OK)
			return flush(v, err);
	}
	/* New clusters, a batch at a time: data, then their FAT entries, then the link. */
	for (uint32_t k = have; k < need;) {
		uint16_t batch[BATCH], link[BATCH];
		uint32_t n = 0;
		for (; n < BATCH && k + n < need; n++)
			if ((err = find_free(v, &batch[n])) != FAT_OK)
				return flush(v, err);
		/* The data: runs of clusters in a row that it covers whole go in one write. */
		for (uint32_t i = 0; i < n;) {
			uint32_t run = 1;
			while (i + run < n && batch[i + run] == batch[i] + run &&
			       covered(v, k + i, run + 1, &w))
				run++;
			if (run > 1)
				err = fat_write_through(v, fat_cluster_lba(v, batch[i]),
							run * v->sec_per_clus,
							w.buf + ((uint64_t)(k + i) * cs - w.off));
			else
				err = put_cluster(v, batch[i], k + i, true, &w);
			if (err != FAT_OK)
				return flush(v, err);
			i += run;
		}
		for (uint32_t i = 0; i < n; i++)
			link[i] = i + 1 < n ? batch[i + 1] : FAT_EOC;
		err = fat_set_many(v, batch, link, n);
		if (err == FAT_OK && tail != 0)
			err = fat_set(v, tail, batch[0]);
		if (err != FAT_OK)
			return flush(v, err);
		if (tail == 0)
			first = batch[0];
		tail = batch[n - 1];
		k += n;
	}
	/* The entry: first cluster, size, stamps. */
	uint16_t old_first = first;
	if (need == 0)
		first = 0;
	put16(loc.ent + 26, first);
	put32(loc.ent + 28, size);
	loc.ent[11] |= FAT_ATTR_ARCHIVE;
	entry_stamp(v, loc.ent, created);
	err = entry_patch(v, loc.lba, loc.off, loc.ent);
	if (err != FAT_OK)
		return flush(v, err);
	/* Clusters past the new end. */
	if (need < have) {
		if (need == 0) {
			err = free_chain(v, old_first);
		} else {
			uint16_t c, val;
			err = fat_nth(v, old_first, need - 1, &c);
			if (err == FAT_OK)
				err = fat_get(v, c, &val);
			if (err == FAT_OK)
				err = fat_set(v, c, FAT_EOC);
			if (err == FAT_OK && fat_classify(v, val) == NEXT_CLUSTER)
				err = free_chain(v, val);
		}
	}
	return flush(v, err);
}

int fat_mkdir(struct fat_vol *v, const char *path)
{
	uint16_t dir;
	uint8_t name[11];
	struct dir_loc loc;
	int err = fat_path_parent(v, path, &dir, name, 0);
	if (err != FAT_OK)
		return err == FAT_E_INVALID && v && v->mounted && path && path[0] == '/'
			   ? FAT_E_EXISTS
			   : err;
	err = fat_dir_lookup(v, dir, name, &loc);
	if (err == FAT_OK)
		return FAT_E_EXISTS;
	if (err != FAT_E_NOT_FOUND)
		return err;
	err = dir_space(v, dir, 1);
	if (err != FAT_OK)
		return err;
	uint16_t c;
	err = find_free(v, &c);
	if (err != FAT_OK)
		return err;
	/* The new directory's cluster: "." and "..", then zeros. */
	for (uint32_t i = 0; i < v->sec_per_clus && err == FAT_OK; i++) {
		uint64_t lba = fat_cluster_lba(v, c) + i;
		uint8_t *s = fat_sector_new(v, lba, &err);
		if (!s)
			break;
		memset(s, 0, FAT_SECTOR);
		if (i == 0) {
			static const uint8_t dot[11] = ".          ", dotdot[11] = "..         ";
			entry_new(v, s, dot, FAT_ATTR_DIRECTORY, c);
			entry_new(v, s + DIRENT, dotdot, FAT_ATTR_DIRECTORY, dir);
		}
		err = fat_sector_write(v, lba, s);
	}
	if (err == FAT_OK)
		err = fat_set(v, c, FAT_EOC);
	if (err == FAT_OK) {
		uint8_t e[DIRENT];
		entry_new(v, e, name, FAT_ATTR_DIRECTORY, c);
		err = dir_add(v, dir, e, &loc);
	}
	return flush(v, err);
}

/* Whether directory c holds nothing but "." and ".."; its whole chain checked. */
static int dir_empty(struct fat_vol *v, uint16_t c)
{
	struct dir_it it;
	fat_dir_start(&it, c);
	for (;;) {
		uint8_t e[DIRENT];
		uint64_t lba;
		uint16_t off;
		int err = fat_dir_read(v, &it, e, &lba, &off);
		if (err == FAT_E_NOT_FOUND)
			return FAT_OK;
		if (err != FAT_OK)
			return err;
		if (e[0] == 0x00)
			return FAT_OK;
		if (e[0] != ENT_FREE && !fat_dir_hidden(e))
			return FAT_E_NOT_EMPTY;
		err = fat_dir_next(v, &it);
		if (err != FAT_OK)
			return err;
	}
}

int fat_rmdir(struct fat_vol *v, const char *path)
{
	struct dir_loc loc;
	bool root;
	int err = fat_path_find(v, path, &loc, &root);
	if (err != FAT_OK)
		return err;
	if (root)
		return FAT_E_INVALID;
	uint16_t c;
	err = fat_dir_cluster(v, loc.ent, &c);
	if (err == FAT_OK)
		err = dir_empty(v, c);
	if (err != FAT_OK)
		return err;
	err = dir_remove(v, &loc, true);
	if (err == FAT_OK)
		err = free_chain(v, c);
	return flush(v, err);
}

int fat_unlink(struct fat_vol *v, const char *path)
{
	struct dir_loc loc;
	int err = fat_find_file(v, path, &loc);
	if (err != FAT_OK)
		return err;
	if (loc.ent[11] & FAT_ATTR_READ_ONLY)
		return FAT_E_READ_ONLY;
	err = dir_remove(v, &loc, true);
	if (err == FAT_OK)
		err = free_chain(v, le16(loc.ent + 26));
	return flush(v, err);
}

/* Point a moved directory's ".." (its second entry) at its new parent. */
static int set_dotdot(struct fat_vol *v, uint16_t c, uint16_t parent)
{
	struct dir_it it;
	uint8_t e[DIRENT];
	uint64_t lba;
	uint16_t off;
	fat_dir_start(&it, c);
	int err = fat_dir_next(v, &it);
	if (err == FAT_OK)
		err = fat_dir_read(v, &it, e, &lba, &off);
	if (err != FAT_OK)
		return err;
	if (memcmp(e, "..         ", 11) != 0)
		return FAT_OK; /* no ".." where it belongs: nothing to keep in step */
	put16(e + 26, parent);
	return entry_patch(v, lba, off, e);
}

int fat_rename(struct fat_vol *v, const char *from, const char *to)
{
	struct dir_loc src, dst;
	bool root;
	int err = fat_path_find(v, from, &src, &root);
	if (err != FAT_OK)
		return err;
	if (root)
		return FAT_E_INVALID;
	bool is_dir = (src.ent[11] & FAT_ATTR_DIRECTORY) != 0;
	uint16_t c = 0;
	if (is_dir) {
		err = fat_dir_cluster(v, src.ent, &c);
		if (err != FAT_OK)
			return err;
	}
	uint16_t dir;
	uint8_t name[11];
	err = fat_path_parent(v, to, &dir, name, c);
	if (err != FAT_OK)
		return err;
	if (is_dir && dir == c)
		return FAT_E_INVALID;
	err = fat_dir_lookup(v, dir, name, &dst);
	if (err == FAT_OK)
		return (dst.lba == src.lba && dst.off == src.off) ? FAT_OK : FAT_E_EXISTS;
	if (err != FAT_E_NOT_FOUND)
		return err;
	uint8_t e[DIRENT];
	memcpy(e, src.ent, DIRENT);
	memcpy(e, name, 11);
	if (e[0] == 0xE5)
		e[0] = 0x05;
	if (dir == src.dir) {
		/* In place: the 8.3 name changes, then the old long name goes. */
		err = entry_patch(v, src.lba, src.off, e);
		if (err == FAT_OK)
			err = dir_remove(v, &src, false);
		return flush(v, err);
	}
	err = dir_space(v, dir, 0);
	if (err == FAT_OK)
		err = dir_add(v, dir, e, &dst);
	if (err == FAT_OK && is_dir)
		err = set_dotdot(v, c, dir);
	if (err == FAT_OK)
		err = dir_remove(v, &src, true);
	return flush(v, err);
}

/* ---- raw access, for the r2 calls (fat.h) ---- */

int fat_entry_set(struct fat_vol *v, uint32_t cluster, uint16_t val)
{
	if (!v->mounted)
		return FAT_E_INVALID;
	if (cluster > 0xFFFF || !fat_valid_cluster(v, (uint16_t)cluster) || val > 0xFFF)
		return FAT_E_INVALID;
	return flush(v, fat_set(v, (uint16_t)cluster, val));
}

int fat_insert_raw(struct fat_vol *v, uint32_t dir, const uint8_t ent[32])
{
	if (!v->mounted || dir > 0xFFFF || (dir && !fat_valid_cluster(v, (uint16_t)dir)))
		return FAT_E_INVALID;
	if (ent[0] == 0 || ent[0] == 0xE5 || ent[0] == '.' || (ent[11] & 0x3F) == FAT_ATTR_LFN)
		return FAT_E_NAME;
	uint16_t first = le16(ent + 26);
	if (first && !fat_valid_cluster(v, first))
		return FAT_E_INVALID;
	struct dir_loc loc;
	int err = fat_dir_lookup(v, (uint16_t)dir, ent, &loc);
	if (err == FAT_OK)
		return FAT_E_EXISTS;
	if (err != FAT_E_NOT_FOUND)
		return err;
	err = dir_space(v, (uint16_t)dir, 0);
	if (err == FAT_OK)
		err = dir_add(v, (uint16_t)dir, ent, &loc);
	return flush(v, err);
}
