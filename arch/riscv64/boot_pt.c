/*
 * The boot page tables (Sv39), in .bss: built by boot_pt_build() while the
 * MMU is still off, called from boot.S, then trimmed (and topped with an
 * Sv48 root when the CPU offers Sv48) by riscv_boot_pt_finish() once the
 * kernel runs at its link address. What
 * they map is drawn in memlayout.h. The portable kernel later replaces them
 * with tables of its own (arch_mmu_activate()).
 *
 * boot_pt_build() runs at the image's physical address. It is medany C, so
 * every symbol address it takes is pc-relative and comes out physical; it
 * must never load an absolute address from memory (no function pointers,
 * no tables of pointers, no switch jump tables) nor call code that does.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/hal/mmu.h"
#include "memlayout.h"
#include "riscv.h"

#define GIB_SHIFT    PT_LEVEL_SHIFT(2)
#define BLOCK_SHIFT  PT_LEVEL_SHIFT(1) /* 2 MiB: what one level-0 table spans */
#define SV39_LOW_TOP (1ul << 38)       /* the lower half of Sv39: what can be identity mapped */

_Static_assert(IMAGE_TEXT_OFFSET % (1ul << BLOCK_SHIFT) == 0, "image not 2 MiB aligned");
_Static_assert(IMAGE_TEXT_OFFSET + BOOT_KERNEL_MAX <= 1ul << GIB_SHIFT, "image crosses a GiB");
_Static_assert(PHYS_MAP_SIZE % (1ul << GIB_SHIFT) == 0, "direct map not in GiB pages");

#define BOOT_CODE    __attribute__((section(".text.boot")))
#define PAGE_ALIGNED __attribute__((aligned(PAGE_SIZE)))

/* linker.ld */
extern char __kernel_start[], __text_end[], __rodata_end[], __boot_stack_guard[], __kernel_end[];

static pte_t boot_root[PT_ENTRIES] PAGE_ALIGNED;
static pte_t boot_kernel_l1[PT_ENTRIES] PAGE_ALIGNED;
static pte_t boot_kernel_l0[BOOT_KERNEL_MAX >> BLOCK_SHIFT][PT_ENTRIES] PAGE_ALIGNED;
static pte_t boot_sv48_root[PT_ENTRIES] PAGE_ALIGNED; /* above boot_root, when Sv48 is offered */

#define KERNEL_BITS (RISCV_PTE_V | RISCV_PTE_R | RISCV_PTE_A | RISCV_PTE_G)

BOOT_CODE static pte_t boot_pte(uint64_t pa, unsigned long bits)
{
	return (pa >> PAGE_SHIFT) << RISCV_PTE_PPN_SHIFT | bits;
}

BOOT_CODE static unsigned vpn(uint64_t va, unsigned level)
{
	return (va >> PT_LEVEL_SHIFT(level)) & (PT_ENTRIES - 1);
}

/* The bits of the image page at offset `off`: W^X by section; 0 for the stack guard. */
BOOT_CODE static pte_t image_bits(uintptr_t off)
{
	if (off < (uintptr_t)(__text_end - __kernel_start))
		return KERNEL_BITS | RISCV_PTE_X;
	if (off < (uintptr_t)(__rodata_end - __kernel_start))
		return KERNEL_BITS;
	if (off == (uintptr_t)(__boot_stack_guard - __kernel_start))
		return 0;
	return KERNEL_BITS | RISCV_PTE_W | RISCV_PTE_D;
}

/* Map the image at its link address `va` in 4 KiB pages: it may sit anywhere in RAM. */
BOOT_CODE static void map_image(uint64_t pa, uintptr_t va, uintptr_t size)
{
	boot_root[vpn(va, 2)] = boot_pte((uintptr_t)boot_kernel_l1, RISCV_PTE_V);
	for (uintptr_t off = 0; off < size; off += PAGE_SIZE) {
		pte_t *l0 = boot_kernel_l0[off >> BLOCK_SHIFT];
		if (off % (1ul << BLOCK_SHIFT) == 0)
			boot_kernel_l1[vpn(va + off, 1)] = boot_pte((uintptr_t)l0, RISCV_PTE_V);
		pte_t bits = image_bits(off);
		l0[vpn(va + off, 0)] = bits ? boot_pte(pa + off, bits) : 0;
	}
}

/*
 * Fill the boot tables for an image loaded at physical `pa` and linked at
 * `va`; returns the root's physical address, or 0 when the image cannot be
 * identity mapped under Sv39 (above 256 GiB) or is misplaced.
 */
BOOT_CODE uint64_t boot_pt_build(uint64_t pa, uintptr_t va)
{
	uintptr_t size = (uintptr_t)(__kernel_end - __kernel_start);

	if (pa % PAGE_SIZE || va % (1ul << BLOCK_SHIFT) || pa + size > SV39_LOW_TOP)
		return 0;
	/* Identity, RWX: what boot.S executes between the satp write and the jump. */
	for (uint64_t g = pa >> GIB_SHIFT; g <= (pa + size - 1) >> GIB_SHIFT; g++)
		boot_root[g] =
		    boot_pte(g << GIB_SHIFT, KERNEL_BITS | RISCV_PTE_W | RISCV_PTE_D | RISCV_PTE_X);
	/* The direct map: RAM and MMIO alike (QEMU virt's PMAs make devices uncached). */
	for (uint64_t p = 0; p < PHYS_MAP_SIZE; p += 1ul << GIB_SHIFT)
		boot_root[vpn(PHYS_MAP_BASE + p, 2)] =
		    boot_pte(p, KERNEL_BITS | RISCV_PTE_W | RISCV_PTE_D);
	map_image(pa, va, size);
	return (uintptr_t)boot_root;
}

/*
 * Move to Sv48 when the CPU offers it, so that the boot tables have the
 * shape every later address space will have (arch_mmu_levels()). Writing
 * satp with a mode the CPU lacks leaves satp unchanged, so write and read
 * back. The Sv48 root's last entry points at the Sv39 root as its level-2
 * table: for every address of the top 512 GiB, Sv48 then walks to the very
 * same leaves, so the switch changes no translation the kernel uses.
 * Returns the number of levels the CPU now walks.
 */
static unsigned try_sv48(void)
{
	boot_sv48_root[PT_ENTRIES - 1] = boot_pte(riscv_kernel_pa(boot_root), RISCV_PTE_V);
	unsigned long sv48 = SATP_MODE_SV48 | riscv_kernel_pa(boot_sv48_root) >> PAGE_SHIFT;
	sfence_vma_all(); /* the entry above is visible to the walker before satp names it */
	csr_write(satp, sv48);
	bool ok = csr_read(satp) == sv48;
	sfence_vma_all(); /* no Sv39 translation survives the switch */
	return ok ? 4 : 3;
}

void riscv_boot_pt_finish(uint64_t kernel_phys)
{
	riscv_mmu_setup(kernel_phys, 3);
	/* boot.S has left the identity map: drop the whole lower half, then its TLB entries. */
	for (unsigned i = 0; i < PT_ENTRIES / 2; i++)
		boot_root[i] = 0;
	sfence_vma_all();
	riscv_mmu_setup(kernel_phys, try_sv48());
}
