/*
 * The GICv3 Interrupt Translation Service (Arm IHI 0069): MSI as LPIs on
 * the boot CPU's redistributor.
 *
 * LPIs: the property table (a byte per LPI: priority and enable) and the
 * pending table for INTIDs below 2^LPI_ID_BITS, the fewest that hold any
 * LPI; the first LPI_MAX from 8192 are handed out. An LPI is masked by
 * clearing its enable bit and an INV through the ITS (the redistributor
 * may cache the byte), which every implementation has; GICR_INVLPIR is
 * optional (GICR_TYPER.DirectLPI) and not used.
 *
 * The ITS: flat device and collection tables (GITS_BASER, sized from the
 * entry size they report), a command queue drained after every operation
 * (so it never fills), collection 0 mapped to this CPU's redistributor.
 * A PCI function's DeviceID is its requester ID through its host bridge's
 * msi-map (identity without one); each device gets an interrupt
 * translation table (ITT) on its first MSI, given back with its last.
 * An LPI's EventID is its index from 8192, so the message is the address
 * of GITS_TRANSLATER and that index.
 *
 * LPIs are edge-triggered and have no active state: acknowledging one
 * clears its pending bit, the EOIR write (EOImode 0) drops the priority.
 * Every table is cleaned to the point of coherency after the CPU writes
 * it, so an ITS that does not snoop the caches reads it right too.
 */
#include "aarch64.h"
#include "mmio.h"
#include "arch/hal/cpu.h"
#include "core/fdt.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "include/abi/error.h"
#include "mm/kvm.h"
#include "mm/phys.h"
#include "mm/pmm.h"

/* Redistributor (RD_base) and distributor LPI support. */
#define GICR_CTLR	      0x0000
#define GICR_TYPER	      0x0008
#define GICR_PROPBASER	      0x0070
#define GICR_PENDBASER	      0x0078
#define GICR_CTLR_ENABLE_LPIS (1u << 0)
#define GICR_TYPER_PLPIS      (1ull << 0)
#define GICR_TYPER_PROCNUM(t) ((t) >> 8 & 0xffffu)
#define GICR_BASER_INNER_WB   (7ull << 7)  /* Normal, inner read/write-allocate write-back */
#define GICR_BASER_INNER_SH   (1ull << 10) /* inner shareable */
#define GICR_PENDBASER_PTZ    (1ull << 62) /* the pending table is zero */
#define GICD_TYPER_LPIS	      (1u << 17)
#define GICD_TYPER_IDBITS(t)  (((t) >> 19 & 0x1fu) + 1)

/* ITS control frame; the translation frame follows 64 KiB on. */
#define GITS_CTLR		   0x0000
#define GITS_TYPER		   0x0008
#define GITS_CBASER		   0x0080
#define GITS_CWRITER		   0x0088
#define GITS_CREADR		   0x0090
#define GITS_BASER		   0x0100 /* 8 registers of 64 bits */
#define GITS_BASER_NR		   8
#define GITS_TRANSLATER		   0x10040
#define GITS_FRAMES_SIZE	   0x20000
#define GITS_CTLR_ENABLED	   (1u << 0)
#define GITS_CTLR_QUIESCENT	   (1u << 31)
#define GITS_TYPER_PHYSICAL	   (1ull << 0)
#define GITS_TYPER_ITT_BYTES(t)	   (((t) >> 4 & 0xfu) + 1)
#define GITS_TYPER_EVENT_BITS(t)   (((t) >> 8 & 0x1fu) + 1)
#define GITS_TYPER_DEVICE_BITS(t)  (((t) >> 13 & 0x1fu) + 1)
#define GITS_TYPER_PTA		   (1ull << 19) /* RDbase is a physical address, not a number */
#define GITS_BASER_VALID	   (1ull << 63)
#define GITS_BASER_INNER_WB	   (7ull << 59)
#define GITS_BASER_TYPE(b)	   ((unsigned)((b) >> 56 & 7u))
#define GITS_BASER_ENTRY_BYTES(b)  ((unsigned)((b) >> 48 & 0x1fu) + 1)
#define GITS_BASER_INNER_SH	   (1ull << 10)
#define GITS_BASER_PSZ_SHIFT	   8
#define GITS_BASER_PSZ_MASK	   (3ull << 8)
#define GITS_BASER_ADDR_MASK	   0x0000fffffffff000ull /* bits [47:12]; 64 KiB pages: [47:16] */
#define GITS_BASER_MAX_PAGES	   256
#define GITS_BASER_TYPE_DEVICE	   1
#define GITS_BASER_TYPE_COLLECTION 4
#define GITS_CBASER_VALID	   (1ull << 63)
#define GITS_CBASER_INNER_WB	   (7ull << 59)
#define GITS_CBASER_INNER_SH	   (1ull << 10)
#define GITS_CREADR_STALLED	   (1ull << 0)
#define GITS_CQ_OFFSET_MASK	   0xfffe0ull

/* Commands: four doublewords, the opcode in the first byte. */
#define CMD_SYNC    0x05
#define CMD_MAPD    0x08
#define CMD_MAPC    0x09
#define CMD_MAPTI   0x0a
#define CMD_INV	    0x0c
#define CMD_DISCARD 0x0f
#define CMD_VALID   (1ull << 63)
#define CMD_BYTES   32

#define LPI_FIRST	8192
#define LPI_MAX		256 /* LPIs handed out; the EventID of each is its index */
#define LPI_EVENT_BITS	8   /* log2(LPI_MAX): the EventIDs an ITT covers */
#define LPI_ID_BITS	14  /* INTIDs the LPI tables cover: 16384 */
#define LPI_PRIO	0xa0
#define LPI_PROP_RES1	(1u << 1)
#define LPI_PROP_ENABLE (1u << 0)
#define PROP_BYTES	((1u << LPI_ID_BITS) - LPI_FIRST)
#define PEND_BYTES	((1u << LPI_ID_BITS) / 8)
#define PEND_ALIGN	0x10000
#define CQ_BYTES	4096 /* 128 commands; an operation queues at most four */
#define CQ_ALIGN	0x10000
#define ITT_ALIGN	256
#define DEVICE_IDS_MAX	65536 /* the flat device table covers at most 16-bit DeviceIDs */
#define DEVICES_MAX	32    /* devices with an ITT at once */
#define HOSTS_MAX	4
#define MSI_MAP_MAX	8  /* msi-map entries kept per host bridge */
#define MSI_MAP_ENTRY	16 /* rid-base, phandle, output-base, length */
#define ITS_SPIN_LIMIT	1000000
#define TABLES_MAX	(GITS_BASER_NR + 3)

static struct {
	bool ready;  /* LPIs and the ITS on */
	bool broken; /* a command did not complete: no more are issued */
	volatile uint8_t *regs;
	uint64_t pa;
	uint32_t phandle;
	uint8_t *prop; /* byte i: LPI LPI_FIRST + i */
	uint64_t *cq;
	unsigned cq_next, cq_count; /* in commands */
	uint64_t target;     /* RDbase of MAPC and SYNC: address, or processor number << 16 */
	uint32_t device_ids; /* DeviceIDs the device table covers */
	unsigned itt_entry, event_bits, lpi_count;
} its;

/* Memory handed to the hardware at init, given back if init fails. */
static struct table {
	uint64_t pa;
	size_t frames;
} tables[TABLES_MAX];
static unsigned ntables;

static struct {
	uint32_t devid;
	bool used;
} lpis[LPI_MAX];

static struct device {
	uint32_t devid;
	unsigned users; /* its LPIs; 0: a free slot */
	uint64_t itt_pa;
	size_t itt_frames;
} devices[DEVICES_MAX];

/* The PCI host bridges of the tree and how their requester IDs reach an MSI controller. */
static struct host {
	uint16_t segment;
	uint8_t bus_first, bus_last;
	bool bad; /* an msi-map it cannot use: no MSI */
	uint32_t mask, msi_parent;
	int map_len; /* 0: no msi-map */
	uint8_t map[MSI_MAP_MAX * MSI_MAP_ENTRY];
} hosts[HOSTS_MAX];
static unsigned host_count;

/* Clean [p, p + n) to the point of coherency: the ITS and redistributor read it from memory. */
static void to_gic(const void *p, size_t n)
{
	uint64_t ctr;
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	uintptr_t line = 4u << (ctr >> 16 & 0xf); /* DminLine: log2 of words */
	for (uintptr_t a = (uintptr_t)p & ~(line - 1); a < (uintptr_t)p + n; a += line)
		__asm__ volatile("dc civac, %0" ::"r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
}

/*
 * `bytes` of zeroed, physically contiguous memory aligned to `align` (a
 * power of two): a buddy block of at least `align` is aligned to it, the
 * tail past `bytes` goes back. 0 when there is none.
 */
static uint64_t mem_alloc(uint64_t bytes, uint64_t align, size_t *frames)
{
	size_t n = (bytes + FRAME_SIZE - 1) / FRAME_SIZE, a = align / FRAME_SIZE,
	       take = n < a ? a : n;
	uint64_t pfn;

	if (allocate_frames(take, ZONE_NORMAL, &pfn) != E_OK &&
	    allocate_frames(take, ZONE_DMA, &pfn) != E_OK)
		return 0;
	if (take > n)
		free_frames(pfn + n, take - n);
	uint64_t pa = pfn * FRAME_SIZE;
	if (pa & (align - 1)) {
		free_frames(pfn, n);
		return 0;
	}
	memset(phys_to_virt(pa), 0, n * FRAME_SIZE);
	to_gic(phys_to_virt(pa), n * FRAME_SIZE);
	*frames = n;
	return pa;
}

/* mem_alloc for init, recorded so that a failed init gives it back. */
static uint64_t table_alloc(uint64_t bytes, uint64_t align)
{
	size_t frames;
	uint64_t pa = ntables < TABLES_MAX ? mem_alloc(bytes, align, &frames) : 0;
	if (pa)
		tables[ntables++] = (struct table){pa, frames};
	return pa;
}

static void tables_free(void)
{
	while (ntables) {
		ntables--;
		free_frames(tables[ntables].pa / FRAME_SIZE, tables[ntables].frames);
	}
}

static void cmd_put(uint64_t d0, uint64_t d1, uint64_t d2)
{
	uint64_t *c = its.cq + its.cq_next * (CMD_BYTES / 8);
	c[0] = d0;
	c[1] = d1;
	c[2] = d2;
	c[3] = 0;
	to_gic(c, CMD_BYTES);
	its.cq_next = (its.cq_next + 1) % its.cq_count;
}

/* Queue a SYNC after what is queued, hand it all to the ITS and wait (bounded) until it read it. */
static int cmd_run(void)
{
	if (its.broken)
		return E_TIMEOUT;
	cmd_put(CMD_SYNC, 0, its.target);
	uint64_t end = (uint64_t)its.cq_next * CMD_BYTES, r = 0;
	wr64(its.regs, GITS_CWRITER, end);
	for (unsigned i = 0; i < ITS_SPIN_LIMIT; i++) {
		r = rd64(its.regs, GITS_CREADR);
		if (r & GITS_CREADR_STALLED)
			break;
		if ((r & GITS_CQ_OFFSET_MASK) == end)
			return E_OK;
	}
	its.broken = true;
	pr_warn("its: the command queue %s (CREADR %#llx, CWRITER %#llx): no more MSI changes",
		r & GITS_CREADR_STALLED ? "stalled" : "did not drain", (unsigned long long)r,
		(unsigned long long)end);
	return E_TIMEOUT;
}

int its_map_rid(const uint8_t *map, int len, uint32_t mask, uint32_t phandle, uint32_t rid,
		uint32_t *out)
{
	if (!map || !out || len <= 0 || len % MSI_MAP_ENTRY)
		return E_INVALID_PARAMETER;
	for (int i = 0; i < len; i += MSI_MAP_ENTRY) {
		uint32_t base = fdt_be32(map + i), length = fdt_be32(map + i + 12);
		uint32_t out_base = fdt_be32(map + i + 8);
		if (!length || base + (uint64_t)length - 1 > UINT32_MAX ||
		    out_base + (uint64_t)length - 1 > UINT32_MAX)
			return E_INVALID_PARAMETER;
	}
	uint32_t id = rid & mask;
	for (int i = 0; i < len; i += MSI_MAP_ENTRY) {
		uint32_t base = fdt_be32(map + i), length = fdt_be32(map + i + 12);
		/* An entry for another MSI controller: the ID may be mapped to this one further on. */
		if (id < base || id - base >= length || fdt_be32(map + i + 4) != phandle)
			continue;
		*out = fdt_be32(map + i + 8) + (id - base);
		return E_OK;
	}
	return E_NOT_SUPPORTED;
}

int its_device_id(uint32_t sbdf, uint32_t *devid)
{
	uint16_t seg = (uint16_t)(sbdf >> 16);
	uint8_t bus = (uint8_t)(sbdf >> 8);
	uint32_t rid = sbdf & 0xffffu;

	if (!devid)
		return E_INVALID_PARAMETER;
	for (unsigned i = 0; i < host_count; i++) {
		const struct host *h = &hosts[i];
		if (h->segment != seg || bus < h->bus_first || bus > h->bus_last)
			continue;
		if (h->bad)
			return E_NOT_SUPPORTED;
		if (h->map_len)
			return its_map_rid(h->map, h->map_len, h->mask, its.phandle, rid, devid);
		if (h->msi_parent && h->msi_parent != its.phandle)
			return E_NOT_SUPPORTED; /* its MSIs go to another controller */
		*devid = rid;
		return E_OK;
	}
	return E_NOT_FOUND;
}

/* The tree's PCI host bridges (as core/machine_fdt.c finds them): bus ranges and msi-map. */
static void hosts_from_dt(const struct boot_info *bi)
{
	struct fdt f;
	int len;

	host_count = 0;
	if (!bi || !bi->dtb || fdt_open(&f, phys_map(bi->dtb), bi->dtb_size) < 0)
		return;
	for (int n = fdt_find_compatible(&f, -1, "pci-host-ecam-generic"); n >= 0;
	     n = fdt_find_compatible(&f, n, "pci-host-ecam-generic")) {
		if (!fdt_is_enabled(&f, n))
			continue;
		if (host_count == HOSTS_MAX) {
			pr_warn("its: more than %u PCI host bridges: no MSI past them", HOSTS_MAX);
			return;
		}
		struct host *h = &hosts[host_count];
		*h = (struct host){.bus_last = 255,
				   .mask = fdt_prop_u32(&f, n, "msi-map-mask", ~0u)};
		uint32_t seg = fdt_prop_u32(&f, n, "linux,pci-domain", 0);
		const uint8_t *br = fdt_prop(&f, n, "bus-range", &len);
		if (br && len == 8 && fdt_be32(br) <= fdt_be32(br + 4) && fdt_be32(br + 4) <= 255) {
			h->bus_first = (uint8_t)fdt_be32(br);
			h->bus_last = (uint8_t)fdt_be32(br + 4);
		} else if (br) {
			continue; /* core/machine_fdt.c refuses the host too */
		}
		if (seg > 0xffff)
			continue;
		h->segment = (uint16_t)seg;
		h->msi_parent = fdt_prop_u32(&f, n, "msi-parent", 0);
		const uint8_t *map = fdt_prop(&f, n, "msi-map", &len);
		uint32_t probe;
		if (map &&
		    (len > (int)sizeof(h->map) || its_map_rid(map, len, h->mask, its.phandle, 0,
							      &probe) == E_INVALID_PARAMETER)) {
			pr_warn("its: PCI segment %u: a malformed or too long msi-map (%d bytes): "
				"no MSI",
				h->segment, len);
			h->bad = true;
		} else if (map) {
			memcpy(h->map, map, (size_t)len);
			h->map_len = len;
		}
		host_count++;
	}
}

static uint64_t page_bytes(uint64_t baser)
{
	static const uint64_t sizes[] = {0x1000, 0x4000, 0x10000, 0x10000};
	return sizes[(baser & GITS_BASER_PSZ_MASK) >> GITS_BASER_PSZ_SHIFT];
}

/*
 * The table GITS_BASER<n> asks for: the DeviceIDs up to DEVICE_IDS_MAX,
 * or collection 0, at 4 KiB pages if the ITS takes them. *value: what to
 * write (0: leave it invalid, vPEs or nothing).
 */
static int baser_prepare(unsigned n, uint64_t typer, uint64_t *value)
{
	unsigned off = GITS_BASER + n * 8;
	uint64_t b = rd64(its.regs, off), ids;

	*value = 0;
	if (GITS_BASER_TYPE(b) == GITS_BASER_TYPE_DEVICE) {
		unsigned bits = GITS_TYPER_DEVICE_BITS(typer);
		ids = bits >= 16 ? DEVICE_IDS_MAX : 1ull << bits;
	} else if (GITS_BASER_TYPE(b) == GITS_BASER_TYPE_COLLECTION) {
		ids = 1;
	} else {
		return E_OK;
	}
	wr64(its.regs, off, 0); /* ask for 4 KiB pages; the ITS keeps the size it has if not */
	b = rd64(its.regs, off);
	uint64_t page = page_bytes(b), entry = GITS_BASER_ENTRY_BYTES(b);
	uint64_t pages = (ids * entry + page - 1) / page;
	if (pages > GITS_BASER_MAX_PAGES)
		pages = GITS_BASER_MAX_PAGES;
	uint64_t pa = table_alloc(pages * page, page);
	if (!pa)
		return E_OUT_OF_MEMORY;
	if (GITS_BASER_TYPE(b) == GITS_BASER_TYPE_DEVICE) {
		uint64_t covered = pages * page / entry;
		its.device_ids = (uint32_t)(covered < ids ? covered : ids);
	}
	if (pa >> 48 && page != 0x10000)
		return E_NOT_SUPPORTED; /* only 64 KiB pages hold PA[51:48] */
	uint64_t addr = (pa & GITS_BASER_ADDR_MASK) | (pa >> 48 & 0xf) << 12;
	*value = GITS_BASER_VALID | GITS_BASER_INNER_WB | GITS_BASER_INNER_SH |
		 (b & GITS_BASER_PSZ_MASK) | addr | (pages - 1);
	return E_OK;
}

/* Everything its_init allocates and checks before it writes a base register. */
static int its_prepare(uint64_t typer, uint64_t *baser, uint64_t *prop, uint64_t *pend,
		       uint64_t *cq)
{
	for (unsigned n = 0; n < GITS_BASER_NR; n++) {
		int err = baser_prepare(n, typer, &baser[n]);
		if (err)
			return err;
	}
	if (!its.device_ids) {
		pr_warn("its: no device table (GITS_BASER): no MSI");
		return E_NOT_SUPPORTED;
	}
	*prop = table_alloc(PROP_BYTES, FRAME_SIZE);
	*pend = table_alloc(PEND_BYTES, PEND_ALIGN);
	*cq = table_alloc(CQ_BYTES, CQ_ALIGN);
	return *prop && *pend && *cq ? E_OK : E_OUT_OF_MEMORY;
}

int its_init(const struct boot_info *bi)
{
	uint64_t size, rd_pa;

	if (its.ready || gic_version() != 3 || !gic_its(&its.pa, &size, &its.phandle))
		return -E_NOT_FOUND;
	hosts_from_dt(bi);
	volatile uint8_t *rd = gic_redist(&rd_pa);
	uint32_t dtyper = gic_dist_typer();
	if (!rd || !(dtyper & GICD_TYPER_LPIS) || GICD_TYPER_IDBITS(dtyper) < LPI_ID_BITS ||
	    !(rd64(rd, GICR_TYPER) & GICR_TYPER_PLPIS)) {
		pr_warn("its: the GIC has no LPIs (GICD_TYPER %#x): no MSI", dtyper);
		return -E_NOT_SUPPORTED;
	}
	if (rd32(rd, GICR_CTLR) & GICR_CTLR_ENABLE_LPIS) {
		pr_warn("its: LPIs already on (firmware): their tables cannot move: no MSI");
		return -E_NOT_SUPPORTED;
	}
	if (size < GITS_FRAMES_SIZE || !(its.regs = kvm_map_device(its.pa, GITS_FRAMES_SIZE))) {
		pr_warn("its: cannot map the ITS at %#llx (%#llx bytes): no MSI",
			(unsigned long long)its.pa, (unsigned long long)size);
		return -E_NOT_SUPPORTED;
	}
	uint64_t typer = rd64(its.regs, GITS_TYPER);
	if (!(typer & GITS_TYPER_PHYSICAL)) {
		pr_warn("its: no physical LPIs (GITS_TYPER %#llx): no MSI",
			(unsigned long long)typer);
		return -E_NOT_SUPPORTED;
	}
	/* Off and quiescent before its tables change. */
	wr32(its.regs, GITS_CTLR, rd32(its.regs, GITS_CTLR) & ~GITS_CTLR_ENABLED);
	for (unsigned i = 0;
	     i < ITS_SPIN_LIMIT && !(rd32(its.regs, GITS_CTLR) & GITS_CTLR_QUIESCENT); i++)
		;
	if (!(rd32(its.regs, GITS_CTLR) & GITS_CTLR_QUIESCENT)) {
		pr_warn("its: does not go quiescent: no MSI");
		return -E_NOT_SUPPORTED;
	}

	uint64_t baser[GITS_BASER_NR], prop, pend, cq;
	int err = its_prepare(typer, baser, &prop, &pend, &cq);
	if (err) {
		tables_free();
		if (err == E_OUT_OF_MEMORY)
			pr_warn("its: no memory for its tables: no MSI");
		return -err;
	}
	for (unsigned n = 0; n < GITS_BASER_NR; n++) {
		if (!baser[n])
			continue;
		wr64(its.regs, GITS_BASER + n * 8, baser[n]);
		if (!(rd64(its.regs, GITS_BASER + n * 8) & GITS_BASER_VALID)) {
			pr_warn("its: GITS_BASER%u does not take %#llx: no MSI", n,
				(unsigned long long)baser[n]);
			tables_free();
			return -E_NOT_SUPPORTED;
		}
	}
	its.event_bits = GITS_TYPER_EVENT_BITS(typer);
	if (its.event_bits > LPI_EVENT_BITS)
		its.event_bits = LPI_EVENT_BITS;
	its.lpi_count = 1u << its.event_bits;
	its.itt_entry = GITS_TYPER_ITT_BYTES(typer);
	its.cq = phys_to_virt(cq);
	its.cq_count = CQ_BYTES / CMD_BYTES;
	its.cq_next = 0;
	its.target =
	    typer & GITS_TYPER_PTA ? rd_pa : GICR_TYPER_PROCNUM(rd64(rd, GICR_TYPER)) << 16;
	wr64(its.regs, GITS_CBASER,
	     GITS_CBASER_VALID | GITS_CBASER_INNER_WB | GITS_CBASER_INNER_SH | cq |
		 (CQ_BYTES / FRAME_SIZE - 1));
	wr64(its.regs, GITS_CWRITER, 0);

	/* Every LPI disabled at the one priority, none pending, then LPIs on at the redistributor. */
	its.prop = phys_to_virt(prop);
	memset(its.prop, LPI_PRIO | LPI_PROP_RES1, PROP_BYTES);
	to_gic(its.prop, PROP_BYTES);
	wr64(rd, GICR_PROPBASER,
	     prop | GICR_BASER_INNER_WB | GICR_BASER_INNER_SH | (LPI_ID_BITS - 1));
	wr64(rd, GICR_PENDBASER,
	     pend | GICR_BASER_INNER_WB | GICR_BASER_INNER_SH | GICR_PENDBASER_PTZ);
	__asm__ volatile("dsb sy" ::: "memory");
	wr32(rd, GICR_CTLR, rd32(rd, GICR_CTLR) | GICR_CTLR_ENABLE_LPIS);
	__asm__ volatile("dsb sy" ::: "memory");
	wr32(its.regs, GITS_CTLR, GITS_CTLR_ENABLED);
	__asm__ volatile("dsb sy" ::: "memory");

	cmd_put(CMD_MAPC, 0, CMD_VALID | its.target); /* collection 0: this CPU */
	if (cmd_run())
		return -E_TIMEOUT; /* the tables stay: the redistributor may use them now */
	its.ready = true;
	pr_info("its: at %#llx, LPIs %u-%u, DeviceIDs below %u, %u PCI host bridges",
		(unsigned long long)its.pa, LPI_FIRST, LPI_FIRST + its.lpi_count - 1,
		its.device_ids, host_count);
	return 0;
}

bool its_lpis(unsigned *first, unsigned *count)
{
	if (!its.ready)
		return false;
	*first = LPI_FIRST;
	*count = its.lpi_count;
	return true;
}

bool its_lpi_allocated(unsigned intid)
{
	return its.ready && intid >= LPI_FIRST && intid - LPI_FIRST < its.lpi_count &&
	       lpis[intid - LPI_FIRST].used;
}

/* Set LPI `idx`'s property byte and queue the INV that makes the redistributor read it. */
static void prop_set(unsigned idx, bool enable)
{
	its.prop[idx] = LPI_PRIO | LPI_PROP_RES1 | (enable ? LPI_PROP_ENABLE : 0);
	to_gic(&its.prop[idx], 1);
	cmd_put(CMD_INV | (uint64_t)lpis[idx].devid << 32, idx, 0);
}

bool its_lpi_enable(unsigned intid, bool enable)
{
	if (!its_lpi_allocated(intid))
		return false;
	irqflags_t saved = arch_irq_save();
	prop_set(intid - LPI_FIRST, enable);
	int err = cmd_run();
	arch_irq_restore(saved);
	return err == E_OK;
}

bool its_lpi_enabled(unsigned intid)
{
	return its_lpi_allocated(intid) && its.prop[intid - LPI_FIRST] & LPI_PROP_ENABLE;
}

/* The device `devid` mapped with an ITT, one user more; NULL (and *err) when it cannot be. */
static struct device *device_get(uint32_t devid, int *err)
{
	struct device *free = NULL;

	for (unsigned i = 0; i < DEVICES_MAX; i++) {
		if (devices[i].users && devices[i].devid == devid) {
			devices[i].users++;
			return &devices[i];
		}
		if (!devices[i].users && !free)
			free = &devices[i];
	}
	*err = E_RESOURCE_EXHAUSTED;
	if (!free)
		return NULL;
	size_t frames;
	uint64_t itt = mem_alloc((uint64_t)its.itt_entry << its.event_bits, ITT_ALIGN, &frames);
	*err = E_OUT_OF_MEMORY;
	if (!itt)
		return NULL;
	cmd_put(CMD_MAPD | (uint64_t)devid << 32, its.event_bits - 1, CMD_VALID | itt);
	if ((*err = cmd_run()) != E_OK)
		return NULL; /* the ITT stays: the ITS may hold it */
	*free = (struct device){.devid = devid, .users = 1, .itt_pa = itt, .itt_frames = frames};
	return free;
}

/* One user fewer; the last unmaps the device and frees its ITT. */
static void device_put(uint32_t devid)
{
	for (unsigned i = 0; i < DEVICES_MAX; i++) {
		struct device *d = &devices[i];
		if (!d->users || d->devid != devid || --d->users)
			continue;
		cmd_put(CMD_MAPD | (uint64_t)devid << 32, 0, 0);
		if (cmd_run() == E_OK)
			free_frames(d->itt_pa / FRAME_SIZE, d->itt_frames);
		return;
	}
}

int its_msi_alloc(uint32_t sbdf, unsigned *irq, uint64_t *address, uint32_t *data)
{
	uint32_t devid;

	if (!irq || !address || !data)
		return E_INVALID_PARAMETER;
	if (!its.ready || its.broken)
		return E_NOT_SUPPORTED;
	int err = its_device_id(sbdf, &devid);
	if (err)
		return err;
	if (devid >= its.device_ids)
		return E_NOT_SUPPORTED; /* past the device table */
	irqflags_t saved = arch_irq_save();
	unsigned idx = 0;
	while (idx < its.lpi_count && lpis[idx].used)
		idx++;
	if (idx == its.lpi_count) {
		arch_irq_restore(saved);
		return E_RESOURCE_EXHAUSTED;
	}
	if (!device_get(devid, &err)) {
		arch_irq_restore(saved);
		return err;
	}
	lpis[idx].devid = devid;
	cmd_put(CMD_MAPTI | (uint64_t)devid << 32, idx | (uint64_t)(LPI_FIRST + idx) << 32, 0);
	prop_set(idx, false);
	if ((err = cmd_run()) != E_OK) {
		device_put(devid);
		arch_irq_restore(saved);
		return err;
	}
	lpis[idx].used = true;
	arch_irq_restore(saved);
	*irq = LPI_FIRST + idx;
	*address = its.pa + GITS_TRANSLATER;
	*data = idx;
	return E_OK;
}

bool its_msi_free(unsigned intid)
{
	if (!its_lpi_allocated(intid))
		return false;
	unsigned idx = intid - LPI_FIRST;
	irqflags_t saved = arch_irq_save();
	/* Masked first; DISCARD then drops the mapping and any pending state. */
	prop_set(idx, false);
	cmd_put(CMD_DISCARD | (uint64_t)lpis[idx].devid << 32, idx, 0);
	cmd_run();
	lpis[idx].used = false;
	device_put(lpis[idx].devid);
	arch_irq_restore(saved);
	return true;
}
