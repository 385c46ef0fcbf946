/*
 * A FAT12 volume on a block device of 512-byte sectors, written from the
 * FAT specification (Microsoft's fatgen103). Portable: it uses no libc but
 * core/kstring.h and allocates nothing; the caller owns the struct fat_vol,
 * which holds the geometry, a small write-through sector cache (32 sectors: a floppy's root directory and FAT fit) and the
 * scratch bitmaps fat_check uses.
 *
 * Every field read from the disk is checked before it is used: a chain walk
 * is bounded by the cluster count, every cluster number is range-checked and
 * no sector outside dev->sectors is read or written. A damaged volume gives
 * FAT_E_CORRUPT, never a crash or a hang.
 *
 * Writes keep the volume consistent after each call: new clusters are
 * found and their data written, then both FAT copies link them, then the
 * directory entry gets its first cluster, size, date and time, then any
 * clusters a truncation cut off are freed (both copies), then dev->flush.
 * Reads use the first FAT copy.
 *
 * Paths are absolute ("/DIR/FILE.TXT", "/" the root), components 8.3 short
 * names matched without regard to case; empty components are ignored;
 * "." and ".." are not accepted (FAT_E_NAME). Long-file-name entries are
 * kept as they are and skipped; what this library creates has only the 8.3
 * entry, and removing or renaming an entry also deletes its long-name
 * entries. Writes stamp the last-write date and time, the last-access date
 * and, for a new entry, the creation date and time with fat_set_clock's
 * values.
 *
 * The cache is write-through: every change reaches dev->write before the
 * call returns, in the order above. A struct fat_vol is about 18 KiB; one
 * volume is not safe to use from two threads at once.
 */
#ifndef FS_FAT_H
#define FS_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAT_SECTOR	   512
#define FAT_CACHE_SECTORS  32
#define FAT12_MAX_CLUSTERS 4084 /* 4085 or more is FAT16 */

/* The block device: 512-byte sectors, each call 0 or an error of its own. */
struct fat_dev {
	void *ctx;
	uint64_t sectors;
	int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
	int (*write)(void *ctx, uint64_t lba, uint32_t count, const void *buf);
	int (*flush)(void *ctx); /* may be NULL */
};

enum fat_error {
	FAT_OK = 0,
	FAT_E_IO = -1,	    /* the device returned an error */
	FAT_E_CORRUPT = -2, /* FilesystemError: the volume's structures are damaged */
	FAT_E_NOT_FOUND = -3,
	FAT_E_EXISTS = -4,
	FAT_E_NOT_DIR = -5,
	FAT_E_IS_DIR = -6,
	FAT_E_NOT_EMPTY = -7,
	FAT_E_NO_SPACE = -8,   /* no free cluster, or the root directory is full */
	FAT_E_NAME = -9,       /* not a valid 8.3 name */
	FAT_E_INVALID = -10,   /* a bad argument: not mounted, NULL buffer, relative path... */
	FAT_E_READ_ONLY = -11, /* the entry has the read-only attribute */
};

#define FAT_ATTR_READ_ONLY 0x01
#define FAT_ATTR_HIDDEN	   0x02
#define FAT_ATTR_SYSTEM	   0x04
#define FAT_ATTR_VOLUME_ID 0x08
#define FAT_ATTR_DIRECTORY 0x10
#define FAT_ATTR_ARCHIVE   0x20
#define FAT_ATTR_LFN	   0x0F

/* A cached sector: lba valid only when used. */
struct fat_cache {
	uint64_t lba;
	uint32_t stamp;
	bool used;
	uint8_t data[FAT_SECTOR];
};

/* A mounted volume. The caller provides the memory; fields are the library's. */
struct fat_vol {
	struct fat_dev dev;
	bool mounted;
	uint8_t sec_per_clus, nfats, media;
	uint16_t reserved, root_entries, fat_sectors;
	uint32_t total_sectors, fat_start, root_start, root_sectors, data_start;
	uint32_t clusters;     /* data clusters: numbers 2 .. clusters + 1 */
	uint32_t cluster_size; /* bytes */
	uint16_t alloc_hint;   /* where the next free-cluster search starts */
	uint16_t date, time;   /* stamps for what is written (fat_set_clock) */
	uint32_t stamp;
	uint8_t last; /* the cache entry found last: walks hit it again and again */
	struct fat_cache cache[FAT_CACHE_SECTORS];
	uint8_t used[(FAT12_MAX_CLUSTERS + 2 + 7) / 8];	  /* fat_check: clusters seen */
	uint8_t queued[(FAT12_MAX_CLUSTERS + 2 + 7) / 8]; /* fat_check: directories to scan */
};

/* What fat_stat and fat_readdir report about one entry. */
struct fat_stat {
	uint32_t size;
	uint8_t attr;
	bool dir;
	uint16_t date, time; /* last write */
	uint16_t first_cluster;
	char name[13]; /* "NAME.EXT", "/" for the root */
};

/* fat_check's counts. */
struct fat_check_report {
	uint32_t lost_clusters; /* marked used in the FAT, reached from no entry */
	uint32_t cross_linked;	/* chains that run into a cluster another chain holds */
	uint32_t bad_sizes;  /* a file size that does not match its chain, a directory size not 0 */
	uint32_t bad_chains; /* loops, free, bad or out-of-range clusters inside a chain */
	uint32_t fat_copies_differ; /* FAT entries where a later copy differs from the first */
	uint32_t files, dirs;	    /* live entries found (dirs without the root) */
};

/* "FAT_OK", "FAT_E_CORRUPT"...; "FAT_E_?" for a number that is not one. */
const char *fat_error_name(int err);

/*
 * Check the boot sector and BPB (jump, 0x55AA, 512-byte sectors, a power-of-two
 * cluster size, reserved sectors, 1 or 2 FATs large enough for every cluster,
 * a root directory, fewer than 4085 clusters, every region inside both the
 * volume and dev->sectors) and fill v. FAT_E_CORRUPT for a volume that is not
 * FAT12 or not sane; v is not mounted then.
 */
int fat_mount(struct fat_vol *v, const struct fat_dev *dev);

/*
 * Make an empty FAT12 volume on the first `sectors` of dev: two FAT copies,
 * a root of 224 entries, clusters of sec_per_clus sectors (a power of two;
 * FAT_E_INVALID if that makes 4085 clusters or more), the volume label
 * (up to 11 characters, or NULL). It writes only the boot sector, the FATs
 * and the root: the data area keeps what it held.
 */
int fat_format(const struct fat_dev *dev, uint32_t sectors, unsigned sec_per_clus,
	       const char *label);

/* Stamps (FAT date and time formats) for entries written from now on; 1980-01-01 00:00 at mount. */
void fat_set_clock(struct fat_vol *v, uint16_t date, uint16_t time);
/* FAT packing of a calendar date and time (year 1980-2107, seconds in 2 s steps). */
uint16_t fat_date(unsigned year, unsigned month, unsigned day);
uint16_t fat_time(unsigned hour, unsigned minute, unsigned second);

int fat_stat(struct fat_vol *v, const char *path, struct fat_stat *out);

/*
 * Read up to len bytes from offset; *got is how many (0 at or past the end).
 * FAT_E_CORRUPT if the chain ends before the size says.
 */
int fat_read(struct fat_vol *v, const char *path, uint32_t offset, void *buf, uint32_t len,
	     uint32_t *got);

/*
 * Write len bytes at offset. create: make the file (archive attribute) if it
 * does not exist, else FAT_E_NOT_FOUND. A write past the end fills the gap
 * with zeros. truncate: the file ends at offset + len afterwards (offset 0,
 * len 0 empties it; any offset shrinks it there), clusters past it freed.
 * Space is counted first: FAT_E_NO_SPACE changes nothing.
 */
int fat_write(struct fat_vol *v, const char *path, uint32_t offset, const void *buf, uint32_t len,
	      bool create, bool truncate);

/* How many data clusters are free (*out); FAT_E_IO if the FAT cannot be read. */
int fat_free_clusters(struct fat_vol *v, uint32_t *out);

/*
 * The index-th live 8.3 entry of a directory, skipping deleted and long-name
 * entries, the volume label, "." and ".."; FAT_E_NOT_FOUND past the end,
 * FAT_E_NOT_DIR for a file. Each call walks the directory from its start.
 */
int fat_readdir(struct fat_vol *v, const char *path, uint32_t index, struct fat_stat *out);

/*
 * A new directory, its cluster zeroed but for "." and ".." (".." 0 when the
 * parent is the root). A full subdirectory grows by a zeroed cluster; a full
 * root is FAT_E_NO_SPACE.
 */
int fat_mkdir(struct fat_vol *v, const char *path);
/* Remove an empty directory (FAT_E_NOT_EMPTY otherwise; the root is FAT_E_INVALID). */
int fat_rmdir(struct fat_vol *v, const char *path);
/* Remove a file: its entry (and long-name entries) deleted, then its chain freed in every copy. */
int fat_unlink(struct fat_vol *v, const char *path);
/*
 * Move an entry within or across directories; to must not exist
 * (FAT_E_EXISTS). A directory cannot go inside itself (FAT_E_INVALID); a
 * moved one gets its ".." updated. The new entry is written before the old
 * one is deleted.
 */
int fat_rename(struct fat_vol *v, const char *from, const char *to);

/*
 * Check the whole volume without writing: every chain walked and marked,
 * directories scanned from the root (each cluster once, so a directory loop
 * ends), then the FAT searched for lost clusters and the copies compared.
 * A directory whose chain breaks is scanned up to the break. "." and ".."
 * are not compared with where they should point. FAT_OK with the counts in
 * r; FAT_E_IO on a device error.
 */
int fat_check(struct fat_vol *v, struct fat_check_report *r);
/*
 * Undo what a write cut short (a crash, a killed server) can leave: FAT
 * copies made equal to the first, then clusters no entry reaches freed. r
 * is the check from before. FAT_E_CORRUPT, nothing changed, when the check
 * finds other damage (cross-links, broken chains, bad sizes).
 */
int fat_recover(struct fat_vol *v, struct fat_check_report *r);

/*
 * Raw access, for the r2 file calls (fs/server/r2.c): clusters are numbers
 * 2 .. clusters + 1 and directories are named by their first cluster (0:
 * the root); anything else is FAT_E_INVALID.
 *
 * fat_entry_get/set read and write one FAT entry (set: every copy, then
 * flush; the caller is trusted to know what a raw FAT write does).
 * fat_list_raw gives the index-th live 32-byte entry of a directory as it
 * is on the disk, "." and ".." included, deleted, long-name and label
 * entries skipped. fat_insert_raw writes a 32-byte entry into a free slot
 * of a directory (a full subdirectory grows); its name must be a live one
 * not taken there (FAT_E_EXISTS) and its first cluster 0 or in range.
 */
int fat_entry_get(struct fat_vol *v, uint32_t cluster, uint16_t *val);
int fat_entry_set(struct fat_vol *v, uint32_t cluster, uint16_t val);
int fat_list_raw(struct fat_vol *v, uint32_t dir, uint32_t index, uint8_t ent[32]);
int fat_insert_raw(struct fat_vol *v, uint32_t dir, const uint8_t ent[32]);

#endif
