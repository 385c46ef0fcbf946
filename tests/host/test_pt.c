/*
 * The portable page-table walker against simulated physical memory, once
 * per arch entry format (x86_64 4-level, AArch64 4-level, RISC-V Sv39 and
 * Sv48): flag round trips, map/translate/unmap, blocks, errors, and table
 * pages going back to the frame allocator.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "blob.h"
#include "hal_host.h"
#include "mm/pmm.h"
#include "mm/pt.h"

#define MIB (1ull << 20)

struct fmt_case {
	const struct pt_format *fmt;
	unsigned levels;
	unsigned dropped; /* flags the format cannot carry (documented in its pte.c) */
};

static const struct fmt_case cases[] = {
#ifdef HAVE_PTE_x86_64
    {&x86_64_pt_format, 4, 0},
#endif
#ifdef HAVE_PTE_aarch64
    {&aarch64_pt_format, 4, 0},
#endif
#ifdef HAVE_PTE_riscv64
    /* No Svpbmt on QEMU virt: the PMAs decide cacheability. */
    {&riscv64_pt_format, 3, PTE_WRITE_THROUGH | PTE_CACHE_DISABLE},
    {&riscv64_pt_format, 4, PTE_WRITE_THROUGH | PTE_CACHE_DISABLE},
#endif
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void setup(void)
{
	cr_assert_eq(host_memory_setup(64 * MIB, 1 * MIB), E_OK);
}

TestSuite(pt, .init = setup);

static const unsigned all_flags[] = {PTE_WRITABLE,	PTE_USER,   PTE_WRITE_THROUGH,
				     PTE_CACHE_DISABLE, PTE_GLOBAL, PTE_NO_EXECUTE,
				     PTE_ACCESSED,	PTE_DIRTY};

Test(pt, every_format_is_present)
{
	cr_assert_eq(NCASES, 4, "x86_64, aarch64 and riscv64 (Sv39, Sv48) formats are linked");
}

Test(pt, flags_round_trip_through_every_format)
{
	for (unsigned c = 0; c < NCASES; c++) {
		const struct pt_format *f = cases[c].fmt;
		cr_assert_eq(f->leaf(0x1000, 0, 0), 0, "%s: not present encodes as 0", f->name);
		for (unsigned level = 0; level <= f->max_leaf_level; level++) {
			uint64_t pa = 0x123ull << PT_LEVEL_SHIFT(level);
			for (unsigned m = 0; m < 256; m++) {
				unsigned want = PTE_PRESENT | (level ? PTE_HUGE : 0);
				for (unsigned b = 0; b < 8; b++)
					if (m >> b & 1)
						want |= all_flags[b];
				pte_t e = f->leaf(pa, want & ~PTE_HUGE, level);
				want &= ~cases[c].dropped;
				cr_assert_eq(f->kind(e, level), PTE_KIND_LEAF, "%s", f->name);
				cr_assert_eq(f->addr(e), pa, "%s level %u", f->name, level);
				cr_assert_eq(f->flags(e, level), want,
					     "%s level %u: flags %#x came back as %#x", f->name,
					     level, want, f->flags(e, level));
			}
		}
		pte_t t = f->table(0x5000);
		cr_assert_eq(f->kind(t, 1), PTE_KIND_TABLE, "%s", f->name);
		cr_assert_eq(f->addr(t), 0x5000, "%s", f->name);
		cr_assert_eq(f->kind(0, 0), PTE_KIND_NONE, "%s", f->name);
	}
}

Test(pt, fast_path_data_agrees_with_the_functions)
{
	uint64_t seed = 3;

	for (unsigned c = 0; c < NCASES; c++) {
		const struct pt_format *f = cases[c].fmt;
		for (int i = 0; i < 20000; i++) {
			pte_t e = (pte_t)blob_rand(&seed) << 32 | blob_rand(&seed);
			/* Levels 1 and 2 hold both tables and blocks on every format. */
			unsigned level = 1 + (unsigned)(blob_rand(&seed) % 2);
			if (i % 4 == 0)
				e = f->table((e & 0xfffffffff000ull));
			else if (i % 4 == 1 && level <= f->max_leaf_level)
				e = f->leaf(e & (0xfffffffffull << PT_LEVEL_SHIFT(level)),
					    (unsigned)e & 0x3ff & ~PTE_HUGE, level);
			enum pte_kind k = f->kind(e, level);
			bool valid = e & f->valid_mask;
			bool table = (e & f->table_mask) == f->table_match;
			cr_assert_eq(k == PTE_KIND_NONE, !valid, "%s: %#llx", f->name,
				     (unsigned long long)e);
			cr_assert_eq(k == PTE_KIND_TABLE, table, "%s: %#llx at level %u", f->name,
				     (unsigned long long)e, level);
			if (table)
				cr_assert_eq(((e >> f->addr_shift) & f->addr_mask) << PAGE_SHIFT,
					     f->addr(e), "%s", f->name);
		}
	}
}

Test(pt, map_translate_unmap_gives_tables_back)
{
	for (unsigned c = 0; c < NCASES; c++) {
		struct page_table pt = {0};
		size_t free0 = (pmm_drain_caches(), memory_stats().free_frames);
		cr_assert_eq(pt_create(&pt, cases[c].fmt, cases[c].levels), E_OK);
		uintptr_t kbase =
		    cases[c].levels == 3 ? 0xffffffc000000000ull : 0xffff800000000000ull;
		uintptr_t vas[] = {0x400000,
				   0x401000,
				   0x7ff000,
				   0x3fffe000,
				   kbase,
				   kbase + 0x200000,
				   kbase + 0x40000000ull};
		for (unsigned i = 0; i < 7; i++)
			cr_assert_eq(map_page(&pt, vas[i], 0x100000 + i * 0x1000,
					      PTE_PRESENT | PTE_WRITABLE | PTE_NO_EXECUTE),
				     E_OK, "%s: map %#lx", cases[c].fmt->name, vas[i]);
		for (unsigned i = 0; i < 7; i++) {
			uint64_t pa;
			unsigned flags, level;
			cr_assert_eq(pt_query(&pt, vas[i] + 0x123, &pa, &flags, &level), E_OK);
			cr_assert_eq(pa, 0x100000 + i * 0x1000 + 0x123);
			cr_assert_eq(level, 0);
			cr_assert(flags & PTE_WRITABLE && flags & PTE_NO_EXECUTE);
		}
		uint64_t pa;
		cr_assert_eq(translate(&pt, 0x402000, &pa), E_MEM_NOT_MAPPED);
		cr_assert_eq(map_page(&pt, 0x400000, 0x9000, PTE_PRESENT), E_MEM_ALREADY_MAPPED);
		cr_assert_eq(map_page(&pt, 0x400800, 0x9000, PTE_PRESENT), E_MEM_BAD_ADDRESS);
		cr_assert_eq(map_page(&pt, 0x0000900000000000ull, 0x9000, PTE_PRESENT),
			     E_MEM_BAD_ADDRESS, "non-canonical");
		cr_assert_eq(unmap_page(&pt, 0x402000, &pa), E_MEM_NOT_MAPPED);
		host_tlb_flushes_take();
		for (unsigned i = 0; i < 7; i++) {
			cr_assert_eq(unmap_page(&pt, vas[i], &pa), E_OK);
			cr_assert_eq(pa, 0x100000 + i * 0x1000);
			cr_assert_eq(translate(&pt, vas[i], &pa), E_MEM_NOT_MAPPED);
		}
		cr_assert_geq(host_tlb_flushes_take(), 7, "every unmap flushes");
		cr_assert_eq(pt.tables, 1, "%s: only the root is left", cases[c].fmt->name);
		pt_destroy(&pt);
		pmm_drain_caches();
		cr_assert_eq(memory_stats().free_frames, free0, "every table page came back");
	}
}

Test(pt, blocks_and_ranges)
{
	for (unsigned c = 0; c < NCASES; c++) {
		struct page_table pt = {0};
		cr_assert_eq(pt_create(&pt, cases[c].fmt, cases[c].levels), E_OK);
		/* 2 MiB + 8 KiB from a 2 MiB-aligned start: one block and two pages. */
		cr_assert_eq(
		    pt_map_range(&pt, 0x40000000, 0x200000, 0x202000, PTE_PRESENT | PTE_WRITABLE),
		    E_OK);
		uint64_t pa;
		unsigned level, flags;
		cr_assert_eq(pt_query(&pt, 0x40012345, &pa, &flags, &level), E_OK);
		cr_assert_eq(pa, 0x212345);
		cr_assert_eq(level, 1);
		cr_assert(flags & PTE_HUGE);
		cr_assert_eq(pt_query(&pt, 0x40201000, &pa, &flags, &level), E_OK);
		cr_assert_eq(pa, 0x401000);
		cr_assert_eq(level, 0);
		/* A page inside a block is neither mappable nor unmappable on its own. */
		cr_assert_eq(map_page(&pt, 0x40001000, 0x1000, PTE_PRESENT), E_MEM_ALREADY_MAPPED);
		cr_assert_eq(unmap_page(&pt, 0x40001000, &pa), E_MEM_BAD_ADDRESS);
		pt_destroy(&pt);
	}
}

Test(pt, random_mappings_match_a_shadow)
{
	uint64_t seed = 7;

	for (unsigned c = 0; c < NCASES; c++) {
		struct page_table pt = {0};
		static uint64_t
		    shadow[2048]; /* page i of [0x10000000, +8 MiB) -> pa + 1, 0 unmapped */
		memset(shadow, 0, sizeof(shadow));
		cr_assert_eq(pt_create(&pt, cases[c].fmt, cases[c].levels), E_OK);
		for (int step = 0; step < 20000; step++) {
			unsigned i = blob_rand(&seed) % 2048;
			uintptr_t va = 0x10000000 + (uintptr_t)i * PAGE_SIZE;
			uint64_t pa;
			if (shadow[i]) {
				cr_assert_eq(unmap_page(&pt, va, &pa), E_OK);
				cr_assert_eq(pa, shadow[i] - 1);
				shadow[i] = 0;
			} else {
				uint64_t want = (uint64_t)(blob_rand(&seed) % 4096) * PAGE_SIZE;
				cr_assert_eq(map_page(&pt, va, want, PTE_PRESENT | PTE_USER), E_OK);
				shadow[i] = want + 1;
			}
			if (step % 512 == 0)
				for (unsigned k = 0; k < 2048; k++) {
					int err = translate(
					    &pt, 0x10000000 + (uintptr_t)k * PAGE_SIZE, &pa);
					cr_assert_eq(err, shadow[k] ? E_OK : E_MEM_NOT_MAPPED);
					if (shadow[k])
						cr_assert_eq(pa, shadow[k] - 1);
				}
		}
		for (unsigned k = 0; k < 2048; k++)
			if (shadow[k])
				cr_assert_eq(
				    unmap_page(&pt, 0x10000000 + (uintptr_t)k * PAGE_SIZE, NULL),
				    E_OK);
		cr_assert_eq(pt.tables, 1, "%s", cases[c].fmt->name);
		pt_destroy(&pt);
	}
}
