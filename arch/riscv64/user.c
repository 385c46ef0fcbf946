/*
 * riscv64 user mode: where a user thread's frame lives, its first register
 * values, the way out to U-mode (trap.S), and the FP state (fpu.S). SUM
 * stays 0: the kernel never touches user memory through user addresses.
 *
 * Lazy FP: sstatus.FS gates the FP unit, and the way out to U-mode writes
 * sstatus from the frame. So arch_fpu_allow() (trap.S, with
 * arch_set_kernel_stack()) only sets the mask trap.S applies to the
 * frame's sstatus on every return to U-mode: all bits, or all but FS (Off:
 * FP instructions raise an illegal-instruction trap, which trap.c hands to
 * trap_fpu()). The frame's FS is non-Off only for the owner of the FP
 * registers: trap.c makes it Clean after trap_fpu(), the hardware makes it
 * Dirty on the first write. A frame left Off while FP is allowed costs one
 * more trap to trap_fpu(), which finds the thread the owner already.
 */
#include <stddef.h>

#include "arch/hal/user.h"
#include "core/kstring.h"
#include "core/panic.h"
#include "riscv.h"

_Static_assert(offsetof(struct fpu_state, fcsr) == 32 * 8, "fpu.S's FPU_FCSR");

_Noreturn void riscv_user_enter(struct trap_frame *tf); /* trap.S */

struct trap_frame *arch_user_frame(uintptr_t kstack_top)
{
	/* The very top of the stack: trap.S builds it there from sscratch. */
	return (struct trap_frame *)(kstack_top - TF_SIZE);
}

void arch_user_frame_init(struct trap_frame *tf, uintptr_t pc, uintptr_t sp, uintptr_t arg0,
			  uintptr_t arg1)
{
	memset(tf, 0, sizeof(*tf));
	tf->sepc = pc;
	tf->x[2] = sp;
	tf->x[RV_REG_A0] = arg0;
	tf->x[RV_REG_A0 + 1] = arg1;
	/*
	 * sret to U-mode (SPP = 0) with interrupts on there (SPIE = 1), SUM
	 * and MXR off, vector off, and FP off (FS = Off): a new thread owns no
	 * FP registers, its first FP instruction goes to trap_fpu(). The CSR's
	 * other fields (UXL, read-only SD) as they are.
	 */
	unsigned long s = csr_read(sstatus);
	s &= ~(SSTATUS_SIE | SSTATUS_SPP | SSTATUS_VS_MASK | SSTATUS_FS_MASK | SSTATUS_SUM |
	       SSTATUS_MXR);
	tf->sstatus = s | SSTATUS_SPIE;
}

_Noreturn void arch_user_enter(struct trap_frame *tf)
{
	if (tf != arch_user_frame(riscv_user_kstack_top))
		panic("arch_user_enter: frame %p is not at the top of the kernel stack %#lx",
		      (void *)tf, (unsigned long)riscv_user_kstack_top);
	riscv_user_enter(tf);
}

/* tp is an ordinary user register: it lives in the frame. */
void arch_set_thread_pointer(struct trap_frame *tf, uintptr_t *kept, uintptr_t value)
{
	*kept = value;
	tf->x[4] = value;
}

void arch_fpu_init(struct fpu_state *fs)
{
	/* All registers +0.0, fcsr 0: round to nearest, no exception flags. */
	memset(fs, 0, sizeof(*fs));
}
