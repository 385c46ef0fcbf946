/* struct boot_info helpers: sorted tables, totals, the command line. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/boot_info.h"
#include "hal_host.h"

Test(boot_info, ranges_sorted_and_usable_counts_overlaps_once)
{
	struct boot_info bi = {0};

	boot_add_ram(&bi, 0x100000, 0x100000);
	boot_add_ram(&bi, 0, 0x80000);
	cr_expect_eq(bi.ram[0].base, 0);
	cr_expect_eq(boot_ram_total(&bi), 0x180000);
	boot_add_reserved(&bi, 0x140000, 0x20000, RESERVE_KERNEL);
	boot_add_reserved(&bi, 0x130000, 0x20000, RESERVE_MODULE);  /* overlaps the kernel */
	boot_add_reserved(&bi, 0x90000, 0x10000, RESERVE_FIRMWARE); /* outside RAM */
	cr_expect_eq(bi.reserved[0].base, 0x90000);
	cr_expect_eq(boot_ram_usable(&bi), 0x180000 - 0x30000);
}

Test(boot_info, tables_fill_up)
{
	struct boot_info bi = {0};

	for (int i = 0; i < BOOT_MAX_RAM; i++)
		cr_expect_eq(boot_add_ram(&bi, (uint64_t)i << 20, 4096), 0);
	cr_expect_eq(boot_add_ram(&bi, 1ull << 40, 4096), -1);
	cr_expect_eq(boot_add_ram(&bi, 1ull << 40, 0), 0); /* empty ranges are dropped */
}

Test(boot_info, cmdline)
{
	struct boot_info bi = {0};
	char buf[8];

	strcpy(bi.cmdline, "ktest expect.mem=134217728 quiet expect.cpus=4 x=");
	cr_expect(boot_cmdline_has(&bi, "ktest"));
	cr_expect(boot_cmdline_has(&bi, "quiet"));
	cr_expect(!boot_cmdline_has(&bi, "kte"));
	cr_expect(!boot_cmdline_has(&bi, "expect"));
	cr_expect_str_eq(boot_cmdline_get(&bi, "expect.cpus", buf, sizeof(buf)), "4");
	cr_expect_str_eq(boot_cmdline_get(&bi, "expect.mem", buf, sizeof(buf)), "1342177");
	cr_expect_str_eq(boot_cmdline_get(&bi, "x", buf, sizeof(buf)), "");
	cr_expect_null(boot_cmdline_get(&bi, "quiet", buf, sizeof(buf)));
	cr_expect_null(boot_cmdline_get(&bi, "missing", buf, sizeof(buf)));
}

/* Every address of the map carries its 0x, the one at zero too. */
Test(boot_info, map_printed_with_prefixes)
{
	struct boot_info bi = {0};

	boot_add_ram(&bi, 0, 0x9fc00);
	boot_add_ram(&bi, 0x100000, 0x7ee0000);
	boot_add_reserved(&bi, 0, 0x1000, RESERVE_FIRMWARE);
	bi.reserved[bi.reserved_count++] =
	    (struct mem_range){0x2000, 0x1000, 99}; /* unknown type */
	host_console_take();
	boot_info_print(&bi);
	const char *out = host_console_take();
	cr_expect(strstr(out, "  ram      0x000000000000-0x00000009fbff"), "%s", out);
	cr_expect(strstr(out, "  ram      0x000000100000-0x000007fdffff"), "%s", out);
	cr_expect(strstr(out, "  reserved 0x000000000000-0x000000000fff firmware"), "%s", out);
	cr_expect(strstr(out, "  reserved 0x000000002000-0x000000002fff ?\r\n"), "%s", out);
	cr_expect(!strstr(out, " 00000"), "%s", out);
}
