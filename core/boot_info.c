/* Building and querying struct boot_info; shared by every arch's boot path. */
#include <stdbool.h>

#include "core/boot_info.h"
#include "core/kprintf.h"
#include "core/kstring.h"

/* Insert into a table kept sorted by base; -1 when full. */
static int insert_sorted(struct mem_range *tab, unsigned *count, unsigned max, struct mem_range r)
{
	unsigned i = *count;

	if (r.size == 0)
		return 0;
	if (*count >= max)
		return -1;
	while (i > 0 && tab[i - 1].base > r.base) {
		tab[i] = tab[i - 1];
		i--;
	}
	tab[i] = r;
	(*count)++;
	return 0;
}

int boot_add_ram(struct boot_info *bi, uint64_t base, uint64_t size)
{
	if (size > UINT64_MAX - base)
		size = UINT64_MAX - base;
	return insert_sorted(bi->ram, &bi->ram_count, BOOT_MAX_RAM,
			     (struct mem_range){.base = base, .size = size});
}

int boot_add_reserved(struct boot_info *bi, uint64_t base, uint64_t size, enum mem_reserve type)
{
	if (size > UINT64_MAX - base)
		size = UINT64_MAX - base;
	return insert_sorted(bi->reserved, &bi->reserved_count, BOOT_MAX_RESERVED,
			     (struct mem_range){.base = base, .size = size, .type = type});
}

uint64_t boot_ram_total(const struct boot_info *bi)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < bi->ram_count; i++)
		total += bi->ram[i].size;
	return total;
}

/* Bytes of [base, end) covered by reserved ranges (which may overlap each other). */
static uint64_t reserved_within(const struct boot_info *bi, uint64_t base, uint64_t end)
{
	uint64_t covered = 0, cursor = base;

	/* reserved[] is sorted by base, so one sweep counts each byte once. */
	for (unsigned i = 0; i < bi->reserved_count && cursor < end; i++) {
		uint64_t rb = bi->reserved[i].base;
		uint64_t re = rb + bi->reserved[i].size;
		if (re <= cursor)
			continue;
		if (rb < cursor)
			rb = cursor;
		if (rb >= end)
			break;
		if (re > end)
			re = end;
		covered += re - rb;
		cursor = re;
	}
	return covered;
}

uint64_t boot_ram_usable(const struct boot_info *bi)
{
	uint64_t usable = 0;

	for (unsigned i = 0; i < bi->ram_count; i++) {
		uint64_t b = bi->ram[i].base, e = b + bi->ram[i].size;
		usable += bi->ram[i].size - reserved_within(bi, b, e);
	}
	return usable;
}

/* Find `key` as a whole word (followed by '=', space or the end); its start or NULL. */
static const char *cmdline_find(const char *s, const char *key, size_t klen)
{
	for (const char *p = s; *p;) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && (p[klen] == '=' || p[klen] == ' ' || !p[klen]))
			return p;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

const char *boot_cmdline_get(const struct boot_info *bi, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline_find(bi->cmdline, key, klen);
	size_t n = 0;

	if (!p || p[klen] != '=' || len == 0)
		return NULL;
	for (p += klen + 1; p[n] && p[n] != ' ' && n + 1 < len; n++)
		buf[n] = p[n];
	buf[n] = '\0';
	return buf;
}

int boot_cmdline_has(const struct boot_info *bi, const char *flag)
{
	return cmdline_find(bi->cmdline, flag, strlen(flag)) != NULL;
}

static const char *const reserve_names[] = {
    [RESERVE_FIRMWARE] = "firmware", [RESERVE_KERNEL] = "kernel", [RESERVE_BOOT_DATA] = "boot data",
    [RESERVE_MODULE] = "module",     [RESERVE_BAD] = "bad",
};

static const char *const console_names[] = {
    [CONSOLE_NONE] = "none",
    [CONSOLE_NS16550_PIO] = "16550 (I/O ports)",
    [CONSOLE_NS16550_MMIO] = "16550",
    [CONSOLE_PL011] = "PL011",
    [CONSOLE_SBI] = "SBI",
};

/*
 * Addresses as 0x and 12 digits: "%#014llx" would print 0 without its 0x
 * (C drops the prefix of a zero, and kprintf follows C).
 */
void boot_info_print(const struct boot_info *bi)
{
	kprintf("boot: loader %s, command line \"%s\"\n", bi->loader ? bi->loader : "?",
		bi->cmdline);
	kprintf("boot: console %s at %#llx (%s)\n",
		bi->console.kind < sizeof console_names / sizeof *console_names
		    ? console_names[bi->console.kind]
		    : "?",
		(unsigned long long)bi->console.base, bi->console.path);
	for (unsigned i = 0; i < bi->ram_count; i++)
		kprintf("  ram      0x%012llx-0x%012llx\n", (unsigned long long)bi->ram[i].base,
			(unsigned long long)(bi->ram[i].base + bi->ram[i].size - 1));
	for (unsigned i = 0; i < bi->reserved_count; i++)
		kprintf("  reserved 0x%012llx-0x%012llx %s\n",
			(unsigned long long)bi->reserved[i].base,
			(unsigned long long)(bi->reserved[i].base + bi->reserved[i].size - 1),
			bi->reserved[i].type < sizeof reserve_names / sizeof *reserve_names
			    ? reserve_names[bi->reserved[i].type]
			    : "?");
	for (unsigned i = 0; i < bi->module_count; i++)
		kprintf("  module   0x%012llx-0x%012llx %s\n",
			(unsigned long long)bi->modules[i].base,
			(unsigned long long)(bi->modules[i].base + bi->modules[i].size - 1),
			bi->modules[i].name);
	if (bi->dtb)
		kprintf("  dtb      0x%012llx, %llu bytes\n", (unsigned long long)bi->dtb,
			(unsigned long long)bi->dtb_size);
	if (bi->acpi_rsdp)
		kprintf("  acpi     rsdp at %#llx\n", (unsigned long long)bi->acpi_rsdp);
	if (bi->fb.present)
		kprintf("boot: framebuffer %ux%u, %u bpp, pitch %u, at 0x%012llx\n", bi->fb.width,
			bi->fb.height, bi->fb.bpp, bi->fb.pitch, (unsigned long long)bi->fb.phys);
	else if (bi->fb.why)
		kprintf("boot: no framebuffer: %s\n", bi->fb.why);
}
