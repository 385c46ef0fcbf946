/*
 * The FDT reader against device trees QEMU dumped for its virt machines
 * (tests/host/CMakeLists.txt lists the shapes), then against truncated and
 * corrupted copies of them, which must give errors and never fault.
 */
#include "blob.h"
#include "core/boot_info.h"
#include "core/fdt.h"

struct shape {
	const char *name;
	uint64_t mem;
	unsigned cpus;
	enum console_kind console;
	uint64_t console_base;
	bool has_cmdline;
};

static const struct shape shapes[] = {
    {"aarch64-m128-smp1", 128ull << 20, 1, CONSOLE_PL011, 0x9000000, false},
    {"aarch64-m1024-smp4", 1024ull << 20, 4, CONSOLE_PL011, 0x9000000, true},
    {"aarch64-m4096-smp8", 4096ull << 20, 8, CONSOLE_PL011, 0x9000000, false},
    {"riscv64-m128-smp1", 128ull << 20, 1, CONSOLE_NS16550_MMIO, 0x10000000, false},
    {"riscv64-m2048-smp4", 2048ull << 20, 4, CONSOLE_NS16550_MMIO, 0x10000000, true},
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

/*
 * QEMU dumps its whole working buffer (1 MiB on AArch64), free space included.
 * Keep the blocks the tree uses and shrink totalsize to match, as dtc -p 0
 * would: a small, exact blob makes every-offset truncation affordable.
 */
static uint8_t *load(const struct shape *s, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.dtb", DTB_DIR, s->name);
	uint8_t *b = blob_read(path, len);
	cr_assert_geq(*len, 40);
	size_t total = fdt_be32(b + 4);
	size_t end_struct = (size_t)fdt_be32(b + 8) + fdt_be32(b + 36);
	size_t end_strings = (size_t)fdt_be32(b + 12) + fdt_be32(b + 32);
	size_t used = end_struct > end_strings ? end_struct : end_strings;
	cr_assert_leq(total, *len);
	cr_assert_leq(used, total);
	uint8_t *exact = blob_prefix(b, used);
	free(b);
	exact[4] = (uint8_t)(used >> 24);
	exact[5] = (uint8_t)(used >> 16);
	exact[6] = (uint8_t)(used >> 8);
	exact[7] = (uint8_t)used;
	*len = used;
	return exact;
}

Test(fdt, qemu_virt_machines)
{
	for (unsigned i = 0; i < NSHAPES; i++) {
		const struct shape *s = &shapes[i];
		size_t len;
		uint8_t *dtb = load(s, &len);
		struct boot_info bi = {0};

		cr_assert_eq(fdt_boot_info(dtb, len, 0x48000000, &bi), 0, "%s", s->name);
		cr_expect_eq(boot_ram_total(&bi), s->mem, "%s: memory", s->name);
		cr_expect_eq(bi.cpu_count, s->cpus, "%s: cpus", s->name);
		cr_expect_eq(bi.console.kind, s->console, "%s: console kind", s->name);
		cr_expect_eq(bi.console.base, s->console_base, "%s: console base", s->name);
		cr_expect_eq(bi.dtb_size, len, "%s: dtb size", s->name);
		if (s->has_cmdline)
			cr_expect_str_eq(bi.cmdline, "kestrel.test=yes", "%s", s->name);
		if (s->console == CONSOLE_PL011) {
			cr_expect(bi.power == POWER_PSCI_HVC || bi.power == POWER_PSCI_SMC);
		} else {
			cr_expect_eq(bi.power, POWER_SIFIVE_TEST, "%s: exit device", s->name);
			cr_expect_eq(bi.power_base, 0x100000);
			cr_expect_eq(bi.console.reg_width, 1);
		}
		/* The DTB itself is reserved. */
		bool found = false;
		for (unsigned r = 0; r < bi.reserved_count; r++)
			found |= bi.reserved[r].base == 0x48000000 &&
				 bi.reserved[r].type == RESERVE_BOOT_DATA;
		cr_expect(found, "%s: dtb reserved", s->name);
		free(dtb);
	}
}

Test(fdt, navigation)
{
	size_t len;
	uint8_t *dtb = load(&shapes[1], &len);
	struct fdt f;

	cr_assert_eq(fdt_open(&f, dtb, len), 0);
	int root = fdt_root(&f);
	cr_assert_geq(root, 0);
	cr_expect_str_eq(fdt_node_name(&f, root), "");
	int cpus = fdt_path(&f, "/cpus", 5);
	cr_assert_geq(cpus, 0);
	cr_expect_eq(fdt_parent(&f, cpus), root);
	int n = 0;
	for (int c = fdt_first_child(&f, cpus); c >= 0; c = fdt_next_sibling(&f, c))
		n++;
	cr_expect_geq(n, 4); /* four cpu@N plus cpu-map */
	cr_expect_lt(fdt_path(&f, "/no-such-node", 13), 0);
	cr_expect_geq(fdt_path(&f, "/cpus/cpu@0", 11), 0);
	cr_expect_geq(fdt_path(&f, "/cpus/cpu", 9), 0); /* unit address optional */
	cr_expect_eq(fdt_parent(&f, root), FDT_ERR_NOTFOUND);
	int uart = fdt_find_compatible(&f, -1, "arm,pl011");
	cr_assert_geq(uart, 0);
	uint64_t a, sz;
	cr_expect_eq(fdt_reg(&f, uart, 0, &a, &sz), 0);
	cr_expect_eq(a, 0x9000000);
	cr_expect_eq(fdt_reg(&f, uart, 1, &a, &sz), FDT_ERR_NOTFOUND);
	cr_expect_null(fdt_prop(&f, uart, "no-such-prop", NULL));
	free(dtb);
}

Test(fdt, bad_headers)
{
	size_t len;
	uint8_t *dtb = load(&shapes[0], &len);
	struct fdt f;

	cr_expect_eq(fdt_open(&f, NULL, 100), FDT_ERR_TRUNCATED);
	cr_expect_eq(fdt_open(&f, dtb, 39), FDT_ERR_TRUNCATED);
	cr_expect_eq(fdt_open(&f, dtb, len - 1), FDT_ERR_TRUNCATED);
	dtb[0] ^= 1;
	cr_expect_eq(fdt_open(&f, dtb, len), FDT_ERR_MAGIC);
	dtb[0] ^= 1;
	dtb[23] = 1; /* version 1 */
	cr_expect_eq(fdt_open(&f, dtb, len), FDT_ERR_VERSION);
	free(dtb);
}

/* Everything the reader can be asked, on one blob; the answers do not matter, only safety. */
static void walk_all(const uint8_t *b, size_t len)
{
	struct fdt f;
	struct boot_info bi = {0};

	(void)fdt_boot_info(b, len, 0x1000, &bi);
	if (fdt_open(&f, b, len) < 0)
		return;
	int depth = 0, steps = 0;
	for (int n = fdt_root(&f); n >= 0 && steps < 100000; n = fdt_next_node(&f, n, &depth)) {
		uint64_t a, s;
		(void)fdt_node_name(&f, n);
		(void)fdt_prop_str(&f, n, "compatible");
		(void)fdt_reg(&f, n, 0, &a, &s);
		(void)fdt_first_child(&f, n);
		(void)fdt_next_sibling(&f, n);
		steps++;
	}
	cr_assert_lt(steps, 100000, "walk did not end");
	int rsv = fdt_rsv_count(&f);
	for (int i = 0; i < rsv; i++) {
		uint64_t a, s;
		fdt_rsv(&f, i, &a, &s);
	}
}

Test(fdt, every_truncation_is_an_error)
{
	for (unsigned i = 0; i < NSHAPES; i++) {
		size_t len;
		uint8_t *dtb = load(&shapes[i], &len);
		for (size_t n = 0; n < len; n++) {
			uint8_t *c = blob_prefix(dtb, n);
			struct boot_info bi = {0};
			cr_assert_neq(fdt_boot_info(c, n, 0, &bi), 0, "%s cut at %zu",
				      shapes[i].name, n);
			/* Also claim the shorter size in the header, to reach the body parser. */
			if (n >= 40) {
				c[4] = (uint8_t)(n >> 24);
				c[5] = (uint8_t)(n >> 16);
				c[6] = (uint8_t)(n >> 8);
				c[7] = (uint8_t)n;
				walk_all(c, n);
			}
			free(c);
		}
		free(dtb);
	}
}

Test(fdt, random_corruption_never_faults)
{
	uint64_t seed = 42;

	for (unsigned i = 0; i < NSHAPES; i++) {
		size_t len;
		uint8_t *dtb = load(&shapes[i], &len);
		for (int round = 0; round < 1500; round++) {
			uint8_t *c = blob_prefix(dtb, len);
			int flips = 1 + (int)(blob_rand(&seed) % 8);
			for (int k = 0; k < flips; k++)
				c[blob_rand(&seed) % len] ^= (uint8_t)(1 + blob_rand(&seed) % 255);
			walk_all(c, len);
			free(c);
		}
		free(dtb);
	}
}
