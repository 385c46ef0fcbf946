/* HAL: leaving the machine. */
#ifndef HAL_POWER_H
#define HAL_POWER_H

/*
 * Power the machine off, reporting `status` (0 success, non-zero failure)
 * through QEMU's exit device when there is one: isa-debug-exit on x86_64,
 * semihosting or PSCI on AArch64, the sifive_test finisher or SBI SRST on
 * RISC-V. Falls back to halting forever.
 */
_Noreturn void arch_power_off(int status);

#endif
