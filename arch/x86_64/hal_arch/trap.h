/*
 * x86_64 half of <arch/hal/trap.h>: the trap frame trap.S builds on the
 * stack, for traps and for system calls alike. The offsets are shared with
 * trap.S and checked below.
 */
#ifndef HAL_ARCH_TRAP_H
#define HAL_ARCH_TRAP_H

/* Byte offsets into struct trap_frame, for trap.S. */
#define TF_RBP	  (8 * 8)
#define TF_VECTOR (15 * 8)
#define TF_ERROR  (16 * 8)
#define TF_RIP	  (17 * 8)
#define TF_CS	  (18 * 8)
#define TF_RFLAGS (19 * 8)
#define TF_RSP	  (20 * 8)
#define TF_SIZE	  (22 * 8)

/* The vector field of a system call's frame: beyond the IDT's 0..255. */
#define TF_VECTOR_SYSCALL 256

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/*
 * Lowest address first: the general registers trap.S pushes (rax first, so
 * it sits highest), the vector and error code the stub pushes (0 when the
 * CPU gives none), then what the CPU pushes in 64-bit mode.
 */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(offsetof(struct trap_frame, rbp) == TF_RBP, "TF_RBP");
_Static_assert(offsetof(struct trap_frame, vector) == TF_VECTOR, "TF_VECTOR");
_Static_assert(offsetof(struct trap_frame, error) == TF_ERROR, "TF_ERROR");
_Static_assert(offsetof(struct trap_frame, rip) == TF_RIP, "TF_RIP");
_Static_assert(offsetof(struct trap_frame, cs) == TF_CS, "TF_CS");
_Static_assert(offsetof(struct trap_frame, rflags) == TF_RFLAGS, "TF_RFLAGS");
_Static_assert(offsetof(struct trap_frame, rsp) == TF_RSP, "TF_RSP");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "TF_SIZE");
/* The CPU aligns rsp to 16 before pushing; keeping the frame a multiple keeps C aligned. */
_Static_assert(TF_SIZE % 16 == 0, "trap frame keeps the stack 16-byte aligned");
#endif

#endif
