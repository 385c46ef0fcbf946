/*
 * The AArch64 page-table entry format (VMSAv8-64, 4 KiB granule; Arm ARM
 * DDI 0487, D8.3), as pure functions for the portable walker. Portable
 * level 0 is the Arm level 3 (4 KiB pages), level 1 Arm level 2 (2 MiB
 * blocks), level 2 Arm level 1 (1 GiB blocks), level 3 the root (tables
 * only). Also compiled into the host tests: nothing here may depend on
 * the hardware or on anything but arch/hal/mmu.h.
 *
 * How the portable flags are encoded in a leaf:
 *   WRITABLE         AP[2] (bit 7) clear; set means read-only
 *   USER             AP[1] (bit 6): EL0 may access
 *   CACHE_DISABLE    AttrIndx 1, Device-nGnRE
 *   CACHE_DISABLE +
 *     WRITE_THROUGH  AttrIndx 4, Device-nGnRnE (strongest, as x86 PCD+PWT is UC)
 *   WRITE_THROUGH    AttrIndx 3, Normal write-through
 *   neither          AttrIndx 0, Normal write-back
 *   GLOBAL           nG (bit 11) clear
 *   NO_EXECUTE       PXN (bit 53) and UXN (bit 54). Forced besides: a user
 *                    page always has PXN (the kernel never runs user code),
 *                    a kernel page always has UXN; decoding looks at the
 *                    bit that matters for the page's owner.
 *   ACCESSED         software bit 56. The hardware access flag AF (bit 10)
 *                    is forced on in every leaf: nothing manages it, and
 *                    a clear AF would fault on the first access.
 *   DIRTY            software bit 55 (no hardware dirty-bit management).
 * SH (bits 9:8) is always inner shareable. The MAIR_EL1 indices are the
 * ones boot.S programs (sysreg.h, MAIR_EL1_VALUE).
 */
#include <stdint.h>

#include "arch/hal/mmu.h"

#define DESC_VALID    (1ull << 0)
#define DESC_TABLE    (1ull << 1) /* 0b11: table above level 0, page at level 0 */
#define DESC_TYPE     (DESC_VALID | DESC_TABLE)
#define DESC_BLOCK    DESC_VALID /* 0b01: block at levels 1 and 2 */
#define DESC_PAGE     (DESC_VALID | DESC_TABLE)
#define DESC_ATTR(i)  ((uint64_t)(i) << 2)
#define DESC_ATTR_MSK DESC_ATTR(7)
#define DESC_AP_USER  (1ull << 6)
#define DESC_AP_RO    (1ull << 7)
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF	      (1ull << 10)
#define DESC_NG	      (1ull << 11)
#define DESC_PXN      (1ull << 53)
#define DESC_UXN      (1ull << 54)
#define DESC_SW_DIRTY (1ull << 55)
#define DESC_SW_ACC   (1ull << 56)
#define DESC_ADDR     0x0000fffffffff000ull /* output address [47:12] */

/* MAIR_EL1 attribute indices (sysreg.h gives their values). */
enum {
	ATTR_NORMAL_WB = 0,
	ATTR_DEVICE_NGNRE = 1,
	ATTR_NORMAL_NC = 2,
	ATTR_NORMAL_WT = 3,
	ATTR_DEVICE_NGNRNE = 4,
};

static unsigned attr_index(unsigned flags)
{
	switch (flags & (PTE_CACHE_DISABLE | PTE_WRITE_THROUGH)) {
	case PTE_CACHE_DISABLE:
		return ATTR_DEVICE_NGNRE;
	case PTE_CACHE_DISABLE | PTE_WRITE_THROUGH:
		return ATTR_DEVICE_NGNRNE;
	case PTE_WRITE_THROUGH:
		return ATTR_NORMAL_WT;
	default:
		return ATTR_NORMAL_WB;
	}
}

static unsigned attr_flags(unsigned index)
{
	switch (index) {
	case ATTR_DEVICE_NGNRE:
		return PTE_CACHE_DISABLE;
	case ATTR_DEVICE_NGNRNE:
		return PTE_CACHE_DISABLE | PTE_WRITE_THROUGH;
	case ATTR_NORMAL_WT:
	case ATTR_NORMAL_NC: /* never made by leaf(): the nearest portable meaning */
		return PTE_WRITE_THROUGH;
	default:
		return 0;
	}
}

static pte_t a64_leaf(uint64_t pa, unsigned flags, unsigned level)
{
	pte_t e;

	if (!flags)
		return 0;
	e = (pa & DESC_ADDR) | (level ? DESC_BLOCK : DESC_PAGE) | DESC_AF | DESC_SH_INNER;
	e |= DESC_ATTR(attr_index(flags));
	if (!(flags & PTE_WRITABLE))
		e |= DESC_AP_RO;
	if (flags & PTE_USER)
		e |= DESC_AP_USER | DESC_PXN;
	else
		e |= DESC_UXN;
	if (flags & PTE_NO_EXECUTE)
		e |= DESC_PXN | DESC_UXN;
	if (!(flags & PTE_GLOBAL))
		e |= DESC_NG;
	if (flags & PTE_ACCESSED)
		e |= DESC_SW_ACC;
	if (flags & PTE_DIRTY)
		e |= DESC_SW_DIRTY;
	return e;
}

static pte_t a64_table(uint64_t pa)
{
	return (pa & DESC_ADDR) | DESC_VALID | DESC_TABLE;
}

static enum pte_kind a64_kind(pte_t e, unsigned level)
{
	uint64_t type = e & DESC_TYPE;

	if (!(e & DESC_VALID))
		return PTE_KIND_NONE;
	if (level == 0) /* 0b01 is reserved at Arm level 3: it faults like an invalid entry */
		return type == DESC_PAGE ? PTE_KIND_LEAF : PTE_KIND_NONE;
	if (type == (DESC_VALID | DESC_TABLE))
		return PTE_KIND_TABLE;
	/* No blocks at the root with a 4 KiB granule (without FEAT_LPA2). */
	return level <= 2 ? PTE_KIND_LEAF : PTE_KIND_NONE;
}

static uint64_t a64_addr(pte_t e)
{
	return e & DESC_ADDR;
}

static unsigned a64_flags(pte_t e, unsigned level)
{
	unsigned f = PTE_PRESENT;

	if (level > 0)
		f |= PTE_HUGE;
	if (!(e & DESC_AP_RO))
		f |= PTE_WRITABLE;
	if (e & DESC_AP_USER)
		f |= PTE_USER;
	/* The execute-never bit of the page's own privilege level decides. */
	if (e & (e & DESC_AP_USER ? DESC_UXN : DESC_PXN))
		f |= PTE_NO_EXECUTE;
	if (!(e & DESC_NG))
		f |= PTE_GLOBAL;
	if (e & DESC_SW_ACC)
		f |= PTE_ACCESSED;
	if (e & DESC_SW_DIRTY)
		f |= PTE_DIRTY;
	return f | attr_flags((unsigned)((e & DESC_ATTR_MSK) >> 2));
}

const struct pt_format aarch64_pt_format = {
    .name = "aarch64",
    .max_leaf_level = 2,
    .leaf = a64_leaf,
    .table = a64_table,
    .kind = a64_kind,
    .addr = a64_addr,
    .flags = a64_flags,
    .valid_mask = 1ull << 0,
    .table_mask = 3,
    .table_match = 3, /* descriptor type 0b11 above level 0 */
    .addr_shift = 12,
    .addr_mask = (1ull << 36) - 1, /* bits 12..47 */
    /* Its dsb orders the new entries before the walker may read them. */
    .flush_on_map = true,
};
