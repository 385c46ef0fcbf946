/* AArch64 half of <arch/hal/context.h>: the AAPCS64 callee-saved registers. */
#ifndef HAL_ARCH_CONTEXT_H
#define HAL_ARCH_CONTEXT_H

#include <stdint.h>

struct cpu_context {
	uint64_t x19_x28[10];
	uint64_t fp, lr; /* x29, x30 */
	uint64_t sp;
};

#endif
