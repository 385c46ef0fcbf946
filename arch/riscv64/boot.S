/*
 * riscv64 entry. OpenSBI (or U-Boot's booti) jumps here in S-mode with the
 * MMU off: a0 = hart id, a1 = physical address of the device tree. With
 * -smp N the boot hart is whichever won OpenSBI's lottery; the others stay
 * stopped in OpenSBI's HSM, but a loader may still send more than one hart
 * here, so only the first to arrive goes on.
 */
#include "memlayout.h"

/*
 * The RISC-V Linux Image header (Documentation/arch/riscv/boot-image-header.rst),
 * 64 bytes at the start of the binary, so U-Boot's booti accepts the Image
 * and copies it to RAM base + text_offset.
 */
	.section .text.head, "ax"
	.globl _start
_start:
	.option push
	.option norvc           /* code0/code1 are two 4-byte instructions */
	j	boot_entry      /* code0 */
	nop                     /* code1 */
	.option pop
	.dword	IMAGE_TEXT_OFFSET /* text_offset */
	.dword	__image_size    /* image_size: the whole image, .bss included (linker.ld) */
	.dword	0               /* flags: little endian */
	.word	2               /* version 0.2 */
	.word	0               /* res1 */
	.dword	0               /* res2 */
	.ascii	"RISCV\0\0\0"   /* magic (deprecated, still checked by some loaders) */
	.ascii	"RSC\x05"       /* magic2 */
	.word	0               /* res3: no PE/COFF header */

	.section .text.boot, "ax"
boot_entry:
	/* No interrupt until the kernel has a vector and wants them. */
	csrw	sie, zero
	csrci	sstatus, 2

	/* The lottery: the first hart to swap in a 1 boots, every later one parks. */
	la	t0, boot_lottery
	li	t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez	t1, park

	/* Zero .bss (8-byte aligned by linker.ld); a0 and a1 stay untouched. */
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	la	sp, boot_stack_top
	/* fp = 0 ends the frame-pointer chain; no gp relaxation (no __global_pointer$). */
	li	s0, 0
	li	ra, 0
	call	boot_main       /* boot_main(hart id, dtb): never returns */
park:
	csrw	sie, zero
3:	wfi
	j	3b

	/* In .data, not .bss: zeroing .bss must not reopen the lottery. */
	.section .data
	.balign	4
boot_lottery:
	.word	0

	.section .bss.stack, "aw", @nobits
	.balign	16
boot_stack:
	.space	BOOT_STACK_SIZE
boot_stack_top:
