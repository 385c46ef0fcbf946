/*
 * TEMPORARY stand-ins for the file server's entry points (fs/server/),
 * until it is merged: weak, so the real ones win; remove on the merge.
 */
#include "fsserv_weak.h"
#include "include/abi/error.h"

__attribute__((weak)) int fsserv_start(uint64_t *proc)
{
	*proc = 0;
	return E_NOT_IMPLEMENTED;
}

__attribute__((weak)) void fsserv_stop(uint64_t proc)
{
	(void)proc;
}
