/*
 * The Multiboot2 parser against information built the way GRUB lays it out
 * (specification section 3.6), then truncated and corrupted copies of it.
 */
#include "blob.h"
#include "core/boot_info.h"
#include "core/mb2.h"

struct mbi {
	uint8_t b[4096];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* x86 is little-endian, like the host */
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint8_t *tag(struct mbi *m, uint32_t type, uint32_t size)
{
	uint8_t *t = m->b + m->len;
	put32(t, type);
	put32(t + 4, size);
	m->len += (size + 7) & ~7u;
	return t;
}

static void tag_string(struct mbi *m, uint32_t type, const char *s)
{
	uint8_t *t = tag(m, type, 8 + (uint32_t)strlen(s) + 1);
	memcpy(t + 8, s, strlen(s) + 1);
}

/* A machine with 640 KiB + 127 MiB of RAM, a reserved hole, ACPI, a module. */
static void build(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
	tag_string(m, 1, "console=ttyS0 ktest");
	tag_string(m, 2, "GRUB 2.06");
	uint8_t *mod = tag(m, 3, 16 + 7);
	put32(mod + 8, 0x200000);
	put32(mod + 12, 0x280000);
	memcpy(mod + 16, "initrd", 7);
	static const uint64_t map[][3] = {
	    {0, 0x9fc00, 1},	      {0x9fc00, 0x400, 2},     {0xf0000, 0x10000, 2},
	    {0x100000, 0x7ee0000, 1}, {0x7fe0000, 0x20000, 3}, {0xfffc0000, 0x40000, 2},
	};
	uint8_t *mm = tag(m, 6, 16 + 24 * 6);
	put32(mm + 8, 24);
	put32(mm + 12, 0);
	for (int i = 0; i < 6; i++) {
		put64(mm + 16 + 24 * i, map[i][0]);
		put64(mm + 16 + 24 * i + 8, map[i][1]);
		put32(mm + 16 + 24 * i + 16, (uint32_t)map[i][2]);
	}
	uint8_t *acpi = tag(m, 14, 8 + 20);
	memcpy(acpi + 8, "RSD PTR ", 8);
	tag(m, 0, 8);
	put32(m->b, (uint32_t)m->len);
}

Test(mb2, grub_layout)
{
	struct mbi m;
	struct boot_info bi = {0};

	build(&m);
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0x10000, &bi), 0);
	cr_expect_str_eq(bi.cmdline, "console=ttyS0 ktest");
	cr_expect_str_eq(bi.loader, "GRUB 2.06");
	cr_expect_eq(bi.ram_count, 3);
	cr_expect_eq(boot_ram_total(&bi), 0x9fc00 + 0x7ee0000 + 0x20000);
	cr_expect_eq(bi.module_count, 1);
	cr_expect_eq(bi.modules[0].base, 0x200000);
	cr_expect_eq(bi.modules[0].size, 0x80000);
	cr_expect_str_eq(bi.modules[0].name, "initrd");
	cr_expect_eq(bi.mb2_info, 0x10000);
	cr_expect_neq(bi.acpi_rsdp, 0);
	/* Usable: RAM less the MBI, the module and the ACPI tables. */
	cr_expect_eq(boot_ram_usable(&bi), boot_ram_total(&bi) - m.len - 0x80000 - 0x20000);
}

Test(mb2, structural_errors)
{
	struct mbi m;
	struct boot_info bi = {0};

	build(&m);
	cr_expect_eq(mb2_boot_info(NULL, 100, 0, &bi), MB2_ERR_TRUNCATED);
	cr_expect_eq(mb2_boot_info(m.b, m.len - 1, 0, &bi), MB2_ERR_TRUNCATED);
	put32(m.b, 8);
	cr_expect_eq(mb2_boot_info(m.b, m.len, 0, &bi), MB2_ERR_SIZE);
	build(&m);
	put32(m.b + 12, 4); /* first tag's size below its header */
	memset(&bi, 0, sizeof(bi));
	cr_expect_eq(mb2_boot_info(m.b, m.len, 0, &bi), MB2_ERR_TAG);
	build(&m);
	put32(m.b + m.len - 8, 99); /* the end tag is now an unknown tag */
	memset(&bi, 0, sizeof(bi));
	cr_expect_eq(mb2_boot_info(m.b, m.len, 0, &bi), MB2_ERR_NOEND);
	build(&m);
	m.b[8 + 8 + strlen("console=ttyS0 ktest")] = 'x'; /* command line loses its NUL */
	memset(&bi, 0, sizeof(bi));
	cr_expect_eq(mb2_boot_info(m.b, m.len, 0, &bi), MB2_ERR_TAG);
}

Test(mb2, every_truncation_is_an_error)
{
	struct mbi m;

	build(&m);
	for (size_t n = 0; n < m.len; n++) {
		uint8_t *c = blob_prefix(m.b, n);
		struct boot_info bi = {0};
		cr_assert_neq(mb2_boot_info(c, n, 0, &bi), 0, "cut at %zu", n);
		/* Claim the shorter size too, so the tag walk meets the cut. */
		if (n >= 8) {
			put32(c, (uint32_t)n);
			memset(&bi, 0, sizeof(bi));
			cr_assert_neq(mb2_boot_info(c, n, 0, &bi), 0, "cut and resized at %zu", n);
		}
		free(c);
	}
}

Test(mb2, random_corruption_never_faults)
{
	struct mbi m;
	uint64_t seed = 7;

	build(&m);
	for (int round = 0; round < 20000; round++) {
		uint8_t *c = blob_prefix(m.b, m.len);
		int flips = 1 + (int)(blob_rand(&seed) % 6);
		for (int k = 0; k < flips; k++)
			c[blob_rand(&seed) % m.len] ^= (uint8_t)(1 + blob_rand(&seed) % 255);
		struct boot_info bi = {0};
		(void)mb2_boot_info(c, m.len, 0, &bi);
		cr_assert_leq(bi.ram_count, BOOT_MAX_RAM);
		free(c);
	}
}

/*
 * The layout of build() with a framebuffer tag (type 8) before the end tag:
 * 800x600 at 0xfd000000, 32 bpp direct RGB, red at 16, green at 8, blue
 * at 0, each 8 bits; `size` cuts it short, then the caller edits it.
 */
static uint8_t *build_fb(struct mbi *m, uint32_t size)
{
	build(m);
	m->len -= 8; /* the end tag goes after ours */
	uint8_t *t = tag(m, 8, size);
	uint8_t full[38] = {0};
	put64(full + 8, 0xfd000000);
	put32(full + 16, 800 * 4);
	put32(full + 20, 800);
	put32(full + 24, 600);
	full[28] = 32;
	full[29] = 1;
	const uint8_t fields[6] = {16, 8, 8, 8, 0, 8};
	memcpy(full + 32, fields, sizeof(fields));
	memcpy(t + 8, full + 8, (size < sizeof(full) ? size : sizeof(full)) - 8);
	tag(m, 0, 8);
	put32(m->b, (uint32_t)m->len);
	return t;
}

Test(mb2, framebuffer_rgb32)
{
	struct mbi m;
	struct boot_info bi = {0};

	build_fb(&m, 38);
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0x10000, &bi), 0);
	cr_expect(bi.fb.present);
	cr_expect_eq(bi.fb.phys, 0xfd000000);
	cr_expect_eq(bi.fb.width, 800);
	cr_expect_eq(bi.fb.height, 600);
	cr_expect_eq(bi.fb.pitch, 3200);
	cr_expect_eq(bi.fb.bpp, 32);
	cr_expect_null(bi.fb.why);
	/* Beyond RAM (the PCI hole): nothing more to reserve. */
	cr_expect_eq(boot_ram_usable(&bi), boot_ram_total(&bi) - m.len - 0x80000 - 0x20000);
}

Test(mb2, framebuffer_in_ram_is_reserved)
{
	struct mbi m;
	struct boot_info bi = {0};

	uint8_t *t = build_fb(&m, 38);
	put64(t + 8, 0x1000000);
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0x10000, &bi), 0);
	cr_expect(bi.fb.present);
	cr_expect_eq(boot_ram_usable(&bi),
		     boot_ram_total(&bi) - m.len - 0x80000 - 0x20000 - 3200 * 600);
}

Test(mb2, framebuffer_tag_too_short)
{
	struct mbi m;
	struct boot_info bi = {0};

	build_fb(&m, 24); /* no height, bpp or type */
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0, "the machine boots without one");
	cr_expect_not(bi.fb.present);
	cr_expect_not_null(bi.fb.why);
	memset(&bi, 0, sizeof(bi));
	build_fb(&m, 34); /* direct RGB without all its colour fields */
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0);
	cr_expect_not(bi.fb.present);
	cr_expect_not_null(bi.fb.why);
}

Test(mb2, framebuffer_bad_pitch_or_size)
{
	struct mbi m;
	struct boot_info bi = {0};

	uint8_t *t = build_fb(&m, 38);
	put32(t + 16, 800 * 4 - 1);
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0);
	cr_expect_not(bi.fb.present);
	cr_expect_not_null(bi.fb.why);
	/* A width whose row is 2^34 bytes: the pitch check must not wrap. */
	t = build_fb(&m, 38);
	put32(t + 20, 0x80000000u);
	memset(&bi, 0, sizeof(bi));
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0);
	cr_expect_not(bi.fb.present);
	/* A range past the end of the address space. */
	t = build_fb(&m, 38);
	put64(t + 8, 0xffffffffffff0000ull);
	memset(&bi, 0, sizeof(bi));
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0);
	cr_expect_not(bi.fb.present);
	cr_expect_not_null(bi.fb.why);
	/* No rows. */
	t = build_fb(&m, 38);
	put32(t + 24, 0);
	memset(&bi, 0, sizeof(bi));
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0);
	cr_expect_not(bi.fb.present);
}

Test(mb2, framebuffer_other_formats)
{
	struct mbi m;
	struct boot_info bi = {0};

	uint8_t *t = build_fb(&m, 38);
	t[29] = 0; /* palette-indexed */
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0);
	cr_expect_not(bi.fb.present);
	cr_expect_not_null(bi.fb.why);
	t = build_fb(&m, 38);
	t[29] = 2; /* EGA text: what GRUB reports with gfxpayload=text */
	memset(&bi, 0, sizeof(bi));
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0);
	cr_expect_not(bi.fb.present);
	t = build_fb(&m, 38);
	t[28] = 24; /* 24 bpp */
	memset(&bi, 0, sizeof(bi));
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0);
	cr_expect_not(bi.fb.present);
	t = build_fb(&m, 38);
	t[32] = 0, t[36] = 16; /* BGR */
	memset(&bi, 0, sizeof(bi));
	cr_assert_eq(mb2_boot_info(m.b, m.len, 0, &bi), 0);
	cr_expect_not(bi.fb.present);
	cr_expect_not_null(bi.fb.why);
}
