/*
 * Files as user space sees them (include/abi/file.h): wrappers over the
 * file system calls, each returning the call's tag (0 or an E_* code).
 * Paths given here are absolute; file_path() makes one from a path
 * relative to a current directory.
 */
#ifndef USER_FILE_H
#define USER_FILE_H

#include "include/abi/file.h"
#include "kestrel.h"

#define SYS4F(nr, a, b, c, d, r) \
	sys(nr, (uintptr_t)(a), (uintptr_t)(b), (uintptr_t)(c), (uintptr_t)(d), 0, 0, 0, r)

/* Bytes read into buf (0 at the end of a file); fd 0 is the console's input. */
static inline long sys_read(uint64_t fd, void *buf, size_t len, size_t *got)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_READ, fd, buf, len, r);
	*got = tag ? 0 : r[0];
	return tag;
}

/* sys_write(), for a file capability, with the count written. */
static inline long file_write(uint64_t fd, const void *buf, size_t len, size_t *put)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_WRITE, fd, buf, len, r);
	*put = tag ? 0 : r[0];
	return tag;
}

static inline long file_open(const char *path, unsigned flags, uint64_t *fd, uint64_t *size)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_OPEN, path, strlen(path), flags, r);
	if (!tag) {
		*fd = r[0];
		if (size)
			*size = r[1];
	}
	return tag;
}

static inline long file_seek(uint64_t fd, int64_t offset, int whence, uint64_t *pos)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_SEEK, fd, offset, whence, r);
	if (!tag && pos)
		*pos = r[0];
	return tag;
}

static inline long file_close(uint64_t fd)
{
	return SYS1(SYS_CLOSE, fd, NULL);
}

static inline long file_call(unsigned op, const void *b0, size_t l0, void *b1, size_t l1,
			     uint64_t arg, uintptr_t *r)
{
	return sys(SYS_FILE_CALL, op, (uintptr_t)b0, l0, (uintptr_t)b1, l1, arg, 0, r);
}

static inline long file_stat(const char *path, struct file_stat *st)
{
	return file_call(FILE_OP_STAT, path, strlen(path), st, sizeof(*st), 0, NULL);
}

/* Up to max entries of a directory from index on; *count 0 at its end, *next where to go on. */
static inline long file_readdir(const char *path, uint32_t index, struct file_dirent *ents,
				unsigned max, unsigned *count, uint32_t *next)
{
	uintptr_t r[7];
	long tag =
	    file_call(FILE_OP_READDIR, path, strlen(path), ents, max * sizeof(*ents), index, r);
	*count = tag ? 0 : (unsigned)r[0];
	if (next)
		*next = tag ? index : (uint32_t)r[1];
	return tag;
}

static inline long file_mkdir(const char *path)
{
	return file_call(FILE_OP_MKDIR, path, strlen(path), NULL, 0, 0, NULL);
}

static inline long file_rmdir(const char *path)
{
	return file_call(FILE_OP_RMDIR, path, strlen(path), NULL, 0, 0, NULL);
}

static inline long file_unlink(const char *path)
{
	return file_call(FILE_OP_UNLINK, path, strlen(path), NULL, 0, 0, NULL);
}

static inline long file_rename(const char *from, const char *to)
{
	return file_call(FILE_OP_RENAME, from, strlen(from), (void *)(uintptr_t)to, strlen(to), 0,
			 NULL);
}

static inline long file_check(struct file_check *out)
{
	return file_call(FILE_OP_CHECK, NULL, 0, out, sizeof(*out), 0, NULL);
}

static inline long file_sync(void)
{
	return file_call(FILE_OP_SYNC, NULL, 0, NULL, 0, 0, NULL);
}

#endif
