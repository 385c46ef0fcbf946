/*
 * The r2 (rou2exOS) calls on mounts and paths, 0x2c..0x2e, and the newer
 * file calls 0x39, 0x3a and 0x40 (x86_64), with the structures r2apps'
 * libraries give them: packed, any alignment. They are r2 file calls
 * (R2_IS_FILE_CALL of include/abi/r2.h): the kernel's gate checks and
 * lends, the file server answers.
 *
 *   R2_LIST_MOUNTS ignored (0), MountInfo_T[R2_MOUNTS_MAX] -> the number of
 *                  mounts (0 while no file server runs); only the entries
 *                  reported are written, but the whole array must be
 *                  writable
 *   R2_LIST_PATH   absolute path (NUL-terminated, at most 64 bytes),
 *                  VfsDirEntry_T[R2_DIR_MAX] (R2_DIR_MAX_NEWEST for the
 *                  newest libcr2) -> the number of entries written (at
 *                  most that many, the rest of the array
 *                  untouched), or an r2 return code (R2_FILE_NOT_FOUND,
 *                  R2_INVALID_INPUT, R2_FILESYSTEM_ERROR): every one is
 *                  above R2_DIR_MAX_NEWEST
 *   R2_CHDIR       absolute path (NUL-terminated, at most R2_CWD_MAX bytes),
 *                  ignored (0) -> R2_OK, the path becoming SysInfo_T's
 *                  system_path (and its first cluster, 0 for the root,
 *                  system_path_cluster)
 */
/*
 *   R2_READ_AT     name (as 0x20 takes it), ReadRange_T * -> the bytes read
 *                  into range.buffer from range.offset: short at the end of
 *                  the file, 0 at or past it (and for length 0, nothing
 *                  looked at); R2_COUNT_ERROR for anything
 *                  wrong (no such file, a directory, a bad pointer, a
 *                  length above R2_RANGE_MAX, no file server)
 *   R2_WRITE_AT    name, WriteRange_T * -> the bytes written at range.offset
 *                  from range.buffer, the file made if missing, grown if
 *                  short (a gap before the offset reads as zeros), what
 *                  lies outside the range left as it was; R2_COUNT_ERROR
 *                  for anything wrong (also a disk too full: then nothing
 *                  is written)
 *   R2_FS_STAT     path, FsStat_T * (written) -> R2_OK: the size and the
 *                  free space of the volume the path is on (the one FAT12
 *                  volume at "/": every path is on it), or an r2 return
 *                  code (R2_INVALID_INPUT, R2_FILESYSTEM_ERROR, no server)
 */
#ifndef ABI_R2_VFS_H
#define ABI_R2_VFS_H

#include <stddef.h>
#include <stdint.h>

#include "include/abi/r2.h" /* the call numbers */

#define R2_LIST_MOUNTS 0x2c
#define R2_LIST_PATH   0x2d
#define R2_CHDIR       0x2e

#define R2_COUNT_ERROR (~0ull)	  /* a count call's failure: -1 as an int64_t */
#define R2_RANGE_MAX   (1u << 20) /* the most one R2_READ_AT or R2_WRITE_AT moves */

#define R2_MOUNTS_MAX	  8  /* the entries of R2_LIST_MOUNTS' array */
#define R2_DIR_MAX	  32 /* the entries of R2_LIST_PATH's array */
#define R2_DIR_MAX_NEWEST 64 /* ... for the newest libcr2 (R2_CONV_RAX), as the newest rou2exOS */
#define R2_CWD_MAX	  31 /* the longest path R2_CHDIR takes (system_path[32] with its NUL) */

/* MountInfo_T.fs_type. */
#define R2_FS_NONE    0
#define R2_FS_ROOTFS  1
#define R2_FS_FAT12   2
#define R2_FS_ISO9660 3

typedef struct {
	uint8_t path[32]; /* not NUL-terminated: path_len says */
	uint8_t path_len;
	uint8_t fs_type; /* R2_FS_* */
} __attribute__((packed)) MountInfo_T;

typedef struct {
	uint8_t
	    name[32]; /* "NAME.EXT" (no dot for an empty extension), zero-padded: name_len says */
	uint8_t name_len;
	uint8_t is_dir; /* 1 for a directory, else 0 */
	uint32_t size;	/* bytes (0 for a directory) */
} __attribute__((packed)) VfsDirEntry_T;

/* R2_READ_AT, R2_WRITE_AT: what moves. */
typedef struct {
	uint64_t buffer; /* the caller's bytes */
	uint64_t offset; /* into the file */
	uint64_t length;
} __attribute__((packed)) ReadRange_T;
typedef ReadRange_T WriteRange_T;

/* FsStat_T.format. */
#define R2_FORMAT_NONE	0
#define R2_FORMAT_FAT12 1

/* R2_FS_STAT. */
typedef struct {
	uint64_t total_bytes; /* the data area: clusters times their size */
	uint64_t free_bytes;  /* in free clusters */
	uint8_t fs_type;      /* R2_FS_*, as R2_LIST_MOUNTS numbers them */
	uint8_t format;	      /* R2_FORMAT_* */
	uint8_t reserved[6];
} __attribute__((packed)) FsStat_T;

_Static_assert(sizeof(ReadRange_T) == 24, "ReadRange size");
_Static_assert(sizeof(FsStat_T) == 24, "FsStat size");
_Static_assert(sizeof(MountInfo_T) == 34, "MountInfo size");
_Static_assert(offsetof(MountInfo_T, path_len) == 32, "MountInfo.path_len");
_Static_assert(offsetof(MountInfo_T, fs_type) == 33, "MountInfo.fs_type");
_Static_assert(sizeof(VfsDirEntry_T) == 38, "VfsDirEntry size");
_Static_assert(offsetof(VfsDirEntry_T, name_len) == 32, "VfsDirEntry.name_len");
_Static_assert(offsetof(VfsDirEntry_T, is_dir) == 33, "VfsDirEntry.is_dir");
_Static_assert(offsetof(VfsDirEntry_T, size) == 34, "VfsDirEntry.size");

#endif
