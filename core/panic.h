/* Fatal errors. */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H

#include <stdint.h>

#include "core/kprintf.h"

/* Print the message, the caller's registers and a backtrace, then power off with failure. */
_Noreturn void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Print the frame-pointer chain starting at frame `fp`. */
void backtrace_print(uintptr_t fp);

#define BUG_ON(cond)                                                             \
	do {                                                                     \
		if (cond)                                                        \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
