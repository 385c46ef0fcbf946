/*
 * The PC's I/O side of the HAL (arch/hal/io.h, and arch_kernel_mmio of
 * arch/hal/irq.h): ports, PCI configuration mechanism #1, what the kernel
 * keeps, where a PCI function's INTx arrives, and the machine description's
 * PC part (fixed ISA devices, the MADT's overrides, the PCI host bridges).
 *
 * INTx routing (arch_pci_intx), with the I/O APICs:
 *   i440FX/PIIX3 (QEMU `pc`): PIRQA-D reach the I/O APIC only through the
 *   ISA IRQ the PIIX3 routes them to, which the BIOS wrote into the
 *   function's Interrupt Line register: that ISA IRQ through the MADT's
 *   overrides, level (QEMU overrides 5, 9, 10, 11 as level, active high).
 *   ICH9 (QEMU `q35`, LPC bridge 8086:2918 at 00:1f.0): in APIC mode PIRQA-H
 *   are wired straight to GSIs 16-23 (QEMU's hw/isa/lpc_ich9.c,
 *   ich9_lpc_set_irq, and the GSIA-GSIH links of its DSDT, level, active
 *   high). Which PIRQ a function drives: behind bridges, its pin is swizzled
 *   (pin + device) mod 4 up to bus 0; there device 25-29 and 31 use the
 *   chipset's D25IR-D31IR registers (RCBA + 0x3140..; QEMU's reset value
 *   0x3210, INTA-D -> PIRQA-D), device 30 (the DMI-PCI bridge) pin + 4, and
 *   every other slot QEMU's fixed rule (slot + pin) mod 4 + 4, PIRQE-H,
 *   which its _PRT describes. The Interrupt Line register then names the
 *   8259 IRQ that PIRQ is also routed to (LPC 0x60-0x63, 0x68-0x6b), not the
 *   GSI.
 *   Without I/O APICs: the Interrupt Line register, an 8259 line.
 */
#include <stddef.h>
#include <stdint.h>

#include "acpi.h"
#include "arch/hal/cpu.h"
#include "arch/hal/io.h"
#include "arch/hal/irq.h"
#include "console.h"
#include "core/kstring.h"
#include "core/machine.h"
#include "include/abi/error.h"
#include "irq.h"
#include "lapic.h"
#include "mm/kvm.h"
#include "legacy/legacy.h"
#include "x86.h"

#define PCI_ADDR	0xcf8
#define PCI_DATA	0xcfc
#define PCI_ENABLE	0x80000000u
#define DEBUG_EXIT_PORT 0xf4 /* power.c */
#define MSI_WINDOW	0xfee00000u
#define MSI_WINDOW_SIZE 0x100000u
#define ICH9_LPC_BDF	(0x1f << 3)
#define ICH9_LPC_ID	0x29188086u
#define ICH9_RCBA	0xf0
#define ICH9_RCBA_EN	1u
/* RCBA offsets of D31IR..D27IR (2-byte steps down from D31), D26IR and D25IR. */
#define ICH9_D31IR	 0x3140
#define ICH9_D26IR	 0x314c
#define ICH9_D25IR	 0x3150
#define ICH9_DIR_DEFAULT 0x3210
#define PIRQ_GSI_BASE	 16
#define PCI_HDR_TYPE	 0x0e
#define PCI_SECONDARY	 0x19

int arch_port_io(uint16_t port, unsigned width, uint32_t *value, int write)
{
	if (!value || (width != 1 && width != 2 && width != 4) || port + width > 0x10000u)
		return E_INVALID_PARAMETER;
	if (write) {
		if (width == 1)
			outb(port, (uint8_t)*value);
		else if (width == 2)
			outw(port, (uint16_t)*value);
		else
			outl(port, *value);
	} else {
		*value = width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
	}
	return E_OK;
}

bool arch_kernel_ports(unsigned idx, uint16_t *base, uint16_t *count)
{
	const struct acpi_sleep *s5 = acpi_s5();
	const uint16_t fixed[][2] = {
	    {COM1_PORT, 8},	  /* the console UART */
	    {0x20, 2},		  /* the master 8259 */
	    {0xa0, 2},		  /* the slave 8259 */
	    {0x4d0, 2},		  /* the 8259s' edge/level control */
	    {0x40, 2},		  /* the PIT's channels 0 and 1 (channel 2 is the speaker's) */
	    {PCI_ADDR, 8},	  /* PCI configuration mechanism #1 */
	    {DEBUG_EXIT_PORT, 4}, /* QEMU's isa-debug-exit (power.c) */
	};
	unsigned n = sizeof(fixed) / sizeof(fixed[0]);

	if (idx < n) {
		*base = fixed[idx][0];
		*count = fixed[idx][1];
		return true;
	}
	idx -= n;
	/* The ACPI PM1 control ports power-off writes. */
	uint16_t pm[2] = {s5->valid ? s5->pm1a_cnt : 0, s5->valid ? s5->pm1b_cnt : 0};
	for (unsigned i = 0; i < 2; i++) {
		if (!pm[i])
			continue;
		if (idx-- == 0) {
			*base = pm[i];
			*count = 2;
			return true;
		}
	}
	return false;
}

int arch_pci_legacy_config(uint16_t bdf, unsigned offset, unsigned width, uint32_t *value,
			   int write)
{
	if (!value || (width != 1 && width != 2 && width != 4) || offset >= 256 || offset % width)
		return E_INVALID_PARAMETER;
	uint16_t data = (uint16_t)(PCI_DATA + (offset & 3));
	irqflags_t f = arch_irq_save(); /* the address and the data access go together */
	outl(PCI_ADDR, PCI_ENABLE | (uint32_t)bdf << 8 | (offset & 0xfc));
	arch_port_io(data, width, value, write); /* absent functions read all ones */
	arch_irq_restore(f);
	return E_OK;
}

static uint32_t cfg_read(uint16_t bdf, unsigned offset, unsigned width)
{
	uint32_t v = 0;
	arch_pci_legacy_config(bdf, offset, width, &v, 0);
	return v;
}

bool arch_kernel_mmio(unsigned idx, uint64_t *base, uint64_t *size)
{
	uint64_t lapic = x86_lapic_base();

	if (idx == 0) { /* the LAPIC's page in it, and what an MSI writes */
		*base = MSI_WINDOW;
		*size = MSI_WINDOW_SIZE;
		return true;
	}
	idx--;
	if (lapic && (lapic < MSI_WINDOW || lapic >= MSI_WINDOW + MSI_WINDOW_SIZE) && idx-- == 0) {
		*base = lapic;
		*size = 4096;
		return true;
	}
	uint64_t pa = x86_64_ioapic_pa(idx);
	if (!pa)
		return false;
	*base = pa & ~0xfffull;
	*size = 4096;
	return true;
}

/* The PIRQ (0-7: A-H) an ICH9 bus-0 device's pin (0-3: INTA-D) drives. */
static unsigned ich9_pirq(unsigned dev, unsigned pin)
{
	static volatile uint8_t *rcba;
	static bool rcba_tried;

	if (dev == 30)
		return pin + 4;
	if (dev < 25)
		return (dev + pin) % 4 + 4;
	if (!rcba_tried) {
		rcba_tried = true;
		uint32_t r = cfg_read(ICH9_LPC_BDF, ICH9_RCBA, 4);
		if (r & ICH9_RCBA_EN)
			rcba = kvm_map_device(r & ~0x3fffu, 0x4000);
	}
	unsigned reg = dev >= 27   ? ICH9_D31IR + 2 * (31 - dev)
		       : dev == 26 ? ICH9_D26IR
				   : ICH9_D25IR;
	uint16_t dir = rcba ? *(volatile uint16_t *)(rcba + reg) : ICH9_DIR_DEFAULT;
	return dir >> (4 * pin) & 7;
}

/* The bridge whose secondary bus is `bus` (as bus << 8 | devfn), or -1. */
static int bridge_to(unsigned bus)
{
	for (unsigned b = 0; b < bus; b++)
		for (unsigned df = 0; df < 256; df++) {
			uint16_t bdf = (uint16_t)(b << 8 | df);
			if (cfg_read(bdf, 0, 2) == 0xffff) {
				if (df % 8 == 0)
					df += 7; /* no function 0: no device */
				continue;
			}
			if ((cfg_read(bdf, PCI_HDR_TYPE, 1) & 0x7f) == 1 &&
			    cfg_read(bdf, PCI_SECONDARY, 1) == bus)
				return bdf;
		}
	return -1;
}

unsigned arch_pci_intx(uint32_t sbdf, unsigned pin, unsigned line_reg, unsigned *flags)
{
	*flags = 0;
	if (pin < 1 || pin > 4 || sbdf >> 16)
		return IRQ_NONE;
	if (!x86_64_irq_apic_mode()) { /* the 8259 line the BIOS routed it to */
		if (line_reg >= 16 || !arch_irq_valid(line_reg))
			return IRQ_NONE;
		*flags = arch_irq_flags(line_reg);
		return line_reg;
	}
	if (cfg_read(ICH9_LPC_BDF, 0, 4) != ICH9_LPC_ID) { /* PIIX: through the ISA IRQ */
		if (line_reg >= 16)
			return IRQ_NONE;
		unsigned line = arch_irq_isa(line_reg, flags);
		*flags |= IRQ_LEVEL;
		return line;
	}
	unsigned bus = sbdf >> 8 & 0xff, dev = sbdf >> 3 & 31, p = pin - 1;
	for (unsigned hops = 0; bus != 0; hops++) {
		int br = bridge_to(bus);
		if (br < 0 || hops > 255)
			return IRQ_NONE;
		p = (p + dev) % 4;
		bus = (unsigned)br >> 8;
		dev = (unsigned)br >> 3 & 31;
	}
	unsigned gsi = PIRQ_GSI_BASE + ich9_pirq(dev, p);
	if (!arch_irq_valid(gsi))
		return IRQ_NONE;
	*flags = arch_irq_flags(gsi);
	return gsi;
}

/* A fixed ISA device: its ports (pairs of base and count, 0-terminated) and its ISA IRQ (-1: none). */
static void isa_device(const char *name, const char *pnp, uint32_t flags, const uint16_t *ports,
		       int isa_irq)
{
	struct hw_rec_device d = {.rec = {.type = HW_REC_DEVICE,
					  .size = sizeof(d),
					  .flags = flags | HW_REC_ISA | HW_REC_PORTS}};
	kstrlcpy(d.name, name, sizeof(d.name));
	kstrlcpy(d.compatible, pnp, sizeof(d.compatible));
	for (unsigned i = 0; ports[2 * i] && d.reg_count < HW_MAX_REG; i++) {
		d.reg[d.reg_count].base = ports[2 * i];
		d.reg[d.reg_count++].size = ports[2 * i + 1];
	}
	if (isa_irq >= 0) {
		unsigned f, line = arch_irq_isa((unsigned)isa_irq, &f);
		if (line != IRQ_NONE) {
			d.irq[0].line = line;
			d.irq[0].flags = f;
			d.irq_count = 1;
		}
	}
	machine_add(&d.rec);
}

void arch_machine_describe(const struct boot_info *bi)
{
	const struct acpi_irq *ai = acpi_irq();

	isa_device("serial", "PNP0501", HW_REC_KERNEL, (const uint16_t[]){COM1_PORT, 8, 0}, 4);
	isa_device("keyboard", "PNP0303", 0, (const uint16_t[]){0x60, 1, 0x64, 1, 0}, 1);
	isa_device("rtc", "PNP0B00", 0, (const uint16_t[]){0x70, 2, 0}, 8);
	isa_device("pit", "PNP0100", HW_REC_KERNEL, (const uint16_t[]){0x40, 2, 0}, 0);
	isa_device("pic", "PNP0000", HW_REC_KERNEL,
		   (const uint16_t[]){0x20, 2, 0xa0, 2, 0x4d0, 2, 0}, -1);
	/*
	 * The speaker: port B's gate and speaker bits, and the PIT's channel 2
	 * and mode register, which the kernel uses only to calibrate its timer
	 * at boot, before any driver runs (timer.c).
	 */
	isa_device("speaker", "PNP0800", 0, (const uint16_t[]){0x61, 1, 0x42, 1, 0x43, 1, 0}, -1);
	isa_device("vga", "PNP0900", 0, (const uint16_t[]){0x3c0, 0x20, 0}, -1);
	/*
	 * COM2, the r2 serial call's UART (0x32): a driver's, as the console
	 * stays on COM1 in the kernel. Named apart from COM1's record, whose
	 * ports the manager never sees (it skips what the kernel keeps).
	 */
	isa_device("com2", "PNP0501", 0, (const uint16_t[]){COM2_PORT, 8, 0}, 3);
	/* The VGA's memory window: a second "vga" record, ISA but physical addresses. */
	struct hw_rec_device vga = {
	    .rec = {.type = HW_REC_DEVICE, .size = sizeof(vga), .flags = HW_REC_ISA},
	    .name = "vga",
	    .compatible = "PNP0900",
	    .reg_count = 1,
	    .reg = {{0xa0000, 0x20000}}};
	machine_add(&vga.rec);
	fb_describe(bi); /* GRUB's linear framebuffer, if it set one up */

	if (x86_64_irq_apic_mode())
		for (unsigned i = 0; i < ai->iso_count; i++) {
			unsigned f;
			unsigned line = arch_irq_isa(ai->iso[i].source, &f);
			struct hw_rec_irq_override o = {
			    .rec = {.type = HW_REC_IRQ_OVERRIDE, .size = sizeof(o)},
			    .isa_irq = ai->iso[i].source,
			    .line = line,
			    .flags = f,
			};
			machine_add(&o.rec);
		}

	struct hw_rec_pci_host h = {.rec = {.type = HW_REC_PCI_HOST, .size = sizeof(h)}};
	for (unsigned i = 0; i < ai->mcfg_count; i++) {
		const struct acpi_mcfg *m = &ai->mcfg[i];
		/* The MCFG's base is bus 0's; the record's is bus_start's. */
		h.ecam_base = m->base + ((uint64_t)m->bus_start << 20);
		h.ecam_size = (uint64_t)(m->bus_end - m->bus_start + 1) << 20;
		h.segment = m->segment;
		h.bus_start = m->bus_start;
		h.bus_end = m->bus_end;
		machine_add(&h.rec);
	}
	if (!ai->mcfg_count) { /* reached through 0xCF8/0xCFC */
		h.bus_start = 0;
		h.bus_end = 255;
		machine_add(&h.rec);
	}
}
