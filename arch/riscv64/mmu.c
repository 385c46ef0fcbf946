/*
 * riscv64 MMU operations of the HAL: Sv39 or Sv48 (whichever the boot probe
 * found, Sv48 preferred), one address-space id (0) for everything, so every
 * switch and flush is a full sfence.vma or one for a single page.
 */
#include "arch/hal/mmu.h"
#include "riscv.h"

/* linker.ld */
extern char __kernel_start[];

static unsigned mmu_levels = 3;
static uint64_t kernel_phys; /* physical address of __kernel_start */

void riscv_mmu_setup(uint64_t phys, unsigned levels)
{
	kernel_phys = phys;
	mmu_levels = levels;
}

uint64_t riscv_kernel_pa(const volatile void *p)
{
	return kernel_phys + ((uintptr_t)p - (uintptr_t)__kernel_start);
}

unsigned arch_mmu_levels(void)
{
	return mmu_levels;
}

void arch_mmu_activate(uint64_t root)
{
	unsigned long mode = mmu_levels == 4 ? SATP_MODE_SV48 : SATP_MODE_SV39;

	/*
	 * Before: the new tables' stores are ordered before the walks that the
	 * very next fetch may make. After: ASID 0 is reused by every address
	 * space, so nothing cached from the old one may survive.
	 */
	sfence_vma_all();
	csr_write(satp, mode | (root >> PAGE_SHIFT));
	sfence_vma_all();
}

uint64_t arch_mmu_root(void)
{
	return (csr_read(satp) & SATP_PPN_MASK) << PAGE_SHIFT;
}

void arch_tlb_flush_page(uintptr_t va)
{
	/* rs2 = x0: the page's entries of every address space, global ones too. */
	__asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

void arch_tlb_flush_all(void)
{
	sfence_vma_all();
}
