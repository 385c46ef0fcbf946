/*
 * The AArch64 trap frame, as trap.S saves it on the kernel stack. The
 * offsets are shared with the assembly and checked below. From user mode
 * sp is SP_EL0; during a system call x20-x29 and fp_rec are not saved
 * (the user's values stay in the CPU) and reading them gives stale data.
 */
#ifndef HAL_ARCH_TRAP_H
#define HAL_ARCH_TRAP_H

#define TF_X0	  0   /* x0..x30, 8 bytes apart */
#define TF_SP	  248 /* the stack pointer before the trap */
#define TF_ELR	  256 /* where the trap was taken (the faulting or next instruction) */
#define TF_SPSR	  264 /* PSTATE before the trap */
#define TF_ESR	  272 /* syndrome */
#define TF_FAR	  280 /* fault address, valid for aborts and watchpoints */
#define TF_FP_REC 288 /* {x29, elr}: a frame record that links backtraces through the trap */
#define TF_SIZE	  304 /* a multiple of 16: sp stays aligned */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct trap_frame {
	uint64_t x[31];
	uint64_t sp;
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
	uint64_t fp_rec[2];
};

_Static_assert(offsetof(struct trap_frame, x) == TF_X0, "TF_X0");
_Static_assert(offsetof(struct trap_frame, sp) == TF_SP, "TF_SP");
_Static_assert(offsetof(struct trap_frame, elr) == TF_ELR, "TF_ELR");
_Static_assert(offsetof(struct trap_frame, spsr) == TF_SPSR, "TF_SPSR");
_Static_assert(offsetof(struct trap_frame, esr) == TF_ESR, "TF_ESR");
_Static_assert(offsetof(struct trap_frame, far) == TF_FAR, "TF_FAR");
_Static_assert(offsetof(struct trap_frame, fp_rec) == TF_FP_REC, "TF_FP_REC");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE && TF_SIZE % 16 == 0, "TF_SIZE");
#endif

#endif
