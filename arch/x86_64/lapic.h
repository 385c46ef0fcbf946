/* The local APIC as far as the timer needs it (timer.c); trap.c routes its vectors. */
#ifndef X86_64_LAPIC_H
#define X86_64_LAPIC_H

#include <stdint.h>

/* IDT vectors the port uses for interrupts. */
#define VEC_PIC_BASE	   0x20 /* the 8259s, remapped here and masked: 0x20..0x2f */
#define VEC_PIC_SPURIOUS1  0x27 /* IRQ 7: what a masked master PIC may still send */
#define VEC_PIC_SPURIOUS2  0x2f /* IRQ 15, from the slave */
#define VEC_LAPIC_TIMER	   0x40
#define VEC_GSI_BASE	   0x80 /* IOAPIC lines: GSI g on VEC_GSI_BASE + g, 0x80..0xbf */
#define VEC_GSI_COUNT	   64
#define VEC_MSI_BASE	   0xc0 /* MSI lines 64.. on 0xc0..0xfd */
#define VEC_MSI_COUNT	   62
#define VEC_LAPIC_SPURIOUS 0xff

/* Signal end of interrupt to this CPU's local APIC. */
void x86_lapic_eoi(void);
/* Raise `vector` on this CPU (a fixed, edge self-IPI through the ICR). */
void x86_lapic_self_ipi(unsigned vector);
/* The physical address of the local APIC's registers (0 before the timer set it up). */
uint64_t x86_lapic_base(void);

/* The TSC rate measured at timer init, 0 before it. */
extern uint64_t x86_tsc_hz;

#endif
