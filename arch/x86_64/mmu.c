/*
 * The MMU hooks: 4-level paging, CR3 activation and TLB maintenance
 * (Intel SDM vol. 3, 4.10.4). boot.S has already turned on what the
 * kernel's W^X relies on: CR0.WP (ring 0 writes fault on read-only pages),
 * EFER.NXE (bit 63 forbids fetches) and CR4.PGE (global pages).
 *
 * The page walker reads entries from memory in program order with this
 * CPU's stores, so updating an entry needs no barrier; it needs the TLB
 * flush afterwards. MOV to CR3, MOV to CR4 and INVLPG are serializing,
 * and their "memory" clobbers keep the compiler from moving entry stores
 * past them.
 */
#include <stdint.h>

#include "arch/hal/cpu.h"
#include "arch/hal/mmu.h"
#include "x86.h"

#define CR3_ADDR_MASK 0x000ffffffffff000ull
#define CR4_PGE	      (1ull << 7)

unsigned arch_mmu_levels(void)
{
	return 4;
}

/*
 * A CR3 write drops every TLB entry that is not global. Global entries
 * (PTE_GLOBAL) stay: they are for the kernel half, which every address
 * space maps alike; changing one takes arch_tlb_flush_page/all.
 */
void arch_mmu_activate(uint64_t root)
{
	write_cr3(root & CR3_ADDR_MASK);
}

uint64_t arch_mmu_root(void)
{
	return read_cr3() & CR3_ADDR_MASK;
}

/* INVLPG drops the page's entries whether global or not (and the paging-structure caches). */
void arch_tlb_flush_page(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/*
 * Clearing CR4.PGE flushes every entry, global ones too; setting it back
 * turns global pages on again. With PGE off, a CR3 reload does the same.
 * Interrupts stay off in between so nothing runs with PGE off.
 */
void arch_tlb_flush_all(void)
{
	irqflags_t flags = arch_irq_save();
	uint64_t cr4 = read_cr4();

	if (cr4 & CR4_PGE) {
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
	arch_irq_restore(flags);
}
