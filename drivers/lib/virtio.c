/*
 * virtio 1.x from user space (drivers/lib/virtio.h): every register is
 * reached through a hardware capability, the queue lives in DMA memory.
 * Facts from the virtio 1.x specification: the PCI capability structures
 * (4.1.4), the virtio-mmio registers (4.2.2, and 4.2.4 for the legacy
 * version 1 QEMU's virt machines offer by default) and split virtqueues (2.7).
 */
#include "drivers/lib/virtio.h"

#include "drivers/lib/driver.h"
#include "hw.h"
#include "kestrel.h"

/* Device status (2.1). */
#define S_ACKNOWLEDGE 1u
#define S_DRIVER      2u
#define S_DRIVER_OK   4u
#define S_FEATURES_OK 8u

/* The virtio-pci common configuration structure (4.1.4.3). */
#define C_DFSELECT   0x00
#define C_DF	     0x04
#define C_GFSELECT   0x08
#define C_GF	     0x0c
#define C_STATUS     0x14
#define C_CFG_GEN    0x15
#define C_Q_SELECT   0x16
#define C_Q_SIZE     0x18
#define C_Q_ENABLE   0x1c
#define C_Q_NOTIFY   0x1e
#define C_Q_DESC     0x20
#define C_Q_DRIVER   0x28
#define C_Q_DEVICE   0x30
#define PCI_CAP_VNDR 0x09
enum { CFG_COMMON = 1, CFG_NOTIFY = 2, CFG_ISR = 3, CFG_DEVICE = 4 };

/* virtio-mmio registers (4.2.2; the legacy ones of 4.2.4). */
#define M_MAGIC	       0x000
#define M_VERSION      0x004
#define M_DEVICE_ID    0x008
#define M_DF	       0x010
#define M_DFSEL	       0x014
#define M_GF	       0x020
#define M_GFSEL	       0x024
#define M_PAGE_SIZE    0x028 /* legacy */
#define M_Q_SEL	       0x030
#define M_Q_NUM_MAX    0x034
#define M_Q_NUM	       0x038
#define M_Q_ALIGN      0x03c /* legacy */
#define M_Q_PFN	       0x040 /* legacy */
#define M_Q_READY      0x044
#define M_Q_NOTIFY     0x050
#define M_INT_STATUS   0x060
#define M_INT_ACK      0x064
#define M_STATUS       0x070
#define M_Q_DESC       0x080
#define M_Q_DRIVER     0x090
#define M_Q_DEVICE     0x0a0
#define M_CONFIG_GEN   0x0fc
#define M_CONFIG       0x100
#define MMIO_BYTES     0x200	   /* the registers and the device configuration */
#define MMIO_MAGIC     0x74726976u /* "virt" */
#define VIRTQ_NEXT     1u
#define VIRTQ_WRITE    2u
#define VIRTQ_INDIRECT 4u
#define QUEUE_ALIGN    4096u /* the used ring on a page of its own (the legacy layout too) */
#define RESET_SPINS    100000u

#if defined(__x86_64__)
#define mb() __asm__ volatile("mfence" ::: "memory")
#elif defined(__aarch64__)
#define mb() __asm__ volatile("dmb sy" ::: "memory")
#else
#define mb() __asm__ volatile("fence iorw, iorw" ::: "memory")
#endif

static uint8_t rd8(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint8_t *)(b + off);
}
static uint16_t rd16(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint16_t *)(b + off);
}
static uint32_t rd32(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint32_t *)(b + off);
}
static void wr8(volatile uint8_t *b, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(b + off) = v;
}
static void wr16(volatile uint8_t *b, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(b + off) = v;
}
static void wr32(volatile uint8_t *b, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(b + off) = v;
}
static void wr64(volatile uint8_t *b, unsigned off, uint64_t v)
{
	wr32(b, off, (uint32_t)v);
	wr32(b, off + 4, (uint32_t)(v >> 32));
}

/* Device pages mapped so far (mapping again what is mapped only wastes address space). */
static struct {
	uint64_t phys, size;
	void *va;
} maps[16];

static long map_device(uint64_t mmio, uint64_t phys, uint64_t size, volatile uint8_t **out)
{
	uint64_t base = phys & ~4095ull, end = (phys + size + 4095) & ~4095ull;
	for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (maps[i].va && maps[i].phys <= base && end <= maps[i].phys + maps[i].size) {
			*out = (volatile uint8_t *)maps[i].va + (phys - maps[i].phys);
			return E_OK;
		}
	void *va = NULL;
	long err = hw_mmio_map(mmio, base, end - base, &va);
	if (err)
		return err;
	for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (!maps[i].va) {
			maps[i].phys = base;
			maps[i].size = end - base;
			maps[i].va = va;
			break;
		}
	*out = (volatile uint8_t *)va + (phys - base);
	return E_OK;
}

/* ---- virtio-pci ---- */

static uint32_t cfg(uint64_t dev, uint32_t sbdf, unsigned off, unsigned width)
{
	uint32_t v;
	return hw_pci_read(dev, sbdf, off, width, &v) ? ~0u : v;
}

/* The first function after devfn `from` (256: from 0) on `bus`'s first bus with `device_id`. */
static long pci_scan(uint64_t bus, unsigned device_id, unsigned from, uint32_t *sbdf)
{
	uint64_t cursor = 0, token = 0, object = 0;
	/* The bus capability's object: which segment and bus. */
	while (!sys_cap_next(OBJ_DEVICE, &cursor, &token, &object, NULL) && token != bus)
		;
	if (token != bus || HW_DEV_KIND(object) != HW_DEV_PCI_BUS)
		return E_INVALID_CAPABILITY;
	uint32_t first = (uint32_t)object; /* segment << 16 | bus << 8 */
	for (unsigned devfn = 0; devfn < 256; devfn++) {
		uint32_t f = first | devfn, id = cfg(bus, f, 0, 4);
		if ((id & 0xffff) == 0xffff) {
			if (!(devfn & 7))
				devfn += 7; /* no function 0: no device */
			continue;
		}
		if ((from > 255 || devfn > from) &&
		    id == ((uint32_t)(VIRTIO_PCI_MODERN + device_id) << 16 | VIRTIO_VENDOR)) {
			*sbdf = f;
			return E_OK;
		}
		if (!(devfn & 7) && !(cfg(bus, f, 0x0e, 1) & 0x80))
			devfn += 7; /* single-function */
	}
	return E_NOT_FOUND;
}

long virtio_pci_find(uint64_t bus, unsigned device_id, uint32_t *sbdf)
{
	return pci_scan(bus, device_id, 256, sbdf);
}

long virtio_pci_find_next(uint64_t bus, unsigned device_id, uint32_t *sbdf)
{
	return pci_scan(bus, device_id, *sbdf & 0xff, sbdf);
}

/* The host record whose buses hold `sbdf`, or NULL. */
static const struct hw_rec_pci_host *host_of(const void *desc, uint32_t sbdf)
{
	if (!desc)
		return NULL;
	for (const struct hw_rec *r = hw_next_rec(desc, NULL); r; r = hw_next_rec(desc, r)) {
		const struct hw_rec_pci_host *h = (const void *)r;
		unsigned bus = sbdf >> 8 & 0xff;
		if (r->type == HW_REC_PCI_HOST && r->size >= sizeof(*h) &&
		    h->segment == sbdf >> 16 && bus >= h->bus_start && bus <= h->bus_end)
			return h;
	}
	return NULL;
}

/* BAR `i`: its PCI address (0: unassigned), whether 64-bit; false for I/O or none. */
static bool bar_read(uint64_t dev, uint32_t sbdf, unsigned i, uint64_t *addr, bool *is64)
{
	uint32_t lo = cfg(dev, sbdf, 0x10 + 4 * i, 4);
	if (lo == ~0u || lo & 1)
		return false;
	*is64 = (lo & 6) == 4 && i < 5;
	*addr = lo & ~0xfull;
	if (*is64)
		*addr |= (uint64_t)cfg(dev, sbdf, 0x14 + 4 * i, 4) << 32;
	return true;
}

/* The size of memory BAR `i` (written all ones and read back, then restored); 0: none. */
static uint64_t bar_size(uint64_t bus, uint32_t sbdf, unsigned i, bool is64)
{
	unsigned off = 0x10 + 4 * i;
	uint32_t lo = cfg(bus, sbdf, off, 4), hi = is64 ? cfg(bus, sbdf, off + 4, 4) : 0;
	if (hw_pci_write(bus, sbdf, off, 4, ~0u))
		return 0;
	uint64_t mask = cfg(bus, sbdf, off, 4) & ~0xfu;
	hw_pci_write(bus, sbdf, off, 4, lo);
	if (is64) {
		hw_pci_write(bus, sbdf, off + 4, 4, ~0u);
		mask |= (uint64_t)cfg(bus, sbdf, off + 4, 4) << 32;
		hw_pci_write(bus, sbdf, off + 4, 4, hi);
	} else if (mask) {
		mask |= ~0ull << 32; /* a 32-bit BAR's upper bits are fixed */
	}
	return mask ? ~mask + 1 : 0;
}

long virtio_pci_place(uint64_t bus, uint32_t sbdf, const void *desc)
{
	static uint64_t next; /* PCI address after the last BAR placed */
	uint32_t cmd = cfg(bus, sbdf, PCI_COMMAND, 2);
	if (cmd == ~0u)
		return E_NOT_FOUND;
	const struct hw_rec_pci_host *h = host_of(desc, sbdf);
	long err = hw_pci_write(bus, sbdf, PCI_COMMAND, 2, cmd & ~PCI_CMD_MEMORY);
	for (unsigned i = 0; i < 6 && !err; i++) {
		uint64_t addr, size;
		bool is64;
		if (!bar_read(bus, sbdf, i, &addr, &is64))
			continue;
		if (addr || !(size = bar_size(bus, sbdf, i, is64))) {
			i += is64;
			continue; /* firmware (or an earlier call) placed it, or none */
		}
		err = E_NOT_FOUND; /* no window takes it */
		for (unsigned w = 0; h && w < h->window_count && w < HW_MAX_WINDOWS && err; w++) {
			unsigned type = h->window[w].type & 0xff;
			uint64_t base = h->window[w].pci_addr, end = base + h->window[w].size;
			if (type != HW_WINDOW_MEM32 && !(type == HW_WINDOW_MEM64 && is64))
				continue;
			uint64_t at = next > base && next < end ? next : base;
			at = (at + size - 1) & ~(size - 1);
			if (at + size > end || (!is64 && at + size > 1ull << 32))
				continue;
			err = hw_pci_write(bus, sbdf, 0x10 + 4 * i, 4, (uint32_t)at);
			if (!err && is64)
				err =
				    hw_pci_write(bus, sbdf, 0x14 + 4 * i, 4, (uint32_t)(at >> 32));
			next = at + size;
		}
		i += is64;
	}
	if (!err)
		err = hw_pci_write(bus, sbdf, PCI_COMMAND, 2, cmd | PCI_CMD_MEMORY);
	return err;
}

bool virtio_pci_bar(uint64_t dev, uint32_t sbdf, unsigned bar, const void *desc, uint64_t *cpu)
{
	uint64_t addr;
	bool is64;
	if (bar > 5 || !bar_read(dev, sbdf, bar, &addr, &is64) || !addr)
		return false;
	*cpu = addr;
	const struct hw_rec_pci_host *h = host_of(desc, sbdf);
	for (unsigned w = 0; h && w < h->window_count && w < HW_MAX_WINDOWS; w++) {
		uint64_t base = h->window[w].pci_addr;
		if ((h->window[w].type & 0xff) != HW_WINDOW_IO && addr >= base &&
		    addr - base < h->window[w].size)
			*cpu = h->window[w].cpu_addr + (addr - base);
	}
	return true;
}

long virtio_pci_describe(uint64_t bus, uint32_t sbdf, const void *desc, struct pci_bar *bars)
{
	uint32_t cmd = cfg(bus, sbdf, PCI_COMMAND, 2);
	if (cmd == ~0u)
		return E_NOT_FOUND;
	long err = hw_pci_write(bus, sbdf, PCI_COMMAND, 2, cmd & ~PCI_CMD_MEMORY);
	for (unsigned i = 0; i < 6; i++)
		bars[i] = (struct pci_bar){0};
	for (unsigned i = 0; i < 6 && !err; i++) {
		uint64_t addr, cpu;
		bool is64;
		if (!bar_read(bus, sbdf, i, &addr, &is64))
			continue; /* I/O or none: virtio-pci modern needs memory BARs */
		uint64_t size = bar_size(bus, sbdf, i, is64);
		if (size && addr && virtio_pci_bar(bus, sbdf, i, desc, &cpu))
			bars[i] =
			    (struct pci_bar){.pci_base = addr,
					     .cpu_base = cpu,
					     .size = size,
					     .prefetchable = cfg(bus, sbdf, 0x10 + 4 * i, 4) & 8,
					     .address_64bit = is64};
		i += is64;
	}
	long e2 = hw_pci_write(bus, sbdf, PCI_COMMAND, 2, cmd);
	return err ? err : e2;
}

/*
 * Where a structure of BAR `bar` at `off`, `len` bytes, is mapped: the
 * two ways of opening a function (root capabilities and a description,
 * or a driver's hardware capabilities) differ only in this.
 */
typedef long (*map_fn)(const void *ctx, struct virtio *v, unsigned bar, uint32_t off, uint32_t len,
		       volatile uint8_t **va, uint64_t *cpu);

/* Find the function's structures (its vendor capabilities, 4.1.4) and map them with `map`. */
static long pci_structures(struct virtio *v, map_fn map, const void *ctx)
{
	uint64_t dev = v->dev;
	uint32_t sbdf = v->sbdf, id = cfg(dev, sbdf, 0, 4);
	if ((id & 0xffff) != VIRTIO_VENDOR || (id >> 16) < VIRTIO_PCI_MODERN)
		return E_NOT_FOUND;
	v->device_id = (id >> 16) - VIRTIO_PCI_MODERN;
	if (!(cfg(dev, sbdf, 0x06, 2) & 0x10))
		return E_NOT_SUPPORTED; /* no capability list */
	volatile uint8_t **want[] = {[CFG_COMMON] = &v->common,
				     [CFG_NOTIFY] = &v->notify,
				     [CFG_ISR] = &v->isr,
				     [CFG_DEVICE] = &v->config};
	unsigned at = cfg(dev, sbdf, 0x34, 1) & 0xfc;
	for (unsigned n = 0; at && n < 48; n++, at = cfg(dev, sbdf, at + 1, 1) & 0xfc) {
		unsigned type = cfg(dev, sbdf, at + 3, 1), bar = cfg(dev, sbdf, at + 4, 1);
		if (cfg(dev, sbdf, at, 1) != PCI_CAP_VNDR || type < CFG_COMMON ||
		    type > CFG_DEVICE || *want[type] || bar > 5)
			continue;
		uint64_t cpu;
		uint32_t off = cfg(dev, sbdf, at + 8, 4), len = cfg(dev, sbdf, at + 12, 4);
		len = len ? len : 1;
		if (off + (uint64_t)len > 1ull << 32)
			return E_NOT_SUPPORTED;
		long err = map(ctx, v, bar, off, len, want[type], &cpu);
		if (err)
			return err;
		uint64_t lo = cpu & ~4095ull, hi = (cpu + len + 4095) & ~4095ull;
		v->regs_lo = v->regs_lo && v->regs_lo < lo ? v->regs_lo : lo;
		v->regs_hi = v->regs_hi > hi ? v->regs_hi : hi;
		if (type == CFG_NOTIFY) {
			v->notify_mult = cfg(dev, sbdf, at + 16, 4);
			v->notify_len = len;
		}
		if (type == CFG_DEVICE)
			v->config_len = len;
	}
	if (!v->common || !v->notify || !v->isr)
		return E_NOT_SUPPORTED; /* not a modern device */
	return E_OK;
}

struct root_ctx {
	uint64_t mmio;
	const void *desc;
};

/* With root capabilities: the BAR as the function decodes it, through the description's windows. */
static long map_root(const void *ctx, struct virtio *v, unsigned bar, uint32_t off, uint32_t len,
		     volatile uint8_t **va, uint64_t *cpu)
{
	const struct root_ctx *c = ctx;
	if (!virtio_pci_bar(v->dev, v->sbdf, bar, c->desc, cpu))
		return E_NOT_FOUND; /* unassigned: virtio_pci_place first */
	*cpu += off;
	return map_device(c->mmio, *cpu, len, va);
}

long virtio_pci_open(struct virtio *v, uint64_t dev, uint32_t sbdf, uint64_t mmio, const void *desc)
{
	*v = (struct virtio){.transport = VIRTIO_PCI, .version = 2, .dev = dev, .sbdf = sbdf};
	struct root_ctx c = {.mmio = mmio, .desc = desc};
	long err = pci_structures(v, map_root, &c);
	return err ? err : hw_pci_interrupt(dev, sbdf, &v->line, &v->line_flags);
}

/* With a driver's capabilities: the BAR as the manager placed it, the region that covers it. */
static long map_hw(const void *ctx, struct virtio *v, unsigned bar, uint32_t off, uint32_t len,
		   volatile uint8_t **va, uint64_t *cpu)
{
	const struct hardware_caps *hw = ctx;
	const struct pci_bar *b = &hw->bars[bar];
	(void)v;
	if (!b->size || b->io)
		return E_NOT_FOUND;
	if (off > b->size || len > b->size - off)
		return E_NOT_SUPPORTED; /* the structure is not inside its BAR */
	*cpu = b->cpu_base + off;
	for (unsigned i = 0; i < hw->mmio_count && i < HWCAPS_MAX_MMIO; i++) {
		const struct mmio_region *m = &hw->mmio_regions[i];
		if (m->cap && m->base <= *cpu && *cpu - m->base <= m->size &&
		    len <= m->size - (*cpu - m->base))
			return map_device(m->cap, *cpu, len, va);
	}
	return E_PERMISSION_DENIED; /* not among what it was given */
}

long virtio_open_hw(struct virtio *v, const struct hardware_caps *hw)
{
	long err;
	if (hw->pci) {
		*v = (struct virtio){
		    .transport = VIRTIO_PCI, .version = 2, .dev = hw->pci, .sbdf = hw->sbdf};
		if ((err = pci_structures(v, map_hw, hw)))
			return err;
		if (hw->interrupt_count) {
			v->line = hw->interrupts[0].line;
			v->line_flags = hw->interrupts[0].flags;
			return E_OK;
		}
		return hw_pci_interrupt(hw->pci, hw->sbdf, &v->line, &v->line_flags);
	}
	*v = (struct virtio){.transport = VIRTIO_MMIO};
	if (!hw->mmio_count || !hw->mmio_regions[0].cap || hw->mmio_regions[0].size < MMIO_BYTES ||
	    !hw->interrupt_count)
		return E_NOT_FOUND;
	volatile uint8_t *regs;
	if ((err =
		 map_device(hw->mmio_regions[0].cap, hw->mmio_regions[0].base, MMIO_BYTES, &regs)))
		return err;
	if (rd32(regs, M_MAGIC) != MMIO_MAGIC || !rd32(regs, M_DEVICE_ID))
		return E_NOT_FOUND;
	v->regs = regs;
	v->version = rd32(regs, M_VERSION);
	v->device_id = rd32(regs, M_DEVICE_ID);
	v->line = hw->interrupts[0].line;
	v->line_flags = hw->interrupts[0].flags;
	v->config_len = MMIO_BYTES - M_CONFIG;
	return v->version == 1 || v->version == 2 ? E_OK : E_NOT_SUPPORTED;
}

/* ---- virtio-mmio ---- */

static bool is_virtio_mmio(const struct hw_rec_device *d)
{
	for (unsigned i = 0; i < HW_COMPAT_MAX && d->compatible[i];
	     i += strlen(&d->compatible[i]) + 1)
		if (!strcmp(&d->compatible[i], "virtio,mmio"))
			return true;
	return false;
}

long virtio_mmio_find(struct virtio *v, const void *desc, uint64_t mmio, unsigned device_id)
{
	*v = (struct virtio){.transport = VIRTIO_MMIO};
	for (const struct hw_rec *r = hw_next_rec(desc, NULL); r; r = hw_next_rec(desc, r)) {
		const struct hw_rec_device *d = (const void *)r;
		if (r->type != HW_REC_DEVICE || r->size < sizeof(*d) || !d->reg_count ||
		    !d->irq_count || (r->flags & (HW_REC_KERNEL | HW_REC_PORTS)) ||
		    !is_virtio_mmio(d))
			continue;
		volatile uint8_t *regs;
		long err = map_device(mmio, d->reg[0].base, MMIO_BYTES, &regs);
		if (err)
			return err;
		if (rd32(regs, M_MAGIC) != MMIO_MAGIC || rd32(regs, M_DEVICE_ID) != device_id)
			continue;
		v->regs = regs;
		v->version = rd32(regs, M_VERSION);
		v->device_id = device_id;
		v->line = d->irq[0].line;
		v->line_flags = d->irq[0].flags;
		v->config_len = MMIO_BYTES - M_CONFIG;
		return v->version == 1 || v->version == 2 ? E_OK : E_NOT_SUPPORTED;
	}
	return E_NOT_FOUND;
}

/* ---- Both ---- */

uint8_t virtio_status(struct virtio *v)
{
	return v->transport == VIRTIO_PCI ? rd8(v->common, C_STATUS)
					  : (uint8_t)rd32(v->regs, M_STATUS);
}

static void set_status(struct virtio *v, uint8_t s)
{
	if (v->transport == VIRTIO_PCI)
		wr8(v->common, C_STATUS, s);
	else
		wr32(v->regs, M_STATUS, s);
}

static bool opened(const struct virtio *v)
{
	return v->transport == VIRTIO_PCI ? v->common != NULL
					  : v->transport == VIRTIO_MMIO && v->regs != NULL;
}

/* Reset: 0 written, and read back as 0 once the device has reset. */
static long reset(struct virtio *v)
{
	set_status(v, 0);
	for (unsigned i = 0; i < RESET_SPINS; i++)
		if (!virtio_status(v))
			return E_OK;
	return E_TIMEOUT;
}

static uint64_t device_features(struct virtio *v)
{
	if (v->transport == VIRTIO_PCI) {
		wr32(v->common, C_DFSELECT, 0);
		uint64_t f = rd32(v->common, C_DF);
		wr32(v->common, C_DFSELECT, 1);
		return f | (uint64_t)rd32(v->common, C_DF) << 32;
	}
	wr32(v->regs, M_DFSEL, 0);
	uint64_t f = rd32(v->regs, M_DF);
	if (v->version == 1)
		return f; /* legacy: 32 feature bits */
	wr32(v->regs, M_DFSEL, 1);
	return f | (uint64_t)rd32(v->regs, M_DF) << 32;
}

static void driver_features(struct virtio *v, uint64_t f)
{
	volatile uint8_t *b = v->transport == VIRTIO_PCI ? v->common : v->regs;
	unsigned sel = v->transport == VIRTIO_PCI ? C_GFSELECT : M_GFSEL;
	unsigned val = v->transport == VIRTIO_PCI ? C_GF : M_GF;
	wr32(b, sel, 0);
	wr32(b, val, (uint32_t)f);
	if (v->version == 1)
		return;
	wr32(b, sel, 1);
	wr32(b, val, (uint32_t)(f >> 32));
}

static long fail(struct virtio *v, long err)
{
	set_status(v, virtio_status(v) | VIRTIO_S_FAILED);
	return err;
}

/* The status bits the driver has set so far (2.1): after FEATURES_OK on a virtio 1.x device. */
static uint8_t negotiated(const struct virtio *v)
{
	return S_ACKNOWLEDGE | S_DRIVER | (v->version == 2 ? S_FEATURES_OK : 0);
}

long virtio_negotiate(struct virtio *v, uint64_t want)
{
	if (!opened(v) || v->q.size)
		return E_INVALID_PARAMETER;
	long err = reset(v);
	if (err)
		return err;
	set_status(v, S_ACKNOWLEDGE);
	set_status(v, S_ACKNOWLEDGE | S_DRIVER);
	uint64_t offered = device_features(v);
	bool modern = v->version == 2;
	if (modern && !(offered & VIRTIO_F_VERSION_1))
		return fail(v, E_NOT_SUPPORTED);
	v->features = offered & (want | (modern ? VIRTIO_F_VERSION_1 : 0));
	driver_features(v, v->features);
	if (modern) {
		set_status(v, negotiated(v));
		if (!(virtio_status(v) & S_FEATURES_OK))
			return fail(v, E_NOT_SUPPORTED);
	} else {
		wr32(v->regs, M_PAGE_SIZE, 4096);
	}
	return E_OK;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/*
 * Queue 0 in one piece of DMA memory: descriptors, the available ring
 * after them, the used ring on the next page boundary (2.7, and the
 * legacy layout with QueueAlign 4096), then the indirect tables, then the
 * library's own record of each head (the device is never told of it).
 */
long virtio_queue_setup(struct virtio *v, uint64_t dma, unsigned size, unsigned indirect)
{
	struct virtq *q = &v->q;
	if (!opened(v) || q->size || !size || indirect > VIRTQ_INDIRECT_MAX)
		return E_INVALID_PARAMETER;
	unsigned max;
	if (v->transport == VIRTIO_PCI) {
		wr16(v->common, C_Q_SELECT, 0);
		max = rd16(v->common, C_Q_SIZE);
	} else {
		wr32(v->regs, M_Q_SEL, 0);
		max = rd32(v->regs, M_Q_NUM_MAX);
	}
	if (!max)
		return E_NOT_SUPPORTED;
	size = size > VIRTQ_SIZE_MAX ? VIRTQ_SIZE_MAX : size;
	while (size & (size - 1))
		size &= size - 1; /* a power of two */
	while (size > max)
		size >>= 1;
	if (!size)
		return E_NOT_SUPPORTED;
	if (!(v->features & VIRTIO_F_INDIRECT_DESC) || indirect < 2)
		indirect = 0;
	uint64_t used_off = align_up(16ull * size + 6 + 2 * size, QUEUE_ALIGN);
	uint64_t ind_off = align_up(used_off + 6 + 8ull * size, 16);
	uint64_t head_off = ind_off + 16ull * size * indirect;
	uint64_t bytes = align_up(head_off + sizeof(struct virtq_head) * size, 4096);
	long err = hw_dma_alloc(dma, bytes, DMA_ZONE_ANY, &q->mem, &q->phys);
	if (err)
		return err;
	uint32_t notify_off = 0;
	if (v->transport == VIRTIO_PCI) {
		notify_off = rd16(v->common, C_Q_NOTIFY) * v->notify_mult;
		if (notify_off + 2ull > v->notify_len) {
			hw_dma_release(q->mem);
			q->mem = NULL;
			return E_NOT_SUPPORTED; /* its doorbell is outside its notify structure */
		}
	}
	char *m = q->mem;
	q->size = size;
	q->desc = (volatile struct virtq_desc *)m;
	q->avail = (volatile uint16_t *)(m + 16 * size);
	q->used = (volatile uint8_t *)m + used_off;
	q->ind = indirect ? (volatile struct virtq_desc *)(m + ind_off) : NULL;
	q->ind_phys = q->phys + ind_off;
	q->indirect = indirect;
	q->head = (struct virtq_head *)(m + head_off);
	q->next_avail = q->last_used = 0;
	q->notify_off = notify_off;
	for (unsigned i = 0; i < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->free_head = 0;
	q->num_free = size;
	q->chains = 0;
	uint64_t avail = q->phys + 16 * size, used = q->phys + used_off;
	if (v->transport == VIRTIO_PCI) {
		wr16(v->common, C_Q_SIZE, (uint16_t)size);
		wr64(v->common, C_Q_DESC, q->phys);
		wr64(v->common, C_Q_DRIVER, avail);
		wr64(v->common, C_Q_DEVICE, used);
		wr16(v->common, C_Q_ENABLE, 1);
	} else if (v->version == 1) {
		wr32(v->regs, M_Q_NUM, size);
		wr32(v->regs, M_Q_ALIGN, QUEUE_ALIGN);
		wr32(v->regs, M_Q_PFN, (uint32_t)(q->phys >> 12));
	} else {
		wr32(v->regs, M_Q_NUM, size);
		wr64(v->regs, M_Q_DESC, q->phys);
		wr64(v->regs, M_Q_DRIVER, avail);
		wr64(v->regs, M_Q_DEVICE, used);
		wr32(v->regs, M_Q_READY, 1);
	}
	return E_OK;
}

long virtio_ready(struct virtio *v)
{
	if (!opened(v) || !v->q.size)
		return E_INVALID_PARAMETER;
	if (v->transport == VIRTIO_PCI) {
		uint32_t cmd = cfg(v->dev, v->sbdf, PCI_COMMAND, 2);
		cmd = (cmd | PCI_CMD_MASTER) & ~PCI_CMD_INTX_OFF;
		long err = hw_pci_write(v->dev, v->sbdf, PCI_COMMAND, 2, cmd);
		if (err)
			return err;
	}
	set_status(v, negotiated(v) | S_DRIVER_OK);
	uint8_t s = virtio_status(v);
	return s & (VIRTIO_S_FAILED | VIRTIO_S_NEEDS_RESET) ? E_NOT_SUPPORTED : E_OK;
}

long virtio_start(struct virtio *v, uint64_t dma, uint64_t want)
{
	long err = virtio_negotiate(v, want);
	if (err)
		return err;
	if ((err = virtio_queue_setup(v, dma, VIRTQ_MAX, 0)))
		return fail(v, err);
	if ((err = virtio_ready(v))) {
		virtio_stop(v);
		return err;
	}
	return E_OK;
}

static uint32_t generation(struct virtio *v)
{
	if (v->transport == VIRTIO_PCI)
		return rd8(v->common, C_CFG_GEN);
	return v->version == 2 ? rd32(v->regs, M_CONFIG_GEN) : 0;
}

static uint64_t config_once(volatile uint8_t *b, unsigned off, unsigned width)
{
	switch (width) {
	case 1:
		return rd8(b, off);
	case 2:
		return rd16(b, off);
	case 4:
		return rd32(b, off);
	default:
		return rd32(b, off) | (uint64_t)rd32(b, off + 4) << 32;
	}
}

uint64_t virtio_config(struct virtio *v, unsigned off, unsigned width)
{
	volatile uint8_t *b = v->transport == VIRTIO_PCI ? v->config : v->regs + M_CONFIG;
	if (!opened(v) || (v->transport == VIRTIO_PCI && !v->config) ||
	    (width != 1 && width != 2 && width != 4 && width != 8) || off % width ||
	    off + width > v->config_len)
		return 0;
	uint64_t val = 0;
	for (unsigned tries = 0; tries < 16; tries++) {
		uint32_t g = generation(v);
		val = config_once(b, off, width);
		/* Legacy has no generation: an 8-byte field read twice alike is one value. */
		if (g == generation(v) &&
		    (v->version == 2 || width < 8 || val == config_once(b, off, width)))
			break;
	}
	return val;
}

long virtio_add(struct virtio *v, const struct virtq_buf *b, unsigned n, void *token)
{
	struct virtq *q = &v->q;
	if (!q->size || !b || !n)
		return E_INVALID_PARAMETER;
	uint32_t wlen = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!b[i].len || (b[i].writable && wlen + b[i].len < wlen))
			return E_INVALID_PARAMETER;
		wlen += b[i].writable ? b[i].len : 0;
	}
	bool ind = q->indirect && n > 1 && n <= q->indirect;
	unsigned need = ind ? 1 : n;
	if (need > q->size)
		return E_INVALID_PARAMETER; /* it could never fit */
	if (q->num_free < need)
		return E_RESOURCE_EXHAUSTED;
	unsigned head = q->free_head, d = head, last = head;
	if (ind) {
		volatile struct virtq_desc *t = q->ind + (size_t)head * q->indirect;
		for (unsigned i = 0; i < n; i++) {
			t[i].addr = b[i].addr;
			t[i].len = b[i].len;
			t[i].flags = (uint16_t)((b[i].writable ? VIRTQ_WRITE : 0) |
						(i + 1 < n ? VIRTQ_NEXT : 0));
			t[i].next = (uint16_t)(i + 1 < n ? i + 1 : 0);
		}
		q->desc[head].addr = q->ind_phys + 16ull * head * q->indirect;
		q->desc[head].len = 16 * n;
		q->desc[head].flags = VIRTQ_INDIRECT;
	} else {
		/* The free list's links are the chain's: each takes the next free one. */
		for (unsigned i = 0; i < n; i++) {
			q->desc[d].addr = b[i].addr;
			q->desc[d].len = b[i].len;
			q->desc[d].flags = (uint16_t)((b[i].writable ? VIRTQ_WRITE : 0) |
						      (i + 1 < n ? VIRTQ_NEXT : 0));
			last = d;
			d = q->desc[d].next;
		}
	}
	q->free_head = ind ? q->desc[head].next : q->desc[last].next;
	q->num_free -= need;
	q->chains++;
	q->head[head] = (struct virtq_head){.token = token, .wlen = wlen, .ndesc = (uint16_t)need};
	q->avail[2 + q->next_avail % q->size] = (uint16_t)head;
	mb(); /* the descriptors and the ring entry before the index */
	q->avail[1] = ++q->next_avail;
	return E_OK;
}

void virtio_kick(struct virtio *v)
{
	if (!v->q.size)
		return;
	mb(); /* the index before the doorbell */
	if (v->transport == VIRTIO_PCI)
		wr16(v->notify, v->q.notify_off, 0);
	else
		wr32(v->regs, M_Q_NOTIFY, 0);
}

enum virtq_got virtio_get(struct virtio *v, void **token, uint32_t *len)
{
	struct virtq *q = &v->q;
	if (!q->size)
		return VIRTQ_EMPTY;
	mb();
	uint16_t idx = *(volatile uint16_t *)(q->used + 2);
	if (idx == q->last_used)
		return VIRTQ_EMPTY;
	if ((uint16_t)(idx - q->last_used) > q->chains)
		return VIRTQ_BROKEN; /* more used than it was given */
	mb();			     /* the index before the element */
	volatile uint32_t *e = (volatile uint32_t *)(q->used + 4 + 8 * (q->last_used % q->size));
	uint32_t id = e[0], l = e[1];
	q->last_used++;
	if (id >= q->size || !q->head[id].ndesc)
		return VIRTQ_BROKEN; /* heads no chain of ours */
	struct virtq_head h = q->head[id];
	unsigned d = id;
	for (unsigned i = 1; i < h.ndesc; i++) {
		d = q->desc[d].next;
		if (d >= q->size)
			return VIRTQ_BROKEN; /* our links were overwritten */
	}
	q->desc[d].next = (uint16_t)q->free_head;
	q->free_head = id;
	q->num_free += h.ndesc;
	q->chains--;
	q->head[id] = (struct virtq_head){0};
	*token = h.token;
	*len = l;
	return l > h.wlen ? VIRTQ_OVERRUN : VIRTQ_USED;
}

unsigned virtio_in_flight(const struct virtio *v)
{
	return v->q.size ? v->q.chains : 0;
}

long virtio_post(struct virtio *v, uint64_t phys, uint32_t len, bool writable)
{
	struct virtq_buf b = {.addr = phys, .len = len, .writable = writable};
	long err = virtio_add(v, &b, 1, NULL);
	if (!err)
		virtio_kick(v);
	return err;
}

bool virtio_used(struct virtio *v, uint32_t *len)
{
	void *token;
	enum virtq_got got = virtio_get(v, &token, len);
	return got == VIRTQ_USED || got == VIRTQ_OVERRUN;
}

unsigned virtio_isr(struct virtio *v)
{
	if (v->transport == VIRTIO_PCI)
		return rd8(v->isr, 0); /* reading clears it */
	uint32_t s = rd32(v->regs, M_INT_STATUS);
	wr32(v->regs, M_INT_ACK, s);
	return s;
}

void virtio_stop(struct virtio *v)
{
	if (!opened(v))
		return; /* never opened */
	reset(v);
	if (v->transport == VIRTIO_PCI) {
		uint32_t cmd = cfg(v->dev, v->sbdf, PCI_COMMAND, 2);
		if (cmd != ~0u)
			hw_pci_write(v->dev, v->sbdf, PCI_COMMAND, 2, cmd & ~PCI_CMD_MASTER);
	}
	if (v->q.mem)
		hw_dma_release(v->q.mem);
	v->q = (struct virtq){0};
}
