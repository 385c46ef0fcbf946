/*
 * Files, shared by the kernel, the file server (fs/server/) and user space.
 *
 * A file is an OBJ_FILE capability. The file server hands them out, the
 * kernel holds them: SYS_OPEN asks the server (the Xous server named
 * FILE_SERVER_NAME) on the caller's behalf and turns its answer into a
 * capability in the caller's space; SYS_READ, SYS_WRITE, SYS_SEEK and
 * SYS_CLOSE on that capability, and SYS_FILE_CALL for what takes a path,
 * become calls to the server with the caller's buffers lent (the pages
 * that hold them, for the call's length; any alignment). No file system
 * code runs in the kernel: it only checks capabilities and buffers and
 * carries the words.
 *
 * System calls ("in -> out", include/abi/syscall.h):
 *   SYS_READ  fd, buf, len -> r0 bytes (0: end of file). fd 0 is the
 *             console: it waits for one byte, then takes what has come.
 *   SYS_WRITE fd, buf, len -> r0 bytes. fd 1 and 2 are the console.
 *   SYS_OPEN  path, path len, FILE_* flags -> r0 file cap, r1 size
 *   SYS_SEEK  file cap, offset, SEEK_* -> r0 new position
 *   SYS_CLOSE file cap -> (the capability and what was derived from it go)
 *   SYS_FILE_CALL op (FILE_OP_STAT ... FILE_OP_CHECK), buf0, len0,
 *             buf1, len1, arg -> r0..r2 (per op, below)
 *
 * Paths are absolute ("/DATA/NOTES.TXT", '/' separated, at most
 * FILE_PATH_MAX bytes, no NUL needed); a relative path is the user
 * library's business (its current directory).
 */
#ifndef ABI_FILE_H
#define ABI_FILE_H

#include <stdint.h>

#define FILE_SERVER_NAME "kestrel.fs"
#define FILE_PATH_MAX	 256u
#define FILE_NAME_MAX	 13u /* "NAME8.EXT" and a NUL */

/* SYS_OPEN flags. */
enum {
	FILE_READ = 1u << 0,
	FILE_WRITE = 1u << 1,
	FILE_CREATE = 1u << 2,	 /* make it if it is missing */
	FILE_TRUNCATE = 1u << 3, /* with FILE_WRITE: empty it first */
	FILE_APPEND = 1u << 4,	 /* every write goes to the end */
};

/* SYS_SEEK whence. */
enum { SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2 };

/*
 * SYS_FILE_CALL operations (also the word 0 of what the server receives).
 *   STAT    buf0 path, buf1 struct file_stat (written)
 *   READDIR buf0 directory path, buf1 struct file_dirent[] (written),
 *           arg the index to start at -> r0 entries written, r1 next index
 *           (r0 0: the end)
 *   MKDIR, RMDIR (empty only), UNLINK (files only): buf0 path
 *   RENAME  buf0 old path, buf1 new path (any directory, not over a name)
 *   CHECK   buf1 struct file_check (written): the whole volume
 *   SYNC    nothing: everything acknowledged is already on the disk; the
 *           server flushes the device once more
 */
enum file_op {
	FILE_OP_OPEN = 1,  /* SYS_OPEN: buf0 path, arg flags -> r0 handle, r1 size */
	FILE_OP_READ = 2,  /* handle; buf1 (written) -> r0 bytes */
	FILE_OP_WRITE = 3, /* handle; buf0 -> r0 bytes */
	FILE_OP_SEEK = 4,  /* handle; arg offset, arg2 whence -> r0 position */
	FILE_OP_CLOSE = 5, /* handle */
	FILE_OP_STAT = 6,
	FILE_OP_READDIR = 7,
	FILE_OP_MKDIR = 8,
	FILE_OP_RMDIR = 9,
	FILE_OP_UNLINK = 10,
	FILE_OP_RENAME = 11,
	FILE_OP_CHECK = 12,
	FILE_OP_SYNC = 13,
	FILE_OP_USER_LAST = 13, /* SYS_FILE_CALL takes STAT..SYNC */
	/*
	 * From the kernel alone, no reply: the last capability for `handle`
	 * went (closed, revoked, its holders ended); the server forgets it.
	 */
	FILE_OP_RELEASE = 32,
	/* The r2 gate's calls (x86_64): 0x100 + the r2 number, r2 arguments below. */
	FILE_OP_R2 = 0x100,
};

#define FILE_ATTR_DIR	   0x10u
#define FILE_ATTR_READONLY 0x01u

struct file_stat {
	uint64_t size;
	uint32_t attr; /* FILE_ATTR_* (the FAT attribute byte) */
	uint32_t first_cluster;
	uint16_t date, time; /* FAT format: of the last write */
	uint32_t reserved;
};

struct file_dirent {
	char name[FILE_NAME_MAX]; /* "NAME.EXT", NUL-terminated */
	uint8_t attr;
	uint16_t date, time;
	uint32_t size;
};

/* FILE_OP_CHECK: what is wrong with the volume (the first five 0 when it is clean). */
struct file_check {
	uint32_t lost_clusters; /* allocated, reached from no file or directory */
	uint32_t cross_linked;	/* chains that run into a cluster another holds */
	uint32_t bad_sizes;	/* a size that does not fit its chain */
	uint32_t bad_chains;	/* loops, free or out-of-range clusters in a chain */
	uint32_t fat_mismatch;	/* FAT entries where the copies differ */
	uint32_t files, dirs;	/* live entries found (directories without the root) */
	uint32_t reserved;
};

/*
 * What the server receives (a native receive on its endpoint): a message
 * of type MSG_FORWARD, which only the kernel sends, with the caller's pid
 * as sender and a reply token, and the words
 *   0 op, 1 buf0 (where it is lent in the server), 2 len0, 3 buf1, 4 len1,
 *   5 handle (0 for path calls), 6 arg, 7 arg2.
 * The server replies (SYS_IPC_REPLY) with word 0 the status (0 or an
 * enum kerror) and words 1..3 the results r0..r2.
 */
enum {
	FWD_OP = 0,
	FWD_BUF0 = 1,
	FWD_LEN0 = 2,
	FWD_BUF1 = 3,
	FWD_LEN1 = 4,
	FWD_HANDLE = 5,
	FWD_ARG = 6,
	FWD_ARG2 = 7,
};

#endif
