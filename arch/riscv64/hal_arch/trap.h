/*
 * riscv64 half of <arch/hal/trap.h>: the trap frame trap.S builds on the
 * stack. The offsets are shared with trap.S and checked in trap.c.
 */
#ifndef HAL_ARCH_TRAP_H
#define HAL_ARCH_TRAP_H

#define TF_X(n)	   ((n)*8) /* x0..x31; x0's slot is unused, x2 is sp before the trap */
#define TF_SEPC	   256
#define TF_SSTATUS 264
#define TF_SCAUSE  272
#define TF_STVAL   280
#define TF_FP_PREV 288 /* a frame record {prev fp, ra = sepc} so backtraces cross traps */
#define TF_FP_RET  296
#define TF_SIZE	   304 /* a multiple of 16: the psABI's stack alignment */

/*
 * The kernel-stack area of mm/kvm.h and mm/kstack.h as trap.S's overflow
 * check sees it (trap.c asserts they agree): 1 GiB at -4 GiB, slots of
 * 32 KiB, each a 16 KiB guard (bit 14 of the address clear) below a 16 KiB
 * stack (bit 14 set).
 */
#define TF_KSTACK_AREA_GIB  (-4) /* the area's address >> 30, signed */
#define TF_KSTACK_SIZE_LOG2 14

#ifndef __ASSEMBLER__

struct trap_frame {
	unsigned long x[32];
	unsigned long sepc;    /* the trapping instruction; sret resumes here */
	unsigned long sstatus; /* SPP: the mode trapped from, SPIE: its SIE */
	unsigned long scause;  /* bit 63: interrupt; the rest: exception code */
	unsigned long stval;   /* fault address, or the bits of an illegal instruction */
	unsigned long fp_prev; /* = x[8] (s0) */
	unsigned long fp_ret;  /* = sepc */
};

#endif

#endif
