/* Kernel benchmarks: figures, not assertions (see ci/bench). */
#ifndef TESTS_KERNEL_BENCH_H
#define TESTS_KERNEL_BENCH_H

/* Run every benchmark and print one BENCH line per figure. */
void kbench_run_all(void);
/* The user-mode figures: null system call, yield switch, process create+exit+wait. */
void kbench_user(void);
/* The boot figure: instructions from the kernel's first to the first user instruction. */
void kbench_boot(void);

#endif
