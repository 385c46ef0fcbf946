/*
 * The ELF64 checker: a good executable parses; each kind of damage is
 * refused with a reason; every truncation and random corruption (fixed
 * seed) is refused or yields segments that really lie in the file and in
 * the user range. ASan and UBSan watch for any stray access.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "blob.h"
#include "core/elf.h"

#define USER_TOP   0x0000800000000000ull
#define IMAGE_SIZE 0x2010

static uint8_t img[0x3000];

static void put16(size_t at, uint16_t v)
{
	img[at] = (uint8_t)v;
	img[at + 1] = (uint8_t)(v >> 8);
}

static void put32(size_t at, uint32_t v)
{
	put16(at, (uint16_t)v);
	put16(at + 2, (uint16_t)(v >> 16));
}

static void put64(size_t at, uint64_t v)
{
	put32(at, (uint32_t)v);
	put32(at + 4, (uint32_t)(v >> 32));
}

static void phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
		 uint64_t filesz, uint64_t memsz)
{
	size_t p = 64 + i * 56;
	put32(p, type);
	put32(p + 4, flags);
	put64(p + 8, off);
	put64(p + 16, vaddr);
	put64(p + 24, vaddr);
	put64(p + 32, filesz);
	put64(p + 40, memsz);
	put64(p + 48, 0x1000);
}

/* Text R+X at 0x401000 from offset 0x1000, data R+W at 0x402000 (0x10 bytes + bss). */
static void build(void)
{
	memset(img, 0, sizeof(img));
	memcpy(img,
	       "\x7f"
	       "ELF",
	       4);
	img[4] = 2;
	img[5] = 1;
	img[6] = 1;
	put16(16, 2);
	put16(18, ELF_MACHINE_X86_64);
	put32(20, 1);
	put64(24, 0x401000);
	put64(32, 64);
	put16(52, 64);
	put16(54, 56);
	put16(56, 3);
	phdr(0, 1, ELF_SEG_R | ELF_SEG_X, 0x1000, 0x401000, 0x100, 0x100);
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x2000, 0x402000, 0x10, 0x3000);
	phdr(2, 4, ELF_SEG_R, 0, 0, 0, 0); /* a PT_NOTE, ignored */
}

TestSuite(elf, .init = build);

static int parse(size_t size, const char **why)
{
	struct elf_image im;
	return elf_parse(img, size, ELF_MACHINE_X86_64, USER_TOP, &im, why);
}

Test(elf, a_good_executable)
{
	struct elf_image im;
	const char *why = NULL;

	cr_assert_eq(elf_parse(img, IMAGE_SIZE, ELF_MACHINE_X86_64, USER_TOP, &im, &why), E_OK,
		     "%s", why);
	cr_assert_eq(im.entry, 0x401000);
	cr_assert_eq(im.segment_count, 2);
	cr_assert_eq(im.segment[1].vaddr, 0x402000);
	cr_assert_eq(im.segment[1].memsz, 0x3000);
	cr_assert_eq(im.segment[1].flags, ELF_SEG_R | ELF_SEG_W);
	cr_assert_eq(elf_parse(img, IMAGE_SIZE, ELF_MACHINE_RISCV, USER_TOP, &im, &why),
		     E_INVALID_PARAMETER, "another machine's image");
}

/*
 * Data right after the text, in the text's last page, as r2apps' linker
 * script lays a program out: accepted (the page is shared, no byte is);
 * one byte further back it overlaps and is refused.
 */
Test(elf, segments_may_share_a_page_not_a_byte)
{
	struct elf_image im;
	const char *why = NULL;
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x1100, 0x401100, 0x10, 0x3000);
	cr_assert_eq(elf_parse(img, IMAGE_SIZE, ELF_MACHINE_X86_64, USER_TOP, &im, &why), E_OK,
		     "%s", why);
	cr_assert_eq(im.segment_count, 2);
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x10ff, 0x4010ff, 0x10, 0x3000);
	cr_assert_eq(elf_parse(img, IMAGE_SIZE, ELF_MACHINE_X86_64, USER_TOP, &im, &why),
		     E_INVALID_PARAMETER);
}

struct damage {
	const char *name;
	void (*apply)(void);
};

static void bad_magic(void)
{
	img[1] = 'X';
}
static void elf32(void)
{
	img[4] = 1;
}
static void big_endian(void)
{
	img[5] = 2;
}
static void shared_object(void)
{
	put16(16, 3);
}
static void phentsize(void)
{
	put16(54, 32);
}
static void no_phdrs(void)
{
	put16(56, 0);
}
static void phdrs_outside(void)
{
	put64(32, 0x2ff0);
}
static void phoff_wraps(void)
{
	put64(32, ~0ull - 8);
}
static void file_bigger_than_mem(void)
{
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x2000, 0x402000, 0x20, 0x10);
}
static void data_outside(void)
{
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x2008, 0x402008, 0x10, 0x10);
}
static void offset_wraps(void)
{
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, ~0ull - 4, 0x402000, 0x10, 0x10);
}
static void page_zero(void)
{
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x2000, 0x0, 0x10, 0x10);
}
static void vaddr_wraps(void)
{
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x2000, ~0ull - 0xfff, 0x10, 0x2000);
}
static void kernel_half(void)
{
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x2000, 0xffff800000002000ull, 0x10, 0x10);
}
static void write_and_exec(void)
{
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W | ELF_SEG_X, 0x2000, 0x402000, 0x10, 0x10);
}
static void overlap(void)
{
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x2000, 0x401000, 0x10, 0x10);
}
static void misaligned(void)
{
	phdr(1, 1, ELF_SEG_R | ELF_SEG_W, 0x2000, 0x402100, 0x10, 0x10);
}
static void entry_in_data(void)
{
	put64(24, 0x402000);
}
static void entry_nowhere(void)
{
	put64(24, 0x900000);
}
static void only_notes(void)
{
	put32(64, 4);
	put32(64 + 56, 4);
}

Test(elf, every_kind_of_damage_is_refused)
{
	static const struct damage d[] = {
	    {"bad magic", bad_magic},
	    {"ELF32", elf32},
	    {"big endian", big_endian},
	    {"ET_DYN", shared_object},
	    {"phentsize", phentsize},
	    {"no program headers", no_phdrs},
	    {"program headers outside", phdrs_outside},
	    {"phoff wraps", phoff_wraps},
	    {"filesz > memsz", file_bigger_than_mem},
	    {"data outside the file", data_outside},
	    {"offset wraps", offset_wraps},
	    {"page zero", page_zero},
	    {"vaddr wraps", vaddr_wraps},
	    {"kernel half", kernel_half},
	    {"W+X", write_and_exec},
	    {"overlap", overlap},
	    {"misaligned", misaligned},
	    {"entry in data", entry_in_data},
	    {"entry nowhere", entry_nowhere},
	    {"nothing to load", only_notes},
	};
	for (unsigned i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		const char *why = NULL;
		build();
		d[i].apply();
		cr_assert_eq(parse(IMAGE_SIZE, &why), E_INVALID_PARAMETER, "%s accepted",
			     d[i].name);
		cr_assert_not_null(why, "%s has a reason", d[i].name);
	}
}

Test(elf, every_truncation_is_refused)
{
	for (size_t n = 0; n < IMAGE_SIZE; n++) {
		uint8_t *cut = blob_prefix(img, n);
		struct elf_image im;
		cr_assert_eq(elf_parse(cut, n, ELF_MACHINE_X86_64, USER_TOP, &im, NULL),
			     E_INVALID_PARAMETER, "cut at %zu", n);
		free(cut);
	}
}

Test(elf, random_corruption_never_faults)
{
	uint64_t seed = 4242;

	for (int round = 0; round < 40000; round++) {
		build();
		int flips = 1 + (int)(blob_rand(&seed) % 6);
		for (int k = 0; k < flips; k++) /* mostly the headers, where the checks are */
			img[blob_rand(&seed) % (round % 4 ? 240 : IMAGE_SIZE)] ^=
			    (uint8_t)(1 + blob_rand(&seed) % 255);
		uint8_t *copy = blob_prefix(img, IMAGE_SIZE);
		struct elf_image im;
		if (elf_parse(copy, IMAGE_SIZE, ELF_MACHINE_X86_64, USER_TOP, &im, NULL) == E_OK)
			for (unsigned s = 0; s < im.segment_count; s++) {
				const struct elf_segment *g = &im.segment[s];
				cr_assert_leq(g->offset + g->filesz, IMAGE_SIZE);
				cr_assert_lt(g->vaddr + g->memsz - 1, USER_TOP);
				cr_assert_leq(g->filesz, g->memsz);
			}
		free(copy);
	}
}
