/* The ELF64 checker: header, program headers, then each PT_LOAD segment. */
#include "core/elf.h"

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define PT_LOAD	  1
#define ET_EXEC	  2
#define ELF_PAGE  4096ull
#define MAX_PHDRS 64

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* [a, a + n) inside [0, size), without overflow. */
static int within(uint64_t a, uint64_t n, uint64_t size)
{
	return a <= size && n <= size - a;
}

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return E_INVALID_PARAMETER;
}

int elf_parse(const void *data, size_t size, unsigned machine, uint64_t user_top,
	      struct elf_image *out, const char **why)
{
	const uint8_t *b = data;

	if (!data || !out)
		return fail(why, "no image");
	if (size < EHDR_SIZE)
		return fail(why, "shorter than an ELF header");
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return fail(why, "not ELF (bad magic)");
	if (b[4] != 2 || b[5] != 1 || b[6] != 1)
		return fail(why, "not ELF64 little-endian version 1");
	if (rd16(b + 16) != ET_EXEC)
		return fail(why, "not an executable (ET_EXEC)");
	if (rd16(b + 18) != machine)
		return fail(why, "built for another machine");
	if (rd32(b + 20) != 1)
		return fail(why, "bad e_version");
	uint64_t phoff = rd64(b + 32);
	uint16_t phentsize = rd16(b + 54), phnum = rd16(b + 56);
	if (rd16(b + 52) != EHDR_SIZE || phentsize != PHDR_SIZE)
		return fail(why, "unexpected header sizes");
	if (phnum == 0 || phnum > MAX_PHDRS)
		return fail(why, "no program headers, or too many");
	if (!within(phoff, (uint64_t)phnum * PHDR_SIZE, size))
		return fail(why, "program headers outside the file");

	out->entry = rd64(b + 24);
	out->segment_count = 0;
	int entry_ok = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (uint64_t)i * PHDR_SIZE;
		if (rd32(ph) != PT_LOAD)
			continue;
		struct elf_segment s = {
		    .flags = rd32(ph + 4) & 7,
		    .offset = rd64(ph + 8),
		    .vaddr = rd64(ph + 16),
		    .filesz = rd64(ph + 32),
		    .memsz = rd64(ph + 40),
		};
		if (out->segment_count == ELF_MAX_SEGMENTS)
			return fail(why, "too many loadable segments");
		if (s.filesz > s.memsz)
			return fail(why, "segment larger in the file than in memory");
		if (!within(s.offset, s.filesz, size))
			return fail(why, "segment data outside the file");
		if (s.memsz == 0)
			continue;
		if (s.vaddr < ELF_PAGE || !within(s.vaddr, s.memsz, user_top))
			return fail(why, "segment outside the user address range");
		if (s.vaddr % ELF_PAGE != s.offset % ELF_PAGE)
			return fail(why,
				    "segment address and file offset disagree modulo the page");
		if ((s.flags & (ELF_SEG_W | ELF_SEG_X)) == (ELF_SEG_W | ELF_SEG_X))
			return fail(why, "segment both writable and executable");
		/*
		 * Segments may share a page at their ends (linker scripts that
		 * do not page-align .data make that), never a byte.
		 */
		for (unsigned k = 0; k < out->segment_count; k++) {
			const struct elf_segment *o = &out->segment[k];
			if (s.vaddr < o->vaddr + o->memsz && o->vaddr < s.vaddr + s.memsz)
				return fail(why, "segments overlap");
		}
		if (s.flags & ELF_SEG_X && out->entry >= s.vaddr && out->entry - s.vaddr < s.memsz)
			entry_ok = 1;
		out->segment[out->segment_count++] = s;
	}
	if (!out->segment_count)
		return fail(why, "nothing to load");
	if (!entry_ok)
		return fail(why, "entry point not in an executable segment");
	return E_OK;
}
