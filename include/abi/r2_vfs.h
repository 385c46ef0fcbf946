/*
 * The r2 (rou2exOS) calls on mounts and paths, 0x2c..0x2e (x86_64), with
 * the structures r2apps' C library (libcr2) gives them: packed, any
 * alignment. The calls are r2 file calls (R2_FILE_FIRST..R2_FILE_LAST of
 * include/abi/r2.h): the kernel's gate checks and lends, the file server
 * answers.
 *
 *   R2_LIST_MOUNTS ignored (0), MountInfo_T[R2_MOUNTS_MAX] -> the number of
 *                  mounts (0 while no file server runs); only the entries
 *                  reported are written, but the whole array must be
 *                  writable
 *   R2_LIST_PATH   absolute path (NUL-terminated, at most 64 bytes),
 *                  VfsDirEntry_T[R2_DIR_MAX] -> the number of entries
 *                  written (at most R2_DIR_MAX, the rest of the array
 *                  untouched), or an r2 return code (R2_FILE_NOT_FOUND,
 *                  R2_INVALID_INPUT, R2_FILESYSTEM_ERROR): every one is
 *                  above R2_DIR_MAX
 *   R2_CHDIR       absolute path (NUL-terminated, at most R2_CWD_MAX bytes),
 *                  ignored (0) -> R2_OK, the path becoming SysInfo_T's
 *                  system_path (and its first cluster, 0 for the root,
 *                  system_path_cluster)
 */
#ifndef ABI_R2_VFS_H
#define ABI_R2_VFS_H

#include <stddef.h>
#include <stdint.h>

#define R2_LIST_MOUNTS 0x2c
#define R2_LIST_PATH   0x2d
#define R2_CHDIR       0x2e

#define R2_MOUNTS_MAX 8	 /* the entries of R2_LIST_MOUNTS' array */
#define R2_DIR_MAX    32 /* the entries of R2_LIST_PATH's array */
#define R2_CWD_MAX    31 /* the longest path R2_CHDIR takes (system_path[32] with its NUL) */

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

_Static_assert(sizeof(MountInfo_T) == 34, "MountInfo size");
_Static_assert(offsetof(MountInfo_T, path_len) == 32, "MountInfo.path_len");
_Static_assert(offsetof(MountInfo_T, fs_type) == 33, "MountInfo.fs_type");
_Static_assert(sizeof(VfsDirEntry_T) == 38, "VfsDirEntry size");
_Static_assert(offsetof(VfsDirEntry_T, name_len) == 32, "VfsDirEntry.name_len");
_Static_assert(offsetof(VfsDirEntry_T, is_dir) == 33, "VfsDirEntry.is_dir");
_Static_assert(offsetof(VfsDirEntry_T, size) == 34, "VfsDirEntry.size");

#endif
