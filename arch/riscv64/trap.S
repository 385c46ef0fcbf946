/*
 * The S-mode trap vector (stvec, direct mode) and the way out to user mode.
 *
 * sscratch says where a trap came from: while a thread runs in U-mode it
 * holds that thread's kernel stack top; whenever the hart is in S-mode it
 * is 0. The first instruction swaps it with sp: non-zero means a trap from
 * U-mode, now on its kernel stack; zero means S-mode, and the swap is undone.
 *
 * From S-mode: push a struct trap_frame (hal_arch/trap.h) on the stack in
 * use, call trap_handle(frame), restore, sret. Interrupts stay off from
 * entry to sret (the trap clears sstatus.SIE), so traps nest only through a
 * fault in the handler itself. The timer handler may switch to another
 * thread and come back much later: the frame lives on this thread's own
 * stack and the exit reloads sepc and sstatus from it, not from the CSRs
 * the other threads' traps have overwritten meanwhile.
 *
 * From U-mode: the frame sits at the top of the thread's kernel stack
 * (arch_user_frame()), x2 = the user sp. A system call (ecall, the hot path)
 * saves only what C may clobber: ra, t0-t6, a0-a7, and gp, tp, which a
 * thread switch does not keep; s0-s11 survive the calls by the psABI and
 * stay live. It runs trap_syscall() with interrupts off. Any other trap
 * saves everything and goes to trap_handle(). Either way out: interrupts
 * off, trap_user_return(), then sepc and sstatus from the frame (FS
 * forced Off unless user FP is allowed: riscv_user_sstatus_mask below),
 * sscratch = the stack top (computed from the frame, so always the
 * returning thread's own), the registers, sret.
 *
 * Overflow: when the frame would touch the boot stack's guard page
 * (linker.ld) or a kernel thread stack's guard (the lower half of each
 * 32 KiB slot of the kernel-stack area, mm/kstack.c), the stack has
 * overflowed and pushing on it would fault again, forever. Then the frame
 * goes on a small emergency stack, and trap.c reports the overflow and
 * panics.
 */
#include <hal_arch/trap.h>

#include "riscv.h"

#define OVERFLOW_STACK_SIZE 4096

	.section .text
	.balign	4               /* stvec's low two bits are the mode: 0 = direct */
	.globl	trap_entry
trap_entry:
	csrrw	sp, sscratch, sp
	bnez	sp, from_user
	csrrw	sp, sscratch, sp        /* from S-mode: sp back, sscratch 0 again */

	/*
	 * t0 lives in sscratch until it is saved, so nothing may fault in
	 * between: the only store there goes to the emergency stack.
	 * Boot stack: overflow iff guard - 4096 + TF_SIZE < sp <= guard + 4096
	 * + TF_SIZE, one unsigned range of 8 KiB.
	 */
	csrw	sscratch, t0
	lla	t0, __boot_stack_guard + TF_SIZE + 1 - 4096
	sub	t0, sp, t0
	srli	t0, t0, 13
	beqz	t0, overflow
	/* Kernel-stack area: the frame's base inside it and inside a guard half. */
	addi	t0, sp, -TF_SIZE
	srai	t0, t0, 30
	addi	t0, t0, -(TF_KSTACK_AREA_GIB)
	bnez	t0, 1f
	addi	t0, sp, -TF_SIZE
	slli	t0, t0, 63 - TF_KSTACK_SIZE_LOG2
	bgez	t0, overflow            /* bit 14 clear: a guard */
1:	csrrw	t0, sscratch, zero
	addi	sp, sp, -TF_SIZE
	sd	t0, TF_X(5)(sp)
	addi	t0, sp, TF_SIZE
	sd	t0, TF_X(2)(sp)         /* sp as it was before the trap */
kernel_save:
	sd	x1, TF_X(1)(sp)
	.irp	n, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
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
	ld	sp, TF_X(2)(sp)         /* last: the frame may sit on the emergency stack */
	sret

overflow:
	mv	t0, sp
	lla	sp, trap_overflow_stack_top - TF_SIZE
	sd	t0, TF_X(2)(sp)
	csrrw	t0, sscratch, zero
	sd	t0, TF_X(5)(sp)
	j	kernel_save

	/* ---- From U-mode: sp = this thread's kernel stack top, sscratch = the user sp. ---- */
from_user:
	addi	sp, sp, -TF_SIZE        /* arch_user_frame(stack top) */
	.irp	n, 1, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
	sd	x\n, TF_X(\n)(sp)
	.endr
	csrrw	t0, sscratch, zero      /* in S-mode now: sscratch 0 */
	sd	t0, TF_X(2)(sp)
	csrr	t0, sepc
	csrr	t1, sstatus
	csrr	t2, scause
	sd	t1, TF_SSTATUS(sp)
	li	t3, EXC_ECALL_U
	bne	t2, t3, user_trap

	/* A system call: resume after the ecall (4 bytes, it has no compressed form). */
	addi	t0, t0, 4
	sd	t0, TF_SEPC(sp)
	mv	a0, sp          /* interrupts off since the trap (arch/hal/user.h) */
	call	trap_syscall
	csrci	sstatus, SSTATUS_SIE /* and for certain: a switch may have brought them back */
	mv	a0, sp
	call	trap_user_return

	/* Back to U-mode from the frame at sp, interrupts off; s0-s11 already hold the user's. */
user_exit:
	ld	t0, TF_SEPC(sp)
	ld	t1, TF_SSTATUS(sp)      /* SPP = 0, SPIE = 1, the user's FS */
	ld	t2, riscv_user_sstatus_mask
	and	t1, t1, t2              /* FS Off unless FP is allowed (arch_fpu_allow) */
	csrw	sepc, t0
	csrw	sstatus, t1
	addi	t0, sp, TF_SIZE
	csrw	sscratch, t0            /* where the next trap from U-mode lands */
	.irp	n, 1, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
	ld	x\n, TF_X(\n)(sp)
	.endr
	ld	sp, TF_X(2)(sp)
	sret

	/* Any other trap from U-mode: t0 = sepc, t1 = sstatus (saved), t2 = scause. */
user_trap:
	sd	t0, TF_SEPC(sp)
	sd	t2, TF_SCAUSE(sp)
	csrr	t1, stval
	sd	t1, TF_STVAL(sp)
	sd	zero, TF_X(0)(sp)
	.irp	n, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
	sd	x\n, TF_X(\n)(sp)
	.endr
	/* A frame record {0, user pc}: backtraces show where user mode was, then stop. */
	sd	zero, TF_FP_PREV(sp)
	sd	t0, TF_FP_RET(sp)
	addi	s0, sp, TF_SIZE
	mv	a0, sp
	call	trap_handle
	csrci	sstatus, SSTATUS_SIE
	mv	a0, sp
	call	trap_user_return
user_exit_all:
	.irp	n, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
	ld	x\n, TF_X(\n)(sp)
	.endr
	j	user_exit

	/* riscv_user_enter(tf): arch_user_enter's way out, every register from the frame. */
	.globl	riscv_user_enter
	.type	riscv_user_enter, @function
riscv_user_enter:
	csrci	sstatus, SSTATUS_SIE
	mv	sp, a0
	j	user_exit_all
	.size	riscv_user_enter, . - riscv_user_enter

	/*
	 * This hart's user-mode state (one hart runs user code), set with
	 * interrupts off on every switch to a user thread: leaf functions in
	 * assembly, without the frame record C would build for them (GCC 12
	 * has no -momit-leaf-frame-pointer for RISC-V).
	 */

	/* void arch_fpu_allow(bool on): what user_exit keeps of the frame's sstatus. */
	.globl	arch_fpu_allow
	.type	arch_fpu_allow, @function
arch_fpu_allow:
	addi	a0, a0, -1              /* on (1): 0, off (0): all ones */
	li	t0, SSTATUS_FS_MASK
	and	a0, a0, t0
	not	a0, a0                  /* on: every bit, off: all but FS */
	sd	a0, riscv_user_sstatus_mask, t0
	ret
	.size	arch_fpu_allow, . - arch_fpu_allow

	/*
	 * void arch_set_kernel_stack(uintptr_t top): sscratch stays 0 while in
	 * S-mode (user_exit loads it from the frame's address), so this only
	 * records the stack for arch_user_enter() to check its frame against.
	 */
	.globl	arch_set_kernel_stack
	.type	arch_set_kernel_stack, @function
arch_set_kernel_stack:
	sd	a0, riscv_user_kstack_top, t0
	ret
	.size	arch_set_kernel_stack, . - arch_set_kernel_stack

	.section .data
	.balign	8
	.globl	riscv_user_sstatus_mask, riscv_user_kstack_top
riscv_user_sstatus_mask:
	.dword	~SSTATUS_FS_MASK        /* FP starts not allowed: nobody owns the registers */
riscv_user_kstack_top:
	.dword	0

	.section .bss
	.balign	16
	.globl	trap_overflow_stack, trap_overflow_stack_top
trap_overflow_stack:
	.space	OVERFLOW_STACK_SIZE
trap_overflow_stack_top:
