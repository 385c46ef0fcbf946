/* Kernel benchmarks: figures, not assertions (see ci/bench). */
#ifndef TESTS_KERNEL_BENCH_H
#define TESTS_KERNEL_BENCH_H

#include <stdbool.h>

/* Run every benchmark (`only`: those whose names start with it) and print a BENCH line each. */
void kbench_run_all(const char *only);
/* Whether the figure `name` is wanted (kbench.only=PREFIX). */
bool kbench_wanted(const char *name);
/* The kbench.only= prefix ("" for every figure). */
const char *kbench_only(void);
/* The user-mode figures: null system call, yield switch, process create+exit+wait. */
void kbench_user(void);
/* The boot figure: instructions from the kernel's first to the first user instruction. */
void kbench_boot(void);

#endif
