/* panic() and backtraces: the last things the kernel prints. */
#include "arch/hal/hal.h"
#include "core/panic.h"

#define BACKTRACE_MAX 32

void backtrace_print(uintptr_t fp)
{
	kprintf("backtrace:\n");
	for (int depth = 0; fp && depth < BACKTRACE_MAX; depth++) {
		/* Frame records are aligned, and the stack grows down: each caller is higher. */
		if (fp % sizeof(uintptr_t))
			break;
		uintptr_t ret = arch_frame_ret(fp);
		if (!ret)
			break;
		kprintf("  #%d %#lx\n", depth, (unsigned long)ret);
		uintptr_t prev = arch_frame_prev(fp);
		if (prev <= fp)
			break;
		fp = prev;
	}
}

_Noreturn void panic(const char *fmt, ...)
{
	static bool in_panic;
	va_list ap;

	arch_irq_disable();
	if (in_panic) {
		/* A fault while panicking: do not recurse, just leave. */
		kputs("\npanic: nested panic\n");
		arch_power_off(1);
	}
	in_panic = true;
	kputs("\npanic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
	kprintf("\n  caller pc %#lx, fp %#lx\n", (unsigned long)__builtin_return_address(0),
		(unsigned long)fp);
	arch_cpu_dump();
	backtrace_print(fp);
	arch_power_off(1);
}
