/*
 * x86_64 half of <arch/hal/user.h>: the system call registers of
 * docs/design.md ("System calls") and the FP/SIMD save area. Included by
 * arch/hal/user.h; never include it directly from portable code.
 *
 * syscall: number in rax; arguments in rdi, rsi, rdx, r10, r8, r9, r12
 * (r10, not rcx: the instruction overwrites rcx and r11); the tag comes
 * back in rax, the results in the argument registers.
 */
#ifndef HAL_ARCH_USER_H
#define HAL_ARCH_USER_H

#include <stddef.h>
#include <stdint.h>

#include <hal_arch/trap.h>

/* The return-address slot arch_user_frame_init leaves below the stack it is given. */
#define ARCH_USER_CALL_SLOT 8

/* The argument and result registers, in order (one register serves both). */
static inline uint64_t *x86_syscall_reg(struct trap_frame *tf, unsigned i)
{
	switch (i) {
	case 0:
		return &tf->rdi;
	case 1:
		return &tf->rsi;
	case 2:
		return &tf->rdx;
	case 3:
		return &tf->r10;
	case 4:
		return &tf->r8;
	case 5:
		return &tf->r9;
	default:
		return &tf->r12;
	}
}

static inline uintptr_t syscall_nr(const struct trap_frame *tf)
{
	return tf->rax;
}

static inline uintptr_t syscall_arg(const struct trap_frame *tf, unsigned i)
{
	return *x86_syscall_reg((struct trap_frame *)tf, i);
}

static inline void syscall_set_tag(struct trap_frame *tf, uintptr_t tag)
{
	tf->rax = tag;
}

static inline void syscall_set_result(struct trap_frame *tf, unsigned i, uintptr_t v)
{
	*x86_syscall_reg(tf, i) = v;
}

/*
 * The FXSAVE area (Intel SDM vol. 1, 10.5.1): x87, MMX and SSE state, 512
 * bytes, 16-byte aligned. Only the fields arch_fpu_init sets are named.
 */
struct fpu_state {
	uint16_t fcw; /* x87 control word */
	uint16_t fsw;
	uint8_t ftw; /* abridged tag word: 0 = every register empty */
	uint8_t reserved0;
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr; /* SSE control and status */
	uint32_t mxcsr_mask;
	uint8_t regs[480]; /* st0..st7, xmm0..xmm15, reserved */
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct fpu_state) == 512, "FXSAVE area size");
_Static_assert(offsetof(struct fpu_state, mxcsr) == 24, "FXSAVE MXCSR offset");

/*
 * FS base, written on every switch to a user thread: user code can change
 * it behind the kernel's back (loading %fs sets it to the descriptor's
 * base), so no cached value can be trusted. 0xc0000100 is IA32_FS_BASE.
 */
static inline void arch_load_thread_pointer(uintptr_t kept)
{
	__asm__ volatile("wrmsr" ::"c"(0xc0000100u), "a"((uint32_t)kept),
			 "d"((uint32_t)(kept >> 32)));
}

#endif
