/*
 * User address spaces. Regions are few (an image's segments, a stack, what
 * mmap adds), so a sorted list is enough. Each page gets its own zeroed
 * frame; the frame goes back when the page is unmapped.
 */
#include "mm/vmspace.h"
#include "core/kstring.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"

#define ROOT_HALF (PT_ENTRIES / 2) /* root entries [0, 256) are user space on every arch */

static void copy_kernel_half(struct vmspace *vs)
{
	pte_t *dst = phys_to_virt(vs->pt.root), *src = phys_to_virt(vs->kernel->root);
	memcpy(dst + ROOT_HALF, src + ROOT_HALF, ROOT_HALF * sizeof(pte_t));
	vs->kernel_gen = vs->kernel->root_gen;
}

int vmspace_create(struct vmspace *vs, const struct page_table *kernel)
{
	memset(vs, 0, sizeof(*vs));
	int err = pt_create(&vs->pt, kernel->fmt, kernel->levels);
	if (err)
		return err;
	vs->pt.owned_roots = ROOT_HALF;
	vs->kernel = kernel;
	copy_kernel_half(vs);
	return E_OK;
}

void vmspace_sync(struct vmspace *vs)
{
	if (vs->kernel_gen != vs->kernel->root_gen)
		copy_kernel_half(vs);
}

static bool range_ok(uintptr_t va, size_t len)
{
	return len && !((va | len) & (PAGE_SIZE - 1)) && va >= USER_BASE && va < USER_TOP &&
	       len <= USER_TOP - va;
}

/* Unmap the pages of [va, end) that are mapped and free their frames. */
static void unmap_pages(struct vmspace *vs, uintptr_t va, uintptr_t end)
{
	for (; va < end; va += PAGE_SIZE) {
		uint64_t pa;
		if (unmap_page(&vs->pt, va, &pa) == E_OK) {
			free_frames(pa / FRAME_SIZE, 1);
			vs->mapped -= PAGE_SIZE;
		}
	}
}

static int user_frame(uint64_t *pa)
{
	uint64_t frame;
	int err = allocate_frames(1, ZONE_HIGH, &frame);
	if (err)
		err = allocate_frames(1, ZONE_NORMAL, &frame);
	if (err)
		err = allocate_frames(1, ZONE_DMA, &frame);
	if (err)
		return err;
	*pa = frame * FRAME_SIZE;
	memset(phys_to_virt(*pa), 0, PAGE_SIZE);
	return E_OK;
}

int vmspace_map(struct vmspace *vs, uintptr_t va, size_t len, unsigned flags)
{
	if (!range_ok(va, len) || (flags & (PTE_WRITABLE | PTE_NO_EXECUTE)) == PTE_WRITABLE)
		return E_MEM_BAD_ADDRESS; /* out of range, or writable and executable */
	uintptr_t end = va + len;
	struct vm_region **link = &vs->regions;
	while (*link && (*link)->end <= va)
		link = &(*link)->next;
	if (*link && (*link)->start < end)
		return E_MEM_ALREADY_MAPPED;
	struct vm_region *r = kmalloc(sizeof(*r));
	if (!r)
		return E_OUT_OF_MEMORY;
	flags |= PTE_PRESENT | PTE_USER;
	for (uintptr_t p = va; p < end; p += PAGE_SIZE) {
		uint64_t pa;
		int err = user_frame(&pa);
		if (!err) {
			err = map_page(&vs->pt, p, pa, flags);
			if (err)
				free_frames(pa / FRAME_SIZE, 1);
		}
		if (err) {
			unmap_pages(vs, va, p);
			kfree(r);
			return err;
		}
		vs->mapped += PAGE_SIZE;
	}
	*r = (struct vm_region){.start = va, .end = end, .flags = flags, .next = *link};
	*link = r;
	if (vs->mapped > vs->peak)
		vs->peak = vs->mapped;
	return E_OK;
}

int vmspace_unmap(struct vmspace *vs, uintptr_t va, size_t len)
{
	if (!range_ok(va, len))
		return E_MEM_BAD_ADDRESS;
	uintptr_t end = va + len;
	/* Every byte must be mapped: walk the regions covering [va, end) first. */
	struct vm_region **link = &vs->regions;
	while (*link && (*link)->end <= va)
		link = &(*link)->next;
	uintptr_t covered = va;
	for (struct vm_region *r = *link; r && covered < end && r->start <= covered; r = r->next)
		covered = r->end;
	if (covered < end)
		return E_MEM_NOT_MAPPED;
	/* A region split in two needs a new record: get it before changing anything. */
	struct vm_region *spare = NULL;
	if ((*link)->start < va && (*link)->end > end && !(spare = kmalloc(sizeof(*spare))))
		return E_OUT_OF_MEMORY;
	unmap_pages(vs, va, end);
	while (*link && (*link)->start < end) {
		struct vm_region *r = *link;
		if (r->start < va && r->end > end) { /* the middle goes */
			*spare = (struct vm_region){
			    .start = end, .end = r->end, .flags = r->flags, .next = r->next};
			r->end = va;
			r->next = spare;
			break;
		}
		if (r->start < va) { /* the tail goes */
			r->end = va;
			link = &r->next;
		} else if (r->end > end) { /* the head goes */
			r->start = end;
			break;
		} else { /* all of it */
			*link = r->next;
			kfree(r);
		}
	}
	return E_OK;
}

void vmspace_destroy(struct vmspace *vs)
{
	while (vs->regions) {
		struct vm_region *r = vs->regions;
		vs->regions = r->next;
		unmap_pages(vs, r->start, r->end);
		kfree(r);
	}
	pt_destroy(&vs->pt);
}

uintptr_t vmspace_find_free(const struct vmspace *vs, uintptr_t hint, size_t len)
{
	if (!len || len & (PAGE_SIZE - 1))
		return 0;
	uintptr_t va = hint < USER_BASE ? USER_BASE : (hint + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	for (const struct vm_region *r = vs->regions; r; r = r->next) {
		if (r->end <= va)
			continue;
		if (r->start >= va && r->start - va >= len)
			break;
		va = r->end;
	}
	return va < USER_TOP && USER_TOP - va >= len ? va : 0;
}

const struct vm_region *vmspace_region(const struct vmspace *vs, uintptr_t va)
{
	for (const struct vm_region *r = vs->regions; r && r->start <= va; r = r->next)
		if (va < r->end)
			return r;
	return NULL;
}
