/* The out-of-line half of <arch/hal/cpu.h> for AArch64. */
#include "arch/hal/cpu.h"
#include "arch/hal/hal.h"
#include "sysreg.h"

const char arch_name[] = "aarch64";

uint64_t arch_counter_hz(void)
{
	/* CNTFRQ_EL0 is set by the firmware (QEMU: 62.5 MHz); 0 would mean it did not. */
	return cntfrq_el0_read();
}

_Noreturn void arch_cpu_halt(void)
{
	arch_irq_disable();
	for (;;)
		__asm__ volatile("wfi");
}
