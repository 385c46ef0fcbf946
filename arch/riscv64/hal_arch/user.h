/*
 * riscv64 half of <arch/hal/user.h>. System calls follow docs/design.md,
 * "System calls" (the Xous convention): `ecall` with the number in a7 and
 * arguments in a0-a6; the tag comes back in a0 and the results in a1-a7.
 * Every other user register is preserved.
 *
 * During a system call the frame holds only what the entry saved: ra, sp,
 * gp, tp, t0-t6, a0-a7, sepc, sstatus. s0-s11 stay live in the registers
 * (the psABI keeps them across calls); their slots hold older values.
 */
#ifndef HAL_ARCH_USER_H
#define HAL_ARCH_USER_H

/* arch_user_frame_init starts a thread at the stack it is given: no return-address slot. */
#define ARCH_USER_CALL_SLOT 0

#ifndef HAL_USER_H
#error "include arch/hal/user.h, not hal_arch/user.h"
#endif

#include <stdint.h>

#include <hal_arch/trap.h>

#define RV_REG_A0 10 /* x10; a1-a7 follow */

static inline uintptr_t syscall_nr(const struct trap_frame *tf)
{
	return tf->x[RV_REG_A0 + 7]; /* a7 */
}

static inline uintptr_t syscall_arg(const struct trap_frame *tf, unsigned i)
{
	return tf->x[RV_REG_A0 + i]; /* a0-a6 */
}

static inline void syscall_set_tag(struct trap_frame *tf, uintptr_t tag)
{
	tf->x[RV_REG_A0] = tag; /* a0 */
}

static inline void syscall_set_result(struct trap_frame *tf, unsigned i, uintptr_t v)
{
	tf->x[RV_REG_A0 + 1 + i] = v; /* a1-a7 */
}

/* The D extension's registers f0-f31 and fcsr (fpu.S). */
struct fpu_state {
	uint64_t f[32];
	uint32_t fcsr;
	uint32_t pad;
};

/* tp lives in the thread's frame: nothing to load. */
static inline void arch_load_thread_pointer(uintptr_t kept)
{
	(void)kept;
}

#endif
