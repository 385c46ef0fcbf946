/* init, the first user program, carried in the kernel image (user/embed.S.in). */
#ifndef CORE_INIT_H
#define CORE_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/process.h"

/*
 * Create init with the NUL-separated arguments and environment strings
 * (its image mapped for it too, so it can start copies of itself), holding
 * a capability for every I/O port; it waits for process_start(). `init test`
 * (the user suite, from any caller) also gets the test page: filled with
 * 0x5a5a0000 + i in word i, its address in KESTREL_TEST_PHYS and an MMIO
 * capability (MAP READ WRITE) for it.
 */
int init_create(const char *args, size_t args_size, const char *env, size_t env_size,
		unsigned priority, struct process **out);
/* The physical address of the test page, 0 before the first `init test`; it stays. */
uint64_t init_test_page(void);
/* Run init without arguments to its end at boot; prints how it ended. */
void init_run(void);

#endif
