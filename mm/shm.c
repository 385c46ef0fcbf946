/*
 * Shared regions. Objects are few and long-lived, so one list finds them by
 * id. Each keeps the VM_SHM regions that map it, so a copy-on-write break
 * or a transfer can reach every page-table entry of its pages in whatever
 * space. TLB: a changed entry is flushed on this CPU; every other space is
 * flushed whole when its root is activated (no ASIDs or PCIDs in use), and
 * one CPU runs user code, so no remote shootdown is needed yet.
 */
#include "mm/shm.h"
#include "cap/cap.h"
#include "core/kstring.h"
#include "include/abi/syscall.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"

static struct shm *all;
static uint64_t next_id = 1;

static void cap_get(uint64_t id)
{
	struct shm *shm = shm_find(id);
	if (shm)
		shm_get(shm);
}

static void cap_put(uint64_t id)
{
	struct shm *shm = shm_find(id);
	if (shm)
		shm_put(shm);
}

static const struct cap_object_ops cap_ops = {.get = cap_get, .put = cap_put};

struct shm *shm_find(uint64_t id)
{
	for (struct shm *s = all; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

void shm_get(struct shm *shm)
{
	shm->refs++;
}

static void page_put(struct shm_page *pg)
{
	if (pg && --pg->shares == 0) {
		free_frames(pg->pa / FRAME_SIZE, 1);
		kfree(pg);
	}
}

/* Free an object with no references (or one never published). */
static void destroy(struct shm *shm)
{
	for (struct shm **link = &all; *link; link = &(*link)->next)
		if (*link == shm) {
			*link = shm->next;
			break;
		}
	for (size_t i = 0; i < shm->pages; i++)
		page_put(shm->page[i]);
	kfree(shm->page);
	kfree(shm);
}

void shm_put(struct shm *shm)
{
	if (--shm->refs == 0)
		destroy(shm);
}

/* An object of `pages` pages with an empty page array, not yet on the list. */
static struct shm *shm_new(size_t pages, unsigned prot)
{
	struct shm *shm = kzalloc(sizeof(*shm));
	if (!shm)
		return NULL;
	shm->page = kzalloc(pages * sizeof(*shm->page));
	if (!shm->page) {
		kfree(shm);
		return NULL;
	}
	shm->pages = pages;
	shm->prot = prot;
	shm->refs = 1;
	return shm;
}

static void publish(struct shm *shm)
{
	shm->id = next_id++;
	shm->next = all;
	all = shm;
	/* Capabilities hold references from the first region on (idempotent). */
	cap_set_object_ops(OBJ_SHARED_REGION, &cap_ops);
}

static int page_alloc(struct shm_page **out)
{
	uint64_t frame;
	struct shm_page *pg = kmalloc(sizeof(*pg));
	if (!pg)
		return E_OUT_OF_MEMORY;
	int err = allocate_frames(1, ZONE_HIGH, &frame);
	if (err)
		err = allocate_frames(1, ZONE_NORMAL, &frame);
	if (err)
		err = allocate_frames(1, ZONE_DMA, &frame);
	if (err) {
		kfree(pg);
		return err;
	}
	pg->pa = frame * FRAME_SIZE;
	pg->shares = 1;
	memset(phys_to_virt(pg->pa), 0, PAGE_SIZE);
	*out = pg;
	return E_OK;
}

int shm_create(size_t size, unsigned prot, struct shm **out)
{
	if (!size || size > SHM_MAX_SIZE || !prot || prot & ~(unsigned)(PROT_READ | PROT_WRITE))
		return E_INVALID_PARAMETER;
	size_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	struct shm *shm = shm_new(pages, prot | PROT_READ);
	if (!shm)
		return E_OUT_OF_MEMORY;
	for (size_t i = 0; i < pages; i++) {
		int err = page_alloc(&shm->page[i]);
		if (err) {
			destroy(shm);
			return err;
		}
	}
	publish(shm);
	*out = shm;
	return E_OK;
}

unsigned shm_page_flags(const struct vm_region *r, size_t i)
{
	unsigned flags = r->flags;
	if (r->shm->page[i]->shares > 1)
		flags &= ~(unsigned)PTE_WRITABLE; /* copy-on-write: the first write faults */
	return flags;
}

/* Point every mapping of page `i` of `shm` at its current frame, with its current rights. */
static void remap_page(struct shm *shm, size_t i)
{
	for (struct vm_region *r = shm->maps; r; r = r->shm_next) {
		size_t n = (size_t)(r->end - r->start) / PAGE_SIZE;
		if (i < r->first || i >= r->first + n)
			continue;
		uintptr_t va = r->start + (i - r->first) * PAGE_SIZE;
		pt_set_leaf(&r->vs->pt, va, shm->page[i]->pa, shm_page_flags(r, i));
	}
}

int shm_cow(struct shm *src, struct shm **out)
{
	if (src->dma_pins)
		return E_BUSY;
	struct shm *copy = shm_new(src->pages, src->prot);
	if (!copy)
		return E_OUT_OF_MEMORY;
	for (size_t i = 0; i < src->pages; i++) {
		copy->page[i] = src->page[i];
		copy->page[i]->shares++;
	}
	for (size_t i = 0; i < src->pages; i++)
		remap_page(src, i); /* shared now: read-only everywhere */
	publish(copy);
	*out = copy;
	return E_OK;
}

int shm_write_fault(struct shm *shm, size_t i)
{
	if (i >= shm->pages)
		return E_MEM_BAD_ADDRESS;
	struct shm_page *old = shm->page[i];
	if (old->shares > 1) {
		struct shm_page *mine;
		int err = page_alloc(&mine);
		if (err)
			return err;
		memcpy(phys_to_virt(mine->pa), phys_to_virt(old->pa), PAGE_SIZE);
		shm->page[i] = mine;
		/*
		 * The other holders keep the old frame; their mappings stay
		 * read-only and become writable at their next write, when this
		 * runs for them and finds the page theirs alone.
		 */
		old->shares--;
	}
	remap_page(shm, i);
	return E_OK;
}

uint32_t shm_shares(const struct shm *shm, size_t i)
{
	return i < shm->pages ? shm->page[i]->shares : 0;
}

void shm_attach(struct vm_region *r)
{
	r->shm_next = r->shm->maps;
	r->shm->maps = r;
	shm_get(r->shm);
}

void shm_detach(struct vm_region *r)
{
	for (struct vm_region **link = &r->shm->maps; *link; link = &(*link)->shm_next)
		if (*link == r) {
			*link = r->shm_next;
			break;
		}
	shm_put(r->shm);
}

void shm_unmap_all(struct shm *shm, struct vmspace *vs)
{
	shm_get(shm); /* the last mapping's reference may be the last one */
	/* vmspace_unmap() unlinks the region: start again from the head each time. */
	for (struct vm_region *r = shm->maps; r;) {
		if (r->vs != vs) {
			r = r->shm_next;
			continue;
		}
		vmspace_unmap(vs, r->start, r->end - r->start); /* a whole region: cannot fail */
		r = shm->maps;
	}
	shm_put(shm);
}
