/*
 * The x86_64 page-table entry format (Intel SDM vol. 3, 4.5, tables 4-14 to
 * 4-20), as pure functions for the portable walker; also built into the host
 * tests. Four levels, 512 entries each:
 *
 *   bit 0 P, 1 R/W, 2 U/S, 3 PWT, 4 PCD, 5 A, 6 D (leaves), 7 PS (levels 1
 *   and 2: the entry is a 2 MiB or 1 GiB page), 8 G (leaves), 12..51 the
 *   address, 63 XD (needs EFER.NXE, which boot.S requires).
 *
 * PAT (bit 7 of a 4 KiB entry, bit 12 of a large one) is never set, so
 * PWT/PCD pick PAT entries 0..3, the power-on WB, WT, UC-, UC; the address
 * mask may then include bit 12 for every level. Table entries are
 * P | R/W | U/S: the leaf alone decides the permissions. No bit is forced:
 * every portable flag has its own hardware bit and round-trips.
 */
#include <stdint.h>

#include "arch/hal/mmu.h"

#define X86_P	(1ull << 0)
#define X86_RW	(1ull << 1)
#define X86_US	(1ull << 2)
#define X86_PWT (1ull << 3)
#define X86_PCD (1ull << 4)
#define X86_A	(1ull << 5)
#define X86_D	(1ull << 6)
#define X86_PS	(1ull << 7)
#define X86_G	(1ull << 8)
#define X86_XD	(1ull << 63)

#define X86_ADDR_MASK 0x000ffffffffff000ull

/* Portable flag and hardware bit, one for one (PTE_PRESENT and PTE_HUGE are handled apart). */
/* The portable PTE_* bits were chosen to be x86's own for these flags. */
#define X86_SAME_BITS (X86_RW | X86_US | X86_PWT | X86_PCD | X86_A | X86_D | X86_G)
_Static_assert(PTE_WRITABLE == X86_RW && PTE_USER == X86_US && PTE_WRITE_THROUGH == X86_PWT &&
		   PTE_CACHE_DISABLE == X86_PCD && PTE_ACCESSED == X86_A && PTE_DIRTY == X86_D &&
		   PTE_GLOBAL == X86_G && PTE_PRESENT == X86_P,
	       "portable flags match the x86 bits");

static pte_t x86_leaf(uint64_t pa, unsigned flags, unsigned level)
{
	if (flags == 0)
		return 0;
	pte_t e = (pa & X86_ADDR_MASK) | X86_P | (flags & X86_SAME_BITS);
	if (level > 0)
		e |= X86_PS;
	if (flags & PTE_NO_EXECUTE)
		e |= X86_XD;
	return e;
}

static pte_t x86_table(uint64_t pa)
{
	return (pa & X86_ADDR_MASK) | X86_P | X86_RW | X86_US;
}

/* PS means a page at levels 1 and 2; at level 0 it is PAT, and at level 3 it is reserved. */
static enum pte_kind x86_kind(pte_t e, unsigned level)
{
	if (!(e & X86_P))
		return PTE_KIND_NONE;
	if (level == 0 || ((level == 1 || level == 2) && (e & X86_PS)))
		return PTE_KIND_LEAF;
	return PTE_KIND_TABLE;
}

static uint64_t x86_addr(pte_t e)
{
	return e & X86_ADDR_MASK;
}

static unsigned x86_flags(pte_t e, unsigned level)
{
	unsigned flags = PTE_PRESENT | (unsigned)(e & X86_SAME_BITS);

	if (level > 0)
		flags |= PTE_HUGE;
	if (e & X86_XD)
		flags |= PTE_NO_EXECUTE;
	return flags;
}

/*
 * 1 GiB pages exist only where CPUID 0x80000001 EDX bit 26 says so, and
 * QEMU's default CPU lacks them: the walker stops at 2 MiB.
 */
const struct pt_format x86_64_pt_format = {
    .name = "x86_64 4-level",
    .max_leaf_level = 1,
    .leaf = x86_leaf,
    .table = x86_table,
    .kind = x86_kind,
    .addr = x86_addr,
    .flags = x86_flags,
    .valid_mask = 1ull << 0,		     /* P */
    .table_mask = (1ull << 0) | (1ull << 7), /* P, PS */
    .table_match = 1ull << 0,
    .addr_shift = 12,
    .addr_mask = (1ull << 40) - 1, /* bits 12..51 */
};
