/*
 * HAL: the MMU. The page-table walker is portable (mm/pt.c); an arch gives
 * only its entry format, as a table of pure functions (arch/<arch>/pte.c,
 * no assembly, also compiled into the host tests), plus TLB maintenance and
 * address-space activation. All three arches use 4 KiB pages and 512-entry
 * tables: level 0 maps 4 KiB pages, level 1 2 MiB blocks, level 2 1 GiB.
 *
 * <hal_arch/mmu.h> defines the virtual layout, all page aligned:
 *   PHYS_MAP_BASE     virtual address of physical address 0 (the direct map)
 *   PHYS_MAP_SIZE     bytes the direct map can span
 *   KERNEL_VIRT_BASE  where the kernel image is linked (higher half)
 *   USER_TOP          first address above user space
 *   arch_pt_format    the arch's struct pt_format (a macro naming it)
 */
#ifndef HAL_MMU_H
#define HAL_MMU_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t pte_t;

#define PAGE_SHIFT	      12
#define PAGE_SIZE	      (1ul << PAGE_SHIFT)
#define PT_ENTRIES	      512
#define PT_LEVEL_SHIFT(level) (PAGE_SHIFT + 9 * (level))

/* Portable page flags: the PageFlags of the Kernel API. */
enum {
	PTE_PRESENT = 1u << 0,
	PTE_WRITABLE = 1u << 1,
	PTE_USER = 1u << 2,
	PTE_WRITE_THROUGH = 1u << 3,
	PTE_CACHE_DISABLE = 1u << 4, /* device memory: uncached, no speculation */
	PTE_ACCESSED = 1u << 5,
	PTE_DIRTY = 1u << 6,
	PTE_HUGE = 1u << 7, /* a block above level 0 (decoded; set by the walker) */
	PTE_GLOBAL = 1u << 8,
	PTE_NO_EXECUTE = 1u << 9,
};

enum pte_kind { PTE_KIND_NONE, PTE_KIND_TABLE, PTE_KIND_LEAF };

/* An arch's page-table entry format. Every function is pure. */
struct pt_format {
	const char *name;
	/* Highest level a leaf may sit at (1: 2 MiB blocks, 2: 1 GiB). */
	unsigned max_leaf_level;
	/* A leaf at `level` mapping `pa` (aligned to the level) with portable `flags`. */
	pte_t (*leaf)(uint64_t pa, unsigned flags, unsigned level);
	/* A non-leaf entry pointing at the next-level table at `pa`. */
	pte_t (*table)(uint64_t pa);
	/* What entry `e` at `level` is: nothing, a table pointer, or a leaf. */
	enum pte_kind (*kind)(pte_t e, unsigned level);
	/* The physical address a table entry or leaf points at. */
	uint64_t (*addr)(pte_t e);
	/* The portable flags of leaf `e` at `level` (PTE_PRESENT always, PTE_HUGE above 0). */
	unsigned (*flags)(pte_t e, unsigned level);
	/*
	 * The walk's fast path, as data (must agree with kind() and addr()):
	 * above level 0, e is absent when !(e & valid_mask), a table pointer
	 * when (e & table_mask) == table_match, and a table entry (or a level-0
	 * leaf) holds the address ((e >> addr_shift) & addr_mask) << PAGE_SHIFT.
	 */
	pte_t valid_mask, table_mask, table_match;
	unsigned addr_shift;
	uint64_t addr_mask;
	/* The TLB may hold "not present" for an address: flush after a new mapping too. */
	bool flush_on_map;
};

/* Number of translation levels of this CPU (4; 3 for Sv39, 4 for Sv48 on RISC-V). */
unsigned arch_mmu_levels(void);
/* Switch this CPU to the address space whose root table is at physical `root`. */
void arch_mmu_activate(uint64_t root);
/* Physical address of the root table this CPU translates with. */
uint64_t arch_mmu_root(void);
/* Drop this CPU's TLB entries for the page at `va` (all address spaces). */
void arch_tlb_flush_page(uintptr_t va);
/* Drop every TLB entry of this CPU. */
void arch_tlb_flush_all(void);

#include <hal_arch/mmu.h>

#endif
