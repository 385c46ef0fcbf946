/*
 * Physical frames: a buddy allocator over the usable RAM of struct
 * boot_info, in the zones of the Kernel API (Dma below 16 MiB, Normal above,
 * High empty on 64-bit). Metadata: one bit per frame, plus the links kept
 * inside free blocks themselves.
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <stddef.h>
#include <stdint.h>

#include "core/boot_info.h"
#include "include/abi/error.h"

#define FRAME_SIZE 4096ull
/*
 * Blocks of up to 2^18 frames (1 GiB). Large blocks keep free memory
 * untouched: only a free block's first frame is written, and under QEMU the
 * first write to a guest page costs the host a page of zeroing.
 */
#define PMM_MAX_ORDER  18
#define ZONE_DMA_LIMIT (16ull << 20)

enum zone { ZONE_DMA, ZONE_NORMAL, ZONE_HIGH, ZONE_COUNT };

struct zone_stats {
	size_t total_frames; /* RAM frames in the zone */
	size_t free_frames;
	size_t allocated_frames;
	size_t reserved_frames; /* firmware, kernel, boot data, allocator metadata */
};

/* MemoryStatistics of the Kernel API. */
struct memory_stats {
	size_t total_frames;
	size_t free_frames;
	size_t allocated_frames;
	size_t reserved_frames;
	struct zone_stats zone[ZONE_COUNT];
};

/*
 * Take over the usable RAM of `bi`; returns E_OK or E_OUT_OF_MEMORY when
 * nothing fits. Only frames below `reach` (what the boot-time direct map
 * covers) are touched and handed out until pmm_release_rest().
 */
int pmm_init(const struct boot_info *bi, uint64_t reach);
/* Hand out the frames above `reach` too, once the direct map covers them. */
void pmm_release_rest(void);
/* `count` contiguous frames from `zone`; returns E_OK and the first frame number in *frame. */
int allocate_frames(size_t count, enum zone zone, uint64_t *frame);
/* The same, from frames whose physical addresses all lie below `limit`. */
int allocate_frames_below(size_t count, enum zone zone, uint64_t limit, uint64_t *frame);
/* Give back frames; E_MEM_DOUBLE_FREE (and nothing changes) if any was not allocated. */
int free_frames(uint64_t frame, size_t count);
/* Totals and per-zone figures, consistent at the moment of the call. */
struct memory_stats memory_stats(void);
/* The zone a frame belongs to. */
enum zone frame_zone(uint64_t frame);
/* Free blocks of 2^order frames on a zone's lists (for tests and dumps). */
size_t pmm_free_blocks(enum zone zone, unsigned order);
/* Return the single-frame caches to the buddy lists, so that free memory coalesces. */
void pmm_drain_caches(void);
/* Print the statistics on the console. */
void pmm_dump(void);

#endif
