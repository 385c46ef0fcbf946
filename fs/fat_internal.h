/* What fat.c, fat_dir.c and fat_check.c share: sectors, FAT entries, directory walks. */
#ifndef FS_FAT_INTERNAL_H
#define FS_FAT_INTERNAL_H

#include "fs/fat.h"

#define FAT_EOC	 0xFFF /* what this library writes at a chain's end */
#define FAT_BAD	 0xFF7
#define DIRENT	 32
#define ENT_FREE 0xE5

/* Classes of a FAT entry's value for a volume. */
enum fat_next { NEXT_FREE, NEXT_CLUSTER, NEXT_END, NEXT_BAD };

/* A position in a directory: the root (start 0) or a chain. */
struct dir_it {
	uint16_t start, clus;
	uint32_t index; /* entry number from the directory's start */
	uint32_t hops;	/* clusters followed, bounded by the cluster count */
	bool end;
};

/* A located entry: its bytes and where they are. */
struct dir_loc {
	uint8_t ent[DIRENT];
	uint64_t lba;
	uint16_t off;
	uint16_t dir;	   /* the directory holding it (0: root) */
	struct dir_it lfn; /* the first of its long-name entries */
	bool has_lfn;
	struct dir_it at; /* the entry itself */
};

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline void put16(uint8_t *p, uint16_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
}

static inline void put32(uint8_t *p, uint32_t x)
{
	put16(p, (uint16_t)x);
	put16(p + 2, (uint16_t)(x >> 16));
}

static inline bool fat_valid_cluster(const struct fat_vol *v, uint32_t c)
{
	return c >= 2 && c < v->clusters + 2;
}

static inline uint64_t fat_cluster_lba(const struct fat_vol *v, uint16_t c)
{
	return v->data_start + (uint64_t)(c - 2) * v->sec_per_clus;
}

/* The cached sector (read if needed), or NULL with *err set. Valid until the next cache call. */
uint8_t *fat_sector(struct fat_vol *v, uint64_t lba, int *err);
/* The cache slot for lba without reading it: the caller fills all of it, then writes it. */
uint8_t *fat_sector_new(struct fat_vol *v, uint64_t lba, int *err);
/* Write a cached sector's buffer (from fat_sector) back to the device. */
int fat_sector_write(struct fat_vol *v, uint64_t lba, uint8_t *data);
/* FAT entry c from copy n (the first is 0). */
int fat_get_copy(struct fat_vol *v, unsigned n, uint16_t c, uint16_t *val);
int fat_get(struct fat_vol *v, uint16_t c, uint16_t *val);
/* What a FAT entry's value means on this volume. */
enum fat_next fat_classify(const struct fat_vol *v, uint16_t val);

/* Set entry c in every FAT copy. */
int fat_set(struct fat_vol *v, uint16_t c, uint16_t val);
/* n entries at once, each FAT sector written once per run of entries in it (every copy). */
int fat_set_many(struct fat_vol *v, const uint16_t *c, const uint16_t *val, unsigned n);
/* Whole sectors written straight from buf, the cache's copies of them dropped. */
int fat_write_through(struct fat_vol *v, uint64_t lba, uint32_t count, const void *buf);
/* Walk a chain: *n clusters, *last the final one; FAT_E_CORRUPT if damaged or looping. */
int fat_chain(struct fat_vol *v, uint16_t first, uint32_t *n, uint16_t *last);
/* The index-th cluster of a chain. */
int fat_nth(struct fat_vol *v, uint16_t first, uint32_t index, uint16_t *out);
/* The checksum a long-name entry holds of its 8.3 name. */
uint8_t fat_lfn_sum(const uint8_t name[11]);

void fat_dir_start(struct dir_it *it, uint16_t start);
/* The sector and offset of the iterator's entry; FAT_E_NOT_FOUND past the end. */
int fat_dir_where(struct fat_vol *v, const struct dir_it *it, uint64_t *lba, uint16_t *off);
/* Move on one entry; FAT_E_CORRUPT when the chain is damaged or loops. */
int fat_dir_next(struct fat_vol *v, struct dir_it *it);
/* Copy the iterator's entry into ent; FAT_E_NOT_FOUND past the end. */
int fat_dir_read(struct fat_vol *v, const struct dir_it *it, uint8_t *ent, uint64_t *lba,
		 uint16_t *off);
/* Whether a live entry is a long-name entry, the volume label, "." or "..". */
bool fat_dir_hidden(const uint8_t *ent);

/* Find an 11-byte name in a directory (0: root); FAT_E_NOT_FOUND if absent. */
int fat_dir_lookup(struct fat_vol *v, uint16_t dir, const uint8_t name[11], struct dir_loc *loc);
/* A directory entry's first cluster, checked; FAT_E_NOT_DIR for a file. */
int fat_dir_cluster(const struct fat_vol *v, const uint8_t *ent, uint16_t *out);
/* The directory that holds path's last component and that component's name. */
int fat_path_parent(struct fat_vol *v, const char *path, uint16_t *dir, uint8_t name[11],
		    uint16_t avoid);
/* Locate path's entry; *root for "/". */
int fat_path_find(struct fat_vol *v, const char *path, struct dir_loc *loc, bool *root);
/* The next cluster of a chain: FAT_E_CORRUPT unless the entry links to one. */
int fat_chain_next(struct fat_vol *v, uint16_t c, uint16_t *next);
/* A file's entry (not the root, not a directory: FAT_E_IS_DIR). */
int fat_find_file(struct fat_vol *v, const char *path, struct dir_loc *loc);

#endif
