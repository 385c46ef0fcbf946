/*
 * The EL1 exception vector table (VBAR_EL1): 16 entries of 0x80 bytes, 2 KiB
 * aligned, in four groups of sync/IRQ/FIQ/SError: current EL with SP_EL0,
 * current EL with SP_EL1 (the kernel), lower EL AArch64 (user mode), lower
 * EL AArch32. Each entry makes room for a struct trap_frame on SP_EL1,
 * saves x0/x1 and jumps on with its index; trap_handle(tf, index) does the
 * rest in C, and whatever it left in the frame is restored on return.
 *
 * From user mode SP_EL1 is the sp the kernel had at its eret, which is
 * always just above the thread's user frame at the top of its kernel
 * stack (arch_user_frame()): every trap from EL0 saves the user registers
 * there, SP_EL0 as tf->sp, and leaves through el0_leave, which reloads
 * everything (ELR, SPSR, SP_EL0 too: the thread may have been switched
 * away from and back) and erets with sp just above the frame again.
 *
 * A system call (SVC from EL0) branches off at once to a lean path: it
 * saves only what the C code may clobber or the frame must carry (x0-x19,
 * x30, SP_EL0, ELR, SPSR, ESR), not x20-x29: AAPCS64 callee-saved, they
 * survive the C handlers and any thread switch in between untouched, so
 * their frame slots (and the frame record's) are stale during a system
 * call.
 */
#include <hal_arch/trap.h>

#include "sysreg.h"

#define EMERGENCY_STACK_SIZE 8192

/* x2..x19 into the frame at sp (the entries save x0 and x1). */
.macro	save_x2_x19
	stp	x2, x3, [sp, #TF_X0 + 2 * 8]
	stp	x4, x5, [sp, #TF_X0 + 4 * 8]
	stp	x6, x7, [sp, #TF_X0 + 6 * 8]
	stp	x8, x9, [sp, #TF_X0 + 8 * 8]
	stp	x10, x11, [sp, #TF_X0 + 10 * 8]
	stp	x12, x13, [sp, #TF_X0 + 12 * 8]
	stp	x14, x15, [sp, #TF_X0 + 14 * 8]
	stp	x16, x17, [sp, #TF_X0 + 16 * 8]
	stp	x18, x19, [sp, #TF_X0 + 18 * 8]
.endm

.macro	save_x20_x29
	stp	x20, x21, [sp, #TF_X0 + 20 * 8]
	stp	x22, x23, [sp, #TF_X0 + 22 * 8]
	stp	x24, x25, [sp, #TF_X0 + 24 * 8]
	stp	x26, x27, [sp, #TF_X0 + 26 * 8]
	stp	x28, x29, [sp, #TF_X0 + 28 * 8]
.endm

.macro	restore_x0_x19
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
.endm

.macro	restore_x20_x29
	ldp	x20, x21, [sp, #TF_X0 + 20 * 8]
	ldp	x22, x23, [sp, #TF_X0 + 22 * 8]
	ldp	x24, x25, [sp, #TF_X0 + 24 * 8]
	ldp	x26, x27, [sp, #TF_X0 + 26 * 8]
	ldp	x28, x29, [sp, #TF_X0 + 28 * 8]
.endm

/* ESR, FAR, ELR and SPSR into the frame; leaves ELR in x2. Clobbers x2, x3. */
.macro	save_sysregs
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #TF_ESR]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #TF_ELR]
.endm

/* .org, not .balign: an entry that outgrows its 0x80 bytes fails to assemble. */
.macro	vector index, target
	.org	trap_vectors + \index * 0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X0]
	mov	x0, #\index
	b	\target
.endm

	.text
	.balign	2048
	.globl	trap_vectors
trap_vectors:
	/* Current EL with SP_EL0: never taken, the kernel runs on SP_EL1. */
	.irp	i, 0, 1, 2, 3
	vector	\i, el1_trap
	.endr

	/*
	 * Current EL with SP_EL1, synchronous: first make sure the stack can
	 * take the frame. A kernel stack overflow faults on its guard page, and
	 * so would every store of the frame, forever: when sp is misaligned or
	 * the frame's lowest byte is unmapped (AT asks the MMU), switch to the
	 * emergency stack. TPIDR_EL1 is this code's scratch register.
	 */
	.org	trap_vectors + 4 * 0x80
	msr	tpidr_el1, x0
	sub	x0, sp, #TF_SIZE
	tst	x0, #15
	b.ne	el1_stack_bad
	at	s1e1w, x0
	isb
	mrs	x0, par_el1
	tbnz	x0, #0, el1_stack_bad	/* PAR_EL1.F: the translation failed */
	mrs	x0, tpidr_el1
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X0]
	mov	x0, #4
	b	el1_trap

	.irp	i, 5, 6, 7
	vector	\i, el1_trap
	.endr

	/* Lower EL, AArch64, synchronous: system calls take the lean path. */
	.org	trap_vectors + 8 * 0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X0]
	mrs	x0, esr_el1
	ubfx	x1, x0, #ESR_EC_SHIFT, #6
	cmp	x1, #EC_SVC64
	b.eq	el0_svc
	mov	x0, #8
	b	el0_trap

	/* Lower EL: interrupts, SError, and anything from AArch32 (never run). */
	.irp	i, 9, 10, 11, 12, 13, 14, 15
	vector	\i, el0_trap
	.endr
	.org	trap_vectors + 16 * 0x80

/* A trap from the kernel itself: x0 = vector index. */
el1_trap:
	save_x2_x19
	save_x20_x29
	add	x1, sp, #TF_SIZE	/* the stack pointer before the entry's sub */
	stp	x30, x1, [sp, #TF_X0 + 30 * 8]
	save_sysregs
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
	ldr	x30, [sp, #TF_X0 + 30 * 8]
	restore_x20_x29
	restore_x0_x19
	add	sp, sp, #TF_SIZE
	eret

/*
 * The kernel's stack cannot take a frame (x0 is in TPIDR_EL1): build it on
 * the emergency stack instead, with the old sp in it, and report. There
 * is no way back to a stack that overflowed.
 */
el1_stack_bad:
	adrp	x0, emergency_stack_top
	add	x0, x0, :lo12:emergency_stack_top
	sub	x0, x0, #TF_SIZE
	str	x1, [x0, #TF_X0 + 8]
	mov	x1, sp
	str	x1, [x0, #TF_SP]
	mov	sp, x0
	mrs	x0, tpidr_el1
	str	x0, [sp, #TF_X0]
	save_x2_x19
	save_x20_x29
	str	x30, [sp, #TF_X0 + 30 * 8]
	save_sysregs
	stp	x29, x2, [sp, #TF_FP_REC]
	add	x29, sp, #TF_FP_REC
	mov	x0, sp
	bl	a64_stack_overflow	/* does not return */
	b	.

/* A trap from user mode other than a system call: x0 = vector index. */
el0_trap:
	save_x2_x19
	save_x20_x29
	mrs	x1, sp_el0
	stp	x30, x1, [sp, #TF_X0 + 30 * 8]
	save_sysregs
	/* The frame chain ends here: never follow the user's x29 into user memory. */
	stp	xzr, x2, [sp, #TF_FP_REC]
	add	x29, sp, #TF_FP_REC
	mov	x1, x0
	mov	x0, sp
	bl	trap_handle
	/* fall through */

/*
 * Back to user mode from the whole frame at sp: interrupts off (an IRQ
 * now would overwrite ELR/SPSR), the portable last word, every register.
 */
el0_leave:
	msr	daifset, #3
	mov	x0, sp
	bl	trap_user_return
el0_restore:
	restore_x20_x29
	b	el0_restore_x0_x19

/* SVC from EL0: x0 = ESR. The number and arguments are in the frame's x0-x8. */
el0_svc:
	save_x2_x19
	mrs	x1, sp_el0
	stp	x30, x1, [sp, #TF_X0 + 30 * 8]
	mrs	x1, elr_el1		/* already past the svc */
	mrs	x2, spsr_el1
	stp	x1, x2, [sp, #TF_ELR]
	str	x0, [sp, #TF_ESR]	/* FAR is UNKNOWN for an SVC: not saved */
	/*
	 * No frame record: x29 stays the user's, and a backtrace stops at
	 * it, as it goes only up the stack and user addresses are all below.
	 */
	mov	x0, sp			/* interrupts off since the exception (arch/hal/user.h) */
	bl	trap_syscall
	msr	daifset, #3		/* and for certain: a switch may have brought them back */
	mov	x0, sp
	bl	trap_user_return
	/* x20-x29 still hold the user's values. */
el0_restore_x0_x19:
	ldp	x0, x1, [sp, #TF_ELR]
	msr	elr_el1, x0
	msr	spsr_el1, x1
	ldp	x30, x0, [sp, #TF_X0 + 30 * 8]
	msr	sp_el0, x0
	restore_x0_x19
	add	sp, sp, #TF_SIZE	/* just above the frame: where the next trap lands */
	eret

/* a64_user_return(tf): leave for user mode from the frame tf (user.c checks where it is). */
	.globl	a64_user_return
	.type	a64_user_return, %function
a64_user_return:
	msr	daifset, #3
	mov	sp, x0
	b	el0_restore
	.size	a64_user_return, . - a64_user_return

/* One CPU runs the kernel; one emergency stack per CPU once more do. */
	.bss
	.balign	16
emergency_stack:
	.skip	EMERGENCY_STACK_SIZE
emergency_stack_top:
