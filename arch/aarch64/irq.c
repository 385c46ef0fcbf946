/*
 * Device interrupt lines on AArch64: the shared peripheral interrupts
 * (SPIs, INTID 32 up to what GICD_TYPER says) of the GIC the device tree
 * named, GICv2 or GICv3 (gic.c), each routed to the boot CPU at one
 * priority, masked until unmasked and level-triggered until configured
 * otherwise. A GIC SPI is only ever active-high or rising-edge: where a
 * device tree says level-low or falling edge, the board inverts the signal
 * on its way to the GIC, so the line is configured IRQ_LEVEL or edge and
 * IRQ_ACTIVE_LOW is refused.
 * MSI lines are the SPIs of the GICv2m frame, edge-triggered and valid
 * only while allocated; under GICv3 there is none (its ITS is not driven).
 * trap.c acknowledges an interrupt, runs trap_irq() and ends it with the
 * acknowledged value once the handler returned (gic.c: right for both
 * triggers); private interrupts (the timer's PPI) stay gic.c's.
 */
#include "aarch64.h"
#include "arch/hal/cpu.h"
#include "arch/hal/irq.h"
#include "core/kprintf.h"
#include "include/abi/error.h"

#define GIC_NR_PRIVATE 32
#define GIC_INTIDS     1024 /* what an SPI's INTID is below, on both versions */

/* The v2m frame's SPIs handed out by arch_msi_alloc(), by INTID. */
static uint64_t msi_used[GIC_INTIDS / 64];

static bool msi_bit(unsigned irq)
{
	return msi_used[irq / 64] >> irq % 64 & 1;
}

/* True when `irq` is one of the v2m frame's SPIs (allocated or not). */
static bool is_msi(unsigned irq)
{
	uint64_t pa;
	unsigned first, count;
	return gic_v2m(&pa, &first, &count) && irq >= first && irq - first < count;
}

/* An SPI of the distributor, whether an MSI line or not. */
static bool is_spi(unsigned irq)
{
	return irq >= GIC_NR_PRIVATE && irq < gic_lines();
}

int arch_irq_init(const struct boot_info *bi)
{
	(void)bi; /* arch_timer_init() already brought the GIC up from the device tree */
	return gic_ready() ? 0 : -E_NOT_FOUND;
}

bool arch_irq_valid(unsigned irq)
{
	return is_spi(irq) && (!is_msi(irq) || msi_bit(irq));
}

unsigned arch_irq_limit(void)
{
	return gic_lines();
}

int arch_irq_unmask(unsigned irq)
{
	return arch_irq_valid(irq) && gic_spi_enable(irq, true) ? E_OK : E_INVALID_PARAMETER;
}

int arch_irq_mask(unsigned irq)
{
	return arch_irq_valid(irq) && gic_spi_enable(irq, false) ? E_OK : E_INVALID_PARAMETER;
}

void arch_irq_eoi(unsigned irq)
{
	if (is_spi(irq))
		gic_eoi(irq); /* an SPI's IAR is its INTID */
}

int arch_irq_configure(unsigned irq, unsigned flags)
{
	if (!arch_irq_valid(irq) || flags & ~(IRQ_LEVEL | IRQ_ACTIVE_LOW))
		return E_INVALID_PARAMETER;
	if (flags & IRQ_ACTIVE_LOW)
		return E_NOT_SUPPORTED; /* active-high / rising only: an inverter is the board's */
	if (flags & IRQ_LEVEL && is_msi(irq))
		return E_NOT_SUPPORTED; /* a write to the frame is an edge, nothing holds it up */
	irqflags_t saved = arch_irq_save();
	gic_spi_set_edge(irq, !(flags & IRQ_LEVEL));
	arch_irq_restore(saved);
	return E_OK;
}

unsigned arch_irq_flags(unsigned irq)
{
	return arch_irq_valid(irq) && !gic_spi_edge(irq) ? IRQ_LEVEL : 0;
}

unsigned arch_irq_isa(unsigned isa_irq, unsigned *flags)
{
	(void)isa_irq;
	if (flags)
		*flags = 0;
	return IRQ_NONE;
}

int arch_msi_alloc(unsigned *irq, uint64_t *address, uint32_t *data)
{
	uint64_t setspi;
	unsigned first, count, line = IRQ_NONE;

	if (!irq || !address || !data)
		return E_INVALID_PARAMETER;
	if (!gic_v2m(&setspi, &first, &count))
		return E_NOT_SUPPORTED;
	irqflags_t saved = arch_irq_save();
	for (unsigned i = first; i < first + count && line == IRQ_NONE; i++) {
		if (msi_bit(i))
			continue;
		/* Masked, and no edge left pending by its last owner. */
		gic_spi_enable(i, false);
		gic_spi_set_pending(i, false);
		msi_used[i / 64] |= 1ull << i % 64;
		line = i;
	}
	arch_irq_restore(saved);
	if (line == IRQ_NONE)
		return E_RESOURCE_EXHAUSTED;
	*irq = line;
	*address = setspi;
	*data = line; /* MSI_SETSPI_NS takes the INTID */
	return E_OK;
}

void arch_msi_free(unsigned irq)
{
	if (!is_msi(irq) || !msi_bit(irq)) {
		pr_warn("msi: line %u is not an allocated MSI line: not freed", irq);
		return;
	}
	irqflags_t saved = arch_irq_save();
	gic_spi_enable(irq, false);
	gic_spi_set_pending(irq, false);
	msi_used[irq / 64] &= ~(1ull << irq % 64);
	arch_irq_restore(saved);
}

bool arch_kernel_mmio(unsigned idx, uint64_t *base, uint64_t *size)
{
	unsigned n = 0;
	uint64_t b, s;

	while (gic_mmio(n, &b, &s))
		n++;
	if (idx < n)
		return gic_mmio(idx, base, size);
	/* The timer is system registers, power-off and exit are PSCI and semihosting calls. */
	return idx == n && console_mmio(base, size);
}
