/* The r2 file calls 0x20..0x2b as the file server answers them (docs/r2-files.md). */
#include "fs/server/fsserv_internal.h"
#include "include/abi/error.h"

int fs_r2(const uint64_t *w, uint64_t *r)
{
	(void)w;
	(void)r;
	return E_NOT_IMPLEMENTED; /* the r2 gate does not forward yet */
}
