/*
 * The machine description from a device tree (core/machine_fdt.h). One
 * pass in document order keeps the path from the root to the current node,
 * so a node's parents (their cells, `ranges` and inherited
 * interrupt-parent) need no search. Nothing recurses and every loop is
 * bounded by a property's length or the tree's size, so a tree whose
 * phandles point in circles or at nothing ends in an error, never a hang.
 * A node the walker cannot read (bad cells, a property of the wrong size)
 * is skipped, the walk goes on, and the first such error is returned.
 */
#include "core/machine_fdt.h"
#include "core/fdt.h"
#include "core/kstring.h"

#define CELLS_MAX 4 /* the most #address-cells / #interrupt-cells read */

struct walk {
	struct fdt f;
	int path[FDT_MAX_DEPTH + 1]; /* path[0] the root .. path[depth] the node */
	int depth;
	uint32_t last_phandle; /* one-entry cache: most nodes name the same controller */
	int last_node;
};

enum ctl { CTL_OTHER, CTL_GIC, CTL_PLIC };

static uint32_t cells(const struct walk *w, int node, const char *name, uint32_t dflt)
{
	return fdt_prop_u32(&w->f, node, name, dflt);
}

/* One or two cells as a number; false for more (a PCI address, which is not a CPU one). */
static bool read_num(const uint8_t *p, uint32_t n, uint64_t *v)
{
	if (n > 2)
		return false;
	*v = n == 2 ? fdt_be64(p) : n == 1 ? fdt_be32(p) : 0;
	return true;
}

static int by_phandle(struct walk *w, uint32_t ph)
{
	if (ph == 0 || ph == ~0u)
		return FDT_ERR_NOTFOUND;
	if (ph == w->last_phandle)
		return w->last_node;
	int depth, n = fdt_next_node(&w->f, -1, &depth);
	for (; n >= 0; n = fdt_next_node(&w->f, n, &depth))
		if (cells(w, n, "phandle", 0) == ph || cells(w, n, "linux,phandle", 0) == ph) {
			w->last_phandle = ph, w->last_node = n;
			return n;
		}
	return n;
}

/*
 * Translate `addr`, an address on the bus of w->path[lvl] (what its
 * children's reg say), to a CPU physical address through the `ranges` of
 * that node and each one above it. FDT_ERR_NOTFOUND when some bus does not
 * map it (no `ranges`, as under /cpus, or outside every range).
 */
static int translate(const struct walk *w, int lvl, uint64_t *addr)
{
	for (; lvl > 0; lvl--) {
		int bus = w->path[lvl], up = w->path[lvl - 1], len;
		const uint8_t *r = fdt_prop(&w->f, bus, "ranges", &len);
		if (!r)
			return FDT_ERR_NOTFOUND;
		if (len == 0)
			continue; /* identity */
		uint32_t ca = cells(w, bus, "#address-cells", 2),
			 cs = cells(w, bus, "#size-cells", 1);
		uint32_t pa = cells(w, up, "#address-cells", 2);
		if (ca > CELLS_MAX || cs > CELLS_MAX || pa > CELLS_MAX || ca == 0)
			return FDT_ERR_STRUCT;
		if (ca > 2 || pa > 2 || cs > 2)
			return FDT_ERR_NOTFOUND; /* a PCI bus: its children are not CPU-addressed */
		uint32_t stride = 4 * (ca + pa + cs);
		if ((uint32_t)len % stride)
			return FDT_ERR_STRUCT;
		bool found = false;
		for (uint32_t o = 0; o < (uint32_t)len && !found; o += stride) {
			uint64_t cb, pb, sz;
			read_num(r + o, ca, &cb);
			read_num(r + o + 4 * ca, pa, &pb);
			read_num(r + o + 4 * (ca + pa), cs, &sz);
			if (*addr >= cb && *addr - cb < sz) {
				*addr = pb + (*addr - cb);
				found = true;
			}
		}
		if (!found)
			return FDT_ERR_NOTFOUND;
	}
	return 0;
}

static bool compatible_any(const struct fdt *f, int node, const char *const *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fdt_is_compatible(f, node, list[i]))
			return true;
	return false;
}

/* What kind of interrupt controller `node` is, and its #interrupt-cells (0 if none). */
static enum ctl ctl_kind(const struct walk *w, int node, uint32_t *icells)
{
	static const char *const gics[] = {"arm,gic-v3",
					   "arm,gic-400",
					   "arm,cortex-a15-gic",
					   "arm,cortex-a9-gic",
					   "arm,cortex-a7-gic",
					   "arm,arm11mp-gic",
					   "arm,arm1176jzf-devchip-gic"};
	static const char *const plics[] = {"sifive,plic-1.0.0", "riscv,plic0"};
	int len;

	*icells = cells(w, node, "#interrupt-cells", 0);
	if (!fdt_prop(&w->f, node, "interrupt-controller", &len))
		return CTL_OTHER;
	if (*icells == 3 && compatible_any(&w->f, node, gics, sizeof(gics) / sizeof(gics[0])))
		return CTL_GIC;
	if ((*icells == 1 || *icells == 2) &&
	    compatible_any(&w->f, node, plics, sizeof(plics) / sizeof(plics[0])))
		return CTL_PLIC;
	return CTL_OTHER;
}

/* A specifier of a GIC or PLIC as an arch line; false for one there is no line for. */
static bool spec_line(enum ctl kind, const uint8_t *spec, uint32_t *line, uint32_t *flags)
{
	if (kind == CTL_PLIC) {
		*line = fdt_be32(spec);
		*flags = IRQ_FLAG_LEVEL;
		return *line != 0;
	}
	if (kind != CTL_GIC)
		return false;
	uint32_t type = fdt_be32(spec), n = fdt_be32(spec + 4);
	switch (fdt_be32(spec + 8) & 0xf) { /* bits 15:8 are a GICv2 PPI's CPU mask */
	case 1:
		*flags = 0;
		break;
	case 2:
		*flags = IRQ_FLAG_ACTIVE_LOW;
		break;
	case 4:
		*flags = IRQ_FLAG_LEVEL;
		break;
	case 8:
		*flags = IRQ_FLAG_LEVEL | IRQ_FLAG_ACTIVE_LOW;
		break;
	default:
		return false;
	}
	if (type == 0 && n < 988) /* SPI: IDs 32-1019 */
		*line = 32 + n;
	else if (type == 1 && n < 16) /* PPI: IDs 16-31 */
		*line = 16 + n;
	else
		return false; /* extended SPI/PPI ranges: no line numbers for them here */
	return true;
}

/* The node's interrupt parent: interrupt-parent of the node or the nearest parent. */
static int irq_parent(struct walk *w)
{
	for (int l = w->depth; l >= 0; l--) {
		int len;
		const uint8_t *p = fdt_prop(&w->f, w->path[l], "interrupt-parent", &len);
		if (p)
			return len == 4 ? by_phandle(w, fdt_be32(p)) : FDT_ERR_STRUCT;
	}
	return FDT_ERR_NOTFOUND;
}

static void add_irq(struct hw_rec_device *d, enum ctl kind, const uint8_t *spec)
{
	uint32_t line, flags;
	if (d->irq_count < HW_MAX_IRQ && spec_line(kind, spec, &line, &flags)) {
		d->irq[d->irq_count].line = line;
		d->irq[d->irq_count++].flags = flags;
	}
}

/* The node's interrupts (interrupts-extended, else interrupts) into `d`. */
static int device_irqs(struct walk *w, int node, struct hw_rec_device *d, bool *has)
{
	int len;
	const uint8_t *p = fdt_prop(&w->f, node, "interrupts-extended", &len);
	if (p) {
		*has = true;
		for (uint32_t o = 0; o < (uint32_t)len;) {
			if ((uint32_t)len - o < 4)
				return FDT_ERR_STRUCT;
			int ctl = by_phandle(w, fdt_be32(p + o));
			uint32_t ic;
			if (ctl < 0)
				return ctl == FDT_ERR_NOTFOUND ? FDT_ERR_STRUCT : ctl;
			enum ctl kind = ctl_kind(w, ctl, &ic);
			if (ic == 0 || ic > CELLS_MAX || (uint32_t)len - o - 4 < 4 * ic)
				return FDT_ERR_STRUCT;
			add_irq(d, kind, p + o + 4);
			o += 4 + 4 * ic;
		}
		return 0;
	}
	p = fdt_prop(&w->f, node, "interrupts", &len);
	if (!p)
		return 0;
	*has = true;
	int ctl = irq_parent(w);
	if (ctl == FDT_ERR_NOTFOUND)
		return 0; /* nobody to deliver them: no lines */
	if (ctl < 0)
		return ctl;
	uint32_t ic;
	enum ctl kind = ctl_kind(w, ctl, &ic);
	if (ic == 0 || ic > CELLS_MAX || (uint32_t)len % (4 * ic))
		return FDT_ERR_STRUCT;
	for (uint32_t o = 0; o < (uint32_t)len; o += 4 * ic)
		add_irq(d, kind, p + o);
	return 0;
}

/* The node's reg translated to CPU addresses into `d` (untranslatable entries dropped). */
static int device_regs(struct walk *w, int node, struct hw_rec_device *d)
{
	int len;
	const uint8_t *r = fdt_prop(&w->f, node, "reg", &len);
	if (!r || w->depth == 0)
		return 0;
	int parent = w->path[w->depth - 1];
	uint32_t ac = cells(w, parent, "#address-cells", 2),
		 sc = cells(w, parent, "#size-cells", 1);
	if (ac > CELLS_MAX || sc > CELLS_MAX)
		return FDT_ERR_STRUCT;
	if (ac == 0 || ac > 2 || sc > 2)
		return 0; /* not memory-mapped (a PCI function's config address) */
	uint32_t stride = 4 * (ac + sc);
	if ((uint32_t)len % stride)
		return FDT_ERR_STRUCT;
	for (uint32_t o = 0; o < (uint32_t)len && d->reg_count < HW_MAX_REG; o += stride) {
		uint64_t base, size;
		read_num(r + o, ac, &base);
		read_num(r + o + 4 * ac, sc, &size);
		int err = translate(w, w->depth - 1, &base);
		if (err == FDT_ERR_NOTFOUND)
			continue;
		if (err)
			return err;
		d->reg[d->reg_count].base = base;
		d->reg[d->reg_count++].size = size;
	}
	return 0;
}

/* The node's compatible strings, NUL-separated; only whole strings that fit. */
static void copy_compatible(const struct fdt *f, int node, char *out, size_t max)
{
	int len;
	const char *c = fdt_prop(f, node, "compatible", &len);
	size_t used = 0;
	for (size_t o = 0; c && o < (size_t)len;) {
		size_t n = strnlen(c + o, (size_t)len - o);
		if (o + n == (size_t)len || used + n + 1 > max)
			break; /* unterminated, or no room */
		memcpy(out + used, c + o, n + 1);
		used += n + 1;
		o += n + 1;
	}
}

/* add()'s error made positive (machine_add's E_* are), so it is told from the tree's. */
static int add_result(int err)
{
	return err < 0 ? -err : err;
}

static int describe_device(struct walk *w, int node, int (*add)(const struct hw_rec *rec))
{
	struct hw_rec_device d;
	bool has_irq = false;
	memset(&d, 0, sizeof(d));
	d.rec.type = HW_REC_DEVICE;
	d.rec.size = sizeof(d);
	int err = device_regs(w, node, &d);
	if (!err)
		err = device_irqs(w, node, &d, &has_irq);
	if (err)
		return err;
	if (!d.reg_count && !has_irq)
		return 0;
	const char *name = fdt_node_name(&w->f, node);
	size_t n = 0;
	while (name && name[n] && name[n] != '@' && n < HW_NAME_MAX - 1)
		n++;
	if (name)
		memcpy(d.name, name, n);
	copy_compatible(&w->f, node, d.compatible, sizeof(d.compatible));
	/* Configuration space is the kernel's (core/pci.c): functions reach it by system call. */
	if (fdt_is_compatible(&w->f, node, "pci-host-ecam-generic"))
		d.rec.flags |= HW_REC_KERNEL;
	return add_result(add(&d.rec));
}

/* The interrupt-map of a PCI host (3 address cells, 1 interrupt cell) into `h`. */
static int pci_intx(struct walk *w, int node, struct hw_rec_pci_host *h)
{
	int len, mlen;
	const uint8_t *map = fdt_prop(&w->f, node, "interrupt-map", &len);
	if (!map)
		return 0;
	if (cells(w, node, "#interrupt-cells", 0) != 1)
		return FDT_ERR_STRUCT;
	const uint8_t *mask = fdt_prop(&w->f, node, "interrupt-map-mask", &mlen);
	h->intx_mask_devfn = ~0u, h->intx_mask_pin = ~0u;
	if (mask) {
		if (mlen != 16)
			return FDT_ERR_STRUCT;
		h->intx_mask_devfn = fdt_be32(mask), h->intx_mask_pin = fdt_be32(mask + 12);
	}
	for (uint32_t o = 0; o < (uint32_t)len;) {
		/* child phys.hi, mid, lo, pin; the parent's phandle, unit address, specifier */
		if ((uint32_t)len - o < 20)
			return FDT_ERR_STRUCT;
		uint32_t hi = fdt_be32(map + o), pin = fdt_be32(map + o + 12);
		int ctl = by_phandle(w, fdt_be32(map + o + 16));
		if (ctl < 0)
			return ctl == FDT_ERR_NOTFOUND ? FDT_ERR_STRUCT : ctl;
		uint32_t ic, ac = cells(w, ctl, "#address-cells", 0);
		enum ctl kind = ctl_kind(w, ctl, &ic);
		o += 20;
		if (ic == 0 || ic > CELLS_MAX || ac > CELLS_MAX ||
		    (uint32_t)len - o < 4 * (ac + ic))
			return FDT_ERR_STRUCT;
		uint32_t line, flags;
		if (h->intx_count < HW_MAX_INTX &&
		    spec_line(kind, map + o + 4 * ac, &line, &flags)) {
			h->intx[h->intx_count].devfn_hi = hi;
			h->intx[h->intx_count].pin = pin;
			h->intx[h->intx_count].line = line;
			h->intx[h->intx_count++].flags = flags;
		}
		o += 4 * (ac + ic);
	}
	return 0;
}

/* The windows of a PCI host's `ranges` into `h`. */
static int pci_windows(struct walk *w, int node, struct hw_rec_pci_host *h)
{
	int len;
	const uint8_t *r = fdt_prop(&w->f, node, "ranges", &len);
	if (!r)
		return 0;
	uint32_t pa = cells(w, w->path[w->depth - 1], "#address-cells", 2);
	uint32_t sc = cells(w, node, "#size-cells", 2);
	if (pa == 0 || pa > 2 || sc == 0 || sc > 2)
		return FDT_ERR_STRUCT;
	uint32_t stride = 4 * (3 + pa + sc);
	if ((uint32_t)len % stride)
		return FDT_ERR_STRUCT;
	for (uint32_t o = 0; o < (uint32_t)len && h->window_count < HW_MAX_WINDOWS; o += stride) {
		uint32_t hi = fdt_be32(r + o), space = hi >> 24 & 3;
		uint64_t cpu, size;
		read_num(r + o + 12, pa, &cpu);
		read_num(r + o + 12 + 4 * pa, sc, &size);
		if (space == 0 || translate(w, w->depth - 1, &cpu))
			continue; /* configuration space, or not reachable from the CPU */
		h->window[h->window_count].type =
		    space | (hi & 0x40000000u ? HW_WINDOW_PREFETCH : 0);
		h->window[h->window_count].pci_addr = fdt_be64(r + o + 4);
		h->window[h->window_count].cpu_addr = cpu;
		h->window[h->window_count++].size = size;
	}
	return 0;
}

static int describe_pci_host(struct walk *w, int node, int (*add)(const struct hw_rec *rec))
{
	static struct hw_rec_pci_host h; /* 1.3 KiB: off the (kernel) stack; boot is one CPU */
	int len;
	memset(&h, 0, sizeof(h));
	h.rec.type = HW_REC_PCI_HOST;
	h.rec.size = sizeof(h);
	if (w->depth == 0 || cells(w, node, "#address-cells", 0) != 3)
		return FDT_ERR_STRUCT;
	int parent = w->path[w->depth - 1];
	uint32_t ac = cells(w, parent, "#address-cells", 2),
		 sc = cells(w, parent, "#size-cells", 1);
	const uint8_t *reg = fdt_prop(&w->f, node, "reg", &len);
	if (!reg || ac == 0 || ac > 2 || sc == 0 || sc > 2 || (uint32_t)len < 4 * (ac + sc))
		return FDT_ERR_STRUCT;
	read_num(reg, ac, &h.ecam_base);
	read_num(reg + 4 * ac, sc, &h.ecam_size);
	int err = translate(w, w->depth - 1, &h.ecam_base);
	if (err)
		return err == FDT_ERR_NOTFOUND ? FDT_ERR_STRUCT : err;
	const uint8_t *br = fdt_prop(&w->f, node, "bus-range", &len);
	uint32_t first = 0, last = 255;
	if (br) {
		if (len != 8)
			return FDT_ERR_STRUCT;
		first = fdt_be32(br), last = fdt_be32(br + 4);
	}
	uint32_t domain = cells(w, node, "linux,pci-domain", 0);
	if (first > last || last > 255 || domain > 0xffff || !h.ecam_base ||
	    h.ecam_size < (uint64_t)(last - first + 1) << 20)
		return FDT_ERR_STRUCT;
	h.bus_start = (uint8_t)first, h.bus_end = (uint8_t)last;
	h.segment = (uint16_t)domain;
	if ((err = pci_windows(w, node, &h)) || (err = pci_intx(w, node, &h)))
		return err;
	return add_result(add(&h.rec));
}

/* Nodes that have reg but are no device: CPUs, RAM and its reservations. */
static bool not_a_device(const struct walk *w, int node)
{
	const char *type = fdt_prop_str(&w->f, node, "device_type");
	if (type && (!strcmp(type, "cpu") || !strcmp(type, "memory")))
		return true;
	for (int l = 1; l < w->depth; l++) {
		const char *name = fdt_node_name(&w->f, w->path[l]);
		if (name && !strcmp(name, "reserved-memory"))
			return true;
	}
	return false;
}

int machine_fdt_describe(const void *blob, size_t size, int (*add)(const struct hw_rec *rec))
{
	static struct walk w; /* off the kernel stack; machine_init runs once, on one CPU */
	const int none = FDT_MAX_DEPTH + 1;
	int first_err = 0, disabled = none, err;

	memset(&w, 0, sizeof(w));
	if ((err = fdt_open(&w.f, blob, size)) < 0)
		return err;
	int depth = 0, node = fdt_next_node(&w.f, -1, &depth);
	for (; node >= 0; node = fdt_next_node(&w.f, node, &depth)) {
		if (depth < 0 || depth > FDT_MAX_DEPTH)
			return FDT_ERR_STRUCT;
		w.path[depth] = node, w.depth = depth;
		if (depth <= disabled)
			disabled = none; /* out of the disabled node's subtree */
		if (disabled == none && !fdt_is_enabled(&w.f, node))
			disabled = depth;
		if (disabled != none || depth == 0 || not_a_device(&w, node))
			continue; /* a disabled node and its children, the root, no device */
		err = describe_device(&w, node, add);
		if (!err && fdt_is_compatible(&w.f, node, "pci-host-ecam-generic"))
			err = describe_pci_host(&w, node, add);
		if (err > 0)
			return -err; /* add() failed: the description is full */
		if (err && !first_err)
			first_err = err;
	}
	return node == FDT_ERR_NOTFOUND ? first_err : node;
}
