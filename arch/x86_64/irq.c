/*
 * Device interrupt lines on x86_64, in one of two modes chosen at
 * arch_irq_init():
 *
 * IOAPIC mode (the MADT lists at least one usable I/O APIC): lines are
 * GSIs. GSI g is pin g - gsi_base of the I/O APIC whose range holds it
 * (several are supported), delivered on vector VEC_GSI_BASE + g (GSIs up
 * to 63), fixed, physical, to the boot CPU's local APIC. Every
 * redirection entry starts masked, with the trigger and polarity the
 * firmware described: ISA IRQs 0-15 arrive on their GSI through the MADT's
 * interrupt source overrides (default identity, edge, active high; QEMU
 * moves IRQ 0 to GSI 2 and makes 5, 9, 10, 11 level), GSIs from 16 up are
 * PCI's (level, active high as QEMU's DSDT describes them). An interrupt
 * is ended with a LAPIC EOI; for a level line the LAPIC's EOI broadcast
 * clears the I/O APIC's remote IRR (QEMU's version 0x20 I/O APIC does;
 * its EOI register is not used). Pins of GSIs from 64 up stay masked and
 * are no lines. The 8259s stay remapped to VEC_PIC_BASE and fully masked
 * (timer.c); their spurious vectors are still dropped by trap.c.
 *
 * 8259 mode (no MADT, or no usable I/O APIC in it, e.g. QEMU with
 * acpi=off, or `noioapic` on the command line): lines 0-15 are the 8259 lines as the PC wires them, ended
 * with a non-specific EOI (to the slave first for 8-15). A line is level
 * when its ELCR bit (ports 0x4d0-0x4d1, which the BIOS sets for the PCI
 * IRQs) says so, and arch_irq_configure sets that bit (never for lines 0,
 * 1, 2, 8 and 13; never active low: the 8259's polarity is fixed). Line
 * 2 is the cascade; 7 and 15 are refused (their vectors are the 8259s'
 * spurious ones).
 *
 * MSI lines, in both modes, are numbered from MSI_FIRST (64) up to
 * arch_irq_limit(), each on its own vector VEC_MSI_BASE + n; address
 * 0xFEE00000 | boot LAPIC id << 12, data = the vector (fixed, edge). The
 * device's own mask bit is the driver's business (many MSI functions have
 * none), so masking is done here in software: an MSI that arrives while
 * its line is masked is acknowledged at the LAPIC and remembered (one
 * pending bit), and unmasking a line with one pending raises its vector
 * again by a self-IPI, so an edge is never lost, only deferred.
 */
#include <stdint.h>

#include "arch/hal/cpu.h"
#include "arch/hal/irq.h"
#include "acpi.h"
#include "core/boot_info.h"
#include "core/kprintf.h"
#include "include/abi/error.h"
#include "irq.h"
#include "lapic.h"
#include "legacy/legacy.h"
#include "mm/kvm.h"
#include "x86.h"

#define PIC1_CMD     0x20
#define PIC1_DATA    0x21
#define PIC2_CMD     0xa0
#define PIC2_DATA    0xa1
#define PIC_EOI	     0x20
#define PIC_LINES    16
#define PIC_CASCADE  2
#define PIC_SLAVE_AT 8
#define ELCR1	     0x4d0 /* edge/level control (PIIX/ICH): a bit per line, 1 = level */
#define ELCR2	     0x4d1
#define ELCR_FIXED   0x2107u /* lines 0, 1, 2, 8, 13 are always edge */
#define ISA_IRQS     16

/* I/O APIC registers (82093AA data sheet, 3.0): an index, a window, and the EOI register of version 0x20. */
#define IOREGSEL     0x00
#define IOWIN	     0x10
#define IOAPIC_VER   0x01
#define IOAPIC_REDIR 0x10 /* + 2 * pin: low dword, + 1: high dword */
#define RTE_LEVEL    (1u << 15)
#define RTE_LOW	     (1u << 13)
#define RTE_MASKED   (1u << 16)

#define MSI_FIRST     64
#define LINE_LIMIT    (MSI_FIRST + VEC_MSI_COUNT)
#define MSI_ADDR_BASE 0xfee00000u

static struct ioapic {
	volatile uint32_t *regs;
	uint64_t pa;
	uint32_t gsi_base;
	unsigned pins;
} ioapics[ACPI_IOAPIC_MAX];
static unsigned ioapic_count;

static bool apic_mode;
static uint32_t boot_apic_id;
static uint8_t gsi_flags[VEC_GSI_COUNT];
static uint8_t gsi_masked[VEC_GSI_COUNT];
static unsigned isa_gsi[ISA_IRQS];
static uint8_t isa_flags[ISA_IRQS];

static struct msi_line {
	bool used, masked, pending;
} msi[VEC_MSI_COUNT];

static uint32_t ioapic_read(const struct ioapic *a, unsigned reg)
{
	a->regs[IOREGSEL / 4] = reg;
	return a->regs[IOWIN / 4];
}

static void ioapic_write(const struct ioapic *a, unsigned reg, uint32_t v)
{
	a->regs[IOREGSEL / 4] = reg;
	a->regs[IOWIN / 4] = v;
}

/* The I/O APIC whose pins carry `gsi`, NULL when none does (or past what has a vector). */
static const struct ioapic *ioapic_of(unsigned gsi)
{
	if (gsi >= VEC_GSI_COUNT)
		return NULL;
	for (unsigned i = 0; i < ioapic_count; i++)
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].pins)
			return &ioapics[i];
	return NULL;
}

/* Program `gsi`'s redirection entry from gsi_flags and gsi_masked (interrupts off around it). */
static void rte_write(unsigned gsi)
{
	const struct ioapic *a = ioapic_of(gsi);
	if (!a)
		return;
	unsigned pin = gsi - a->gsi_base;
	uint32_t lo = (uint32_t)(VEC_GSI_BASE + gsi); /* fixed delivery, physical destination */
	if (gsi_flags[gsi] & IRQ_LEVEL)
		lo |= RTE_LEVEL;
	if (gsi_flags[gsi] & IRQ_ACTIVE_LOW)
		lo |= RTE_LOW;
	if (gsi_masked[gsi])
		lo |= RTE_MASKED;
	irqflags_t f = arch_irq_save();
	/* Masked first, so that no half-written entry is ever live. */
	ioapic_write(a, IOAPIC_REDIR + 2 * pin, RTE_MASKED | lo);
	ioapic_write(a, IOAPIC_REDIR + 2 * pin + 1, boot_apic_id << 24);
	ioapic_write(a, IOAPIC_REDIR + 2 * pin, lo);
	arch_irq_restore(f);
}

/* An ISO's flags as IRQ_*: ISA's bus default is edge, active high. */
static unsigned iso_flags(uint16_t f)
{
	unsigned flags = 0;
	if (ACPI_ISO_TRIGGER(f) == 3)
		flags |= IRQ_LEVEL;
	if (ACPI_ISO_POLARITY(f) == 3)
		flags |= IRQ_ACTIVE_LOW;
	return flags;
}

static bool ioapic_setup(const struct acpi_irq *ai)
{
	for (unsigned i = 0; i < ai->ioapic_count; i++) {
		struct ioapic *a = &ioapics[ioapic_count];
		a->pa = ai->ioapic[i].address;
		a->gsi_base = ai->ioapic[i].gsi_base;
		uint8_t *page = kvm_map_device(a->pa & ~0xfffull, 4096);
		a->regs = page ? (volatile uint32_t *)(page + (a->pa & 0xfff)) : NULL;
		if (!a->regs) {
			pr_warn("irq: cannot map the I/O APIC at %#llx", (unsigned long long)a->pa);
			continue;
		}
		uint32_t ver = ioapic_read(a, IOAPIC_VER);
		if (ver == 0xffffffffu) {
			pr_warn("irq: no I/O APIC answers at %#llx", (unsigned long long)a->pa);
			continue;
		}
		a->pins = (ver >> 16 & 0xff) + 1;
		/* Every pin masked, also those past what has a vector here (never used). */
		for (unsigned pin = 0; pin < a->pins; pin++) {
			ioapic_write(a, IOAPIC_REDIR + 2 * pin, RTE_MASKED);
			ioapic_write(a, IOAPIC_REDIR + 2 * pin + 1, 0);
		}
		ioapic_count++;
	}
	return ioapic_count > 0;
}

int arch_irq_init(const struct boot_info *bi)
{
	const struct acpi_irq *ai = acpi_irq();

	boot_apic_id = bi->boot_cpu & 0xff;
	if (boot_cmdline_has(bi, "noioapic")) {
		pr_info("irq: noioapic: the 8259s, lines 0-15");
		return 0;
	}
	if (!ai->ioapic_count || !ioapic_setup(ai)) {
		pr_info("irq: no I/O APIC (%s): the 8259s, lines 0-15",
			ai->error ? ai->error : "none in the MADT");
		return 0;
	}
	for (unsigned g = 0; g < VEC_GSI_COUNT; g++) {
		gsi_flags[g] = g < ISA_IRQS ? 0 : IRQ_LEVEL;
		gsi_masked[g] = 1;
	}
	for (unsigned i = 0; i < ISA_IRQS; i++) {
		isa_gsi[i] = i;
		isa_flags[i] = 0;
	}
	for (unsigned i = 0; i < ai->iso_count; i++) {
		const struct acpi_iso *o = &ai->iso[i];
		isa_gsi[o->source] = o->gsi;
		isa_flags[o->source] = (uint8_t)iso_flags(o->flags);
	}
	/* An override's GSI signals as it says (GSIs 0-15 are ISA's, edge, high, otherwise). */
	for (unsigned i = 0; i < ai->iso_count; i++)
		if (ai->iso[i].gsi < VEC_GSI_COUNT)
			gsi_flags[ai->iso[i].gsi] = isa_flags[ai->iso[i].source];
	for (unsigned g = 0; g < VEC_GSI_COUNT; g++)
		rte_write(g);
	apic_mode = true;
	unsigned gsis = 0;
	for (unsigned i = 0; i < ioapic_count; i++)
		gsis += ioapics[i].pins;
	pr_info("irq: %u I/O APIC%s, %u GSIs, %u overrides; COM1 on GSI %u, MSI lines %u-%u",
		ioapic_count, ioapic_count == 1 ? "" : "s", gsis, ai->iso_count, isa_gsi[4],
		MSI_FIRST, LINE_LIMIT - 1);
	return 0;
}

bool x86_64_irq_apic_mode(void)
{
	return apic_mode;
}

static struct msi_line *msi_of(unsigned irq)
{
	if (irq < MSI_FIRST || irq >= LINE_LIMIT || !msi[irq - MSI_FIRST].used)
		return NULL;
	return &msi[irq - MSI_FIRST];
}

/*
 * Lines a handler can be registered for: allocated MSIs; in IOAPIC mode
 * every GSI an I/O APIC has (below 64); with the 8259s not the cascade and
 * not 7 and 15, whose vectors the trap code takes for the 8259s' spurious
 * interrupts.
 */
bool arch_irq_valid(unsigned irq)
{
	if (irq >= MSI_FIRST)
		return msi_of(irq) != NULL;
	if (apic_mode)
		return ioapic_of(irq) != NULL;
	return irq < PIC_LINES && irq != PIC_CASCADE && irq != 7 && irq != 15;
}

static void pic_set_mask(unsigned irq, bool masked)
{
	uint16_t port = irq < PIC_SLAVE_AT ? PIC1_DATA : PIC2_DATA;
	uint8_t bit = (uint8_t)(1u << (irq % PIC_SLAVE_AT));
	irqflags_t f = arch_irq_save();
	uint8_t m = inb(port);
	outb(port, masked ? m | bit : m & (uint8_t)~bit);
	if (irq >= PIC_SLAVE_AT && !masked) /* the slave reaches the CPU through line 2 */
		outb(PIC1_DATA, inb(PIC1_DATA) & (uint8_t) ~(1u << PIC_CASCADE));
	arch_irq_restore(f);
}

static void set_mask(unsigned irq, bool masked)
{
	struct msi_line *m = msi_of(irq);
	if (m) {
		irqflags_t f = arch_irq_save();
		m->masked = masked;
		bool replay = !masked && m->pending;
		if (replay)
			m->pending = false;
		arch_irq_restore(f);
		if (replay) /* delivered once interrupts are on again */
			x86_lapic_self_ipi(VEC_MSI_BASE + (irq - MSI_FIRST));
	} else if (apic_mode) {
		gsi_masked[irq] = masked;
		rte_write(irq);
	} else {
		pic_set_mask(irq, masked);
	}
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
	if (irq >= MSI_FIRST || apic_mode) {
		if (irq < LINE_LIMIT)
			x86_lapic_eoi();
		return;
	}
	if (irq >= PIC_LINES)
		return;
	if (irq >= PIC_SLAVE_AT)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

unsigned arch_irq_limit(void)
{
	return LINE_LIMIT;
}

int arch_irq_configure(unsigned irq, unsigned flags)
{
	if (flags & ~(IRQ_LEVEL | IRQ_ACTIVE_LOW) || !arch_irq_valid(irq))
		return E_INVALID_PARAMETER;
	if (irq >= MSI_FIRST) /* MSIs are edges */
		return flags ? E_NOT_SUPPORTED : E_OK;
	if (!apic_mode) {
		if (flags & IRQ_ACTIVE_LOW || (flags & IRQ_LEVEL && ELCR_FIXED >> irq & 1))
			return E_NOT_SUPPORTED;
		uint16_t port = irq < PIC_SLAVE_AT ? ELCR1 : ELCR2;
		uint8_t bit = (uint8_t)(1u << irq % PIC_SLAVE_AT);
		irqflags_t f = arch_irq_save();
		uint8_t e = inb(port);
		outb(port, flags & IRQ_LEVEL ? e | bit : e & (uint8_t)~bit);
		arch_irq_restore(f);
		return E_OK;
	}
	gsi_flags[irq] = (uint8_t)flags;
	rte_write(irq);
	return E_OK;
}

unsigned arch_irq_flags(unsigned irq)
{
	if (apic_mode && irq < MSI_FIRST && ioapic_of(irq))
		return gsi_flags[irq];
	if (!apic_mode && irq < PIC_LINES) {
		uint8_t elcr = inb(irq < PIC_SLAVE_AT ? ELCR1 : ELCR2);
		return elcr >> irq % PIC_SLAVE_AT & 1 ? IRQ_LEVEL : 0;
	}
	return 0; /* MSI: edge */
}

unsigned arch_irq_isa(unsigned isa_irq, unsigned *flags)
{
	*flags = 0;
	if (isa_irq >= ISA_IRQS)
		return IRQ_NONE;
	if (!apic_mode)
		return isa_irq;
	if (!ioapic_of(isa_gsi[isa_irq]))
		return IRQ_NONE; /* overridden to a GSI no I/O APIC has */
	*flags = isa_flags[isa_irq];
	return isa_gsi[isa_irq];
}

int arch_msi_alloc(uint32_t sbdf, unsigned *irq, uint64_t *address, uint32_t *data)
{
	(void)sbdf; /* every function writes the same kind of message to the LAPIC */
	if (!irq || !address || !data)
		return E_INVALID_PARAMETER;
	irqflags_t f = arch_irq_save();
	int err = E_RESOURCE_EXHAUSTED;
	for (unsigned i = 0; i < VEC_MSI_COUNT; i++) {
		if (msi[i].used)
			continue;
		msi[i] = (struct msi_line){.used = true, .masked = true};
		*irq = MSI_FIRST + i;
		/* Physical destination, no redirection hint; fixed delivery, edge. */
		*address = MSI_ADDR_BASE | boot_apic_id << 12;
		*data = VEC_MSI_BASE + i;
		err = E_OK;
		break;
	}
	arch_irq_restore(f);
	return err;
}

void arch_msi_free(unsigned irq)
{
	irqflags_t f = arch_irq_save();
	struct msi_line *m = msi_of(irq);
	if (m)
		*m = (struct msi_line){0};
	arch_irq_restore(f);
}

uint64_t x86_64_ioapic_pa(unsigned idx)
{
	return idx < ioapic_count ? ioapics[idx].pa : 0;
}

static void dispatch(struct trap_frame *tf, unsigned irq)
{
	trap_irq(tf, irq);
	arch_irq_eoi(irq);
}

void x86_64_irq_vector(struct trap_frame *tf, unsigned vector)
{
	if (vector >= VEC_PIC_BASE && vector < VEC_PIC_BASE + PIC_LINES) {
		unsigned line = vector - VEC_PIC_BASE;
		if (apic_mode) { /* a masked 8259 should say nothing: end it there, attribute nothing */
			if (line >= PIC_SLAVE_AT)
				outb(PIC2_CMD, PIC_EOI);
			outb(PIC1_CMD, PIC_EOI);
			trap_irq(tf, IRQ_NONE);
		} else {
			dispatch(tf, line);
		}
		return;
	}
	if (vector >= VEC_GSI_BASE && vector < VEC_GSI_BASE + VEC_GSI_COUNT) {
		unsigned gsi = vector - VEC_GSI_BASE;
		if (apic_mode) {
			dispatch(tf, gsi);
		} else {
			x86_lapic_eoi();
			trap_irq(tf, IRQ_NONE);
		}
		return;
	}
	if (vector >= VEC_MSI_BASE && vector < VEC_MSI_BASE + VEC_MSI_COUNT) {
		struct msi_line *m = &msi[vector - VEC_MSI_BASE];
		if (m->used && m->masked) {
			m->pending = true; /* replayed by the unmask */
			x86_lapic_eoi();
		} else if (m->used) {
			dispatch(tf, MSI_FIRST + (vector - VEC_MSI_BASE));
		} else {
			x86_lapic_eoi();
			trap_irq(tf, IRQ_NONE);
		}
		return;
	}
	x86_lapic_eoi(); /* a vector nothing programs: whoever sent it is a LAPIC source */
	trap_irq(tf, IRQ_NONE);
}
