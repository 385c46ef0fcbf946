/*
 * HAL: CPU contexts of kernel threads. A context is what a thread needs to
 * resume inside arch_context_switch(): its stack pointer and the registers
 * the calling convention preserves. The kernel is built without FP/SIMD,
 * so kernel contexts carry none; user FP state is saved on mode switches.
 */
#ifndef HAL_CONTEXT_H
#define HAL_CONTEXT_H

#include <stdint.h>

struct cpu_context; /* defined by <hal_arch/context.h> */

/*
 * Prepare `ctx` so that the first switch to it calls entry(arg) on the
 * stack that ends at `stack_top` (16-byte aligned). If entry returns, the
 * thread calls kthread_exit().
 */
void arch_context_init(struct cpu_context *ctx, uintptr_t stack_top, void (*entry)(void *),
		       void *arg);
/* Save the current thread into *from and resume *to; returns when some thread resumes *from. */
void arch_context_switch(struct cpu_context *from, struct cpu_context *to);
/* Where a thread goes when its entry function returns (portable; never returns). */
_Noreturn void kthread_exit(void);

#include <hal_arch/context.h>

#endif
