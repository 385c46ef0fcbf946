/* x86_64 half of <arch/hal/context.h>: rbx, rbp, r12-r15 live on the thread's stack. */
#ifndef HAL_ARCH_CONTEXT_H
#define HAL_ARCH_CONTEXT_H

#include <stdint.h>

struct cpu_context {
	uint64_t rsp; /* points at r15, r14, r13, r12, rbx, rbp, return address */
};

#endif
