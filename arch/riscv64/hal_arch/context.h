/* RISC-V half of <arch/hal/context.h>: ra, sp and the saved registers s0-s11. */
#ifndef HAL_ARCH_CONTEXT_H
#define HAL_ARCH_CONTEXT_H

#include <stdint.h>

struct cpu_context {
	uint64_t ra, sp;
	uint64_t s[12];
};

#endif
