/* The interrupt lines' dispatch and what the rest of the port asks of them (arch/x86_64/irq.c). */
#ifndef X86_64_IRQ_H
#define X86_64_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/hal/trap.h"

/* An interrupt on a vector trap.c does not handle itself: the 8259s', the GSIs', the MSIs'. */
void x86_64_irq_vector(struct trap_frame *tf, unsigned vector);
/* True once arch_irq_init chose the I/O APICs (lines are GSIs), false on the 8259s. */
bool x86_64_irq_apic_mode(void);
/* The physical address of the `idx`th I/O APIC in use, 0 past the last. */
uint64_t x86_64_ioapic_pa(unsigned idx);

#endif
