/*
 * The entry of the kernel Image (Linux arm64 boot protocol,
 * Documentation/arch/arm64/booting.rst): the loader enters at offset 0 on
 * the boot CPU with the MMU and data cache off, x0 = physical address of
 * the DTB, at EL2 or EL1. We drop to EL1, zero .bss, take the boot stack
 * and call arch_boot_main(dtb).
 */
#include "aarch64.h"
#include "sysreg.h"

#define BOOT_STACK_SIZE 0x4000

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
	 * Only the boot CPU should ever get here: QEMU and U-Boot keep the
	 * others powered off behind PSCI. In case a loader releases them all
	 * here, park every CPU but affinity 0 (the boot CPU of QEMU virt).
	 */
	mrs	x0, mpidr_el1
	ldr	x1, =(MPIDR_AFF_LOW | MPIDR_AFF3)
	tst	x0, x1
	b.ne	park

	/* The image is linked at its load address (MMU off): refuse to run elsewhere. */
	adr	x0, _start
	ldr	x1, =_start
	cmp	x0, x1
	b.ne	park

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
	/* FP/SIMD trapped (U-Boot leaves it on): the kernel has none (-mgeneral-regs-only). */
	msr	cpacr_el1, xzr
	isb
	msr	daifset, #0xf
	msr	spsel, #1

	/* Zero .bss: 16-byte aligned at both ends (linker.ld). */
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:
	ldr	x0, =boot_stack_top
	mov	sp, x0
	/* The frame-pointer chain ends here. */
	mov	x29, xzr
	mov	x30, xzr
	mov	x0, x19
	bl	arch_boot_main
	/* arch_boot_main does not return; fall into the parking loop if it does. */

park:
	msr	daifset, #0xf
1:	wfe
	b	1b

	.ltorg

	.section .bss.boot_stack, "aw", %nobits
	.balign	16
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
