/*
 * Shared regions: the Zero-Copy Operations of the Kernel API. A region is
 * an object of zeroed frames with a size, its permissions and a reference
 * count (its mappings, VM_SHM regions of any space, plus the capabilities
 * naming it); the last reference frees it. Transfers: Move and Share are
 * capability and mapping moves (core/sys_shm.c); CopyOnWrite makes a new
 * object whose pages start shared with the source's, read-only in every
 * mapping of either, and copied for the writer on the first write.
 */
#ifndef MM_SHM_H
#define MM_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/vmspace.h"

#define SHM_MAX_SIZE (64ul << 20) /* bounds the page array a region needs */

/*
 * One frame of a region, shared by `shares` objects (copy-on-write). The
 * frame allocator has no per-frame metadata, and only shared-region frames
 * can be shared, so the count lives in this record, which every object
 * holding the frame points at: found in O(1) from the page, freed with the
 * frame when the last object lets go. 16 bytes a page, and no table to size.
 */
struct shm_page {
	uint64_t pa;
	uint32_t shares;
};

struct shm {
	uint64_t id;   /* never reused: a stale capability never names a new object */
	size_t pages;  /* size / PAGE_SIZE */
	unsigned prot; /* PROT_READ, PROT_WRITE (include/abi/syscall.h) */
	uint32_t refs; /* mappings + capabilities (+ the creator's, until shm_put) */
	struct shm_page **page;
	struct vm_region *maps; /* VM_SHM regions mapping it, through shm_next */
	uint32_t dma_pins;	/* DMA_PIN pins of its mappings: no copy-on-write while any */
	struct shm *next;	/* every object */
};

/* A new region of `size` bytes (rounded up to pages) of zeroed frames, holding one reference. */
int shm_create(size_t size, unsigned prot, struct shm **out);
/*
 * A new object (one reference) whose pages are `src`'s, shared copy-on-write:
 * every mapping of `src` loses write access to them until it writes.
 * E_BUSY while a device may be using its pages (dma_pins): a copy would
 * leave the device with the other object's frame.
 */
int shm_cow(struct shm *src, struct shm **out);
/* The live object with this id, or NULL. */
struct shm *shm_find(uint64_t id);
void shm_get(struct shm *shm);
/* Drop a reference; the last one frees the object and the frames no other object holds. */
void shm_put(struct shm *shm);
/* Unmap every mapping of `shm` in `vs` (Move: it vanishes from the sender). */
void shm_unmap_all(struct shm *shm, struct vmspace *vs);
/* How many objects hold page `i` of `shm` (1: it is the object's own). */
uint32_t shm_shares(const struct shm *shm, size_t i);

/* For vmspace.c: a VM_SHM region joins or leaves its object's mappings (a reference each). */
void shm_attach(struct vm_region *r);
void shm_detach(struct vm_region *r);
/* The PTE flags page `i` gets in VM_SHM region `r`: writable only if not shared. */
unsigned shm_page_flags(const struct vm_region *r, size_t i);
/* A write to page `i` of `shm`: copy it if shared, then let every mapping write it. */
int shm_write_fault(struct shm *shm, size_t i);

#endif
