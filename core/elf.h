/*
 * ELF64 executables: check an image completely before anything is loaded.
 * Every offset, size and address is validated against the file and the
 * user address range, so a malformed image is an error, never a fault.
 */
#ifndef CORE_ELF_H
#define CORE_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "include/abi/error.h"

#define ELF_MAX_SEGMENTS 16

enum { ELF_MACHINE_X86_64 = 62, ELF_MACHINE_AARCH64 = 183, ELF_MACHINE_RISCV = 243 };
enum { ELF_SEG_R = 4, ELF_SEG_W = 2, ELF_SEG_X = 1 };

struct elf_segment {
	uint64_t vaddr;	 /* where it goes */
	uint64_t memsz;	 /* bytes in memory: filesz from the file, the rest zero */
	uint64_t offset; /* where its bytes start in the file */
	uint64_t filesz;
	unsigned flags; /* ELF_SEG_R/W/X */
};

struct elf_image {
	uint64_t entry;
	unsigned segment_count;
	struct elf_segment segment[ELF_MAX_SEGMENTS];
};

/*
 * Check `size` bytes at `data` as an ELF64 little-endian executable for
 * `machine` whose loadable segments all lie in [page_size, user_top), do
 * not overlap (they may share a page at their ends), are never writable and executable at once, and hold the
 * entry point in an executable one. E_OK and the segments in *out, or
 * E_INVALID_PARAMETER with a one-line reason in *why.
 */
int elf_parse(const void *data, size_t size, unsigned machine, uint64_t user_top,
	      struct elf_image *out, const char **why);

#endif
