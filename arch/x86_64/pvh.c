/* struct boot_info from the PVH start info (QEMU -kernel with the Xen PHYS32_ENTRY note). */
#include "core/boot_info.h"
#include "core/kstring.h"
#include "memlayout.h"
#include "pvh.h"

/* Layout of version 1 (offsets in bytes; all little-endian). */
#define SI_MAGIC	  0x00
#define SI_VERSION	  0x04
#define SI_NR_MODULES	  0x0c
#define SI_MODLIST	  0x10
#define SI_CMDLINE	  0x18
#define SI_RSDP		  0x20
#define SI_MEMMAP	  0x28
#define SI_MEMMAP_ENTRIES 0x30
#define SI_SIZE_V0	  0x28
#define SI_SIZE_V1	  0x38

#define MOD_PADDR   0x00
#define MOD_SIZE    0x08
#define MOD_CMDLINE 0x10
#define MOD_SIZEOF  0x20

#define MAP_ADDR   0x00
#define MAP_SIZE   0x08
#define MAP_TYPE   0x10
#define MAP_SIZEOF 0x18

/* Memory map types (e820). */
#define MAP_RAM	     1
#define MAP_ACPI     3
#define MAP_UNUSABLE 5

/* Sanity bounds: anything larger is a corrupt start info. */
#define MAP_ENTRIES_MAX 1024
#define MODULES_MAX	64
#define STRING_MAX	4096

const char *pvh_strerror(int err)
{
	switch (err) {
	case PVH_ERR_MAGIC:
		return "bad PVH start info magic";
	case PVH_ERR_RANGE:
		return "PVH start info points outside readable memory";
	case PVH_ERR_VERSION:
		return "PVH start info version 0 has no memory map";
	case PVH_ERR_MEMMAP:
		return "bad PVH memory map";
	case PVH_ERR_MODULE:
		return "bad PVH module";
	case PVH_ERR_FULL:
		return "too many PVH memory ranges or modules";
	default:
		return err >= 0 ? "ok" : "unknown PVH error";
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * Copy the NUL-terminated string at physical `pa` into dst (truncated to
 * `size`); returns its length including the NUL, or -1 when it is not
 * readable or not terminated within STRING_MAX bytes.
 */
static int copy_string(char *dst, size_t size, uint64_t pa)
{
	const char *s = boot_phys(pa, 1);
	size_t n = 0;

	if (!s)
		return -1;
	for (;; n++) {
		if (n >= STRING_MAX || !boot_phys(pa, n + 1))
			return -1;
		if (!s[n])
			break;
	}
	kstrlcpy(dst, s, size);
	return (int)n + 1;
}

static int read_memmap(const uint8_t *si, struct boot_info *bi)
{
	uint64_t map_pa = le64(si + SI_MEMMAP);
	uint32_t count = le32(si + SI_MEMMAP_ENTRIES);

	if (count == 0 || count > MAP_ENTRIES_MAX)
		return PVH_ERR_MEMMAP;
	const uint8_t *map = boot_phys(map_pa, (uint64_t)count * MAP_SIZEOF);
	if (!map)
		return PVH_ERR_RANGE;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = map + (size_t)i * MAP_SIZEOF;
		uint64_t base = le64(e + MAP_ADDR), len = le64(e + MAP_SIZE);
		uint32_t type = le32(e + MAP_TYPE);
		int r = 0;
		/* As for Multiboot2: ACPI-reclaimable memory is RAM the firmware still holds. */
		if (type == MAP_RAM || type == MAP_ACPI)
			r = boot_add_ram(bi, base, len);
		if (type == MAP_UNUSABLE)
			r |= boot_add_reserved(bi, base, len, RESERVE_BAD);
		else if (type != MAP_RAM)
			r |= boot_add_reserved(bi, base, len, RESERVE_FIRMWARE);
		if (r < 0)
			return PVH_ERR_FULL;
	}
	if (bi->ram_count == 0)
		return PVH_ERR_MEMMAP;
	return boot_add_reserved(bi, map_pa, (uint64_t)count * MAP_SIZEOF, RESERVE_BOOT_DATA) < 0
		   ? PVH_ERR_FULL
		   : 0;
}

static int read_modules(const uint8_t *si, struct boot_info *bi)
{
	uint32_t count = le32(si + SI_NR_MODULES);

	if (count == 0)
		return 0;
	if (count > MODULES_MAX)
		return PVH_ERR_MODULE;
	const uint8_t *list = boot_phys(le64(si + SI_MODLIST), (uint64_t)count * MOD_SIZEOF);
	if (!list)
		return PVH_ERR_RANGE;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = list + (size_t)i * MOD_SIZEOF;
		uint64_t base = le64(e + MOD_PADDR), size = le64(e + MOD_SIZE);
		uint64_t cmdline = le64(e + MOD_CMDLINE);
		if (size > UINT64_MAX - base)
			return PVH_ERR_MODULE;
		if (bi->module_count >= BOOT_MAX_MODULES)
			return PVH_ERR_FULL;
		struct boot_module *m = &bi->modules[bi->module_count++];
		m->base = base;
		m->size = size;
		if (!cmdline || copy_string(m->name, sizeof(m->name), cmdline) < 0)
			kstrlcpy(m->name, "module", sizeof(m->name));
		if (boot_add_reserved(bi, base, size, RESERVE_MODULE) < 0)
			return PVH_ERR_FULL;
	}
	return 0;
}

static int read_cmdline(const uint8_t *si, struct boot_info *bi)
{
	uint64_t pa = le64(si + SI_CMDLINE);

	if (!pa)
		return 0;
	int len = copy_string(bi->cmdline, sizeof(bi->cmdline), pa);
	if (len < 0)
		return PVH_ERR_RANGE;
	return boot_add_reserved(bi, pa, (uint64_t)len, RESERVE_BOOT_DATA) < 0 ? PVH_ERR_FULL : 0;
}

int pvh_boot_info(uint64_t pa, struct boot_info *bi)
{
	const uint8_t *si = boot_phys(pa, SI_SIZE_V0);
	int err;

	if (!si)
		return PVH_ERR_RANGE;
	if (le32(si + SI_MAGIC) != PVH_START_MAGIC)
		return PVH_ERR_MAGIC;
	bi->loader = "QEMU PVH";
	bi->acpi_rsdp = le64(si + SI_RSDP);
	if (le32(si + SI_VERSION) < 1)
		return PVH_ERR_VERSION;
	if (!boot_phys(pa, SI_SIZE_V1))
		return PVH_ERR_RANGE;
	if (boot_add_reserved(bi, pa, SI_SIZE_V1, RESERVE_BOOT_DATA) < 0)
		return PVH_ERR_FULL;
	if ((err = read_memmap(si, bi)) < 0 || (err = read_cmdline(si, bi)) < 0)
		return err;
	return read_modules(si, bi);
}
