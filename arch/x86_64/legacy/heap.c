/*
 * The r2 heap: per process, a region of R2_HEAP_SIZE bytes at R2_HEAP_VA
 * in its own address space, mapped (zeroed, read-write, never executable)
 * on the first allocation and freed with the address space. The block
 * list lives in the kernel, out of the process's reach, so a wild write
 * cannot corrupt it and a bad address to free or realloc is an error.
 * Slots of processes that have ended (zombies too) are reused.
 */
#include "core/kstring.h"
#include "core/process.h"
#include "legacy.h"
#include "mm/uaccess.h"

#define R2_HEAP_VA     0x600000000000ul
#define R2_HEAP_SIZE   (1ul << 20)
#define R2_HEAP_BLOCKS 256
#define R2_HEAP_ALIGN  16

struct block {
	uint32_t off, len; /* len rounded up to R2_HEAP_ALIGN */
};

struct heap {
	uint64_t pid; /* 0: free */
	uint32_t n;
	struct block b[R2_HEAP_BLOCKS]; /* sorted by offset */
};

static struct heap heaps[R2_HEAPS];

static struct heap *heap_of(struct process *p, bool create)
{
	struct heap *spare = NULL;
	for (unsigned i = 0; i < R2_HEAPS; i++) {
		if (heaps[i].pid == p->pid)
			return &heaps[i];
		if (!spare && (!heaps[i].pid || r2_process_gone(heaps[i].pid)))
			spare = &heaps[i];
	}
	if (!create || !spare)
		return NULL;
	if (!vmspace_region(&p->vs, R2_HEAP_VA) &&
	    vmspace_map(&p->vs, R2_HEAP_VA, R2_HEAP_SIZE, PTE_WRITABLE | PTE_NO_EXECUTE))
		return NULL;
	spare->pid = p->pid;
	spare->n = 0;
	return spare;
}

static int find(const struct heap *h, uint64_t addr)
{
	for (uint32_t i = 0; i < h->n; i++)
		if (R2_HEAP_VA + h->b[i].off == addr)
			return (int)i;
	return -1;
}

/* The first gap of `len` bytes; the index to insert at in *at. */
static bool gap(const struct heap *h, uint32_t len, uint32_t *off, uint32_t *at)
{
	uint32_t start = 0;
	for (uint32_t i = 0; i <= h->n; i++) {
		uint32_t end = i < h->n ? h->b[i].off : R2_HEAP_SIZE;
		if (end - start >= len) {
			*off = start;
			*at = i;
			return true;
		}
		if (i < h->n)
			start = h->b[i].off + h->b[i].len;
	}
	return false;
}

static uint64_t alloc_in(struct heap *h, uint64_t size)
{
	uint32_t off, at, len = (uint32_t)((size + R2_HEAP_ALIGN - 1) & ~(R2_HEAP_ALIGN - 1ul));
	if (h->n == R2_HEAP_BLOCKS || !gap(h, len, &off, &at))
		return 0;
	memmove(&h->b[at + 1], &h->b[at], (h->n - at) * sizeof(h->b[0]));
	h->b[at] = (struct block){.off = off, .len = len};
	h->n++;
	return R2_HEAP_VA + off;
}

static void remove_at(struct heap *h, int i)
{
	memmove(&h->b[i], &h->b[i + 1], (h->n - (uint32_t)i - 1) * sizeof(h->b[0]));
	h->n--;
}

uint64_t r2_heap_alloc(struct process *p, uint64_t size)
{
	if (!size || size > R2_HEAP_SIZE)
		return 0;
	struct heap *h = heap_of(p, true);
	return h ? alloc_in(h, size) : 0;
}

uint64_t r2_heap_free(struct process *p, uint64_t addr)
{
	struct heap *h = heap_of(p, false);
	int i = h ? find(h, addr) : -1;
	if (i < 0)
		return R2_INVALID_INPUT;
	remove_at(h, i);
	return R2_OK;
}

/* Copy `n` bytes inside the caller's heap, through the kernel. */
static bool move_user(struct process *p, uint64_t dst, uint64_t src, uint64_t n)
{
	uint8_t buf[256];
	for (uint64_t done = 0; done < n; done += sizeof(buf)) {
		size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
		if (copy_from_user(&p->vs, buf, src + done, k) ||
		    copy_to_user(&p->vs, dst + done, buf, k))
			return false;
	}
	return true;
}

/* In place when the block can grow into the gap after it; else moved. The old block stays on failure. */
uint64_t r2_heap_realloc(struct process *p, uint64_t addr, uint64_t size)
{
	if (!addr)
		return r2_heap_alloc(p, size);
	struct heap *h = heap_of(p, false);
	int i = h ? find(h, addr) : -1;
	if (i < 0 || !size || size > R2_HEAP_SIZE)
		return 0;
	uint32_t len = (uint32_t)((size + R2_HEAP_ALIGN - 1) & ~(R2_HEAP_ALIGN - 1ul));
	uint32_t limit = (uint32_t)i + 1 < h->n ? h->b[i + 1].off : R2_HEAP_SIZE;
	if (h->b[i].off + len <= limit) {
		h->b[i].len = len;
		return addr;
	}
	uint32_t old_len = h->b[i].len;
	uint64_t to = alloc_in(h, size);
	if (!to)
		return 0;
	i = find(h, addr); /* the insertion may have moved it */
	if (!move_user(p, to, addr, old_len)) {
		remove_at(h, find(h, to));
		return 0;
	}
	remove_at(h, i);
	return to;
}

bool r2_heap_contains(struct process *p, uint64_t addr, uint64_t size)
{
	return size && heap_of(p, false) && addr >= R2_HEAP_VA &&
	       addr - R2_HEAP_VA <= R2_HEAP_SIZE && size <= R2_HEAP_SIZE - (addr - R2_HEAP_VA);
}

static uint64_t used_in(const struct heap *h)
{
	uint64_t used = 0;
	for (uint32_t i = 0; i < h->n; i++)
		used += h->b[i].len;
	return used;
}

void r2_heap_stats(struct process *p, struct r2_heap_stats *s)
{
	*s = (struct r2_heap_stats){.va = R2_HEAP_VA, .size = R2_HEAP_SIZE};
	for (unsigned i = 0; i < R2_HEAPS; i++) {
		bool live = heaps[i].pid && !r2_process_gone(heaps[i].pid);
		s->pid[i] = live ? heaps[i].pid : 0;
		s->used_by[i] = live ? used_in(&heaps[i]) : 0;
	}
	const struct heap *h = heap_of(p, false);
	if (!h) { /* mapped at the first allocation: all of it free */
		s->largest_free = R2_HEAP_SIZE;
		s->blocks = s->free_blocks = 1;
		return;
	}
	s->used = used_in(h);
	s->blocks = h->n;
	/* The gaps between the blocks, and after the last, are the free blocks. */
	uint32_t start = 0;
	for (uint32_t i = 0; i <= h->n; i++) {
		uint32_t end = i < h->n ? h->b[i].off : R2_HEAP_SIZE;
		if (end > start) {
			s->free_blocks++;
			if (end - start > s->largest_free)
				s->largest_free = end - start;
		}
		if (i < h->n)
			start = h->b[i].off + h->b[i].len;
	}
	s->blocks += s->free_blocks;
}
