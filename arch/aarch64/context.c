/* A new kernel thread's first context: a64_thread_start calls entry(arg). */
#include <stddef.h>

#include "arch/hal/context.h"
#include "core/kstring.h"

/* context.S hard-codes these offsets. */
_Static_assert(offsetof(struct cpu_context, sp) == 96, "CTX_SP");
_Static_assert(offsetof(struct cpu_context, tpidr_el0) == 104, "CTX_TPIDR");

void a64_thread_start(void);

void arch_context_init(struct cpu_context *ctx, uintptr_t stack_top, void (*entry)(void *),
		       void *arg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->x19_x28[0] = (uint64_t)(uintptr_t)entry;
	ctx->x19_x28[1] = (uint64_t)(uintptr_t)arg;
	ctx->fp = 0; /* the end of the frame chain */
	ctx->lr = (uint64_t)(uintptr_t)a64_thread_start;
	ctx->sp = stack_top;
	/* tpidr_el0 = 0: a user thread starts with a zero thread pointer. */
}
