/* struct boot_info from Multiboot2 information: what GRUB hands the x86_64 kernel. */
#include "core/boot_info.h"
#include "core/kstring.h"
#include "core/mb2.h"

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

/* Memory map entry types. */
enum {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_RESERVED = 2,
	MB2_MEM_ACPI_RECLAIMABLE = 3,
	MB2_MEM_NVS = 4,
	MB2_MEM_BAD = 5,
};

/* Multiboot2 information is little-endian, like x86; read bytes to stay alignment-safe. */
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

const char *mb2_strerror(int err)
{
	switch (err) {
	case MB2_ERR_TRUNCATED:
		return "truncated Multiboot2 information";
	case MB2_ERR_SIZE:
		return "bad Multiboot2 total size";
	case MB2_ERR_TAG:
		return "malformed Multiboot2 tag";
	case MB2_ERR_NOEND:
		return "Multiboot2 information has no end tag";
	case MB2_ERR_FULL:
		return "too many memory ranges";
	default:
		return err >= 0 ? "ok" : "unknown Multiboot2 error";
	}
}

/* A string field of `len` bytes must hold its terminating NUL. */
static const char *tag_string(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		if (!p[i])
			return (const char *)p;
	}
	return NULL;
}

static int read_mmap(const uint8_t *t, uint32_t size, struct boot_info *bi)
{
	if (size < 16)
		return MB2_ERR_TAG;
	uint32_t esize = le32(t + 8);
	if (esize < 24 || esize % 8)
		return MB2_ERR_TAG;
	for (uint32_t o = 16; o + esize <= size; o += esize) {
		uint64_t base = le64(t + o), len = le64(t + o + 8);
		uint32_t type = le32(t + o + 16);
		int r = 0;
		if (type == MB2_MEM_AVAILABLE || type == MB2_MEM_ACPI_RECLAIMABLE)
			r = boot_add_ram(bi, base, len);
		if (type == MB2_MEM_BAD)
			r |= boot_add_reserved(bi, base, len, RESERVE_BAD);
		else if (type != MB2_MEM_AVAILABLE)
			r |= boot_add_reserved(bi, base, len, RESERVE_FIRMWARE);
		if (r < 0)
			return MB2_ERR_FULL;
	}
	return 0;
}

static int read_module(const uint8_t *t, uint32_t size, struct boot_info *bi)
{
	if (size < 17)
		return MB2_ERR_TAG;
	uint32_t start = le32(t + 8), end = le32(t + 12);
	const char *name = tag_string(t + 16, size - 16);
	if (!name || end < start)
		return MB2_ERR_TAG;
	if (bi->module_count >= BOOT_MAX_MODULES)
		return MB2_ERR_FULL;
	struct boot_module *m = &bi->modules[bi->module_count++];
	m->base = start;
	m->size = end - start;
	kstrlcpy(m->name, name, sizeof(m->name));
	return boot_add_reserved(bi, start, end - start, RESERVE_MODULE) < 0 ? MB2_ERR_FULL : 0;
}

/* Framebuffer types (tag 8's byte 29). */
enum {
	MB2_FB_INDEXED = 0,
	MB2_FB_RGB = 1,
	MB2_FB_EGA_TEXT = 2,
};

/*
 * Tag 8: address (u64), pitch, width, height (u32), bpp and type (u8), two
 * reserved bytes (GRUB's layout, which the specification's own header
 * follows), then for direct RGB each colour's bit position and size (u8
 * pairs: red, green, blue). A tag that does not describe a 32-bit xRGB
 * framebuffer leaves none, saying why: the machine boots on without one.
 */
static void read_framebuffer(const uint8_t *t, uint32_t size, struct boot_framebuffer *fb)
{
	*fb = (struct boot_framebuffer){0};
	if (size < 32) {
		fb->why = "framebuffer tag too short";
		return;
	}
	fb->phys = le64(t + 8);
	fb->pitch = le32(t + 16);
	fb->width = le32(t + 20);
	fb->height = le32(t + 24);
	fb->bpp = t[28];
	uint8_t type = t[29];
	uint64_t span = (uint64_t)fb->pitch * fb->height;
	if (type == MB2_FB_EGA_TEXT)
		fb->why = "the loader kept the text screen";
	else if (type != MB2_FB_RGB)
		fb->why = "not direct RGB (palette-indexed)";
	else if (size < 38)
		fb->why = "framebuffer tag too short for its colour fields";
	else if (fb->bpp != 32 || t[32] != 16 || t[33] != 8 || t[34] != 8 || t[35] != 8 ||
		 t[36] != 0 || t[37] != 8)
		fb->why = "not 32-bit 0x00RRGGBB pixels";
	else if (!fb->width || !fb->height || !fb->phys)
		fb->why = "framebuffer of no size or at address 0";
	else if ((uint64_t)fb->pitch < (uint64_t)fb->width * 4)
		fb->why = "framebuffer pitch shorter than a row";
	else if (fb->phys + span < fb->phys)
		fb->why = "framebuffer beyond the address space";
	else
		fb->present = true;
}

/* Keep the framebuffer out of the allocator when the memory map calls it RAM. */
static int reserve_framebuffer(struct boot_info *bi)
{
	struct boot_framebuffer *fb = &bi->fb;
	uint64_t end = fb->phys + (uint64_t)fb->pitch * fb->height;

	if (!fb->present)
		return 0;
	for (unsigned i = 0; i < bi->ram_count; i++) {
		const struct mem_range *r = &bi->ram[i];
		if (fb->phys < r->base + r->size && end > r->base)
			return boot_add_reserved(bi, fb->phys, end - fb->phys, RESERVE_FIRMWARE) < 0
				   ? MB2_ERR_FULL
				   : 0;
	}
	return 0;
}

static int read_tag(const uint8_t *t, uint32_t type, uint32_t size, uint64_t pa,
		    struct boot_info *bi)
{
	const char *s;

	switch (type) {
	case MB2_TAG_CMDLINE:
		if (!(s = tag_string(t + 8, size - 8)))
			return MB2_ERR_TAG;
		kstrlcpy(bi->cmdline, s, sizeof(bi->cmdline));
		return 0;
	case MB2_TAG_LOADER:
		if (!(s = tag_string(t + 8, size - 8)))
			return MB2_ERR_TAG;
		bi->loader = s;
		return 0;
	case MB2_TAG_MODULE:
		return read_module(t, size, bi);
	case MB2_TAG_MMAP:
		return read_mmap(t, size, bi);
	case MB2_TAG_FRAMEBUFFER:
		read_framebuffer(t, size, &bi->fb);
		return 0;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		/* The tag holds a copy of the RSDP; point at the copy, the newer one wins. */
		if (size < 8 + 20)
			return MB2_ERR_TAG;
		if (type == MB2_TAG_ACPI_NEW || !bi->acpi_rsdp)
			bi->acpi_rsdp = pa + 8;
		return 0;
	default:
		return 0; /* tags we do not need */
	}
}

int mb2_boot_info(const void *info, size_t avail, uint64_t pa, struct boot_info *bi)
{
	const uint8_t *b = info;

	if (!info || avail < 8)
		return MB2_ERR_TRUNCATED;
	uint32_t total = le32(b);
	if (total < 16 || total > (1u << 24))
		return MB2_ERR_SIZE;
	if (total > avail)
		return MB2_ERR_TRUNCATED;
	bi->loader = "Multiboot2";
	bi->mb2_info = pa;
	if (boot_add_reserved(bi, pa, total, RESERVE_BOOT_DATA) < 0)
		return MB2_ERR_FULL;
	for (uint32_t off = 8; off + 8 <= total;) {
		uint32_t type = le32(b + off), size = le32(b + off + 4);
		if (size < 8 || size > total - off)
			return MB2_ERR_TAG;
		if (type == MB2_TAG_END)
			return bi->ram_count ? reserve_framebuffer(bi) : MB2_ERR_TAG;
		int err = read_tag(b + off, type, size, pa + off, bi);
		if (err < 0)
			return err;
		off += (size + 7) & ~7u;
	}
	return MB2_ERR_NOEND;
}
