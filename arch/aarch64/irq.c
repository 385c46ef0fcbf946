/*
 * Device interrupt lines on AArch64: the shared peripheral interrupts
 * (SPIs, INTID 32 up to what GICD_TYPER says) of the GIC the device tree
 * named, GICv2 or GICv3 (gic.c), each routed to the boot CPU at one
 * priority, masked until unmasked and level-triggered until configured
 * otherwise. A GIC SPI is only ever active-high or rising-edge: where a
 * device tree says level-low or falling edge, the board inverts the signal
 * on its way to the GIC, so the line is configured IRQ_LEVEL or edge and
 * IRQ_ACTIVE_LOW is refused.
 * MSI lines are the SPIs of the GICv2m frame or, under GICv3, the LPIs of
 * the ITS (its.c, numbered from 8192, above the SPIs), edge-triggered and
 * valid only while allocated.
 * trap.c acknowledges an interrupt, runs trap_irq() and ends it with the
 * acknowledged value once the handler returned (gic.c: right for both
 * triggers); private interrupts (the timer's PPI) stay gic.c's.
 */
#include "aarch64.h"
#include "arch/hal/cpu.h"
#include "arch/hal/irq.h"
#include "core/fdt.h"
#include "core/kprintf.h"
#include "include/abi/error.h"

#define GIC_NR_PRIVATE 32
#define GIC_INTIDS     1024 /* what an SPI's INTID is below, on both versions */
#define GIC_SPEC_CELLS 3    /* type (0: SPI), number, flags (IRQ_TYPE_*: 1, 2 edge; 4, 8 level) */
#define GIC_SPEC_SPI   0
#define IRQ_TYPE_MASK  0xfu
#define IRQ_TYPE_EDGE  3u

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

/* The interrupt parent of `node`: its own interrupt-parent or its nearest ancestor's. */
static uint32_t irq_parent(const struct fdt *f, int node)
{
	for (int n = node; n >= 0; n = fdt_parent(f, n)) {
		uint32_t p = fdt_prop_u32(f, n, "interrupt-parent", 0);
		if (p)
			return p;
	}
	return 0;
}

/*
 * Trigger every SPI a device wired to the GIC has as the device tree
 * says (interrupts = <type number flags>); the rest stay level. A node
 * reached through interrupts-extended or an interrupt-map (PCI) is left
 * to whoever configures it.
 */
static void spi_triggers_from_dt(const struct boot_info *bi)
{
	struct fdt f;
	int depth = 0;

	if (!bi || !bi->dtb || fdt_open(&f, phys_map(bi->dtb), bi->dtb_size) < 0 ||
	    gic_irq_cells() != GIC_SPEC_CELLS || !gic_phandle())
		return;
	for (int n = fdt_root(&f); n >= 0; n = fdt_next_node(&f, n, &depth)) {
		int len;
		const uint8_t *p = fdt_prop(&f, n, "interrupts", &len);
		if (!p || len <= 0 || len % (GIC_SPEC_CELLS * 4) || !fdt_is_enabled(&f, n) ||
		    irq_parent(&f, n) != gic_phandle())
			continue;
		for (int i = 0; i < len; i += GIC_SPEC_CELLS * 4) {
			uint32_t type = fdt_be32(p + i), num = fdt_be32(p + i + 4);
			uint32_t trig = fdt_be32(p + i + 8) & IRQ_TYPE_MASK;
			unsigned irq = GIC_NR_PRIVATE + num;
			if (type == GIC_SPEC_SPI && trig && num < GIC_INTIDS && is_spi(irq) &&
			    !is_msi(irq))
				gic_spi_set_edge(irq, trig & IRQ_TYPE_EDGE);
		}
	}
}

int arch_irq_init(const struct boot_info *bi)
{
	/* arch_timer_init() already brought the GIC up from the device tree */
	if (!gic_ready())
		return -E_NOT_FOUND;
	spi_triggers_from_dt(bi);
	if (gic_version() == 3)
		its_init(bi); /* no ITS: no MSI, the wired lines work all the same */
	return 0;
}

bool arch_irq_valid(unsigned irq)
{
	return (is_spi(irq) && (!is_msi(irq) || msi_bit(irq))) || its_lpi_allocated(irq);
}

unsigned arch_irq_limit(void)
{
	unsigned first, count;
	return its_lpis(&first, &count) ? first + count : gic_lines();
}

/* Enable or disable an SPI at the distributor or an LPI in its property byte. */
static int line_enable(unsigned irq, bool enable)
{
	if (!arch_irq_valid(irq))
		return E_INVALID_PARAMETER;
	if (is_spi(irq))
		return gic_spi_enable(irq, enable) ? E_OK : E_INVALID_PARAMETER;
	return its_lpi_enable(irq, enable) ? E_OK : E_TIMEOUT;
}

int arch_irq_unmask(unsigned irq)
{
	return line_enable(irq, true);
}

int arch_irq_mask(unsigned irq)
{
	return line_enable(irq, false);
}

void arch_irq_eoi(unsigned irq)
{
	if (is_spi(irq) || its_lpi_allocated(irq))
		gic_eoi(irq); /* the IAR of an SPI or LPI is its INTID */
}

int arch_irq_configure(unsigned irq, unsigned flags)
{
	if (!arch_irq_valid(irq) || flags & ~(IRQ_LEVEL | IRQ_ACTIVE_LOW))
		return E_INVALID_PARAMETER;
	if (flags & IRQ_ACTIVE_LOW)
		return E_NOT_SUPPORTED; /* active-high / rising only: an inverter is the board's */
	if (flags & IRQ_LEVEL && (is_msi(irq) || !is_spi(irq)))
		return E_NOT_SUPPORTED; /* a message is an edge, nothing holds it up */
	if (!is_spi(irq))
		return E_OK; /* an LPI: edge is all it is */
	irqflags_t saved = arch_irq_save();
	gic_spi_set_edge(irq, !(flags & IRQ_LEVEL));
	arch_irq_restore(saved);
	return E_OK;
}

unsigned arch_irq_flags(unsigned irq)
{
	return is_spi(irq) && arch_irq_valid(irq) && !gic_spi_edge(irq) ? IRQ_LEVEL : 0;
}

unsigned arch_irq_isa(unsigned isa_irq, unsigned *flags)
{
	(void)isa_irq;
	if (flags)
		*flags = 0;
	return IRQ_NONE;
}

int arch_msi_alloc(uint32_t sbdf, unsigned *irq, uint64_t *address, uint32_t *data)
{
	uint64_t setspi;
	unsigned first, count, line = IRQ_NONE;

	if (!irq || !address || !data)
		return E_INVALID_PARAMETER;
	if (its_lpis(&first, &count))
		return its_msi_alloc(sbdf, irq, address, data);
	/* A v2m frame does not tell devices apart: sbdf is not needed. */
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
	if (its_msi_free(irq))
		return;
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
