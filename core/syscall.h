/*
 * What system call handlers share, wherever they live (core/syscall.c,
 * ipc/, core/sys_shm.c): the handler type of the one table, and shorthands
 * for a handler's arguments, results and early error returns. A handler
 * reads its arguments from the frame, validates every capability and user
 * buffer before it acts, sets its results, and returns the tag.
 */
#ifndef CORE_SYSCALL_H
#define CORE_SYSCALL_H

#include "arch/hal/user.h"

struct process;

typedef int (*syscall_fn)(struct trap_frame *tf, struct process *p);

/* Inside a handler (`tf` in scope): argument i, result i. */
#define ARG(i)	     syscall_arg(tf, i)
#define RESULT(i, v) syscall_set_result(tf, i, (uintptr_t)(v))

/* Return the error of `expr`, if it has one. */
#define CHECK(expr)                  \
	do {                         \
		int err_ = (expr);   \
		if (err_)            \
			return err_; \
	} while (0)

/* Read the real-time clock for CLOCK_REALTIME: once, at boot, before any driver runs. */
void syscall_clock_init(void);

#endif
