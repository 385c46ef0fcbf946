/*
 * The device manager's enumeration: every PCI function of every host
 * bridge the manager holds a bus capability for, recursing behind PCI-PCI
 * bridges (numbering their buses when nobody has, as on virt booted with
 * -kernel), its unassigned memory BARs placed in the host's windows
 * (bars.c) and memory decoding turned on; then the machine description's
 * virtio-mmio transports (MagicValue, Version, DeviceID) and the RAM disks
 * the manager makes up itself. Each device's capabilities are derived once
 * here and granted again at every start of its driver. Facts from the PCI
 * Local Bus specification 3.0 (6.1, 6.2.5) and the PCI-to-PCI Bridge
 * specification 1.2 (3.2.5), and virtio 1.x 4.2.2.
 */
#include "drivers/manager/bars.h"
#include "drivers/manager/manager.h"
#include "hw.h"
#include "kestrel.h"

#define PCI_ID		 0x00
#define PCI_COMMAND	 0x04
#define PCI_CLASS	 0x08 /* revision, interface, subclass, class */
#define PCI_HEADER	 0x0e
#define PCI_BAR0	 0x10
#define PCI_PRIMARY	 0x18
#define PCI_SECONDARY	 0x19
#define PCI_SUBORDINATE	 0x1a
#define PCI_IO_BASE	 0x1c
#define PCI_IO_LIMIT	 0x1d
#define PCI_MEM_BASE	 0x20
#define PCI_MEM_LIMIT	 0x22
#define PCI_PREF_BASE	 0x24
#define PCI_PREF_LIMIT	 0x26
#define PCI_PREF_BASE_HI 0x28
#define PCI_PREF_LIM_HI	 0x2c
#define CMD_IO		 0x1u
#define CMD_MEMORY	 0x2u
#define CMD_MASTER	 0x4u
#define MAX_FUNCTIONS	 64
#define MMIO_MAGIC	 0x74726976u /* "virt" */
#define VIRTIO_BLOCK_ID	 2u
#define PAGE		 4096ull

struct mgr_device mgr_devices[MGR_MAX_DEVICES];
unsigned mgr_device_count;
struct mgr_roots mgr_roots;

/* A function found on the way, in depth-first order. */
static struct function {
	unsigned host; /* index of its bus capability */
	uint32_t sbdf;
	uint16_t vendor, device;
	uint8_t cls, sub, interface, header;
	int parent; /* the bridge it lies behind, -1: the host's first bus */
	struct bar_probe bar[6];
	uint64_t addr[6]; /* PCI addresses (0: unassigned) */
} fns[MAX_FUNCTIONS];
static unsigned fn_count;

static uint32_t cfg(uint64_t bus, uint32_t sbdf, unsigned off, unsigned width)
{
	uint32_t v;
	return hw_pci_read(bus, sbdf, off, width, &v) ? ~0u : v;
}

static void cfg_write(uint64_t bus, uint32_t sbdf, unsigned off, unsigned width, uint32_t v)
{
	(void)hw_pci_write(bus, sbdf, off, width, v);
}

static bool is_bridge(const struct function *f)
{
	return (f->header & 0x7f) == 1;
}

/* Size BAR registers with decoding off (6.2.5.1), and what each holds now. */
static void probe_bars(uint64_t bus, struct function *f)
{
	unsigned n = (f->header & 0x7f) == 0 ? 6 : is_bridge(f) ? 2 : 0;
	/* Leave what the kernel or the firmware might show on screen alone. */
	if (f->cls == 0x03 || (f->cls == 0x06 && f->sub == 0x00))
		n = 0;
	uint32_t cmd = cfg(bus, f->sbdf, PCI_COMMAND, 2);
	if (n)
		cfg_write(bus, f->sbdf, PCI_COMMAND, 2, cmd & ~(CMD_IO | CMD_MEMORY));
	for (unsigned i = 0; i < n; i++) {
		unsigned off = PCI_BAR0 + 4 * i;
		uint32_t lo = cfg(bus, f->sbdf, off, 4), hi = 0, mlo, mhi = 0;
		bool is64 = !(lo & 1) && (lo & 6) == 4 && i + 1 < n;
		if (is64)
			hi = cfg(bus, f->sbdf, off + 4, 4);
		cfg_write(bus, f->sbdf, off, 4, ~0u);
		mlo = cfg(bus, f->sbdf, off, 4);
		cfg_write(bus, f->sbdf, off, 4, lo);
		if (is64) {
			cfg_write(bus, f->sbdf, off + 4, 4, ~0u);
			mhi = cfg(bus, f->sbdf, off + 4, 4);
			cfg_write(bus, f->sbdf, off + 4, 4, hi);
		}
		if (bars_decode(lo, mlo, mhi, &f->bar[i]))
			f->addr[i] = (lo & 1) ? (lo & ~3u) : ((lo & ~0xfull) | (uint64_t)hi << 32);
		if (is64)
			i++; /* the upper half */
	}
	if (n)
		cfg_write(bus, f->sbdf, PCI_COMMAND, 2, cmd);
}

/* Every function on `busno` and behind its bridges; *next: the first bus nobody has. */
static void scan_bus(unsigned host, const struct hw_rec_pci_host *h, unsigned busno, int parent,
		     unsigned *next, unsigned depth)
{
	uint64_t bus = mgr_roots.bus[host];
	uint32_t seg = mgr_roots.bus_first[host] & 0xffff0000u;
	unsigned last = h ? h->bus_end : 255;
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t sbdf = seg | busno << 8 | dev << 3 | fn;
			uint32_t id = cfg(bus, sbdf, PCI_ID, 4);
			if ((id & 0xffff) == 0xffff || id == 0) {
				if (!fn)
					break; /* no function 0: no device */
				continue;
			}
			uint8_t header = (uint8_t)cfg(bus, sbdf, PCI_HEADER, 1);
			if (fn_count < MAX_FUNCTIONS) {
				uint32_t cls = cfg(bus, sbdf, PCI_CLASS, 4);
				struct function *f = &fns[fn_count];
				*f = (struct function){.host = host,
						       .sbdf = sbdf,
						       .vendor = (uint16_t)id,
						       .device = (uint16_t)(id >> 16),
						       .cls = (uint8_t)(cls >> 24),
						       .sub = (uint8_t)(cls >> 16),
						       .interface = (uint8_t)(cls >> 8),
						       .header = header,
						       .parent = parent};
				probe_bars(bus, f);
				int self = (int)fn_count++;
				if (is_bridge(f) && depth < 8) {
					unsigned sec = cfg(bus, sbdf, PCI_SECONDARY, 1);
					unsigned sub = cfg(bus, sbdf, PCI_SUBORDINATE, 1);
					bool numbered = sec <= busno || sec > last || sub < sec;
					if (numbered) { /* nobody numbered it: the next free bus */
						if (*next > last)
							goto next_fn;
						sec = (*next)++;
						cfg_write(bus, sbdf, PCI_PRIMARY, 1, busno);
						cfg_write(bus, sbdf, PCI_SECONDARY, 1, sec);
						cfg_write(bus, sbdf, PCI_SUBORDINATE, 1, last);
					} else if (*next <= sub) {
						*next = sub + 1;
					}
					scan_bus(host, h, sec, self, next, depth + 1);
					if (numbered)
						cfg_write(bus, sbdf, PCI_SUBORDINATE, 1, *next - 1);
				}
			}
		next_fn:
			if (!fn && !(header & 0x80))
				break; /* single-function */
		}
}

/* The host record of bus capability `host`. */
static const struct hw_rec_pci_host *host_rec(unsigned host)
{
	const void *desc = mgr_roots.desc;
	if (!desc)
		return NULL;
	uint32_t first = mgr_roots.bus_first[host];
	for (const struct hw_rec *r = hw_next_rec(desc, NULL); r; r = hw_next_rec(desc, r)) {
		const struct hw_rec_pci_host *h = (const void *)r;
		if (r->type == HW_REC_PCI_HOST && r->size >= sizeof(*h) &&
		    h->segment == first >> 16 && h->bus_start == (first >> 8 & 0xff))
			return h;
	}
	return NULL;
}

static void write_bar(uint64_t bus, struct function *f, unsigned i, uint64_t at)
{
	cfg_write(bus, f->sbdf, PCI_BAR0 + 4 * i, 4, (uint32_t)at);
	if (f->bar[i].is64)
		cfg_write(bus, f->sbdf, PCI_BAR0 + 4 * i + 4, 4, (uint32_t)(at >> 32));
	f->addr[i] = at;
}

/* Place the unassigned memory BARs of the functions behind `parent`, bridges' windows after. */
static void place(unsigned host, struct bar_space *s, int parent)
{
	uint64_t bus = mgr_roots.bus[host];
	for (unsigned k = 0; k < fn_count; k++) {
		struct function *f = &fns[k];
		if (f->host != host || f->parent != parent)
			continue;
		bool any = false;
		for (unsigned i = 0; i < 6; i++) {
			uint64_t at;
			if (!f->bar[i].size || f->bar[i].io)
				continue;
			any = true;
			if (!f->addr[i] && bars_place(s, f->bar[i].size, f->bar[i].is64,
						      f->bar[i].prefetch, parent >= 0, &at))
				write_bar(bus, f, i, at);
		}
		uint32_t cmd = cfg(bus, f->sbdf, PCI_COMMAND, 2);
		if (is_bridge(f)) {
			uint64_t mark, base, limit;
			bool open = bars_bridge_begin(s, &mark);
			place(host, s, (int)k);
			if (open && bars_bridge_end(s, mark, &base, &limit)) {
				cfg_write(bus, f->sbdf, PCI_MEM_BASE, 2,
					  (uint32_t)(base >> 16) & 0xfff0);
				cfg_write(bus, f->sbdf, PCI_MEM_LIMIT, 2,
					  (uint32_t)(limit >> 16) & 0xfff0);
				/* Everything behind it is in that window: no prefetchable or I/O one. */
				cfg_write(bus, f->sbdf, PCI_PREF_BASE, 2, 0xfff0);
				cfg_write(bus, f->sbdf, PCI_PREF_LIMIT, 2, 0);
				cfg_write(bus, f->sbdf, PCI_PREF_BASE_HI, 4, 0);
				cfg_write(bus, f->sbdf, PCI_PREF_LIM_HI, 4, 0);
				cfg_write(bus, f->sbdf, PCI_IO_BASE, 1, 0xf0);
				cfg_write(bus, f->sbdf, PCI_IO_LIMIT, 1, 0);
			}
			/* It forwards memory cycles down and its devices' DMA up. */
			cfg_write(bus, f->sbdf, PCI_COMMAND, 2, cmd | CMD_MEMORY | CMD_MASTER);
		} else if (any) {
			cfg_write(bus, f->sbdf, PCI_COMMAND, 2, cmd | CMD_MEMORY);
		}
	}
}

static void scan_pci(void)
{
	for (unsigned host = 0; host < mgr_roots.bus_count; host++) {
		const struct hw_rec_pci_host *h = host_rec(host);
		unsigned first = mgr_roots.bus_first[host] >> 8 & 0xff, next = first + 1;
		unsigned from = fn_count;
		scan_bus(host, h, first, -1, &next, 0);
		struct bar_space s;
		bars_init(&s, h);
		for (unsigned k = from; k < fn_count; k++)
			for (unsigned i = 0; i < 6; i++)
				if (fns[k].addr[i] && !fns[k].bar[i].io)
					bars_reserve(&s, fns[k].addr[i], fns[k].bar[i].size);
		place(host, &s, -1);
	}
}

/* ---- Devices ---- */

static struct mgr_device *new_device(void)
{
	if (mgr_device_count >= MGR_MAX_DEVICES)
		return NULL;
	struct mgr_device *d = &mgr_devices[mgr_device_count++];
	*d = (struct mgr_device){.driver = -1};
	restart_init(&d->policy);
	return d;
}

static uint64_t page_down(uint64_t v)
{
	return v & ~(PAGE - 1);
}

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

/* An MMIO capability for [base, base + size) (page-rounded), READ WRITE MAP GRANT. */
static bool add_mmio(struct hardware_caps *hw, uint64_t base, uint64_t size)
{
	uint64_t cap, lo = page_down(base), hi = page_up(base + size);
	if (hw->mmio_count >= HWCAPS_MAX_MMIO ||
	    hw_derive_range(mgr_roots.mmio, RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_GRANT, lo,
			    hi - lo, &cap))
		return false;
	hw->mmio_regions[hw->mmio_count++] =
	    (struct mmio_region){.base = base, .size = size, .cap = cap, .writable = true};
	return true;
}

/* A window recorded without its capability (derive_caps makes it). */
static void add_mmio_later(struct hardware_caps *hw, uint64_t base, uint64_t size)
{
	if (hw->mmio_count < HWCAPS_MAX_MMIO && size)
		hw->mmio_regions[hw->mmio_count++] =
		    (struct mmio_region){.base = base, .size = size, .writable = true};
}

static bool add_irq(struct hardware_caps *hw, unsigned line, unsigned flags)
{
	uint64_t cap;
	if (hw->interrupt_count >= HWCAPS_MAX_IRQ ||
	    hw_derive_range(mgr_roots.irq, RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, line, 1, &cap))
		return false;
	hw->interrupts[hw->interrupt_count++] =
	    (struct interrupt_line){.line = line, .flags = flags, .cap = cap};
	return true;
}

static void add_dma(struct hardware_caps *hw)
{
	if (mgr_roots.dma && sys_cap_derive(mgr_roots.dma, RIGHT_WRITE | RIGHT_GRANT, &hw->dma))
		hw->dma = 0;
}

/* The PCI device for function `f`: its function, BARs, interrupt line and DMA. */
static void pci_device(struct function *f)
{
	struct mgr_device *d = new_device();
	if (!d)
		return;
	d->bus = mgr_roots.bus[f->host];
	d->info = (struct device_info){.bus = BUS_PCI,
				       .vendor_id = f->vendor,
				       .device_id = f->device,
				       .class_code = f->cls,
				       .subclass = f->sub,
				       .interface = f->interface,
				       .sbdf = f->sbdf,
				       .compatible = d->compat,
				       .compatible_len = 0};
	snprintf(d->name, sizeof(d->name), "pci%02x:%02x.%x", f->sbdf >> 8 & 0xff,
		 f->sbdf >> 3 & 0x1f, f->sbdf & 7);
	d->hw.sbdf = f->sbdf;
}

/* Derive what a bound PCI device's driver is given (only for devices a driver takes). */
static void pci_caps(struct mgr_device *d, const struct function *f)
{
	struct hardware_caps *hw = &d->hw;
	const struct hw_rec_pci_host *h = host_rec(f->host);
	struct bar_space s;
	bars_init(&s, h);
	if (hw_derive_range(d->bus, RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT,
			    HW_DEV_ID(HW_DEV_PCI_BUS, f->sbdf), 1, &hw->pci))
		hw->pci = 0;
	for (unsigned i = 0; i < 6; i++) {
		const struct bar_probe *b = &f->bar[i];
		if (!b->size || !f->addr[i])
			continue;
		uint64_t cpu = f->addr[i];
		if (b->io) {
			uint64_t cap;
			if (hw->port_count < HWCAPS_MAX_PORTS && mgr_roots.ports &&
			    cpu + b->size <= 0x10000 &&
			    !hw_derive_range(mgr_roots.ports,
					     RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, cpu, b->size,
					     &cap))
				hw->port_ranges[hw->port_count++] =
				    (struct port_range){.base = (uint16_t)cpu,
							.size = (uint16_t)b->size,
							.cap = cap,
							.writable = true};
		} else {
			if (!bars_to_cpu(&s, f->addr[i], b->size, &cpu))
				cpu = f->addr[i]; /* no window says otherwise: the same address */
			add_mmio(hw, cpu, b->size);
		}
		hw->bars[i] = (struct pci_bar){.pci_base = f->addr[i],
					       .cpu_base = cpu,
					       .size = b->size,
					       .io = b->io,
					       .prefetchable = b->prefetch,
					       .address_64bit = b->is64};
	}
	unsigned line, flags;
	if (!hw_pci_interrupt(d->bus, f->sbdf, &line, &flags))
		add_irq(hw, line, flags);
	add_dma(hw);
}

static bool compatible_has(const char *list, size_t len, const char *want)
{
	for (size_t i = 0; i < len && list[i]; i += strlen(&list[i]) + 1)
		if (!strcmp(&list[i], want))
			return true;
	return false;
}

/* The virtio-mmio transports with a device behind them, by address. */
static void scan_platform(void)
{
	const void *desc = mgr_roots.desc;
	if (!desc)
		return;
	struct {
		const struct hw_rec_device *rec;
		uint64_t base;
	} found[MGR_MAX_DEVICES];
	unsigned n = 0;
	for (const struct hw_rec *r = hw_next_rec(desc, NULL); r; r = hw_next_rec(desc, r)) {
		const struct hw_rec_device *d = (const void *)r;
		if (r->type != HW_REC_DEVICE || r->size < sizeof(*d) || !d->reg_count ||
		    (r->flags & (HW_REC_KERNEL | HW_REC_PORTS)) ||
		    !compatible_has(d->compatible, sizeof(d->compatible), "virtio,mmio") ||
		    n >= MGR_MAX_DEVICES)
			continue;
		unsigned at = n++;
		while (at && found[at - 1].base > d->reg[0].base) {
			found[at] = found[at - 1];
			at--;
		}
		found[at].rec = d;
		found[at].base = d->reg[0].base;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct hw_rec_device *r = found[i].rec;
		uint64_t base = r->reg[0].base, size = r->reg[0].size ? r->reg[0].size : 0x200;
		void *va = NULL;
		if (hw_mmio_map(mgr_roots.mmio, page_down(base),
				page_up(base + size) - page_down(base), &va))
			continue;
		volatile uint8_t *regs = (volatile uint8_t *)va + (base - page_down(base));
		uint32_t magic = *(volatile uint32_t *)(regs + 0x000);
		uint32_t id = *(volatile uint32_t *)(regs + 0x008);
		if (magic != MMIO_MAGIC || !id)
			continue; /* an empty transport */
		struct mgr_device *d = new_device();
		if (!d)
			return;
		memcpy(d->compat, r->compatible, sizeof(d->compat));
		d->info = (struct device_info){.bus = BUS_PLATFORM,
					       .compatible = d->compat,
					       .compatible_len = sizeof(d->compat),
					       .virtio_id = id};
		d->regs = regs;
		d->mmio_base = base;
		snprintf(d->name, sizeof(d->name), "mmio@%llx", (unsigned long long)base);
		d->hw.mmio_regions[0] = (struct mmio_region){.base = base, .size = size};
		/* The capabilities come when a driver binds it (mgr_bind). */
		d->hw.interrupt_count = r->irq_count ? 1 : 0;
		d->hw.interrupts[0] =
		    (struct interrupt_line){.line = r->irq[0].line, .flags = r->irq[0].flags};
	}
}

/*
 * The PC's fixed devices the kernel does not keep (x86_64: the CMOS
 * clock, the keyboard, the speaker, the VGA, COM2, GRUB's framebuffer;
 * never COM1, the console), by PNP id or compatible: each record's ports
 * and ISA interrupt, and a second record of the same name adds its memory
 * (the VGA's window). Their capabilities come when a driver binds one.
 */
static void scan_isa(void)
{
	const void *desc = mgr_roots.desc;
	for (const struct hw_rec *r = desc ? hw_next_rec(desc, NULL) : NULL; r;
	     r = hw_next_rec(desc, r)) {
		const struct hw_rec_device *rec = (const void *)r;
		if (r->type != HW_REC_DEVICE || r->size < sizeof(*rec) ||
		    (r->flags & (HW_REC_ISA | HW_REC_KERNEL)) != HW_REC_ISA || !rec->name[0] ||
		    strlen(rec->name) >= MGR_NAME_MAX)
			continue;
		struct mgr_device *d = NULL;
		for (unsigned i = 0; i < mgr_device_count && !d; i++)
			if (mgr_devices[i].info.bus == BUS_ISA &&
			    !strcmp(mgr_devices[i].name, rec->name))
				d = &mgr_devices[i];
		if (!d && !(d = new_device()))
			return;
		if (!d->info.bus) {
			memcpy(d->compat, rec->compatible, sizeof(d->compat));
			d->info = (struct device_info){.bus = BUS_ISA,
						       .compatible = d->compat,
						       .compatible_len = sizeof(d->compat)};
			memcpy(d->name, rec->name, strlen(rec->name) + 1);
		}
		struct hardware_caps *hw = &d->hw;
		for (unsigned i = 0; i < rec->reg_count && i < HW_MAX_REG; i++) {
			uint64_t base = rec->reg[i].base, size = rec->reg[i].size;
			if (!(r->flags & HW_REC_PORTS))
				add_mmio_later(hw, base, size);
			else if (hw->port_count < HWCAPS_MAX_PORTS && size &&
				 base + size <= 0x10000)
				hw->port_ranges[hw->port_count++] =
				    (struct port_range){.base = (uint16_t)base,
							.size = (uint16_t)size,
							.writable = true};
		}
		if (rec->irq_count && !hw->interrupt_count)
			hw->interrupts[hw->interrupt_count++] = (struct interrupt_line){
			    .line = rec->irq[0].line, .flags = rec->irq[0].flags};
	}
}

/* The RAM disks: devices of the manager's own making. */
static void ram_disk(const char *name, unsigned long size)
{
	struct mgr_device *d = new_device();
	if (!d)
		return;
	static const char compat[] = "kestrel,ramdisk";
	memcpy(d->compat, compat, sizeof(compat));
	d->info = (struct device_info){
	    .bus = BUS_PLATFORM, .compatible = d->compat, .compatible_len = sizeof(compat)};
	memcpy(d->name, name, strlen(name) + 1);
	snprintf(d->hw.args, sizeof(d->hw.args), "size=%lu", size);
}

static int by_sbdf(const void *a, const void *b)
{
	const struct function *x = a, *y = b;
	return x->sbdf < y->sbdf ? -1 : x->sbdf > y->sbdf;
}

void mgr_enumerate(void)
{
	scan_pci();
	/* Devices in bus order: the functions by sbdf (the walk went depth first). */
	static unsigned order[MAX_FUNCTIONS];
	for (unsigned i = 0; i < fn_count; i++) {
		unsigned at = i;
		while (at && by_sbdf(&fns[order[at - 1]], &fns[i]) > 0) {
			order[at] = order[at - 1];
			at--;
		}
		order[at] = i;
	}
	for (unsigned i = 0; i < fn_count; i++) {
		struct function *f = &fns[order[i]];
		if (!is_bridge(f) && !(f->cls == 0x06 && f->sub == 0x00))
			pci_device(f);
	}
	scan_platform();
	scan_isa();
	ram_disk("ram0", 4u << 20);
	ram_disk("ram1", 1u << 20);
}

/* The function behind a PCI device. */
static struct function *function_of(const struct mgr_device *d)
{
	for (unsigned k = 0; k < fn_count; k++)
		if (fns[k].sbdf == d->info.sbdf)
			return &fns[k];
	return NULL;
}

/* Derive the capabilities of a device a driver is about to take. */
static void derive_caps(struct mgr_device *d)
{
	struct hardware_caps *hw = &d->hw;
	hw->manager = mgr_roots.manager;
	if (d->info.bus == BUS_PCI) {
		struct function *f = function_of(d);
		if (f)
			pci_caps(d, f);
	} else if (d->info.bus == BUS_ISA) {
		/* What scan_isa found, now as capabilities: exactly those ports, line and window. */
		struct hardware_caps want = *hw;
		hw->mmio_count = hw->port_count = hw->interrupt_count = 0;
		for (unsigned i = 0; i < want.port_count; i++) {
			struct port_range pr = want.port_ranges[i];
			if (mgr_roots.ports &&
			    !hw_derive_range(mgr_roots.ports,
					     RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, pr.base,
					     pr.size, &pr.cap))
				hw->port_ranges[hw->port_count++] = pr;
		}
		for (unsigned i = 0; i < want.mmio_count; i++)
			add_mmio(hw, want.mmio_regions[i].base, want.mmio_regions[i].size);
		if (want.interrupt_count)
			add_irq(hw, want.interrupts[0].line, want.interrupts[0].flags);
	} else if (d->regs) {
		struct mmio_region m = hw->mmio_regions[0];
		struct interrupt_line l = hw->interrupts[0];
		bool has_irq = hw->interrupt_count;
		hw->mmio_count = hw->interrupt_count = 0;
		add_mmio(hw, m.base, m.size);
		if (has_irq)
			add_irq(hw, l.line, l.flags);
		add_dma(hw);
	}
}

bool mgr_bind(void)
{
	bool any = false;
	for (unsigned i = 0; i < mgr_device_count; i++) {
		struct mgr_device *d = &mgr_devices[i];
		if (d->driver >= 0 || d->state == DEVSTATE_STOPPED)
			continue;
		for (unsigned k = 0; k < MGR_MAX_DRIVERS; k++) {
			struct mgr_driver *drv = &mgr_drivers[k];
			if (!drv->used || !devmgr_match(&drv->match, &d->info))
				continue;
			d->driver = (int)k;
			if (drv->prefix) {
				/* blkN: the next number of this prefix, in device order. */
				unsigned n = 0;
				for (unsigned j = 0; j < i; j++)
					if (mgr_devices[j].driver >= 0 &&
					    mgr_drivers[mgr_devices[j].driver].prefix &&
					    !strcmp(mgr_drivers[mgr_devices[j].driver].prefix,
						    drv->prefix))
						n++;
				snprintf(d->name, sizeof(d->name), "%s%u", drv->prefix, n);
			}
			memcpy(d->hw.device, d->name, sizeof(d->hw.device));
			if (!d->hw.manager)
				derive_caps(d);
			d->state = DEVSTATE_UNBOUND; /* the caller starts it */
			any = true;
			break;
		}
	}
	return any;
}

void mgr_reset_device(struct mgr_device *d)
{
	if (d->info.bus == BUS_PCI && d->bus) {
		/* Bus mastering and decoding off (the device stops), then memory decoding back. */
		uint32_t sbdf = d->info.sbdf, cmd = cfg(d->bus, sbdf, PCI_COMMAND, 2);
		if (cmd != ~0u) {
			cfg_write(d->bus, sbdf, PCI_COMMAND, 2,
				  cmd & ~(CMD_IO | CMD_MEMORY | CMD_MASTER));
			cfg_write(d->bus, sbdf, PCI_COMMAND, 2,
				  (cmd & ~(CMD_IO | CMD_MEMORY | CMD_MASTER)) | CMD_MEMORY);
		}
	} else if (d->regs) {
		*(volatile uint32_t *)(d->regs + 0x070) = 0; /* Status 0: a virtio device reset */
	} else if (d->info.bus == BUS_ISA && !strcmp(d->compat, "PNP0800") && mgr_roots.ports) {
		/* The speaker: gate and speaker off (port 0x61), not sounding on till a restart. */
		uint32_t b;
		if (!hw_port_in(mgr_roots.ports, 0x61, 1, &b))
			hw_port_out(mgr_roots.ports, 0x61, 1, b & ~3u);
	}
}
