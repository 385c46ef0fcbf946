/* The out-of-line half of <arch/hal/cpu.h> for AArch64. */
#include "arch/hal/cpu.h"
#include "arch/hal/hal.h"
#include "core/kprintf.h"
#include "sysreg.h"

const char arch_name[] = "aarch64";

uint64_t arch_counter_hz(void)
{
	/* CNTFRQ_EL0 is set by the firmware (QEMU: 62.5 MHz); 0 would mean it did not. */
	return cntfrq_el0_read();
}

void arch_cpu_dump(void)
{
	unsigned long sp, el, daif, sctlr, vbar, tcr;

	__asm__ volatile("mov %0, sp; mrs %1, CurrentEL; mrs %2, daif"
			 : "=r"(sp), "=r"(el), "=r"(daif));
	__asm__ volatile("mrs %0, sctlr_el1; mrs %1, vbar_el1; mrs %2, tcr_el1"
			 : "=r"(sctlr), "=r"(vbar), "=r"(tcr));
	kprintf("  sp %016lx CurrentEL %lu daif %08lx\n  sctlr_el1 %016lx vbar_el1 %016lx "
		"tcr_el1 %016lx\n",
		sp, (el >> 2) & 3, daif, sctlr, vbar, tcr);
}

_Noreturn void arch_cpu_halt(void)
{
	arch_irq_disable();
	for (;;)
		__asm__ volatile("wfi");
}

extern uint64_t boot_entry_counter; /* boot.S */

uint64_t arch_boot_counter(void)
{
	return boot_entry_counter;
}
