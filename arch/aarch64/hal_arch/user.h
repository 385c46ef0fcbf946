/*
 * The inline half of <arch/hal/user.h> for AArch64. System calls are
 * `svc #0` from EL0 (docs/design.md, "System calls"): the number in x8,
 * arguments in x0-x6; the tag comes back in x0 (0 = success), results in
 * x1-x7. Every other user register is preserved.
 */
#ifndef HAL_ARCH_USER_H
#define HAL_ARCH_USER_H

/* arch_user_frame_init starts a thread at the stack it is given: no return-address slot. */
#define ARCH_USER_CALL_SLOT 0

#include <stdint.h>

#include <hal_arch/trap.h>

static inline uintptr_t syscall_nr(const struct trap_frame *tf)
{
	return tf->x[8];
}

static inline uintptr_t syscall_arg(const struct trap_frame *tf, unsigned i)
{
	return tf->x[i];
}

static inline void syscall_set_tag(struct trap_frame *tf, uintptr_t tag)
{
	tf->x[0] = tag;
}

static inline void syscall_set_result(struct trap_frame *tf, unsigned i, uintptr_t v)
{
	tf->x[1 + i] = v;
}

/*
 * A user thread's FP/SIMD registers, switched lazily (EL0 access traps
 * with EC 0x07 until arch_fpu_allow). Not the EL0 thread pointer
 * TPIDR_EL0: EL0 reads it without any trap, so it is switched on every
 * thread switch (struct cpu_context). user.S knows the offsets.
 */
struct fpu_state {
	__uint128_t q[32];
	uint64_t fpsr, fpcr;
} __attribute__((aligned(16)));

/* TPIDR_EL0 switches with the thread's context (context.S): nothing to load. */
static inline void arch_load_thread_pointer(uintptr_t kept)
{
	(void)kept;
}

#endif
