/*
 * User address spaces. Regions are few (an image's segments, a stack, what
 * mmap adds), so a sorted list is enough. Each page of an anonymous region
 * gets its own zeroed frame; the frame goes back when the page is
 * unmapped. Other kinds only map frames someone else frees: borrowed pages
 * (their lender), physical ranges (the caller), shared regions (mm/shm.c).
 * Lent pages stay in the lender's table as parked entries (pt_park), so
 * giving them back needs no table and cannot fail.
 */
#include "mm/vmspace.h"
#include "arch/hal/trap.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "include/abi/syscall.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/shm.h"

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

/* Unmap the pages of [va, end) that are mapped; free their frames if the space owns them. */
static void unmap_pages(struct vmspace *vs, uintptr_t va, uintptr_t end, bool owned)
{
	for (; va < end; va += PAGE_SIZE) {
		uint64_t pa;
		if (unmap_page(&vs->pt, va, &pa) == E_OK && owned) {
			free_frames(pa / FRAME_SIZE, 1);
			vs->mapped -= PAGE_SIZE;
		}
	}
}

/* The link to the first region ending after `va`. */
static struct vm_region **link_after(struct vmspace *vs, uintptr_t va)
{
	struct vm_region **link = &vs->regions;
	while (*link && (*link)->end <= va)
		link = &(*link)->next;
	return link;
}

/* Link a new region record for the free range [va, end); E_MEM_ALREADY_MAPPED if it is not free. */
static int insert_region(struct vmspace *vs, struct vm_region *r)
{
	struct vm_region **link = link_after(vs, r->start);
	if (*link && (*link)->start < r->end)
		return E_MEM_ALREADY_MAPPED;
	r->next = *link;
	*link = r;
	return E_OK;
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
	if ((flags & (PTE_WRITABLE | PTE_NO_EXECUTE)) == PTE_WRITABLE)
		return E_MEM_BAD_ADDRESS; /* writable and executable */
	return vmspace_map_wx(vs, va, len, flags);
}

int vmspace_map_wx(struct vmspace *vs, uintptr_t va, size_t len, unsigned flags)
{
	if (!range_ok(va, len))
		return E_MEM_BAD_ADDRESS;
	uintptr_t end = va + len;
	struct vm_region **link = link_after(vs, va);
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
			unmap_pages(vs, va, p, true);
			kfree(r);
			return err;
		}
		vs->mapped += PAGE_SIZE;
	}
	*r = (struct vm_region){
	    .start = va, .end = end, .flags = flags, .kind = VM_ANON, .vs = vs, .next = *link};
	*link = r;
	if (vs->mapped > vs->peak)
		vs->peak = vs->mapped;
	return E_OK;
}

int vmspace_can_unmap(const struct vmspace *vs, uintptr_t va, size_t len)
{
	if (!range_ok(va, len))
		return E_MEM_BAD_ADDRESS;
	uintptr_t end = va + len;
	/* Every byte must be mapped, and none lent, borrowed or pinned. */
	uintptr_t covered = va;
	bool busy = false; /* vmspace_unlend() owns lent and borrowed pages until it runs */
	for (const struct vm_region *r = vmspace_region(vs, va);
	     r && covered < end && r->start <= covered; r = r->next) {
		busy |= r->lent || r->pinned || r->dma_pins || r->kind == VM_BORROWED;
		covered = r->end;
	}
	return covered < end ? E_MEM_NOT_MAPPED : busy ? E_BUSY : E_OK;
}

int vmspace_pin(struct vmspace *vs, uintptr_t va, bool pinned)
{
	struct vm_region *r = *link_after(vs, va);
	if (!r || r->start != va)
		return E_MEM_NOT_MAPPED;
	r->pinned = pinned;
	return E_OK;
}

int vmspace_dma_pin(struct vmspace *vs, uintptr_t va, size_t len, uint64_t *pa)
{
	if (!len || !range_ok(va, len))
		return E_MEM_BAD_ADDRESS;
	struct vm_region *r = *link_after(vs, va);
	if (!r || r->start > va || r->end < va + len)
		return E_MEM_NOT_MAPPED;
	/*
	 * The space's own memory, or a shared region's pages none but that
	 * region holds (a copy-on-write page would change under the device);
	 * not the kernel's own pinned pages (an IPC buffer goes with its thread).
	 */
	if ((r->kind != VM_ANON && r->kind != VM_SHM) || r->lent || r->pinned ||
	    r->dma_pins == UINT16_MAX || (r->kind == VM_SHM && r->shm->dma_pins == UINT32_MAX))
		return E_MEM_BAD_ADDRESS;
	for (size_t i = 0; i < len / PAGE_SIZE; i++) {
		uintptr_t at = va + i * PAGE_SIZE;
		if (r->kind == VM_SHM &&
		    shm_shares(r->shm, r->first + (at - r->start) / PAGE_SIZE) != 1)
			return E_BUSY;
		if (translate(&vs->pt, at, &pa[i]))
			return E_MEM_NOT_MAPPED; /* mapped pages are always present: a defence */
	}
	r->dma_pins++;
	if (r->kind == VM_SHM)
		r->shm->dma_pins++;
	return E_OK;
}

void vmspace_dma_unpin(struct vmspace *vs, uintptr_t va)
{
	struct vm_region *r = *link_after(vs, va);
	if (r && r->start <= va && r->dma_pins) {
		r->dma_pins--;
		if (r->kind == VM_SHM && r->shm->dma_pins)
			r->shm->dma_pins--;
	}
}

int vmspace_unmap(struct vmspace *vs, uintptr_t va, size_t len)
{
	int err = vmspace_can_unmap(vs, va, len);
	if (err)
		return err;
	uintptr_t end = va + len;
	struct vm_region **link = link_after(vs, va);
	/* A region split in two needs a new record: get it before changing anything. */
	struct vm_region *spare = NULL;
	if ((*link)->start < va && (*link)->end > end && !(spare = kmalloc(sizeof(*spare))))
		return E_OUT_OF_MEMORY;
	while (*link && (*link)->start < end) {
		struct vm_region *r = *link;
		unmap_pages(vs, r->start > va ? r->start : va, r->end < end ? r->end : end,
			    r->kind == VM_ANON);
		if (r->start < va && r->end > end) { /* the middle goes */
			*spare = *r;
			spare->start = end;
			spare->first += (end - r->start) / PAGE_SIZE;
			if (r->kind == VM_SHM)
				shm_attach(spare); /* each record holds its own reference */
			r->end = va;
			r->next = spare;
			break;
		}
		if (r->start < va) { /* the tail goes */
			r->end = va;
			link = &r->next;
		} else if (r->end > end) { /* the head goes */
			r->first += (end - r->start) / PAGE_SIZE;
			r->start = end;
			break;
		} else { /* all of it */
			*link = r->next;
			if (r->kind == VM_SHM)
				shm_detach(r);
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
		/*
		 * Lent pages are parked, not mapped: unmap_pages() leaves them. The
		 * IPC layer unlends before a space dies; if it did not, the frames
		 * leak rather than stay mapped, freed, in the borrower.
		 */
		if (r->lent)
			pr_warn("vmspace: destroyed with pages lent at %#lx",
				(unsigned long)r->start);
		unmap_pages(vs, r->start, r->end, r->kind == VM_ANON);
		if (r->kind == VM_SHM)
			shm_detach(r);
		kfree(r);
	}
	pt_destroy(&vs->pt);
}

/*
 * Split the region holding `at` (strictly inside it) in two, using `spare`.
 * Returns whether `spare` was used.
 */
#define LEND_CHUNK 64 /* pages a lend translates and maps at a time (their frames on the stack) */

static bool split_at(struct vmspace *vs, uintptr_t at, struct vm_region *spare)
{
	struct vm_region *r = *link_after(vs, at);
	if (!r || r->start >= at)
		return false;
	*spare = *r;
	spare->start = at;
	r->end = at;
	r->next = spare;
	return true;
}

/* [va, end) lies in VM_ANON regions of `vs`, none lent, and (if `write`) writable. */
static int lendable(struct vmspace *vs, uintptr_t va, uintptr_t end, bool write)
{
	uintptr_t covered = va;
	for (struct vm_region *r = *link_after(vs, va); r && covered < end && r->start <= covered;
	     r = r->next) {
		if (r->kind != VM_ANON || r->lent || r->pinned || r->dma_pins)
			return E_MEM_BAD_ADDRESS;
		if (write && !(r->flags & PTE_WRITABLE))
			return E_PERMISSION_DENIED;
		covered = r->end;
	}
	return covered < end ? E_MEM_BAD_ADDRESS : E_OK;
}

int vmspace_lend_check(struct vmspace *from, uintptr_t va, size_t len, bool writable)
{
	if (!range_ok(va, len))
		return E_MEM_BAD_ADDRESS;
	return lendable(from, va, va + len, writable);
}

int vmspace_lend(struct vmspace *from, uintptr_t va, size_t len, struct vmspace *to, uintptr_t hint,
		 bool writable, uintptr_t *to_va)
{
	if (!range_ok(va, len))
		return E_MEM_BAD_ADDRESS;
	uintptr_t end = va + len;
	int err = lendable(from, va, end, writable);
	if (err)
		return err;
	uintptr_t dst = vmspace_find_free(to, hint, len);
	if (!dst)
		return E_OUT_OF_MEMORY;
	/* Everything unlend needs: the borrower's record, and two for splits in the lender. */
	struct vm_region *rec = kmalloc(sizeof(*rec)),
			 *spare[2] = {kmalloc(sizeof(*rec)), kmalloc(sizeof(*rec))};
	if (!rec || !spare[0] || !spare[1])
		goto oom;
	unsigned flags = PTE_PRESENT | PTE_USER | PTE_NO_EXECUTE | (writable ? PTE_WRITABLE : 0);
	for (uintptr_t off = 0; off < len; off += LEND_CHUNK * PAGE_SIZE) {
		uint64_t pas[LEND_CHUNK];
		size_t n =
		    (len - off) / PAGE_SIZE < LEND_CHUNK ? (len - off) / PAGE_SIZE : LEND_CHUNK;
		err = pt_translate_range(&from->pt, va + off, n, pas);
		if (!err)
			err = pt_map_pages(&to->pt, dst + off, pas, n, flags);
		if (err) {
			pt_unmap_range(&to->pt, dst, (off / PAGE_SIZE) + n);
			goto fail;
		}
	}
	/* From here nothing fails (each page was just translated): park them, mark the regions. */
	pt_park_range(&from->pt, va, len / PAGE_SIZE);
	unsigned used = split_at(from, va, spare[0]);
	used += split_at(from, end, spare[used]);
	while (used < 2)
		kfree(spare[used++]); /* the spares a split did not take */
	for (struct vm_region *r = *link_after(from, va); r && r->start < end; r = r->next)
		r->lent = true;
	*rec = (struct vm_region){
	    .start = dst, .end = dst + len, .flags = flags, .kind = VM_BORROWED, .vs = to};
	insert_region(to, rec); /* free: vmspace_find_free() said so */
	*to_va = dst;
	return E_OK;
oom:
	err = E_OUT_OF_MEMORY;
fail:
	kfree(rec);
	kfree(spare[0]);
	kfree(spare[1]);
	return err;
}

void vmspace_unlend(struct vmspace *from, uintptr_t va, size_t len, struct vmspace *to,
		    uintptr_t to_va)
{
	uintptr_t end = va + len;
	struct vm_region **link = link_after(to, to_va);
	if (*link && (*link)->start == to_va && (*link)->kind == VM_BORROWED) {
		struct vm_region *r = *link;
		*link = r->next;
		kfree(r);
	}
	pt_unmap_range(&to->pt, to_va, len / PAGE_SIZE);
	pt_unpark_range(&from->pt, va, len / PAGE_SIZE);
	for (struct vm_region *r = *link_after(from, va); r && r->start < end; r = r->next)
		r->lent = false;
}

void vmspace_lend_orphan(struct vmspace *from, uintptr_t va, size_t len, struct vmspace *to,
			 uintptr_t to_va)
{
	uintptr_t end = va + len;
	for (uintptr_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t pa;
		if (pt_unpark(&from->pt, va + off) == E_OK &&
		    unmap_page(&from->pt, va + off, &pa) == E_OK)
			from->mapped -= PAGE_SIZE; /* gone from the lender, frame kept */
	}
	/* Then the borrower's (after, so that a space lending to itself keeps its peak). */
	struct vm_region **link = link_after(to, to_va);
	if (*link && (*link)->start == to_va && (*link)->kind == VM_BORROWED) {
		(*link)->kind = VM_ANON; /* the borrower's own now: it frees them */
		to->mapped += len;
		if (to->mapped > to->peak)
			to->peak = to->mapped;
	}
	/* The lend split the lender's regions at va and end: drop the lent records between. */
	link = link_after(from, va);
	while (*link && (*link)->start < end) {
		struct vm_region *r = *link;
		*link = r->next;
		kfree(r);
	}
}

int vmspace_map_phys(struct vmspace *vs, uintptr_t va, uint64_t pa, size_t len, unsigned flags)
{
	if (!range_ok(va, len) || pa & (PAGE_SIZE - 1) || len > UINT64_MAX - pa ||
	    (flags & (PTE_WRITABLE | PTE_NO_EXECUTE)) == PTE_WRITABLE)
		return E_MEM_BAD_ADDRESS;
	struct vm_region *r = kmalloc(sizeof(*r));
	if (!r)
		return E_OUT_OF_MEMORY;
	flags |= PTE_PRESENT | PTE_USER;
	*r = (struct vm_region){
	    .start = va, .end = va + len, .flags = flags, .kind = VM_PHYS, .vs = vs};
	int err = insert_region(vs, r);
	for (uintptr_t off = 0; !err && off < len; off += PAGE_SIZE) {
		err = map_page(&vs->pt, va + off, pa + off, flags);
		if (err) {
			unmap_pages(vs, va, va + off, false);
			struct vm_region **link = link_after(vs, va);
			*link = r->next;
		}
	}
	if (err)
		kfree(r);
	return err;
}

int vmspace_map_shm(struct vmspace *vs, uintptr_t va, struct shm *shm, bool writable)
{
	size_t len = shm->pages * PAGE_SIZE;
	if (!range_ok(va, len))
		return E_MEM_BAD_ADDRESS;
	if (writable && !(shm->prot & PROT_WRITE))
		return E_PERMISSION_DENIED;
	struct vm_region *r = kmalloc(sizeof(*r));
	if (!r)
		return E_OUT_OF_MEMORY;
	unsigned flags = PTE_PRESENT | PTE_USER | PTE_NO_EXECUTE | (writable ? PTE_WRITABLE : 0);
	*r = (struct vm_region){
	    .start = va, .end = va + len, .flags = flags, .kind = VM_SHM, .shm = shm, .vs = vs};
	int err = insert_region(vs, r);
	for (size_t i = 0; !err && i < shm->pages; i++) {
		err = map_page(&vs->pt, va + i * PAGE_SIZE, shm->page[i]->pa, shm_page_flags(r, i));
		if (err) {
			unmap_pages(vs, va, va + i * PAGE_SIZE, false);
			*link_after(vs, va) = r->next;
		}
	}
	if (err) {
		kfree(r);
		return err;
	}
	shm_attach(r);
	return E_OK;
}

int vmspace_fault(const struct vmspace *vs, uintptr_t addr, unsigned access)
{
	const struct vm_region *r = vmspace_region(vs, addr);
	uint64_t pa;
	if (!(access & FAULT_WRITE) || access & FAULT_EXEC || !r || r->kind != VM_SHM ||
	    !(r->flags & PTE_WRITABLE) || translate(&vs->pt, addr, &pa))
		return E_MEM_BAD_ADDRESS; /* only a write to a present shared page can be owed */
	return shm_write_fault(r->shm, r->first + (addr - r->start) / PAGE_SIZE);
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
