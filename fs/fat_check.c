/*
 * FAT12: the read-only check. Every chain is walked twice, once to find its
 * length and whether it is sound (bounded by the cluster count), once to
 * mark its clusters in v->used; a cluster already marked is a cross-link.
 * Directories are queued by their first cluster when it is first marked,
 * so each is scanned once and a directory loop ends.
 */
#include "fs/fat_internal.h"

#include "core/kstring.h"

static bool bit(const uint8_t *map, uint32_t c)
{
	return (map[c / 8] >> (c % 8)) & 1;
}

static void set_bit(uint8_t *map, uint32_t c, bool on)
{
	if (on)
		map[c / 8] |= (uint8_t)(1u << (c % 8));
	else
		map[c / 8] &= (uint8_t) ~(1u << (c % 8));
}

enum walk { WALK_OK, WALK_BAD, WALK_LOOP };

/* Walk and mark one chain: *n its length when sound, *claimed whether first was still unmarked. */
static int walk_mark(struct fat_vol *v, uint16_t first, struct fat_check_report *r, uint32_t *n,
		     bool *claimed, enum walk *how)
{
	*n = 0;
	*claimed = false;
	*how = WALK_OK;
	if (first == 0)
		return FAT_OK;
	if (!fat_valid_cluster(v, first)) {
		*how = WALK_BAD;
		r->bad_chains++;
		return FAT_OK;
	}
	uint16_t c = first, val;
	for (uint32_t hops = 1;; hops++) {
		if (hops > v->clusters) {
			*how = WALK_LOOP;
			break;
		}
		int err = fat_get(v, c, &val);
		if (err != FAT_OK)
			return err;
		enum fat_next k = fat_classify(v, val);
		if (k == NEXT_END) {
			*n = hops;
			break;
		}
		if (k != NEXT_CLUSTER) {
			*how = WALK_BAD;
			break;
		}
		c = val;
	}
	if (*how != WALK_OK)
		r->bad_chains++;
	c = first;
	for (uint32_t i = 0; i <= v->clusters; i++) {
		if (bit(v->used, c)) {
			if (*how != WALK_LOOP)
				r->cross_linked++;
			return FAT_OK;
		}
		if (i == 0)
			*claimed = true;
		set_bit(v->used, c, true);
		int err = fat_get(v, c, &val);
		if (err != FAT_OK)
			return err;
		if (fat_classify(v, val) != NEXT_CLUSTER)
			return FAT_OK;
		c = val;
	}
	return FAT_OK;
}

static int scan_dir(struct fat_vol *v, uint16_t d, struct fat_check_report *r)
{
	struct dir_it it;
	fat_dir_start(&it, d);
	for (;;) {
		uint8_t e[DIRENT];
		uint64_t lba;
		uint16_t off;
		int err = fat_dir_read(v, &it, e, &lba, &off);
		if (err == FAT_E_NOT_FOUND || err == FAT_E_CORRUPT)
			return FAT_OK; /* the end, or a damaged chain already counted */
		if (err != FAT_OK)
			return err;
		if (e[0] == 0x00)
			return FAT_OK;
		if (e[0] != ENT_FREE && !fat_dir_hidden(e)) {
			bool is_dir = (e[11] & FAT_ATTR_DIRECTORY) != 0;
			uint16_t first = le16(e + 26);
			uint32_t size = le32(e + 28), n;
			bool claimed;
			enum walk how;
			if (is_dir) {
				r->dirs++;
				if (size != 0)
					r->bad_sizes++;
				if (first == 0) {
					r->bad_chains++;
					goto next;
				}
			} else {
				r->files++;
			}
			err = walk_mark(v, first, r, &n, &claimed, &how);
			if (err != FAT_OK)
				return err;
			if (!is_dir && how == WALK_OK &&
			    (uint64_t)n != ((uint64_t)size + v->cluster_size - 1) / v->cluster_size)
				r->bad_sizes++;
			if (is_dir && claimed)
				set_bit(v->queued, first, true);
		}
	next:
		err = fat_dir_next(v, &it);
		if (err == FAT_E_CORRUPT)
			return FAT_OK;
		if (err != FAT_OK)
			return err;
	}
}

int fat_check(struct fat_vol *v, struct fat_check_report *r)
{
	if (!v || !v->mounted || !r)
		return FAT_E_INVALID;
	memset(r, 0, sizeof(*r));
	memset(v->used, 0, sizeof(v->used));
	memset(v->queued, 0, sizeof(v->queued));
	int err = scan_dir(v, 0, r);
	for (uint32_t c = 2; err == FAT_OK && c < v->clusters + 2;) {
		if (!bit(v->queued, c)) {
			c++;
			continue;
		}
		set_bit(v->queued, c, false);
		err = scan_dir(v, (uint16_t)c, r);
		c = 2; /* a scan may queue clusters below this one */
	}
	for (uint32_t c = 2; err == FAT_OK && c < v->clusters + 2; c++) {
		uint16_t val;
		err = fat_get(v, (uint16_t)c, &val);
		if (err == FAT_OK && val != 0 && val != FAT_BAD && !bit(v->used, c))
			r->lost_clusters++;
	}
	for (unsigned n = 1; n < v->nfats; n++) {
		for (uint32_t c = 0; err == FAT_OK && c < v->clusters + 2; c++) {
			uint16_t a, b;
			err = fat_get_copy(v, 0, (uint16_t)c, &a);
			if (err == FAT_OK)
				err = fat_get_copy(v, n, (uint16_t)c, &b);
			if (err == FAT_OK && a != b)
				r->fat_copies_differ++;
		}
	}
	return err;
}

/*
 * What a write cut short can leave (fat.h, fat_recover): clusters the FAT
 * holds that no chain reaches, and FAT copies that differ where a change
 * reached the first copy only. Anything else is damage this does not
 * guess at.
 */
int fat_recover(struct fat_vol *v, struct fat_check_report *r)
{
	int err = fat_check(v, r);
	if (err != FAT_OK)
		return err;
	if (r->cross_linked || r->bad_chains || r->bad_sizes)
		return FAT_E_CORRUPT;
	if (!r->lost_clusters && !r->fat_copies_differ)
		return FAT_OK;
	/* The first copy is the one read: the others become it, sector by sector. */
	for (unsigned n = 1; n < v->nfats; n++)
		for (uint32_t s = 0; s < v->fat_sectors; s++) {
			uint8_t copy[FAT_SECTOR];
			const uint8_t *a = fat_sector(v, v->fat_start + s, &err);
			if (!a)
				return err;
			memcpy(copy, a, FAT_SECTOR);
			uint64_t lba = v->fat_start + (uint64_t)n * v->fat_sectors + s;
			const uint8_t *b = fat_sector(v, lba, &err);
			if (!b)
				return err;
			if (memcmp(copy, b, FAT_SECTOR) &&
			    (err = fat_write_through(v, lba, 1, copy)) != FAT_OK)
				return err;
		}
	/* fat_check left the reached clusters marked in v->used: free the others. */
	uint16_t batch[64];
	static const uint16_t zeros[64];
	unsigned k = 0;
	for (uint32_t c = 2; c < v->clusters + 2; c++) {
		uint16_t val;
		if ((err = fat_get(v, (uint16_t)c, &val)) != FAT_OK)
			return err;
		if (val == 0 || val == FAT_BAD || bit(v->used, c))
			continue;
		batch[k++] = (uint16_t)c;
		if (k == 64 && (err = fat_set_many(v, batch, zeros, k)) != FAT_OK)
			return err;
		k %= 64;
	}
	if (k && (err = fat_set_many(v, batch, zeros, k)) != FAT_OK)
		return err;
	if (v->dev.flush && v->dev.flush(v->dev.ctx))
		return FAT_E_IO;
	return FAT_OK;
}
