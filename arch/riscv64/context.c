/* A new kernel thread's first context: rv_thread_start calls entry(arg). */
#include "arch/hal/context.h"
#include "core/kstring.h"

void rv_thread_start(void);

void arch_context_init(struct cpu_context *ctx, uintptr_t stack_top, void (*entry)(void *),
		       void *arg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->ra = (uint64_t)(uintptr_t)rv_thread_start;
	ctx->sp = stack_top;
	ctx->s[0] = 0; /* s0 is the frame pointer: the end of the chain */
	ctx->s[1] = (uint64_t)(uintptr_t)entry;
	ctx->s[2] = (uint64_t)(uintptr_t)arg;
}
