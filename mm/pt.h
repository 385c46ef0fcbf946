/*
 * Page tables: one portable walker over the arch's entry format
 * (struct pt_format, arch/hal/mmu.h). The Virtual Memory API of the Kernel
 * API: map_page, unmap_page, translate. Table pages come from the frame
 * allocator and go back to it when they become empty.
 */
#ifndef MM_PT_H
#define MM_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/hal/mmu.h"
#include "include/abi/error.h"

struct page_table {
	uint64_t root; /* physical address of the root table */
	unsigned levels;
	const struct pt_format *fmt;
	uint64_t table_limit; /* tables come from below this physical address (0: anywhere) */
	uint64_t tables;      /* table pages held, the root included */
	uint32_t root_gen;    /* bumped whenever a root entry is filled */
	uint16_t owned_roots; /* root entries [0, n) are this table's own (0: all) */
	bool keep_top;	      /* never free the tables right below the root */
};

/* A new, empty address space with `levels` levels of `fmt` tables. */
int pt_create(struct page_table *pt, const struct pt_format *fmt, unsigned levels);
/* Free every table page (not the frames the leaves map). */
void pt_destroy(struct page_table *pt);

/* Map one page (level 0: 4 KiB) or block (level 1: 2 MiB, ...) at `va` to `pa`. */
int pt_map(struct page_table *pt, uintptr_t va, uint64_t pa, unsigned flags, unsigned level);
/* Map a 4 KiB page: E_MEM_ALREADY_MAPPED if something is there. */
int map_page(struct page_table *pt, uintptr_t va, uint64_t pa, unsigned flags);
/* Remove the 4 KiB page at `va`; its frame's address in *pa. Empty tables are freed. */
int unmap_page(struct page_table *pt, uintptr_t va, uint64_t *pa);
/*
 * Change the present 4 KiB leaf at `va` in place: no table is allocated or
 * freed, so none of these can fail on a page that is mapped. Each flushes
 * the TLB entry. pt_park() makes the leaf invalid but keeps its frame
 * address (the entry stays non-zero, so its table is never freed under it);
 * pt_unpark() makes it valid again. pt_set_leaf() points it at `pa` with
 * `flags` (PTE_PRESENT needed).
 */
int pt_park(struct page_table *pt, uintptr_t va, uint64_t *pa);
int pt_unpark(struct page_table *pt, uintptr_t va);
int pt_set_leaf(struct page_table *pt, uintptr_t va, uint64_t pa, unsigned flags);
/*
 * The same over n 4 KiB pages from va, a walk per level-0 table, not per
 * page: their frames' addresses (E_MEM_NOT_MAPPED if one is not a mapped
 * page); map each at its frame (stops at the first failure, what it mapped
 * left for the caller to unmap); unmap (what is not mapped is skipped);
 * park (every page checked first: nothing changes on an error); unpark.
 */
int pt_translate_range(const struct page_table *pt, uintptr_t va, size_t n, uint64_t *pas);
int pt_map_pages(struct page_table *pt, uintptr_t va, const uint64_t *pas, size_t n,
		 unsigned flags);
void pt_unmap_range(struct page_table *pt, uintptr_t va, size_t n);
int pt_park_range(struct page_table *pt, uintptr_t va, size_t n);
void pt_unpark_range(struct page_table *pt, uintptr_t va, size_t n);
/* What maps `va`: physical address of the byte, portable flags and the leaf's level. */
int pt_query(const struct page_table *pt, uintptr_t va, uint64_t *pa, unsigned *flags,
	     unsigned *level);
/* The physical address `va` translates to, or E_MEM_NOT_MAPPED. */
int translate(const struct page_table *pt, uintptr_t va, uint64_t *pa);
/* Map [va, va + size) to [pa, pa + size) with the largest pages alignment allows. */
int pt_map_range(struct page_table *pt, uintptr_t va, uint64_t pa, uint64_t size, unsigned flags);

#endif
