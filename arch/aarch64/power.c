/*
 * Leaving QEMU: semihosting SYS_EXIT carries the status (ci/boot enables
 * semihosting). Without semihosting, PSCI SYSTEM_OFF through the conduit
 * the device tree names; QEMU then exits with 0 whatever the status was.
 */
#include "aarch64.h"
#include "arch/hal/cpu.h"
#include "arch/hal/power.h"
#include "core/kprintf.h"

#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define PSCI_SYSTEM_OFF		     0x84000008u /* SMC32 function id, PSCI 0.2+ */

static enum power_kind psci_conduit;

void power_init(const struct boot_info *bi)
{
	psci_conduit = bi->power;
}

static void psci_system_off(void)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	/* SMCCC: a call may change x0-x17; SYSTEM_OFF returns only on failure. */
	if (psci_conduit == POWER_PSCI_HVC)
		__asm__ volatile("hvc #0"
				 : "+r"(x0)::"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9",
				   "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
				   "memory");
	else if (psci_conduit == POWER_PSCI_SMC)
		__asm__ volatile("smc #0"
				 : "+r"(x0)::"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9",
				   "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
				   "memory");
}

_Noreturn void arch_power_off(int status)
{
	/* SYS_EXIT on AArch64 takes a block: the reason, then the exit status. */
	const uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint64_t)(int64_t)status};

	arch_irq_disable();
	semihost_call(SEMIHOST_SYS_EXIT, block);
	if (status != 0)
		kprintf("power: no semihosting, PSCI cannot report exit status %d\n", status);
	psci_system_off();
	arch_cpu_halt();
}
