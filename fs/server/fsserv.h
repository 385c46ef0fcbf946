/*
 * The file server (fsserv.c): a process of init's image (`init fsserv
 * [DISK]`) that mounts a FAT12 volume on a block device of the device
 * manager and serves it as the Xous server FILE_SERVER_NAME: the calls the
 * kernel forwards for SYS_OPEN, SYS_READ, SYS_WRITE, SYS_SEEK, SYS_CLOSE,
 * SYS_FILE_CALL and the r2 file calls (include/abi/file.h).
 */
#ifndef FS_SERVER_FSSERV_H
#define FS_SERVER_FSSERV_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Start the server as a process of its own, given the manager's endpoint
 * (devmgr_endpoint) and a lifeline (it ends when its starter does), and
 * wait until it serves or gives up: E_OK, or E_NOT_FOUND when it found no
 * FAT12 volume. A thread of the caller's then watches it and starts it
 * again when it ends any other way than by fsserv_stop (backoff: 100 ms,
 * doubling, at most 5 restarts a minute). *process: the current one.
 */
int fsserv_start(uint64_t *process);
/* The same on the disk the manager names `disk` ("blk1"; "" for the first FAT12 one). */
int fsserv_start_on(const char *disk, uint64_t *process);
/* Ask the server to flush and end, wait for it; the watcher stops first. */
void fsserv_stop(uint64_t process);
/* Times the watcher started the server again, and a way to make it (tests). */
unsigned fsserv_restarts(void);
int fsserv_kill_for_test(void);
/* The server's main: argv[0] the disk's name ("blk1"), or none for the first FAT12 one. */
int fsserv_main(int argc, char **argv);

#endif
