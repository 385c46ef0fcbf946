/*
 * The S-mode trap vector (stvec, direct mode). Only the kernel runs yet, so
 * the trap is taken on the kernel stack in use: push a struct trap_frame
 * (hal_arch/trap.h), call trap_handle(frame), restore, sret.
 *
 * Interrupts stay off from entry to sret (the trap clears sstatus.SIE), so
 * traps nest only through a fault in the handler itself. The timer handler
 * may switch to another kernel thread and come back much later: the frame
 * lives on this thread's own stack, sscratch is already 0 by then, and the
 * exit path reloads sepc and sstatus from the frame, not from the CSRs the
 * other threads' traps have overwritten meanwhile.
 *
 * One exception: when the frame would touch the boot stack's guard page
 * (linker.ld), the boot stack has overflowed and pushing on it would fault
 * again, forever. Then the frame goes on a small stack of its own, so the
 * overflow reaches trap_page_fault() and panics with a readable report.
 */
#include <hal_arch/trap.h>

#define OVERFLOW_STACK_SIZE 4096

	.section .text
	.balign	4               /* stvec's low two bits are the mode: 0 = direct */
	.globl	trap_entry
trap_entry:
	csrw	sscratch, t0    /* free t0 until it is saved; sscratch is 0 otherwise */
	/*
	 * Overflow iff guard - 4096 + TF_SIZE < sp <= guard + 4096 + TF_SIZE:
	 * the frame would overlap the guard page (or sp is already past it).
	 * That is one unsigned range of 8 KiB: one subtraction and one shift.
	 */
	lla	t0, __boot_stack_guard + TF_SIZE + 1 - 4096
	sub	t0, sp, t0
	srli	t0, t0, 13
	bnez	t0, 1f
	mv	t0, sp
	lla	sp, trap_overflow_stack_top
	j	2f
1:	mv	t0, sp
2:	addi	sp, sp, -TF_SIZE
	sd	t0, TF_X(2)(sp)  /* sp as it was before the trap */
	csrr	t0, sscratch
	csrw	sscratch, zero
	sd	x1, TF_X(1)(sp)
	.irp	n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, TF_X(\n)(sp)
	.endr
	sd	zero, TF_X(0)(sp)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	sd	t0, TF_FP_RET(sp)
	csrr	t1, sstatus
	sd	t1, TF_SSTATUS(sp)
	csrr	t1, scause
	sd	t1, TF_SCAUSE(sp)
	csrr	t1, stval
	sd	t1, TF_STVAL(sp)
	/* A frame record {interrupted fp, sepc}: backtraces walk through the trap. */
	sd	s0, TF_FP_PREV(sp)
	addi	s0, sp, TF_SIZE

	mv	a0, sp
	call	trap_handle

	/* The handler may have moved sepc (arch_trap_skip) or changed sstatus. */
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	ld	x1, TF_X(1)(sp)
	.irp	n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld	x\n, TF_X(\n)(sp)
	.endr
	ld	sp, TF_X(2)(sp)  /* last: the frame may sit on the overflow stack */
	sret

	.section .bss
	.balign	16
trap_overflow_stack:
	.space	OVERFLOW_STACK_SIZE
trap_overflow_stack_top:
