/*
 * A driver's hardware capabilities as text (drivers/lib/hwcaps.c): what
 * the manager writes the driver reads back exactly, capabilities by their
 * index in KESTREL_CAPS; malformed or out-of-range text is refused, and
 * too small a buffer is said so.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "drivers/lib/driver.h"
#include "include/abi/error.h"

/* "0x..,0x.." for a list of tokens. */
static void caps_text(const uint64_t *caps, unsigned n, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%#llx", i ? "," : "",
					(unsigned long long)caps[i]);
}

static struct hardware_caps full(void)
{
	struct hardware_caps hw = {0};
	strcpy(hw.device, "blk0");
	strcpy(hw.args, "size=4194304 ro");
	hw.slot = 3;
	hw.generation = 77;
	hw.manager = 0x1001;
	hw.dma = 0x1002;
	hw.pci = 0x1003;
	hw.sbdf = 0x00000818;
	hw.mmio_count = 2;
	hw.mmio_regions[0] = (struct mmio_region){
	    .base = 0xfe000000, .size = 0x4000, .cap = 0x1004, .writable = true};
	hw.mmio_regions[1] =
	    (struct mmio_region){.base = 0x8000000000ull, .size = 0x1000, .cap = 0x1005};
	hw.port_count = 1;
	hw.port_ranges[0] =
	    (struct port_range){.base = 0xc000, .size = 0x40, .cap = 0x1006, .writable = true};
	hw.interrupt_count = 1;
	hw.interrupts[0] = (struct interrupt_line){.line = 43, .flags = 3, .cap = 0x1007};
	hw.bars[0] =
	    (struct pci_bar){.pci_base = 0xc000, .cpu_base = 0xc000, .size = 0x40, .io = true};
	hw.bars[4] = (struct pci_bar){.pci_base = 0x8000000000ull,
				      .cpu_base = 0x8000000000ull,
				      .size = 0x4000,
				      .prefetchable = true,
				      .address_64bit = true};
	return hw;
}

Test(hwcaps, round_trip)
{
	struct hardware_caps hw = full(), back;
	uint64_t caps[24];
	char text[512], list[512];
	unsigned n = hwcaps_cap_list(&hw, caps, 24);
	cr_assert_eq(n, 7);
	cr_assert_eq(caps[0], hw.manager);
	cr_assert_eq(caps[6], hw.interrupts[0].cap);
	cr_assert_eq(hwcaps_format(&hw, NULL, text, sizeof(text)), E_OK);
	caps_text(caps, n, list, sizeof(list));
	cr_assert_eq(hwcaps_parse(text, list, &back), E_OK, "%s", text);
	cr_assert_str_eq(back.device, "blk0");
	cr_assert_str_eq(back.args, "size=4194304 ro");
	cr_assert_eq(back.slot, 3);
	cr_assert_eq(back.generation, 77);
	cr_assert_eq(back.manager, hw.manager);
	cr_assert_eq(back.dma, hw.dma);
	cr_assert_eq(back.pci, hw.pci);
	cr_assert_eq(back.sbdf, hw.sbdf);
	cr_assert_eq(back.mmio_count, 2);
	cr_assert(!memcmp(&back.mmio_regions[0], &hw.mmio_regions[0], sizeof(struct mmio_region)));
	cr_assert(!memcmp(&back.mmio_regions[1], &hw.mmio_regions[1], sizeof(struct mmio_region)));
	cr_assert_eq(back.port_count, 1);
	cr_assert(!memcmp(&back.port_ranges[0], &hw.port_ranges[0], sizeof(struct port_range)));
	cr_assert_eq(back.interrupt_count, 1);
	cr_assert(!memcmp(&back.interrupts[0], &hw.interrupts[0], sizeof(struct interrupt_line)));
	for (int i = 0; i < 6; i++)
		cr_assert(!memcmp(&back.bars[i], &hw.bars[i], sizeof(struct pci_bar)), "bar %d", i);
	/* The least: a name alone (the RAM disk with no manager). */
	struct hardware_caps min = {0};
	strcpy(min.device, "ram0");
	cr_assert_eq(hwcaps_format(&min, NULL, text, sizeof(text)), E_OK);
	cr_assert_eq(hwcaps_parse(text, NULL, &back), E_OK);
	cr_assert_str_eq(back.device, "ram0");
	cr_assert_eq(back.manager, 0);
	cr_assert_eq(hwcaps_cap_list(&min, caps, 24), 0);
}

Test(hwcaps, format_refuses_and_says_too_small)
{
	struct hardware_caps hw = full();
	char text[512];
	cr_assert_eq(hwcaps_format(&hw, NULL, text, 20), E_OUT_OF_MEMORY);
	hw.device[0] = 0;
	cr_assert_eq(hwcaps_format(&hw, NULL, text, sizeof(text)), E_INVALID_PARAMETER);
	hw = full();
	strcpy(hw.device, "a b");
	cr_assert_eq(hwcaps_format(&hw, NULL, text, sizeof(text)), E_INVALID_PARAMETER);
	hw = full();
	strcpy(hw.args, "a,b");
	cr_assert_eq(hwcaps_format(&hw, NULL, text, sizeof(text)), E_INVALID_PARAMETER);
	hw = full();
	hw.mmio_count = HWCAPS_MAX_MMIO + 1;
	cr_assert_eq(hwcaps_format(&hw, NULL, text, sizeof(text)), E_INVALID_PARAMETER);
	cr_assert_eq(hwcaps_format(NULL, NULL, text, sizeof(text)), E_INVALID_PARAMETER);
}

Test(hwcaps, parse_refuses_malformed_text)
{
	static const char *const bad[] = {
	    "",
	    "slot=1",				 /* no device */
	    "dev=",				 /* empty name */
	    "dev=abcdefghijklmnopq",		 /* too long */
	    "dev=x  slot=1",			 /* two spaces */
	    "dev=x slot=",			 /* no number */
	    "dev=x slot=12a",			 /* junk after it */
	    "dev=x slot=0x",			 /* hex without digits */
	    "dev=x slot=4294967296",		 /* above 32 bits */
	    "dev=x gen=99999999999999999999999", /* overflow */
	    "dev=x mgr=5",			 /* no such capability */
	    "dev=x mgr=25",			 /* past the most */
	    "dev=x dma=0:1",			 /* junk */
	    "dev=x mmio=0:0x1000:0x1000:x",
	    "dev=x mmio=0:0x1000:0:w",			/* empty */
	    "dev=x mmio=0:0xfffffffffffff000:0x2000:w", /* wraps */
	    "dev=x mmio=0:0x1000:0x1000:wr",
	    "dev=x mmio=0:0x1000",
	    "dev=x ports=0:0xfff0:0x20:w", /* past 0xffff */
	    "dev=x ports=0:0x10000:1:w",
	    "dev=x irq=0:5:4", /* flags */
	    "dev=x irq=0:5",
	    "dev=x pci=0",
	    "dev=x bar=6:0:0:0x1000:0", /* no BAR 6 */
	    "dev=x bar=0:0:0:0:0",	/* empty */
	    "dev=x bar=0:0:0:0x10:8",	/* flags */
	    "dev=x args=0123456789012345678901234567890123456789012345678901234567890123456789",
	    "dev=x what=1",
	    "dev=x slot=1\n",
	};
	struct hardware_caps hw;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(hwcaps_parse(bad[i], "0x10,0x20", &hw), E_INVALID_PARAMETER, "'%s'",
			     bad[i]);
	cr_assert_eq(hwcaps_parse(NULL, "", &hw), E_INVALID_PARAMETER);
	/* Too many of a kind. */
	char text[400] = "dev=x";
	for (int i = 0; i <= HWCAPS_MAX_IRQ; i++)
		strcat(text, " irq=0:1:0");
	cr_assert_eq(hwcaps_parse(text, "0x10", &hw), E_INVALID_PARAMETER);
	/* And good text still parses. */
	cr_assert_eq(hwcaps_parse("dev=x slot=0 gen=1 mgr=0 args=size=1048576,ro", "0x10", &hw),
		     E_OK);
	cr_assert_eq(hw.manager, 0x10);
	cr_assert_str_eq(hw.args, "size=1048576 ro");
}
