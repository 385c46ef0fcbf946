/*
 * The device-tree machine description (core/machine_fdt.c) against the
 * trees QEMU dumps for riscv64 virt and aarch64 virt with GICv2 and GICv3
 * (tests/host/CMakeLists.txt), then against damaged copies of them and
 * small hand-built trees with bad cells and circular phandles: those give
 * an error, never a fault or a hang.
 */
#include <stdarg.h>

#include "blob.h"
#include "core/fdt.h"
#include "core/machine_fdt.h"

#define RECS_MAX 128
static struct {
	uint16_t type;
	union {
		struct hw_rec_device dev;
		struct hw_rec_pci_host pci;
	} u;
} recs[RECS_MAX];
static unsigned nrecs;
static int add_fail_after = -1; /* add() fails from this record on; -1: never */

static int add(const struct hw_rec *rec)
{
	cr_assert(rec->size % 8 == 0 && rec->size <= sizeof(recs[0].u));
	cr_assert(rec->type == HW_REC_DEVICE || rec->type == HW_REC_PCI_HOST);
	if (add_fail_after >= 0 && nrecs >= (unsigned)add_fail_after)
		return 7; /* E_RESOURCE_EXHAUSTED, as machine_add says it */
	cr_assert_lt(nrecs, RECS_MAX);
	recs[nrecs].type = rec->type;
	memcpy(&recs[nrecs++].u, rec, rec->size);
	return 0;
}

static int describe(const uint8_t *b, size_t len)
{
	nrecs = 0;
	return machine_fdt_describe(b, len, add);
}

/* The device record named `name` whose first reg is `base` (0: any), or NULL. */
static const struct hw_rec_device *device(const char *name, uint64_t base)
{
	for (unsigned i = 0; i < nrecs; i++) {
		const struct hw_rec_device *d = &recs[i].u.dev;
		if (recs[i].type == HW_REC_DEVICE && !strcmp(d->name, name) &&
		    (!base || (d->reg_count && d->reg[0].base == base)))
			return d;
	}
	return NULL;
}

static const struct hw_rec_pci_host *pci_host(unsigned idx)
{
	for (unsigned i = 0; i < nrecs; i++)
		if (recs[i].type == HW_REC_PCI_HOST && !idx--)
			return &recs[i].u.pci;
	return NULL;
}

/* The line the map gives (devfn_hi, pin), after the mask; ~0u when none. */
static uint32_t intx_line(const struct hw_rec_pci_host *h, uint32_t devfn_hi, uint32_t pin)
{
	for (uint32_t i = 0; i < h->intx_count; i++)
		if (h->intx[i].devfn_hi == (devfn_hi & h->intx_mask_devfn) &&
		    h->intx[i].pin == (pin & h->intx_mask_pin))
			return h->intx[i].line;
	return ~0u;
}

/* A QEMU tree cut to what it uses (as test_fdt.c does), so damaging it stays cheap. */
static uint8_t *load(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s.dtb", DTB_DIR, name);
	uint8_t *b = blob_read(path, len);
	size_t end_struct = (size_t)fdt_be32(b + 8) + fdt_be32(b + 36);
	size_t end_strings = (size_t)fdt_be32(b + 12) + fdt_be32(b + 32);
	size_t used = end_struct > end_strings ? end_struct : end_strings;
	cr_assert_leq(used, *len);
	uint8_t *exact = blob_prefix(b, used);
	free(b);
	exact[4] = (uint8_t)(used >> 24), exact[5] = (uint8_t)(used >> 16);
	exact[6] = (uint8_t)(used >> 8), exact[7] = (uint8_t)used;
	*len = used;
	return exact;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool has_compatible(const struct hw_rec_device *d, const char *c)
{
	for (size_t o = 0; o < HW_COMPAT_MAX && d->compatible[o];
	     o += strlen(d->compatible + o) + 1)
		if (!strcmp(d->compatible + o, c))
			return true;
	return false;
}

Test(machine_fdt, riscv64_virt)
{
	size_t len;
	uint8_t *b = load("riscv64-m128-smp1", &len);
	cr_assert_eq(describe(b, len), 0);

	const struct hw_rec_device *rtc = device("rtc", 0x101000);
	cr_assert_not_null(rtc);
	cr_expect(has_compatible(rtc, "google,goldfish-rtc"));
	cr_expect_eq(rtc->reg_count, 1);
	cr_expect_eq(rtc->reg[0].size, 0x1000);
	cr_assert_eq(rtc->irq_count, 1);
	cr_expect_eq(rtc->irq[0].line, 11);
	cr_expect_eq(rtc->irq[0].flags, IRQ_FLAG_LEVEL);
	const struct hw_rec_device *uart = device("serial", 0x10000000);
	cr_assert_not_null(uart);
	cr_expect_eq(uart->irq[0].line, 10);
	const struct hw_rec_device *plic = device("plic", 0xc000000);
	cr_assert_not_null(plic);
	cr_expect(has_compatible(plic, "sifive,plic-1.0.0") && has_compatible(plic, "riscv,plic0"));
	cr_expect_eq(plic->irq_count, 0, "hart-local interrupts are no lines");
	cr_expect_not_null(device("clint", 0x2000000));
	cr_expect_not_null(device("test", 0x100000));
	unsigned mmio = 0;
	for (unsigned i = 0; i < nrecs; i++)
		mmio += recs[i].type == HW_REC_DEVICE && !strcmp(recs[i].u.dev.name, "virtio_mmio");
	cr_expect_eq(mmio, 8);
	cr_expect_null(device("memory", 0), "RAM is no device");
	cr_expect_null(device("cpu", 0), "CPUs are no devices");

	const struct hw_rec_pci_host *h = pci_host(0);
	cr_assert_not_null(h);
	cr_expect_null(pci_host(1));
	const struct hw_rec_device *pdev = device("pci", 0x30000000);
	cr_assert_not_null(pdev, "the host is a device too");
	cr_expect_eq(pdev->rec.flags, HW_REC_KERNEL, "its ECAM is the kernel's");
	cr_expect_eq(rtc->rec.flags, 0);
	cr_expect_eq(h->ecam_base, 0x30000000);
	cr_expect_eq(h->ecam_size, 0x10000000);
	cr_expect_eq(h->segment, 0);
	cr_expect_eq(h->bus_start, 0);
	cr_expect_eq(h->bus_end, 255);
	cr_assert_eq(h->window_count, 3);
	cr_expect_eq(h->window[0].type, HW_WINDOW_IO);
	cr_expect_eq(h->window[0].pci_addr, 0);
	cr_expect_eq(h->window[0].cpu_addr, 0x3000000);
	cr_expect_eq(h->window[0].size, 0x10000);
	cr_expect_eq(h->window[1].type, HW_WINDOW_MEM32);
	cr_expect_eq(h->window[1].cpu_addr, 0x40000000);
	cr_expect_eq(h->window[1].size, 0x40000000);
	cr_expect_eq(h->window[2].type, HW_WINDOW_MEM64);
	cr_expect_eq(h->window[2].pci_addr, 0x400000000);
	cr_expect_eq(h->window[2].size, 0x400000000);
	cr_expect_eq(h->intx_count, 16);
	cr_expect_eq(h->intx_mask_devfn, 0x1800);
	cr_expect_eq(h->intx_mask_pin, 7);
	/* QEMU's virt swizzle: slot s, pin p -> PLIC 32 + (s + p - 1) % 4. */
	for (uint32_t slot = 0; slot < 8; slot++)
		for (uint32_t pin = 1; pin <= 4; pin++)
			cr_expect_eq(intx_line(h, slot << 11, pin), 32 + (slot + pin - 1) % 4,
				     "slot %u pin %u", slot, pin);
	for (uint32_t i = 0; i < h->intx_count; i++)
		cr_expect_eq(h->intx[i].flags, IRQ_FLAG_LEVEL);
	free(b);
}

static void check_aarch64(const char *shape)
{
	size_t len;
	uint8_t *b = load(shape, &len);
	cr_assert_eq(describe(b, len), 0, "%s", shape);

	const struct hw_rec_device *rtc = device("pl031", 0x9010000);
	cr_assert_not_null(rtc, "%s", shape);
	cr_expect_eq(rtc->irq[0].line, 32 + 2);
	cr_expect_eq(rtc->irq[0].flags, IRQ_FLAG_LEVEL);
	const struct hw_rec_device *uart = device("pl011", 0x9000000);
	cr_assert_not_null(uart, "%s", shape);
	cr_expect_eq(uart->irq[0].line, 32 + 1);
	/* The architected timer: four PPIs (secure, non-secure, virtual, hypervisor). */
	const struct hw_rec_device *timer = device("timer", 0);
	cr_assert_not_null(timer, "%s", shape);
	cr_assert_eq(timer->irq_count, 4);
	cr_expect_eq(timer->irq[0].line, 16 + 13);
	cr_expect_eq(timer->irq[1].line, 16 + 14);
	cr_expect_eq(timer->irq[2].line, 16 + 11);
	cr_expect_eq(timer->irq[3].line, 16 + 10);
	cr_expect_eq(timer->irq[0].flags, IRQ_FLAG_LEVEL);
	const struct hw_rec_device *gic = device("intc", 0x8000000);
	cr_assert_not_null(gic, "%s", shape);
	cr_expect_eq(gic->reg_count, 2);

	const struct hw_rec_pci_host *h = pci_host(0);
	cr_assert_not_null(h, "%s", shape);
	cr_expect_eq(h->ecam_base, 0x4010000000, "%s: the high ECAM", shape);
	cr_expect_eq(h->ecam_size, 0x10000000);
	cr_expect_eq(h->bus_end, 255);
	cr_assert_eq(h->window_count, 3);
	cr_expect_eq(h->window[0].type, HW_WINDOW_IO);
	cr_expect_eq(h->window[0].cpu_addr, 0x3eff0000);
	cr_expect_eq(h->window[1].type, HW_WINDOW_MEM32);
	cr_expect_eq(h->window[1].pci_addr, 0x10000000);
	cr_expect_eq(h->window[1].size, 0x2eff0000);
	cr_expect_eq(h->window[2].type, HW_WINDOW_MEM64);
	cr_expect_eq(h->window[2].cpu_addr, 0x8000000000);
	/* The GIC's #address-cells (2) sit between phandle and specifier in each entry. */
	cr_expect_eq(h->intx_count, 16, "%s", shape);
	for (uint32_t slot = 0; slot < 4; slot++)
		for (uint32_t pin = 1; pin <= 4; pin++)
			cr_expect_eq(intx_line(h, slot << 11, pin), 32 + 3 + (slot + pin - 1) % 4,
				     "%s: slot %u pin %u", shape, slot, pin);
	free(b);
}

Test(machine_fdt, aarch64_virt_gicv2)
{
	check_aarch64("aarch64-m128-smp1");
}

Test(machine_fdt, aarch64_virt_gicv3)
{
	check_aarch64("aarch64-m4096-smp8");
}

Test(machine_fdt, add_failure_stops)
{
	size_t len;
	uint8_t *b = load("riscv64-m128-smp1", &len);
	add_fail_after = 3;
	cr_expect_eq(describe(b, len), -7, "add()'s error, negative");
	cr_expect_eq(nrecs, 3);
	add_fail_after = -1;
	free(b);
}

Test(machine_fdt, truncated_and_corrupted)
{
	static const char *const shapes[] = {"riscv64-m128-smp1", "aarch64-m128-smp1",
					     "aarch64-m4096-smp8"};
	uint64_t seed = 13;
	for (unsigned s = 0; s < 3; s++) {
		size_t len;
		uint8_t *b = load(shapes[s], &len);
		/* Every prefix, its header still claiming the whole size. */
		for (size_t n = 0; n < len; n += 7) {
			uint8_t *p = blob_prefix(b, n);
			cr_expect_lt(describe(p, n), 0, "%s: %zu bytes", shapes[s], n);
			free(p);
		}
		/* The structure block cut at every token boundary: no FDT_END. */
		uint32_t st_size = fdt_be32(b + 36);
		for (uint32_t cut = 0; cut < st_size; cut += 4) {
			uint8_t *c = blob_prefix(b, len);
			put32(c + 36, cut);
			cr_expect_lt(describe(c, len), 0, "%s: structure cut at %u", shapes[s],
				     cut);
			free(c);
		}
		/* Damaged copies: anything may come back but a fault or a hang. */
		for (unsigned i = 0; i < 300; i++) {
			uint8_t *c = blob_prefix(b, len);
			uint32_t off = fdt_be32(b + 8), size = fdt_be32(b + 36);
			for (unsigned k = 0; k < 4; k++)
				c[off + blob_rand(&seed) % size] = (uint8_t)blob_rand(&seed);
			(void)describe(c, len);
			free(c);
		}
		free(b);
	}
}

/* A small FDT writer for trees QEMU never makes. */
struct tb {
	uint8_t st[4096];
	uint32_t sl;
	char str[1024];
	uint32_t strl;
};

static void tok(struct tb *t, uint32_t v)
{
	cr_assert_leq(t->sl + 4, sizeof(t->st));
	put32(t->st + t->sl, v);
	t->sl += 4;
}

static void begin(struct tb *t, const char *name)
{
	tok(t, 1);
	size_t n = strlen(name) + 1;
	memset(t->st + t->sl, 0, (n + 3) & ~3u);
	memcpy(t->st + t->sl, name, n);
	t->sl += (uint32_t)((n + 3) & ~3u);
}

static void end(struct tb *t)
{
	tok(t, 2);
}

static void prop(struct tb *t, const char *name, const void *v, uint32_t len)
{
	tok(t, 3);
	tok(t, len);
	tok(t, t->strl);
	memcpy(t->str + t->strl, name, strlen(name) + 1);
	t->strl += (uint32_t)strlen(name) + 1;
	memset(t->st + t->sl, 0, (len + 3) & ~3u);
	memcpy(t->st + t->sl, v, len);
	t->sl += (len + 3) & ~3u;
}

/* A property of `n` cells. */
static void cellsp(struct tb *t, const char *name, unsigned n, ...)
{
	uint8_t v[64 * 4];
	va_list ap;
	va_start(ap, n);
	for (unsigned i = 0; i < n; i++)
		put32(v + 4 * i, va_arg(ap, uint32_t));
	va_end(ap);
	prop(t, name, v, 4 * n);
}

static uint8_t *finish(struct tb *t, size_t *len)
{
	tok(t, 9);
	uint32_t st_off = 40 + 16, str_off = st_off + t->sl, total = str_off + t->strl;
	uint8_t *b = calloc(1, total);
	put32(b, FDT_MAGIC);
	put32(b + 4, total);
	put32(b + 8, st_off);
	put32(b + 12, str_off);
	put32(b + 16, 40);
	put32(b + 20, 17);
	put32(b + 24, 16);
	put32(b + 32, t->strl);
	put32(b + 36, t->sl);
	memcpy(b + st_off, t->st, t->sl);
	memcpy(b + str_off, t->str, t->strl);
	*len = total;
	return b;
}

/* The root and a PLIC (phandle 1) every tree below starts with. */
static void start(struct tb *t)
{
	memset(t, 0, sizeof(*t));
	begin(t, "");
	cellsp(t, "#address-cells", 1, 2);
	cellsp(t, "#size-cells", 1, 2);
	begin(t, "plic@c000000");
	cellsp(t, "phandle", 1, 1);
	prop(t, "compatible", "riscv,plic0", 12);
	prop(t, "interrupt-controller", "", 0);
	cellsp(t, "#interrupt-cells", 1, 1);
	cellsp(t, "reg", 4, 0, 0xc000000, 0, 0x600000);
	end(t);
}

Test(machine_fdt, built_tree_translation)
{
	struct tb t;
	size_t len;
	start(&t);
	begin(&t, "bus@40000000");
	cellsp(&t, "#address-cells", 1, 1);
	cellsp(&t, "#size-cells", 1, 1);
	/* child 0x1000.. -> parent 0x40000000.. */
	cellsp(&t, "ranges", 4, 0x1000, 0, 0x40000000, 0x10000);
	cellsp(&t, "interrupt-parent", 1, 1);
	begin(&t, "dev@2000");
	cellsp(&t, "reg", 4, 0x2000, 0x100, 0x90000, 0x10);
	cellsp(&t, "interrupts", 2, 5, 6);
	end(&t);
	begin(&t, "off@3000");
	prop(&t, "status", "disabled", 9);
	cellsp(&t, "reg", 2, 0x3000, 0x100);
	begin(&t, "child@0");
	cellsp(&t, "interrupts", 1, 7);
	end(&t);
	end(&t);
	end(&t);
	end(&t);
	uint8_t *b = finish(&t, &len);
	cr_assert_eq(describe(b, len), 0);
	const struct hw_rec_device *d = device("dev", 0);
	cr_assert_not_null(d);
	cr_expect_eq(d->reg_count, 1, "0x90000 is outside the bus's ranges: dropped");
	cr_expect_eq(d->reg[0].base, 0x40001000);
	cr_expect_eq(d->reg[0].size, 0x100);
	cr_assert_eq(d->irq_count, 2);
	cr_expect_eq(d->irq[0].line, 5);
	cr_expect_eq(d->irq[1].line, 6);
	cr_expect_null(device("off", 0), "disabled");
	cr_expect_null(device("child", 0), "under a disabled node");
	free(b);
}

/* One broken tree: the describer must say so. */
static void expect_error(struct tb *t, const char *what)
{
	size_t len;
	end(t);
	uint8_t *b = finish(t, &len);
	cr_expect_lt(describe(b, len), 0, "%s", what);
	free(b);
}

Test(machine_fdt, bad_cells)
{
	struct tb t;
	start(&t);
	begin(&t, "bus");
	cellsp(&t, "#address-cells", 1, 9);
	cellsp(&t, "ranges", 0);
	begin(&t, "dev@0");
	cellsp(&t, "reg", 2, 0, 0);
	end(&t);
	end(&t);
	expect_error(&t, "#address-cells 9");

	start(&t);
	begin(&t, "dev@0");
	cellsp(&t, "reg", 3, 0, 0, 0x10); /* not a multiple of 2 + 2 cells */
	end(&t);
	expect_error(&t, "reg of a bad length");

	start(&t);
	begin(&t, "dev@0");
	cellsp(&t, "interrupt-parent", 1, 1);
	cellsp(&t, "interrupts", 1, 3);
	end(&t);
	begin(&t, "ctl");
	cellsp(&t, "phandle", 1, 2);
	prop(&t, "interrupt-controller", "", 0);
	cellsp(&t, "#interrupt-cells", 1, 200);
	end(&t);
	begin(&t, "dev2@0");
	cellsp(&t, "interrupt-parent", 1, 2);
	cellsp(&t, "interrupts", 1, 3);
	end(&t);
	expect_error(&t, "#interrupt-cells 200");

	start(&t);
	begin(&t, "dev@0");
	cellsp(&t, "interrupts-extended", 3, 1, 4, 1); /* the second specifier is cut */
	end(&t);
	expect_error(&t, "interrupts-extended cut short");

	start(&t);
	begin(&t, "dev@0");
	cellsp(&t, "interrupts-extended", 2, 77, 4); /* no phandle 77 */
	end(&t);
	expect_error(&t, "dangling phandle");

	start(&t);
	begin(&t, "pci@30000000");
	prop(&t, "compatible", "pci-host-ecam-generic", 22);
	cellsp(&t, "#address-cells", 1, 3);
	cellsp(&t, "#size-cells", 1, 2);
	cellsp(&t, "#interrupt-cells", 1, 1);
	cellsp(&t, "reg", 4, 0, 0x30000000, 0, 0x10000000);
	cellsp(&t, "bus-range", 2, 5, 300);
	end(&t);
	expect_error(&t, "bus-range past 255");

	start(&t);
	begin(&t, "pci@30000000");
	prop(&t, "compatible", "pci-host-ecam-generic", 22);
	cellsp(&t, "#address-cells", 1, 3);
	cellsp(&t, "#size-cells", 1, 2);
	cellsp(&t, "#interrupt-cells", 1, 1);
	cellsp(&t, "reg", 4, 0, 0x30000000, 0, 0x10000000);
	cellsp(&t, "interrupt-map-mask", 4, 0x1800, 0, 0, 7);
	cellsp(&t, "interrupt-map", 7, 0, 0, 0, 1, 1, 0x20, 0x800); /* the second entry is cut */
	end(&t);
	expect_error(&t, "interrupt-map cut short");
}

Test(machine_fdt, loops)
{
	struct tb t;
	size_t len;
	/* Two nexus nodes naming each other as interrupt parent, neither a controller. */
	start(&t);
	begin(&t, "a");
	cellsp(&t, "phandle", 1, 2);
	cellsp(&t, "interrupt-parent", 1, 3);
	cellsp(&t, "#interrupt-cells", 1, 1);
	cellsp(&t, "interrupts", 1, 4);
	end(&t);
	begin(&t, "b");
	cellsp(&t, "phandle", 1, 3);
	cellsp(&t, "interrupt-parent", 1, 2);
	cellsp(&t, "#interrupt-cells", 1, 1);
	cellsp(&t, "interrupts", 1, 4);
	end(&t);
	/* A PCI host whose interrupt-map names itself, and a controller that interrupts itself. */
	begin(&t, "pci@30000000");
	cellsp(&t, "phandle", 1, 4);
	prop(&t, "compatible", "pci-host-ecam-generic", 22);
	cellsp(&t, "#address-cells", 1, 3);
	cellsp(&t, "#size-cells", 1, 2);
	cellsp(&t, "#interrupt-cells", 1, 1);
	cellsp(&t, "reg", 4, 0, 0x30000000, 0, 0x10000000);
	cellsp(&t, "interrupt-map", 9, 0, 0, 0, 1, 4, 0, 0, 0, 1);
	cellsp(&t, "interrupts-extended", 2, 1, 9);
	end(&t);
	end(&t);
	uint8_t *b = finish(&t, &len);
	cr_expect_eq(describe(b, len), 0);
	const struct hw_rec_device *a = device("a", 0);
	cr_assert_not_null(a);
	cr_expect_eq(a->irq_count, 0, "no controller: no line");
	const struct hw_rec_pci_host *h = pci_host(0);
	cr_assert_not_null(h);
	cr_expect_eq(h->intx_count, 0, "an entry for a nexus is skipped");
	cr_expect_eq(h->bus_end, 255, "bus-range defaults to 0-255");
	cr_expect_eq(device("pci", 0)->irq[0].line, 9);
	free(b);

	/* Nesting deeper than the reader follows. */
	memset(&t, 0, sizeof(t));
	begin(&t, "");
	for (int i = 0; i < FDT_MAX_DEPTH + 4; i++)
		begin(&t, "n");
	for (int i = 0; i < FDT_MAX_DEPTH + 4; i++)
		end(&t);
	end(&t);
	b = finish(&t, &len);
	cr_expect_lt(describe(b, len), 0, "too deep");
	free(b);
}
