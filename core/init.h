/* init, the first user program, carried in the kernel image (user/embed.S.in). */
#ifndef CORE_INIT_H
#define CORE_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/process.h"

/*
 * Create init with the NUL-separated arguments and environment strings
 * (its image mapped for it too, so it can start copies of itself), holding
 * the root hardware capabilities (every I/O port, and core/hw.c's
 * hw_root_caps); it waits for process_start().
 */
int init_create(const char *args, size_t args_size, const char *env, size_t env_size,
		unsigned priority, struct process **out);
struct boot_info;

/*
 * Run init without arguments to its end at boot; prints how it ended. It
 * gets KESTREL_SHELL=user in its environment, and runs the user shell; with
 * shell=kernel on the command line KESTREL_SHELL=kernel, and leaves the
 * console to the kernel's shell.
 */
void init_run(const struct boot_info *bi);

#endif
