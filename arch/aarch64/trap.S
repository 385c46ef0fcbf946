/*
 * The EL1 exception vector table (VBAR_EL1): 16 entries of 0x80 bytes, 2 KiB
 * aligned, in four groups of sync/IRQ/FIQ/SError: current EL with SP_EL0,
 * current EL with SP_EL1, lower EL AArch64, lower EL AArch32. Each entry
 * makes room for a struct trap_frame on the current stack, saves x0/x1 and
 * jumps to trap_common with its index; trap_handle(tf, index) does the
 * rest in C, and whatever it left in the frame is restored on return.
 */
#include <hal_arch/trap.h>

.macro	vector index
	.balign	0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X0]
	mov	x0, #\index
	b	trap_common
.endm

	.text
	.balign	2048
	.globl	trap_vectors
trap_vectors:
	.irp	i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vector	\i
	.endr

trap_common:
	stp	x2, x3, [sp, #TF_X0 + 2 * 8]
	stp	x4, x5, [sp, #TF_X0 + 4 * 8]
	stp	x6, x7, [sp, #TF_X0 + 6 * 8]
	stp	x8, x9, [sp, #TF_X0 + 8 * 8]
	stp	x10, x11, [sp, #TF_X0 + 10 * 8]
	stp	x12, x13, [sp, #TF_X0 + 12 * 8]
	stp	x14, x15, [sp, #TF_X0 + 14 * 8]
	stp	x16, x17, [sp, #TF_X0 + 16 * 8]
	stp	x18, x19, [sp, #TF_X0 + 18 * 8]
	stp	x20, x21, [sp, #TF_X0 + 20 * 8]
	stp	x22, x23, [sp, #TF_X0 + 22 * 8]
	stp	x24, x25, [sp, #TF_X0 + 24 * 8]
	stp	x26, x27, [sp, #TF_X0 + 26 * 8]
	stp	x28, x29, [sp, #TF_X0 + 28 * 8]
	add	x1, sp, #TF_SIZE	/* the stack pointer before the entry's sub */
	stp	x30, x1, [sp, #TF_X0 + 30 * 8]
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #TF_ESR]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #TF_ELR]
	/* A frame record {x29, elr}: backtraces from the handler show the trapped pc. */
	stp	x29, x2, [sp, #TF_FP_REC]
	add	x29, sp, #TF_FP_REC

	mov	x1, x0			/* vector index */
	mov	x0, sp			/* struct trap_frame * */
	bl	trap_handle

	/* The handler may have moved elr (arch_trap_skip): restore from the frame. */
	ldp	x2, x3, [sp, #TF_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x0, x1, [sp, #TF_X0]
	ldp	x2, x3, [sp, #TF_X0 + 2 * 8]
	ldp	x4, x5, [sp, #TF_X0 + 4 * 8]
	ldp	x6, x7, [sp, #TF_X0 + 6 * 8]
	ldp	x8, x9, [sp, #TF_X0 + 8 * 8]
	ldp	x10, x11, [sp, #TF_X0 + 10 * 8]
	ldp	x12, x13, [sp, #TF_X0 + 12 * 8]
	ldp	x14, x15, [sp, #TF_X0 + 14 * 8]
	ldp	x16, x17, [sp, #TF_X0 + 16 * 8]
	ldp	x18, x19, [sp, #TF_X0 + 18 * 8]
	ldp	x20, x21, [sp, #TF_X0 + 20 * 8]
	ldp	x22, x23, [sp, #TF_X0 + 22 * 8]
	ldp	x24, x25, [sp, #TF_X0 + 24 * 8]
	ldp	x26, x27, [sp, #TF_X0 + 26 * 8]
	ldp	x28, x29, [sp, #TF_X0 + 28 * 8]
	ldr	x30, [sp, #TF_X0 + 30 * 8]
	add	sp, sp, #TF_SIZE
	eret
