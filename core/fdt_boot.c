/* struct boot_info from a device tree: what AArch64 and RISC-V firmware hand us. */
#include "core/boot_info.h"
#include "core/fdt.h"
#include "core/kstring.h"

/* Keep the first error but go on reading what can be read. */
static void note(int *err, int e)
{
	if (e < 0 && *err == 0)
		*err = e;
}

static void add_regs(const struct fdt *f, int node, struct boot_info *bi, bool ram,
		     enum mem_reserve type, int *err)
{
	uint64_t base, size;

	for (int i = 0; fdt_reg(f, node, i, &base, &size) == 0; i++) {
		int r =
		    ram ? boot_add_ram(bi, base, size) : boot_add_reserved(bi, base, size, type);
		if (r < 0)
			note(err, FDT_ERR_FULL);
	}
}

static void read_memory(const struct fdt *f, struct boot_info *bi, int *err)
{
	int depth = 0;

	for (int n = fdt_root(f); n >= 0; n = fdt_next_node(f, n, &depth)) {
		const char *type = fdt_prop_str(f, n, "device_type");
		if (depth == 1 && type && !strcmp(type, "memory") && fdt_is_enabled(f, n))
			add_regs(f, n, bi, true, 0, err);
	}
	int count = fdt_rsv_count(f);
	note(err, count);
	for (int i = 0; i < count; i++) {
		uint64_t base, size;
		if (fdt_rsv(f, i, &base, &size) == 0 &&
		    boot_add_reserved(bi, base, size, RESERVE_FIRMWARE) < 0)
			note(err, FDT_ERR_FULL);
	}
	int rm = fdt_path(f, "/reserved-memory", 16);
	for (int c = rm >= 0 ? fdt_first_child(f, rm) : -1; c >= 0; c = fdt_next_sibling(f, c))
		add_regs(f, c, bi, false, RESERVE_FIRMWARE, err);
}

/* A cell-sized property as a number: one cell or two. */
static bool prop_addr(const struct fdt *f, int node, const char *name, uint64_t *v)
{
	int len;
	const void *p = fdt_prop(f, node, name, &len);

	if (p && len == 4)
		*v = fdt_be32(p);
	else if (p && len == 8)
		*v = fdt_be64(p);
	else
		return false;
	return true;
}

static void read_chosen(const struct fdt *f, struct boot_info *bi)
{
	int chosen = fdt_path(f, "/chosen", 7);
	uint64_t start, end;

	if (chosen < 0)
		return;
	const char *args = fdt_prop_str(f, chosen, "bootargs");
	if (args)
		kstrlcpy(bi->cmdline, args, sizeof(bi->cmdline));
	if (prop_addr(f, chosen, "linux,initrd-start", &start) &&
	    prop_addr(f, chosen, "linux,initrd-end", &end) && end > start &&
	    bi->module_count < BOOT_MAX_MODULES) {
		struct boot_module *m = &bi->modules[bi->module_count++];
		m->base = start;
		m->size = end - start;
		kstrlcpy(m->name, "initrd", sizeof(m->name));
		boot_add_reserved(bi, start, end - start, RESERVE_MODULE);
	}
}

/* Describe the UART at `node` if we have a driver for it. */
static bool console_from_node(const struct fdt *f, int node, struct console_desc *c)
{
	uint64_t base, size;

	if (node < 0 || !fdt_is_enabled(f, node) || fdt_reg(f, node, 0, &base, &size) < 0)
		return false;
	if (fdt_is_compatible(f, node, "arm,pl011")) {
		c->kind = CONSOLE_PL011;
		c->reg_width = 4;
	} else if (fdt_is_compatible(f, node, "ns16550a") ||
		   fdt_is_compatible(f, node, "ns16550") ||
		   fdt_is_compatible(f, node, "snps,dw-apb-uart")) {
		c->kind = CONSOLE_NS16550_MMIO;
		c->reg_shift = fdt_prop_u32(f, node, "reg-shift", 0);
		c->reg_width = fdt_prop_u32(f, node, "reg-io-width", 1);
	} else {
		return false;
	}
	c->base = base;
	c->clock_hz = fdt_prop_u32(f, node, "clock-frequency", 0);
	const char *name = fdt_node_name(f, node);
	kstrlcpy(c->path, name ? name : "?", sizeof(c->path));
	return true;
}

static void read_console(const struct fdt *f, struct boot_info *bi)
{
	static const char *const uarts[] = {"arm,pl011", "ns16550a", "ns16550"};
	int chosen = fdt_path(f, "/chosen", 7);
	const char *path = chosen >= 0 ? fdt_prop_str(f, chosen, "stdout-path") : NULL;

	if (path) {
		/* "serial0:115200n8": the options follow a colon. */
		size_t len = 0;
		while (path[len] && path[len] != ':')
			len++;
		if (console_from_node(f, fdt_path(f, path, len), &bi->console))
			return;
	}
	for (unsigned i = 0; i < sizeof(uarts) / sizeof(uarts[0]); i++) {
		for (int n = fdt_find_compatible(f, -1, uarts[i]); n >= 0;
		     n = fdt_find_compatible(f, n, uarts[i])) {
			if (console_from_node(f, n, &bi->console))
				return;
		}
	}
}

static void read_cpus(const struct fdt *f, struct boot_info *bi)
{
	int cpus = fdt_path(f, "/cpus", 5);
	unsigned n = 0;

	for (int c = cpus >= 0 ? fdt_first_child(f, cpus) : -1; c >= 0;
	     c = fdt_next_sibling(f, c)) {
		const char *type = fdt_prop_str(f, c, "device_type");
		if (type && !strcmp(type, "cpu") && fdt_is_enabled(f, c))
			n++;
	}
	bi->cpu_count = n ? n : 1;
}

static void read_power(const struct fdt *f, struct boot_info *bi)
{
	static const char *const psci[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"};
	uint64_t base, size;

	for (unsigned i = 0; i < sizeof(psci) / sizeof(psci[0]); i++) {
		int n = fdt_find_compatible(f, -1, psci[i]);
		const char *method = n >= 0 ? fdt_prop_str(f, n, "method") : NULL;
		if (method && (!strcmp(method, "hvc") || !strcmp(method, "smc"))) {
			bi->power = method[0] == 'h' ? POWER_PSCI_HVC : POWER_PSCI_SMC;
			return;
		}
	}
	int n = fdt_find_compatible(f, -1, "sifive,test0");
	if (n >= 0 && fdt_reg(f, n, 0, &base, &size) == 0) {
		bi->power = POWER_SIFIVE_TEST;
		bi->power_base = base;
	}
}

int fdt_boot_info(const void *blob, size_t avail, uint64_t pa, struct boot_info *bi)
{
	struct fdt f;
	int err = fdt_open(&f, blob, avail);

	if (err < 0)
		return err;
	if (fdt_root(&f) < 0)
		return fdt_root(&f);
	bi->loader = "device tree";
	bi->dtb = pa;
	bi->dtb_size = f.size;
	read_memory(&f, bi, &err);
	if (boot_add_reserved(bi, pa, f.size, RESERVE_BOOT_DATA) < 0)
		note(&err, FDT_ERR_FULL);
	read_chosen(&f, bi);
	read_console(&f, bi);
	read_cpus(&f, bi);
	read_power(&f, bi);
	if (bi->ram_count == 0)
		note(&err, FDT_ERR_NOTFOUND);
	return err;
}
