/*
 * A FAT volume's device (struct fat_dev, fs/fat.h) over a session of the
 * block client library (drivers/lib/blkdev.h): the first BLKFAT_WINDOW
 * bytes of the session's data region are the bounce buffer, so the
 * session must be opened with at least that much. The file server's, and
 * the tests' that make or damage volumes behind its back.
 */
#ifndef FS_SERVER_BLKFAT_H
#define FS_SERVER_BLKFAT_H

#include "drivers/lib/blkdev.h"
#include "fs/fat.h"

#define BLKFAT_WINDOW (64u << 10)

/* The device over `d` (its total blocks, 512-byte ones only: the caller checks). */
struct fat_dev blkfat_dev(struct blkdev *d);

#endif
