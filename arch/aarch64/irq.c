/*
 * Device interrupt lines on AArch64: the shared peripheral interrupts
 * (SPIs, INTID 32 up to what GICD_TYPER says) of the GIC the device tree
 * named, GICv2 or GICv3 (gic.c), routed to the boot CPU level-triggered.
 * trap.c acknowledges an interrupt, runs trap_irq() and ends it with the
 * acknowledged value; private interrupts (the timer's PPI) stay gic.c's.
 */
#include "aarch64.h"
#include "arch/hal/irq.h"
#include "include/abi/error.h"

int arch_irq_init(const struct boot_info *bi)
{
	(void)bi; /* arch_timer_init() already brought the GIC up from the device tree */
	return gic_ready() ? 0 : -E_NOT_FOUND;
}

bool arch_irq_valid(unsigned irq)
{
	return irq >= 32 && irq < gic_lines();
}

int arch_irq_unmask(unsigned irq)
{
	return arch_irq_valid(irq) && gic_set_shared(irq, true) ? E_OK : E_INVALID_PARAMETER;
}

int arch_irq_mask(unsigned irq)
{
	return arch_irq_valid(irq) && gic_set_shared(irq, false) ? E_OK : E_INVALID_PARAMETER;
}

void arch_irq_eoi(unsigned irq)
{
	if (arch_irq_valid(irq))
		gic_eoi(irq); /* an SPI's IAR is its INTID */
}
