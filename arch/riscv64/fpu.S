/*
 * User FP registers: f0-f31 (64 bits each, D) and fcsr, in a struct
 * fpu_state (hal_arch/user.h). The kernel is built without F/D and never
 * touches them, so they stay live in the hart across traps and switches;
 * only trap_fpu() saves and loads them, when a thread that does not own
 * them uses FP (lazy switching, user.c). The kernel's -march has no F/D:
 * these instructions are enabled here alone.
 *
 * FP instructions trap unless sstatus.FS is non-Off, so both functions set
 * it (Off -> Initial; Clean becomes Dirty, harmless), whatever the user's
 * FS. The value left in the CSR does not matter: the way back to U-mode
 * writes the frame's sstatus, its FS masked by whether FP is allowed. A
 * hart without F/D keeps FS hardwired to 0: then there is nothing to save
 * or load.
 */
#include "riscv.h"

#define FPU_FCSR (32 * 8) /* offsetof(struct fpu_state, fcsr); user.c checks */

/* Turn FS on; jump to the 1: label (return) when it still reads Off: no FP unit. */
.macro	fs_on
	li	t0, SSTATUS_FS_INITIAL
	csrs	sstatus, t0
	csrr	t0, sstatus
	srli	t0, t0, 13
	andi	t0, t0, 3
	beqz	t0, 1f
.endm

	.text
	.option	push
	.option	arch, +d

	/* void arch_fpu_save(struct fpu_state *fs) */
	.globl	arch_fpu_save
	.type	arch_fpu_save, @function
arch_fpu_save:
	fs_on
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fsd	f\n, (\n * 8)(a0)
	.endr
	frcsr	t0
	sw	t0, FPU_FCSR(a0)
1:	ret
	.size	arch_fpu_save, . - arch_fpu_save

	/* void arch_fpu_restore(const struct fpu_state *fs) */
	.globl	arch_fpu_restore
	.type	arch_fpu_restore, @function
arch_fpu_restore:
	fs_on
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fld	f\n, (\n * 8)(a0)
	.endr
	lw	t0, FPU_FCSR(a0)
	fscsr	t0
1:	ret
	.size	arch_fpu_restore, . - arch_fpu_restore

	.option	pop
