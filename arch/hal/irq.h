/*
 * HAL: device interrupt lines. Each arch numbers the lines of its
 * interrupt controller as the controller does (the 8259's IRQ 0-15 on
 * x86_64, GIC interrupt IDs on AArch64, PLIC sources on RISC-V) and, for
 * every interrupt a device raises, calls the portable trap_irq() (declared
 * in arch/hal/trap.h) with the line, which runs the handler registered
 * with irq_register() (core/irq.h). The arch acknowledges the interrupt
 * before the call and ends it (arch_irq_eoi) after the handler returned,
 * so a level-triggered device has been quietened by then.
 */
#ifndef HAL_IRQ_H
#define HAL_IRQ_H

#include <stdbool.h>

struct boot_info;

/* No line: what an interrupt the arch cannot attribute is reported as. */
#define IRQ_NONE (~0u)

/*
 * Find and set up the controller for device lines (the boot CPU only),
 * every line masked. 0, or a negative E_* when there is none: then every
 * line stays masked and devices are polled.
 */
int arch_irq_init(const struct boot_info *bi);
/* True when `irq` is a device line this controller can deliver. */
bool arch_irq_valid(unsigned irq);
/* Let `irq` interrupt the boot CPU; E_INVALID_PARAMETER for a line it does not have. */
int arch_irq_unmask(unsigned irq);
/* Stop `irq` from interrupting; E_INVALID_PARAMETER for a line it does not have. */
int arch_irq_mask(unsigned irq);
/* End the interrupt on `irq` at the controller (done by the arch's trap path). */
void arch_irq_eoi(unsigned irq);

#endif
