/*
 * Device interrupt lines on x86_64: the two 8259A PICs, remapped to
 * VEC_PIC_BASE and all masked by the timer's setup (timer.c), lines 0-15
 * as the PC wires them (4: COM1, 3: COM2, 1: the PS/2 keyboard, which
 * legacy/kbd.c drives itself). Line 2 is the slave's cascade. The PICs are
 * edge-triggered here: an interrupt is ended with a non-specific EOI to the
 * master, and first to the slave for lines 8-15. The next issue adds the
 * IOAPIC and MSIs behind the same calls.
 */
#include "arch/hal/irq.h"
#include "include/abi/error.h"
#include "irq.h"
#include "x86.h"

#define PIC1_CMD     0x20
#define PIC1_DATA    0x21
#define PIC2_CMD     0xa0
#define PIC2_DATA    0xa1
#define PIC_EOI	     0x20
#define PIC_LINES    16
#define PIC_CASCADE  2
#define PIC_SLAVE_AT 8

int arch_irq_init(const struct boot_info *bi)
{
	(void)bi; /* the 8259s are always there on a PC; timer.c remapped and masked them */
	return 0;
}

/*
 * Lines a handler can be registered for: not the cascade, not 1 (the r2
 * keyboard's, legacy/kbd.c, served before the dispatch) and not 7 and 15,
 * whose vectors the trap code takes for the 8259s' spurious interrupts.
 */
bool arch_irq_valid(unsigned irq)
{
	return irq < PIC_LINES && irq != PIC_CASCADE && irq != 1 && irq != 7 && irq != 15;
}

static void set_mask(unsigned irq, bool masked)
{
	uint16_t port = irq < PIC_SLAVE_AT ? PIC1_DATA : PIC2_DATA;
	uint8_t bit = (uint8_t)(1u << (irq % PIC_SLAVE_AT));
	uint8_t m = inb(port);
	outb(port, masked ? m | bit : m & (uint8_t)~bit);
	if (irq >= PIC_SLAVE_AT && !masked) /* the slave reaches the CPU through line 2 */
		outb(PIC1_DATA, inb(PIC1_DATA) & (uint8_t) ~(1u << PIC_CASCADE));
}

int arch_irq_unmask(unsigned irq)
{
	if (!arch_irq_valid(irq))
		return E_INVALID_PARAMETER;
	set_mask(irq, false);
	return E_OK;
}

int arch_irq_mask(unsigned irq)
{
	if (!arch_irq_valid(irq))
		return E_INVALID_PARAMETER;
	set_mask(irq, true);
	return E_OK;
}

void arch_irq_eoi(unsigned irq)
{
	if (irq >= PIC_LINES)
		return;
	if (irq >= PIC_SLAVE_AT)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

void x86_64_irq_dispatch(struct trap_frame *tf, unsigned irq)
{
	trap_irq(tf, irq);
	arch_irq_eoi(irq);
}
