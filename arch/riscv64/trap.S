/*
 * The S-mode trap vector (stvec, direct mode). Only the kernel runs yet, so
 * the trap is taken on the kernel stack in use: push a struct trap_frame
 * (hal_arch/trap.h), call trap_handle(frame), restore, sret.
 */
#include <hal_arch/trap.h>

	.section .text
	.balign	4               /* stvec's low two bits are the mode: 0 = direct */
	.globl	trap_entry
trap_entry:
	addi	sp, sp, -TF_SIZE
	sd	x1, TF_X(1)(sp)
	.irp	n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, TF_X(\n)(sp)
	.endr
	sd	zero, TF_X(0)(sp)
	addi	t0, sp, TF_SIZE
	sd	t0, TF_X(2)(sp)  /* sp as it was before the trap */
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
	addi	sp, sp, TF_SIZE
	sret
