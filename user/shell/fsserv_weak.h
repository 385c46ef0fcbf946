/*
 * TEMPORARY, until the file server (fs/server/) is merged: its two entry
 * points as fs/server/fsserv.h declares them. On the merge, include
 * "fs/server/fsserv.h" instead and delete this file and fsserv_weak.c.
 */
#ifndef USER_SHELL_FSSERV_WEAK_H
#define USER_SHELL_FSSERV_WEAK_H

#include <stdint.h>

/* Start the file server as a process of its own, on the disk the manager found. */
int fsserv_start(uint64_t *proc);
/* Stop it: everything acknowledged is on the disk already; it flushes and ends. */
void fsserv_stop(uint64_t proc);

#endif
