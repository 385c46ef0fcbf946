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
#include <stdint.h>

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

/*
 * Lines are numbered below arch_irq_limit(); the root interrupt
 * capability covers [0, arch_irq_limit()) and arch_irq_valid() says which
 * of them exist. MSI lines, when the arch has them, are numbered in the
 * same space (above the wired ones) and valid only while allocated.
 */
unsigned arch_irq_limit(void);

/* Trigger and polarity of a line (also include/abi/hw.h's IRQ_FLAG_*). */
#define IRQ_LEVEL      1u /* level-triggered; else edge */
#define IRQ_ACTIVE_LOW 2u /* active low / falling edge; else high / rising */

/*
 * Set how `irq` signals (IRQ_LEVEL | IRQ_ACTIVE_LOW), the line masked or
 * not as it was. E_INVALID_PARAMETER for a line it does not have,
 * E_NOT_SUPPORTED for what the controller cannot do (a GIC SPI is never
 * active low; the PLIC takes whatever the gateway was built for).
 */
int arch_irq_configure(unsigned irq, unsigned flags);
/* How `irq` signals now: IRQ_LEVEL | IRQ_ACTIVE_LOW as configured or as the firmware described. */
unsigned arch_irq_flags(unsigned irq);
/*
 * The line an ISA interrupt (0-15) arrives on and how it signals, through
 * the MADT's interrupt source overrides on x86_64: IRQ_NONE where there is
 * no ISA bus (AArch64, RISC-V).
 */
unsigned arch_irq_isa(unsigned isa_irq, unsigned *flags);

/*
 * Message-signalled interrupts: a new line and the address and data PCI
 * function `sbdf` (segment << 16 | bdf: the GICv3 ITS tells devices apart
 * by it; other controllers ignore it) writes to raise it (MSI or an MSI-X
 * table entry), masked.
 * E_NOT_SUPPORTED where the machine has no MSI controller (or, with a
 * GICv3 ITS, the function's messages cannot reach it: its host bridge's
 * msi-map says so), E_NOT_FOUND for a function no host bridge has (ITS),
 * E_RESOURCE_EXHAUSTED when every MSI line (or the ITS's room for
 * devices) is taken.
 */
int arch_msi_alloc(uint32_t sbdf, unsigned *irq, uint64_t *address, uint32_t *data);
/* Give back an MSI line (masked first). */
void arch_msi_free(unsigned irq);

/*
 * Physical ranges of device registers the kernel keeps for itself (its
 * interrupt controllers, timer, console UART, exit device): the `idx`th
 * into *base and *size, false past the last. No capability maps them.
 */
bool arch_kernel_mmio(unsigned idx, uint64_t *base, uint64_t *size);

#endif
