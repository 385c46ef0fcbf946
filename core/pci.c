/*
 * PCI configuration space and INTx routing (core/pci.h). The host bridges
 * are those of the machine description, fixed after boot: the table below
 * is filled once by pci_init() and only read afterwards, so no lock. ECAM
 * accesses are single loads and stores, safe from any CPU; the legacy
 * mechanism's two-step access is the arch's to serialise.
 */
#include "core/pci.h"
#include "arch/hal/cpu.h"
#include "arch/hal/io.h"
#include "arch/hal/irq.h"
#include "core/kprintf.h"
#include "core/machine.h"
#include "include/abi/error.h"
#include "mm/kvm.h"

#define PCI_HOSTS_MAX 8

#define PCI_VENDOR_ID	    0x00
#define PCI_HEADER_TYPE	    0x0e
#define PCI_SECONDARY_BUS   0x19 /* type 1 (PCI-PCI bridge) header */
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_INTERRUPT_LINE  0x3c
#define PCI_INTERRUPT_PIN   0x3d
#define PCI_HEADER_BRIDGE   0x01
#define PCI_HEADER_MULTI    0x80
#define ECAM_BUS_SHIFT	    20 /* 1 MiB of configuration space per bus */
#define ECAM_FUNCTION_SHIFT 12 /* 4 KiB per function */
#define LEGACY_CONFIG_SIZE  256
#define ECAM_CONFIG_SIZE    4096

static struct pci_host {
	const struct hw_rec_pci_host *rec;
	volatile uint8_t *ecam; /* NULL: ports 0xCF8/0xCFC (rec->ecam_base 0) */
	uint64_t mapped[4];	/* buses (from bus_start) whose 1 MiB of the ECAM is mapped */
} hosts[PCI_HOSTS_MAX];
static unsigned host_count;

void pci_init(void)
{
	const struct hw_rec_pci_host *h;

	for (unsigned i = 0; (h = machine_pci_host(i)); i++) {
		if (host_count == PCI_HOSTS_MAX) {
			pr_warn("pci: more than %u host bridges; the rest are not used",
				PCI_HOSTS_MAX);
			return;
		}
		struct pci_host *p = &hosts[host_count];
		p->rec = h;
		p->ecam = NULL;
		if (h->ecam_base) {
			/*
			 * Only the buses it decodes, each mapped when first used: a
			 * 256 MiB window is 65 536 pages, most of them for buses
			 * nobody has (mapping them all cost 15 M instructions at boot).
			 */
			uint64_t need = (uint64_t)(h->bus_end - h->bus_start + 1) << ECAM_BUS_SHIFT;
			for (unsigned w = 0; w < 4; w++)
				p->mapped[w] = 0;
			if (h->bus_start > h->bus_end || need > h->ecam_size ||
			    !(p->ecam = kvm_map_device(h->ecam_base, 1ull << ECAM_BUS_SHIFT))) {
				pr_warn(
				    "pci: segment %u: cannot map the ECAM at %#llx (buses %u-%u, "
				    "%#llx bytes); not used",
				    h->segment, (unsigned long long)h->ecam_base, h->bus_start,
				    h->bus_end, (unsigned long long)h->ecam_size);
				continue;
			}
		}
		p->mapped[0] = p->ecam ? 1 : 0; /* the first bus: mapped above */
		host_count++;
		pr_info("pci: segment %u buses %u-%u, %s %#llx, %u INTx routes", h->segment,
			h->bus_start, h->bus_end, h->ecam_base ? "ECAM" : "ports",
			(unsigned long long)(h->ecam_base ? h->ecam_base : 0xcf8), h->intx_count);
	}
}

static struct pci_host *host_of(uint32_t sbdf)
{
	unsigned seg = sbdf >> 16, bus = sbdf >> 8 & 0xff;
	for (unsigned i = 0; i < host_count; i++)
		if (hosts[i].rec->segment == seg && bus >= hosts[i].rec->bus_start &&
		    bus <= hosts[i].rec->bus_end)
			return &hosts[i];
	return NULL;
}

int pci_config(uint32_t sbdf, unsigned offset, unsigned width, uint32_t *value, bool write)
{
	if (!value || (width != 1 && width != 2 && width != 4) || offset % width)
		return E_INVALID_PARAMETER;
	struct pci_host *p = host_of(sbdf);
	if (!p)
		return E_NOT_FOUND;
	if (!p->ecam) {
		if (offset >= LEGACY_CONFIG_SIZE)
			return E_INVALID_PARAMETER;
		return arch_pci_legacy_config((uint16_t)sbdf, offset, width, value, write);
	}
	if (offset >= ECAM_CONFIG_SIZE)
		return E_INVALID_PARAMETER;
	unsigned bus = (sbdf >> 8 & 0xff) - p->rec->bus_start;
	if (!(p->mapped[bus / 64] >> bus % 64 & 1)) {
		irqflags_t irq = arch_irq_save(); /* the kernel's page tables are shared */
		bool ok = kvm_map_device(p->rec->ecam_base + ((uint64_t)bus << ECAM_BUS_SHIFT),
					 1ull << ECAM_BUS_SHIFT) != NULL;
		if (ok)
			p->mapped[bus / 64] |= 1ull << bus % 64;
		arch_irq_restore(irq);
		if (!ok)
			return E_OUT_OF_MEMORY;
	}
	volatile uint8_t *a = p->ecam + ((uintptr_t)bus << ECAM_BUS_SHIFT |
					 (uintptr_t)(sbdf & 0xff) << ECAM_FUNCTION_SHIFT | offset);
	if (write) {
		if (width == 1)
			*a = (uint8_t)*value;
		else if (width == 2)
			*(volatile uint16_t *)a = (uint16_t)*value;
		else
			*(volatile uint32_t *)a = *value;
	} else {
		*value = width == 1   ? *a
			 : width == 2 ? *(volatile uint16_t *)a
				      : *(volatile uint32_t *)a;
	}
	return E_OK;
}

static uint32_t cfg_read(uint32_t sbdf, unsigned offset, unsigned width)
{
	uint32_t v;
	return pci_config(sbdf, offset, width, &v, false) ? ~0u : v;
}

/*
 * The PCI-PCI bridge on `bus` (of segment `seg`) whose secondary to
 * subordinate buses hold `target`: its sbdf, or ~0u when there is none.
 */
static uint32_t bridge_towards(uint32_t seg, unsigned bus, unsigned target)
{
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t sbdf = seg << 16 | bus << 8 | dev << 3 | fn;
			if ((cfg_read(sbdf, PCI_VENDOR_ID, 2) & 0xffff) == 0xffff) {
				if (fn == 0)
					break; /* no function 0: no device */
				continue;
			}
			uint32_t type = cfg_read(sbdf, PCI_HEADER_TYPE, 1);
			if ((type & 0x7f) == PCI_HEADER_BRIDGE) {
				unsigned sec = cfg_read(sbdf, PCI_SECONDARY_BUS, 1);
				unsigned sub = cfg_read(sbdf, PCI_SUBORDINATE_BUS, 1);
				if (sec > bus && sec <= target && target <= sub)
					return sbdf;
			}
			if (fn == 0 && !(type & PCI_HEADER_MULTI))
				break;
		}
	return ~0u;
}

int pci_intx_route(uint32_t sbdf, unsigned *line, unsigned *flags)
{
	const struct pci_host *p = host_of(sbdf);
	if (!p)
		return E_NOT_FOUND;
	uint32_t pin = cfg_read(sbdf, PCI_INTERRUPT_PIN, 1);
	if (pin < 1 || pin > 4)
		return E_NOT_FOUND; /* no INTx (0), or no such function (all ones) */
	const struct hw_rec_pci_host *h = p->rec;
	if (!h->intx_count) {
		unsigned l = arch_pci_intx(sbdf, pin, cfg_read(sbdf, PCI_INTERRUPT_LINE, 1), flags);
		if (l == IRQ_NONE)
			return E_NOT_FOUND;
		*line = l;
		return E_OK;
	}

	/*
	 * The swizzle: behind a bridge, INTx of device d arrives as the
	 * bridge's INT((x - 1 + d) % 4). It adds up, so walking down from the
	 * root bus works too: every device below the root-bus one (each bridge
	 * on the way and the function itself) adds its device number.
	 */
	uint32_t seg = sbdf >> 16, root_dev = sbdf, shift = 0;
	unsigned bus = h->bus_start, target = sbdf >> 8 & 0xff;
	while (bus != target) {
		uint32_t b = bridge_towards(seg, bus, target);
		if (b == ~0u)
			return E_NOT_FOUND; /* no bridge leads there: not reachable */
		if (bus == h->bus_start)
			root_dev = b;
		else
			shift += b >> 3 & 0x1f;
		bus = cfg_read(b, PCI_SECONDARY_BUS, 1); /* greater each time: this ends */
	}
	if (root_dev != sbdf)
		shift += sbdf >> 3 & 0x1f;
	pin = (pin - 1 + shift) % 4 + 1;
	uint32_t hi = (uint32_t)h->bus_start << 16 | (root_dev & 0xff) << 8;
	for (uint32_t i = 0; i < h->intx_count && i < HW_MAX_INTX; i++)
		if (h->intx[i].devfn_hi == (hi & h->intx_mask_devfn) &&
		    h->intx[i].pin == (pin & h->intx_mask_pin)) {
			*line = h->intx[i].line;
			*flags = h->intx[i].flags;
			return E_OK;
		}
	return E_NOT_FOUND;
}

bool pci_bus_range(unsigned idx, uint16_t *segment, uint8_t *bus_start, uint8_t *bus_end)
{
	if (idx >= host_count)
		return false;
	*segment = hosts[idx].rec->segment;
	*bus_start = hosts[idx].rec->bus_start;
	*bus_end = hosts[idx].rec->bus_end;
	return true;
}
