/*
 * Address-space activation and TLB maintenance for AArch64 (the entry
 * format is in pte.c). TTBR1_EL1 holds the kernel's root for good, set by
 * the first activation (mm/kvm.c, the kernel's own tables); every
 * activation loads TTBR0_EL1, the user half, only. Every mapping uses
 * ASID 0, so switching roots flushes the whole TLB. All maintenance here is local to
 * this CPU, as the HAL says: the non-shareable TLBI forms, completed by
 * DSB NSH. Before each TLBI, DSB ISHST makes the page-table stores that
 * led to it visible to the table walkers. Also here: growing boot.S's
 * direct map to all of RAM once the device tree has been read.
 */
#include "aarch64.h"
#include "arch/hal/mmu.h"
#include "core/kprintf.h"

/* TTBRn_EL1.BADDR for a 4 KiB aligned table with 48-bit addresses; bit 0 is CnP. */
#define TTBR_BADDR_MASK 0x0000fffffffff000ul
/* TLBI by VA takes VA[55:12] in bits [43:0]. */
#define TLBI_VA_MASK ((1ul << 44) - 1)

unsigned arch_mmu_levels(void)
{
	return 4;
}

/* The kernel's root, in TTBR1_EL1 since the first activation; 0 before. */
static uint64_t kernel_root;

void arch_mmu_activate(uint64_t root)
{
	bool first = !kernel_root;

	root &= TTBR_BADDR_MASK;
	if (first) {
		/*
		 * The kernel's tables replace boot.S's: both map the kernel's
		 * code onto the same frames, so the fetches until the TLBI
		 * below are harmless.
		 */
		kernel_root = root;
		__asm__ volatile("dsb ishst\n\tmsr ttbr1_el1, %0" ::"r"(root) : "memory");
	}
	/* The TLBI drops every entry of the old root, walk caches included. */
	__asm__ volatile("dsb ishst\n\t"
			 "msr ttbr0_el1, %0\n\t"
			 "isb\n\t"
			 "tlbi vmalle1\n\t"
			 "dsb nsh\n\t"
			 "isb" ::"r"(root)
			 : "memory");
	if (first)
		pr_info("mmu: kernel root %#llx in TTBR1, user roots in TTBR0; PAN %s",
			(unsigned long long)root, user_pan_on() ? "on" : "not implemented");
}

uint64_t arch_mmu_root(void)
{
	uint64_t ttbr;

	__asm__ volatile("mrs %0, ttbr0_el1" : "=r"(ttbr));
	return ttbr & TTBR_BADDR_MASK;
}

void arch_tlb_flush_page(uintptr_t va)
{
	/* VAAE1: every ASID, every level (a freed table's walk-cache entries too). */
	__asm__ volatile("dsb ishst\n\t"
			 "tlbi vaae1, %0\n\t"
			 "dsb nsh\n\t"
			 "isb" ::"r"((va >> 12) & TLBI_VA_MASK)
			 : "memory");
}

void arch_tlb_flush_all(void)
{
	__asm__ volatile("dsb ishst\n\t"
			 "tlbi vmalle1\n\t"
			 "dsb nsh\n\t"
			 "isb" ::
			     : "memory");
}

/* boot.S: the boot tables' direct-map L1 table, 1 GiB blocks for PA [0, 512 GiB). */
extern pte_t boot_pt_map[PT_ENTRIES];

void mmu_boot_map_ram(const struct boot_info *bi)
{
	const unsigned flags = PTE_WRITABLE | PTE_NO_EXECUTE | PTE_GLOBAL | PTE_ACCESSED;
	const uint64_t gib = 1ull << PT_LEVEL_SHIFT(2);

	for (unsigned i = 0; i < bi->ram_count; i++) {
		uint64_t end = bi->ram[i].base + bi->ram[i].size;

		for (uint64_t pa = bi->ram[i].base & ~(gib - 1); pa < end; pa += gib) {
			uint64_t slot = pa / gib;

			if (slot < PT_ENTRIES && !boot_pt_map[slot])
				boot_pt_map[slot] = aarch64_pt_format.leaf(pa, flags, 2);
		}
	}
	/* Invalid to valid needs no TLBI: only the stores made visible to the walker. */
	__asm__ volatile("dsb ishst\n\tisb" ::: "memory");
}
