/*
 * The entry of the kernel Image (Linux arm64 boot protocol,
 * Documentation/arch/arm64/booting.rst): the loader enters at offset 0 on
 * the boot CPU with the MMU and data cache off, x0 = physical address of
 * the DTB, at EL2 or EL1, the Image at a 2 MiB aligned base + text_offset.
 * We drop to EL1 and, still position independent (adr/adrp only; literals
 * hold link addresses and are only jumped to once the MMU is on), build
 * the boot page tables:
 *
 *   TTBR1 root   256 -> direct map L1: PA [0, 1 GiB) Device-nGnRE (UART,
 *                       GIC, virtio-mmio on QEMU virt), [1, 4 GiB) Normal
 *                       write-back, plus the GiB of the DTB and of the
 *                       image, 1 GiB blocks, never executable (boot.c
 *                       adds the rest of RAM once it has read the DTB)
 *                511 -> kernel L1 -> L2: the image at its link address,
 *                       2 MiB blocks onto its runtime PA, RWX
 *   TTBR0 root   the GiB holding the image, identity mapped, so the
 *                instructions that turn the MMU on keep running
 *
 * Then the MMU goes on, we jump to the link address, point TTBR0 at the
 * TTBR1 root (whose lower half is empty, as in the kernel's own tables
 * later), zero .bss, take the boot stack and call
 * arch_boot_main(dtb_pa, kernel_pa).
 */
#include <hal_arch/mmu.h>

#include "aarch64.h"
#include "sysreg.h"

#define GIB	 (1 << 30)
#define BLOCK_L2 0x200000

	.section .head.text, "ax"
	.globl _start
_start:
	/* The 64-byte Image header; code0 jumps over it. */
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	IMAGE_TEXT_OFFSET	/* text_offset */
	.quad	__image_size		/* image_size, .bss included (linker.ld) */
	.quad	0x2			/* flags: little endian, 4K pages, base close to DRAM start */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5: no PE/COFF header */

primary_entry:
	mov	x19, x0			/* the DTB, kept across everything below */
	/*
	 * The boot figure starts here (arch_boot_counter): the physical count
	 * at EL2, which sets CNTVOFF_EL2 to 0 below, else the virtual one.
	 */
	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	1f
	mrs	x1, cntpct_el0
	b	2f
1:	mrs	x1, cntvct_el0
2:	adrp	x2, boot_entry_counter
	add	x2, x2, :lo12:boot_entry_counter
	str	x1, [x2]
	dmb	sy
	dc	ivac, x2		/* written with the MMU off: no stale line later */

	/*
	 * Only the boot CPU should ever get here: QEMU and U-Boot keep the
	 * others powered off behind PSCI. In case a loader releases them all
	 * here, park every CPU but affinity 0 (the boot CPU of QEMU virt).
	 */
	mrs	x0, mpidr_el1
	ldr	x1, =(MPIDR_AFF_LOW | MPIDR_AFF3)
	tst	x0, x1
	b.ne	park

	/* x20: where the image really is; 2 MiB blocks need it 2 MiB aligned. */
	adr	x20, _start
	tst	x20, #(BLOCK_L2 - 1)
	b.ne	park
	/* x21: link address minus load address, to find physical addresses later. */
	ldr	x21, =_start
	sub	x21, x21, x20

	mrs	x0, CurrentEL
	cmp	x0, #CURRENTEL_EL1
	b.eq	at_el1
	cmp	x0, #CURRENTEL_EL2
	b.ne	park			/* EL3: not a Linux-protocol entry, nothing we can do */

	/* EL2 (QEMU virtualization=on): configure a plain EL1 host, then drop to it. */
	ldr	x0, =HCR_EL2_RW
	msr	hcr_el2, x0
	mrs	x0, cnthctl_el2
	orr	x0, x0, #(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN)
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr	/* virtual counter = physical counter */
	/* GICv3 CPU interface: let EL1 use the ICC_* system registers (ICC_SRE_EL1). */
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #PFR0_GIC_SHIFT, #4
	cbz	x0, 1f
	mov	x0, #(ICC_SRE_SRE | ICC_SRE_ENABLE)
	msr	S3_4_C12_C9_5, x0	/* ICC_SRE_EL2 */
	isb
	msr	S3_4_C12_C11_0, xzr	/* ICH_HCR_EL2: no virtual CPU interface */
1:
	ldr	x0, =CPTR_EL2_RES1
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	/* EL1 reads MIDR/MPIDR through these: make them the real ids. */
	mrs	x0, midr_el1
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0
	ldr	x0, =SCTLR_EL1_BOOT
	msr	sctlr_el1, x0
	ldr	x0, =(SPSR_DAIF | SPSR_EL1H)
	msr	spsr_el2, x0
	adr	x0, at_el1
	msr	elr_el2, x0
	eret

at_el1:
	/* A known SCTLR_EL1 (sysreg.h): MMU and data cache off as the protocol says. */
	ldr	x0, =SCTLR_EL1_BOOT
	msr	sctlr_el1, x0
	/* FP/SIMD trapped (U-Boot leaves it on) until user_cpu_init() opens it at EL1. */
	msr	cpacr_el1, xzr
	isb
	msr	daifset, #0xf
	msr	spsel, #1

	bl	boot_tables_build
	bl	boot_mmu_enable
	/* Leave the identity map: from here on every address is a link address. */
	ldr	x0, =high_entry
	br	x0

high_entry:
	/*
	 * For debuggers: this code has no caller (the return address is
	 * undefined), so GDB's backtrace ends here instead of unwinding into
	 * whatever lies above the stack.
	 */
	.cfi_sections .debug_frame
	.cfi_startproc
	.cfi_undefined x30
	/*
	 * TTBR0 gets the kernel root, whose lower half is empty: as with the
	 * kernel's own tables, a low address now faults. Then drop every TLB
	 * entry the identity map left.
	 */
	adrp	x0, boot_pt_root
	sub	x0, x0, x21
	msr	ttbr0_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	isb

	/* Zero .bss (cacheable now): 16-byte aligned at both ends (linker.ld). */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:
	adrp	x0, __boot_stack_top
	add	sp, x0, :lo12:__boot_stack_top
	/* The frame-pointer chain ends here. */
	mov	x29, xzr
	mov	x30, xzr
	mov	x0, x19
	mov	x1, x20
	bl	arch_boot_main
	/* arch_boot_main does not return; fall into the parking loop if it does. */

park:
	msr	daifset, #0xf
1:	wfe
	b	1b
	.cfi_endproc

/*
 * Build the boot tables (see the top of this file) with the MMU off, from
 * x19 (DTB), x20 (image PA). The stores bypass the data cache; the range
 * is invalidated before (nothing stale may be written back over it) and
 * after (no stale line may be hit by the cacheable table walks).
 * Clobbers x0-x9, x22.
 */
boot_tables_build:
	mov	x22, x30
	adrp	x0, __boot_pt_start
	adrp	x1, __boot_pt_end
	bl	dcache_inval
	adrp	x0, __boot_pt_start
	adrp	x1, __boot_pt_end
1:	stp	xzr, xzr, [x0], #16
	cmp	x0, x1
	b.lo	1b

	/* The direct map: root[256] -> L1 of 1 GiB blocks, PA [0, 512 GiB). */
	adrp	x0, boot_pt_root
	adrp	x1, boot_pt_map
	mov	x2, #((PHYS_MAP_BASE >> 39) & 511)
	bl	set_table
	mov	x0, #0
	ldr	x1, =BOOT_BLOCK_DEVICE
	bl	map_gib
	ldr	x1, =BOOT_BLOCK_DATA
	mov	x0, #(1 * GIB)
	bl	map_gib
	mov	x0, #(2 * GIB)
	bl	map_gib
	mov	x0, #(3 * GIB)
	bl	map_gib
	mov	x0, x19			/* the DTB (up to 2 MiB) may lie above 4 GiB */
	bl	map_gib
	mov	x0, #(DTB_MAX_SIZE - 1)
	add	x0, x0, x19
	bl	map_gib
	mov	x0, x20			/* and so may the image */
	bl	map_gib

	/* The image: root[511] -> L1[510] -> L2 of 2 MiB blocks (linker.ld: within one GiB). */
	ldr	x7, =__kernel_start
	ldr	x8, =__kernel_end
	adrp	x0, boot_pt_root
	adrp	x1, boot_pt_kernel_l1
	ubfx	x2, x7, #39, #9
	bl	set_table
	adrp	x0, boot_pt_kernel_l1
	adrp	x1, boot_pt_kernel_l2
	ubfx	x2, x7, #30, #9
	bl	set_table
	adrp	x0, boot_pt_kernel_l2
	ldr	x1, =BOOT_BLOCK_KERNEL
	orr	x1, x1, x20
2:	ubfx	x2, x7, #21, #9
	str	x1, [x0, x2, lsl #3]
	add	x1, x1, #BLOCK_L2
	add	x7, x7, #BLOCK_L2
	cmp	x7, x8
	b.lo	2b

	/* The identity map of the image's GiB, for TTBR0 while the MMU goes on. */
	adrp	x0, boot_pt_id_root
	adrp	x1, boot_pt_id_l1
	ubfx	x2, x20, #39, #9
	bl	set_table
	adrp	x0, boot_pt_id_l1
	ubfx	x2, x20, #30, #9
	lsr	x3, x20, #30
	ldr	x1, =BOOT_BLOCK_KERNEL
	orr	x1, x1, x3, lsl #30	/* the GiB's base */
	str	x1, [x0, x2, lsl #3]

	dsb	sy
	adrp	x0, __boot_pt_start
	adrp	x1, __boot_pt_end
	bl	dcache_inval
	mov	x30, x22
	ret

/* x0[x2] = table descriptor of the table at x1. */
set_table:
	orr	x1, x1, #DESC_TABLE
	str	x1, [x0, x2, lsl #3]
	ret

/*
 * The direct map's L1 entry for the GiB holding PA x0 becomes a block with
 * attributes x1, unless already set or beyond the 512 GiB one table spans.
 * Clobbers x2-x4.
 */
map_gib:
	lsr	x2, x0, #30
	cmp	x2, #512
	b.hs	1f
	adrp	x3, boot_pt_map
	add	x3, x3, x2, lsl #3
	ldr	x4, [x3]
	cbnz	x4, 1f
	orr	x4, x1, x2, lsl #30
	str	x4, [x3]
1:	ret

/* Invalidate the data cache to the PoC for [x0, x1). Clobbers x0, x2, x3. */
dcache_inval:
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4		/* DminLine: log2 of the line in words */
	mov	x2, #4
	lsl	x2, x2, x3
	sub	x3, x2, #1
	bic	x0, x0, x3
1:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	dsb	sy
	ret

/*
 * Turn the MMU on with the boot tables (MAIR, TCR as sysreg.h says) while
 * running on the identity map; returns with the caches on.
 */
boot_mmu_enable:
	ldr	x0, =MAIR_EL1_VALUE
	msr	mair_el1, x0
	ldr	x0, =TCR_EL1_VALUE
	mrs	x1, id_aa64mmfr0_el1
	and	x1, x1, #MMFR0_PARANGE_MASK
	mov	x2, #PARANGE_48
	cmp	x1, x2
	csel	x1, x1, x2, ls
	bfi	x0, x1, #TCR_IPS_SHIFT, #3
	msr	tcr_el1, x0
	adrp	x0, boot_pt_id_root
	msr	ttbr0_el1, x0
	adrp	x0, boot_pt_root
	msr	ttbr1_el1, x0
	isb
	/* Nothing the firmware left in the TLB may be used with these tables. */
	tlbi	vmalle1
	dsb	nsh
	isb
	ldr	x0, =SCTLR_EL1_MMU_ON
	msr	sctlr_el1, x0
	isb
	/* Drop instructions fetched before the switch (from the PoC, uncached). */
	ic	iallu
	dsb	nsh
	isb
	ret

	.ltorg

/* The boot page tables (linker.ld keeps them out of .bss: zeroed with the MMU off). */
	.section .boot_pt, "aw", %nobits
	.balign	4096
	.globl	boot_pt_root
boot_pt_root:
	.skip	4096
	.globl	boot_pt_map
boot_pt_map:
	.skip	4096
boot_pt_kernel_l1:
	.skip	4096
boot_pt_kernel_l2:
	.skip	4096
boot_pt_id_root:
	.skip	4096
boot_pt_id_l1:
	.skip	4096

	/* In .data: .bss is zeroed after the counter is read. */
	.data
	.balign 64			/* a cache line of its own (dc ivac) */
	.globl	boot_entry_counter
boot_entry_counter:
	.quad	0
	.balign 64
