/*
 * AArch64 half of <arch/hal/context.h>: the AAPCS64 callee-saved registers
 * and the EL0 thread pointer, which must follow the thread on every switch
 * (EL0 reads it without trapping, so it cannot wait for the lazy FP/SIMD
 * switch). context.S knows the offsets.
 */
#ifndef HAL_ARCH_CONTEXT_H
#define HAL_ARCH_CONTEXT_H

#include <stdint.h>

struct cpu_context {
	uint64_t x19_x28[10];
	uint64_t fp, lr; /* x29, x30 */
	uint64_t sp;
	uint64_t tpidr_el0; /* a user thread's; a kernel thread carries whatever it found */
};

#endif
