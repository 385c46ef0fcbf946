/* What the file server's parts share (fsserv.c, r2.c). */
#ifndef FS_SERVER_FSSERV_INTERNAL_H
#define FS_SERVER_FSSERV_INTERNAL_H

#include <stdint.h>

#include "include/abi/file.h"

struct fat_vol;

#define CHECKED(expr)                \
	do {                         \
		int err_ = (expr);   \
		if (err_)            \
			return err_; \
	} while (0)

/* The mounted volume. */
struct fat_vol *fs_volume(void);
/* A FAT_E_* as the enum kerror a client sees. */
int fs_error(int fat_err);
/* A lent path (len bytes at va) as a C string: absolute, no NUL inside, at most FILE_PATH_MAX. */
int fs_path(uint64_t va, uint64_t len, char out[FILE_PATH_MAX + 1]);
/* An r2 file call (FILE_OP_R2 + number) the kernel's r2 gate forwarded: r[0] its r2 code. */
int fs_r2(const uint64_t *w, uint64_t *r);
/* The programs the r2 calls started that have ended are forgotten (while idle). */
void fs_r2_reap(void);

#endif
