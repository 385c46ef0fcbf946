/* A new kernel thread's first frame, laid out as arch_context_switch pops it. */
#include "arch/hal/context.h"

void x86_thread_start(void);

void arch_context_init(struct cpu_context *ctx, uintptr_t stack_top, void (*entry)(void *),
		       void *arg)
{
	/* The return address sits at stack_top - 8: after ret, rsp is 16-byte aligned. */
	uint64_t *sp = (uint64_t *)(stack_top - 8);

	*sp = (uint64_t)(uintptr_t)x86_thread_start;
	*--sp = 0;			    /* rbp: the end of the frame chain */
	*--sp = 0;			    /* rbx */
	*--sp = (uint64_t)(uintptr_t)entry; /* r12 */
	*--sp = (uint64_t)(uintptr_t)arg;   /* r13 */
	*--sp = 0;			    /* r14 */
	*--sp = 0;			    /* r15 */
	ctx->rsp = (uint64_t)(uintptr_t)sp;
}
