/*
 * The page-table walker. Every arch has 512-entry tables of 8-byte entries
 * indexed by 9 bits per level above the 12-bit page offset; only the entry
 * encoding differs, and that comes from pt->fmt. Tables are reached through
 * the direct map. A change to a live entry is followed by a TLB flush of
 * that address; a new mapping too where the format says the TLB may cache
 * invalid entries (RISC-V).
 */
#include "mm/pt.h"
#include "core/kstring.h"
#include "mm/phys.h"
#include "mm/pmm.h"

static inline pte_t *table_at(uint64_t pa)
{
	return phys_to_virt(pa);
}

/* The next table an entry above level 0 points at, or 0 when it points at none. */
static inline uint64_t next_table(const struct pt_format *fmt, pte_t e)
{
	if ((e & fmt->table_mask) != fmt->table_match)
		return 0;
	return ((e >> fmt->addr_shift) & fmt->addr_mask) << PAGE_SHIFT;
}

static inline unsigned index_of(uintptr_t va, unsigned level)
{
	return (unsigned)(va >> PT_LEVEL_SHIFT(level)) & (PT_ENTRIES - 1);
}

/* The address must be canonical for the table's depth: bits above the top index copy it. */
static bool va_ok(const struct page_table *pt, uintptr_t va)
{
	unsigned bits = PT_LEVEL_SHIFT(pt->levels); /* 39 for 3 levels, 48 for 4 */
	intptr_t sext = (intptr_t)((uint64_t)va << (64 - bits)) >> (64 - bits);
	return (uintptr_t)sext == va;
}

static int table_alloc(struct page_table *pt, uint64_t *pa)
{
	uint64_t frame;
	int err = pt->table_limit ? allocate_frames_below(1, ZONE_NORMAL, pt->table_limit, &frame)
				  : allocate_frames(1, ZONE_NORMAL, &frame);
	if (err == E_OUT_OF_MEMORY)
		err = pt->table_limit ? allocate_frames_below(1, ZONE_DMA, pt->table_limit, &frame)
				      : allocate_frames(1, ZONE_DMA, &frame);
	if (err)
		return err;
	*pa = frame * FRAME_SIZE;
	memset(table_at(*pa), 0, PAGE_SIZE);
	pt->tables++;
	return E_OK;
}

static void table_free(struct page_table *pt, uint64_t pa)
{
	free_frames(pa / FRAME_SIZE, 1);
	pt->tables--;
}

int pt_create(struct page_table *pt, const struct pt_format *fmt, unsigned levels)
{
	if (!fmt || levels < 2 || levels > 5)
		return E_INVALID_PARAMETER;
	pt->fmt = fmt;
	pt->levels = levels;
	pt->tables = 0;
	pt->root_gen = 0;
	pt->owned_roots = 0;
	pt->keep_top = false;
	return table_alloc(pt, &pt->root);
}

static void destroy_level(struct page_table *pt, uint64_t table, unsigned level)
{
	pte_t *t = table_at(table);
	unsigned n = level == pt->levels - 1 && pt->owned_roots ? pt->owned_roots : PT_ENTRIES;

	if (level > 0)
		for (unsigned i = 0; i < n; i++)
			if (pt->fmt->kind(t[i], level) == PTE_KIND_TABLE)
				destroy_level(pt, pt->fmt->addr(t[i]), level - 1);
	table_free(pt, table);
}

void pt_destroy(struct page_table *pt)
{
	if (pt->root)
		destroy_level(pt, pt->root, pt->levels - 1);
	pt->root = 0;
}

/* Inlined into map_page() with level 0, so the common case folds its constants. */
static inline int map_at(struct page_table *pt, uintptr_t va, uint64_t pa, unsigned flags,
			 unsigned level)
{
	const struct pt_format *fmt = pt->fmt;
	uint64_t size = 1ull << PT_LEVEL_SHIFT(level);

	if (level > fmt->max_leaf_level || level >= pt->levels - 1 || (va | pa) & (size - 1) ||
	    !va_ok(pt, va) || !(flags & PTE_PRESENT))
		return E_MEM_BAD_ADDRESS;
	uint64_t table = pt->root;
	for (unsigned l = pt->levels - 1; l > level; l--) {
		pte_t *e = &table_at(table)[index_of(va, l)];
		uint64_t next = next_table(fmt, *e);
		if (!next) {
			if (*e & fmt->valid_mask)
				return E_MEM_ALREADY_MAPPED; /* a larger block covers va */
			int err = table_alloc(pt, &next);
			if (err)
				return err;
			*e = fmt->table(next);
			if (l == pt->levels - 1)
				pt->root_gen++;
		}
		table = next;
	}
	pte_t *e = &table_at(table)[index_of(va, level)];
	if (*e & fmt->valid_mask)
		return E_MEM_ALREADY_MAPPED;
	*e = fmt->leaf(pa, flags & ~PTE_HUGE, level);
	if (fmt->flush_on_map)
		arch_tlb_flush_page(va);
	return E_OK;
}

int pt_map(struct page_table *pt, uintptr_t va, uint64_t pa, unsigned flags, unsigned level)
{
	return map_at(pt, va, pa, flags, level);
}

int map_page(struct page_table *pt, uintptr_t va, uint64_t pa, unsigned flags)
{
	return map_at(pt, va, pa, flags, 0);
}

/*
 * Whether a table is empty now that entry `at` was cleared. Its neighbours
 * first: unmapping a range page by page clears entries in order, and the
 * next one is then still there, so the whole table is scanned only once
 * per range, not once per page.
 */
static bool table_empty(const pte_t *t, unsigned at)
{
	if ((at + 1 < PT_ENTRIES && t[at + 1]) || (at > 0 && t[at - 1]))
		return false;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

int unmap_page(struct page_table *pt, uintptr_t va, uint64_t *pa)
{
	const struct pt_format *fmt = pt->fmt;
	uint64_t path[6];

	if (va & (PAGE_SIZE - 1) || !va_ok(pt, va))
		return E_MEM_BAD_ADDRESS;
	uint64_t table = pt->root;
	for (unsigned l = pt->levels - 1; l > 0; l--) {
		path[l] = table;
		pte_t e = table_at(table)[index_of(va, l)];
		uint64_t next = next_table(fmt, e);
		if (!next) /* absent, or part of a block: unmap the block instead */
			return e & fmt->valid_mask ? E_MEM_BAD_ADDRESS : E_MEM_NOT_MAPPED;
		table = next;
	}
	pte_t *e = &table_at(table)[index_of(va, 0)];
	if (!(*e & fmt->valid_mask))
		return E_MEM_NOT_MAPPED;
	if (pa)
		*pa = ((*e >> fmt->addr_shift) & fmt->addr_mask) << PAGE_SHIFT;
	*e = 0;
	/* Unlink the tables this emptied, bottom up (the root stays)... */
	uint64_t dead[6];
	unsigned ndead = 0;
	unsigned top = pt->keep_top ? pt->levels - 1 : pt->levels;
	for (unsigned l = 1; l < top && table_empty(table_at(table), index_of(va, l - 1)); l++) {
		table_at(path[l])[index_of(va, l)] = 0;
		dead[ndead++] = table;
		table = path[l];
	}
	/*
	 * ...flush, then free them: no walk may still reach a freed table. A
	 * per-page flush need not drop upper-level entries (RISC-V), so a
	 * changed upper level takes a full flush.
	 */
	if (ndead)
		arch_tlb_flush_all();
	else
		arch_tlb_flush_page(va);
	while (ndead)
		table_free(pt, dead[--ndead]);
	return E_OK;
}

/* The level-0 entry for `va`, or NULL when no table reaches it (nothing allocated). */
static pte_t *leaf_entry(const struct page_table *pt, uintptr_t va)
{
	if (va & (PAGE_SIZE - 1) || !va_ok(pt, va))
		return NULL;
	uint64_t table = pt->root;
	for (unsigned l = pt->levels - 1; l > 0; l--) {
		table = next_table(pt->fmt, table_at(table)[index_of(va, l)]);
		if (!table)
			return NULL;
	}
	return &table_at(table)[index_of(va, 0)];
}

int pt_park(struct page_table *pt, uintptr_t va, uint64_t *pa)
{
	pte_t *e = leaf_entry(pt, va);
	if (!e || pt->fmt->kind(*e, 0) != PTE_KIND_LEAF)
		return E_MEM_NOT_MAPPED;
	if (pa)
		*pa = pt->fmt->addr(*e);
	*e &= ~pt->fmt->valid_mask; /* address and user bits stay: never 0 */
	arch_tlb_flush_page(va);
	return E_OK;
}

int pt_unpark(struct page_table *pt, uintptr_t va)
{
	pte_t *e = leaf_entry(pt, va);
	if (!e || !*e || *e & pt->fmt->valid_mask)
		return E_MEM_NOT_MAPPED;
	*e |= pt->fmt->valid_mask;
	if (pt->fmt->flush_on_map)
		arch_tlb_flush_page(va);
	return E_OK;
}

/*
 * The ranges below walk to a level-0 table once and then step through its
 * entries: lending a buffer touches every page of it several times, and a
 * walk per page and per step was most of what a large forwarded call cost.
 * `run` is how many of the n pages from va lie in va's table.
 */
static pte_t *leaf_run(const struct page_table *pt, uintptr_t va, size_t n, size_t *run)
{
	size_t left = PT_ENTRIES - index_of(va, 0);
	*run = n < left ? n : left;
	return leaf_entry(pt, va);
}

int pt_translate_range(const struct page_table *pt, uintptr_t va, size_t n, uint64_t *pas)
{
	const struct pt_format *fmt = pt->fmt;
	for (size_t done = 0, run; done < n; done += run) {
		pte_t *e = leaf_run(pt, va + done * PAGE_SIZE, n - done, &run);
		for (size_t i = 0; i < run; i++) {
			if (!e || fmt->kind(e[i], 0) != PTE_KIND_LEAF)
				return E_MEM_NOT_MAPPED;
			pas[done + i] = fmt->addr(e[i]);
		}
	}
	return E_OK;
}

int pt_map_pages(struct page_table *pt, uintptr_t va, const uint64_t *pas, size_t n, unsigned flags)
{
	const struct pt_format *fmt = pt->fmt;
	for (size_t done = 0, run; done < n; done += run) {
		uintptr_t at = va + done * PAGE_SIZE;
		int err = map_page(pt, at, pas[done], flags); /* makes the tables */
		if (err)
			return err;
		pte_t *e = leaf_run(pt, at, n - done, &run);
		for (size_t i = 1; i < run; i++) {
			if ((pas[done + i] & (PAGE_SIZE - 1)) || e[i] & fmt->valid_mask)
				return E_MEM_ALREADY_MAPPED;
			e[i] = fmt->leaf(pas[done + i], flags & ~PTE_HUGE, 0);
			if (fmt->flush_on_map)
				arch_tlb_flush_page(at + i * PAGE_SIZE);
		}
	}
	return E_OK;
}

void pt_unmap_range(struct page_table *pt, uintptr_t va, size_t n)
{
	const struct pt_format *fmt = pt->fmt;
	for (size_t done = 0, run; done < n; done += run) {
		uintptr_t at = va + done * PAGE_SIZE;
		pte_t *e = leaf_run(pt, at, n - done, &run);
		if (!e)
			continue;
		/* All but the run's last entry here; unmap_page() takes that and any table it empties. */
		for (size_t i = 0; i + 1 < run; i++)
			if (e[i] & fmt->valid_mask) {
				e[i] = 0;
				arch_tlb_flush_page(at + i * PAGE_SIZE);
			}
		unmap_page(pt, at + (run - 1) * PAGE_SIZE, NULL);
	}
}

int pt_park_range(struct page_table *pt, uintptr_t va, size_t n)
{
	const struct pt_format *fmt = pt->fmt;
	for (size_t done = 0, run; done < n; done += run) {
		pte_t *e = leaf_run(pt, va + done * PAGE_SIZE, n - done, &run);
		for (size_t i = 0; i < run; i++)
			if (!e || fmt->kind(e[i], 0) != PTE_KIND_LEAF)
				return E_MEM_NOT_MAPPED; /* checked before anything changes */
	}
	for (size_t done = 0, run; done < n; done += run) {
		pte_t *e = leaf_run(pt, va + done * PAGE_SIZE, n - done, &run);
		for (size_t i = 0; i < run; i++) {
			e[i] &= ~fmt->valid_mask; /* address and user bits stay: never 0 */
			arch_tlb_flush_page(va + (done + i) * PAGE_SIZE);
		}
	}
	return E_OK;
}

void pt_unpark_range(struct page_table *pt, uintptr_t va, size_t n)
{
	const struct pt_format *fmt = pt->fmt;
	for (size_t done = 0, run; done < n; done += run) {
		pte_t *e = leaf_run(pt, va + done * PAGE_SIZE, n - done, &run);
		for (size_t i = 0; e && i < run; i++) {
			if (!e[i] || e[i] & fmt->valid_mask)
				continue;
			e[i] |= fmt->valid_mask;
			if (fmt->flush_on_map)
				arch_tlb_flush_page(va + (done + i) * PAGE_SIZE);
		}
	}
}

int pt_set_leaf(struct page_table *pt, uintptr_t va, uint64_t pa, unsigned flags)
{
	pte_t *e = leaf_entry(pt, va);
	if (!e || pt->fmt->kind(*e, 0) != PTE_KIND_LEAF)
		return E_MEM_NOT_MAPPED;
	if (pa & (PAGE_SIZE - 1) || !(flags & PTE_PRESENT))
		return E_MEM_BAD_ADDRESS;
	*e = pt->fmt->leaf(pa, flags & ~PTE_HUGE, 0);
	arch_tlb_flush_page(va);
	return E_OK;
}

int pt_query(const struct page_table *pt, uintptr_t va, uint64_t *pa, unsigned *flags,
	     unsigned *level)
{
	const struct pt_format *fmt = pt->fmt;

	if (!va_ok(pt, va))
		return E_MEM_BAD_ADDRESS;
	uint64_t table = pt->root;
	for (unsigned l = pt->levels - 1;; l--) {
		pte_t e = table_at(table)[index_of(va, l)];
		enum pte_kind k = fmt->kind(e, l);
		if (k == PTE_KIND_NONE)
			return E_MEM_NOT_MAPPED;
		if (k == PTE_KIND_LEAF) {
			uint64_t size = 1ull << PT_LEVEL_SHIFT(l);
			if (pa)
				*pa = fmt->addr(e) + (va & (size - 1));
			if (flags)
				*flags = fmt->flags(e, l);
			if (level)
				*level = l;
			return E_OK;
		}
		if (l == 0)
			return E_MEM_NOT_MAPPED;
		table = fmt->addr(e);
	}
}

int translate(const struct page_table *pt, uintptr_t va, uint64_t *pa)
{
	return pt_query(pt, va, pa, NULL, NULL);
}

int pt_map_range(struct page_table *pt, uintptr_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	if ((va | pa | size) & (PAGE_SIZE - 1))
		return E_MEM_BAD_ADDRESS;
	while (size) {
		unsigned level = 0;
		while (level < pt->fmt->max_leaf_level && level + 1 < pt->levels - 1 &&
		       level < 1) { /* 2 MiB blocks at most: no 1 GiB pages */
			uint64_t next = 1ull << PT_LEVEL_SHIFT(level + 1);
			if ((va | pa) & (next - 1) || size < next)
				break;
			level++;
		}
		int err = pt_map(pt, va, pa, flags, level);
		if (err)
			return err;
		uint64_t step = 1ull << PT_LEVEL_SHIFT(level);
		va += step;
		pa += step;
		size -= step;
	}
	return E_OK;
}
