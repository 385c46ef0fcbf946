/*
 * The riscv64 page-table entry format (Sv39/Sv48, privileged spec 1.12,
 * "Sv39: Page-Based 39-bit Virtual-Memory System"), as pure functions for
 * the portable walker. Also compiled into the host tests: nothing here may
 * depend on more than arch/hal/mmu.h.
 *
 *   bit 0 V, 1 R, 2 W, 3 X, 4 U, 5 G, 6 A, 7 D, 8-9 RSW (software),
 *   10-53 PPN (pa >> 12), 54-63 reserved (Svpbmt/Svnapot): always 0.
 *
 * R|W|X = 0 makes a valid entry a pointer to the next table. A leaf always
 * has R (W without R is reserved) and A, and D when it is writable, so the
 * hardware never has to update them (without Svadu it would fault instead).
 * The A and D the caller asked for are kept in the RSW bits, so PTE_ACCESSED
 * and PTE_DIRTY round-trip. PTE_WRITE_THROUGH and PTE_CACHE_DISABLE have no
 * encoding without Svpbmt (the platform's PMAs make device memory uncached)
 * and no bit is left to remember them: they are dropped, and flags() never
 * reports them.
 */
#include <stdint.h>

#include "arch/hal/mmu.h"

#define RV_V	     (1ull << 0)
#define RV_R	     (1ull << 1)
#define RV_W	     (1ull << 2)
#define RV_X	     (1ull << 3)
#define RV_U	     (1ull << 4)
#define RV_G	     (1ull << 5)
#define RV_A	     (1ull << 6)
#define RV_D	     (1ull << 7)
#define RV_SW_A	     (1ull << 8) /* RSW: PTE_ACCESSED was asked for */
#define RV_SW_D	     (1ull << 9) /* RSW: PTE_DIRTY was asked for */
#define RV_PPN_SHIFT 10
#define RV_PPN_MASK  ((1ull << 44) - 1)

static pte_t rv_pa(uint64_t pa)
{
	return ((pa >> PAGE_SHIFT) & RV_PPN_MASK) << RV_PPN_SHIFT;
}

static pte_t rv_leaf(uint64_t pa, unsigned flags, unsigned level)
{
	(void)level; /* a leaf looks the same at every level; pa carries the alignment */
	if (flags == 0)
		return 0;
	pte_t e = rv_pa(pa) | RV_V | RV_R | RV_A;
	if (flags & PTE_WRITABLE)
		e |= RV_W | RV_D;
	if (!(flags & PTE_NO_EXECUTE))
		e |= RV_X;
	if (flags & PTE_USER)
		e |= RV_U;
	if (flags & PTE_GLOBAL)
		e |= RV_G;
	if (flags & PTE_ACCESSED)
		e |= RV_SW_A;
	if (flags & PTE_DIRTY)
		e |= RV_SW_D;
	return e;
}

static pte_t rv_table(uint64_t pa)
{
	/* Non-leaf: V only; A, D and U are reserved there and must be 0. */
	return rv_pa(pa) | RV_V;
}

static enum pte_kind rv_kind(pte_t e, unsigned level)
{
	if (!(e & RV_V))
		return PTE_KIND_NONE;
	if (!(e & (RV_R | RV_W | RV_X)) && level > 0)
		return PTE_KIND_TABLE;
	return PTE_KIND_LEAF;
}

static uint64_t rv_addr(pte_t e)
{
	return ((e >> RV_PPN_SHIFT) & RV_PPN_MASK) << PAGE_SHIFT;
}

static unsigned rv_flags(pte_t e, unsigned level)
{
	if (!(e & RV_V))
		return 0;
	unsigned f = PTE_PRESENT;
	if (level > 0)
		f |= PTE_HUGE;
	if (e & RV_W)
		f |= PTE_WRITABLE;
	if (!(e & RV_X))
		f |= PTE_NO_EXECUTE;
	if (e & RV_U)
		f |= PTE_USER;
	if (e & RV_G)
		f |= PTE_GLOBAL;
	if (e & RV_SW_A)
		f |= PTE_ACCESSED;
	if (e & RV_SW_D)
		f |= PTE_DIRTY;
	return f;
}

const struct pt_format riscv64_pt_format = {
    .name = "riscv64 Sv39/Sv48",
    .max_leaf_level = 2,
    .leaf = rv_leaf,
    .table = rv_table,
    .kind = rv_kind,
    .addr = rv_addr,
    .flags = rv_flags,
    .valid_mask = RV_V,
    .table_mask = RV_V | RV_R | RV_W | RV_X,
    .table_match = RV_V,
    .addr_shift = RV_PPN_SHIFT,
    .addr_mask = RV_PPN_MASK,
    .flush_on_map = true, /* the privileged spec lets a hart cache invalid entries */
};
