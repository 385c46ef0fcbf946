/*
 * Multiboot2 boot information (Multiboot2 specification 2.0, section 3.6).
 * The parser reads at most `avail` bytes and checks every tag against the
 * total size, so a truncated or corrupt structure is an error, not a fault.
 */
#ifndef CORE_MB2_H
#define CORE_MB2_H

#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

enum mb2_error {
	MB2_ERR_TRUNCATED = -1, /* shorter than its total_size, or a tag leaves it */
	MB2_ERR_SIZE = -2,	/* total_size too small, too large or misaligned */
	MB2_ERR_TAG = -3,	/* a tag too short for its type */
	MB2_ERR_NOEND = -4,	/* no end tag */
	MB2_ERR_FULL = -5,	/* more regions than struct boot_info holds */
};

/* A short description of an mb2_error. */
const char *mb2_strerror(int err);

struct boot_info;
/*
 * Fill `bi` from the information at physical address `pa`, mapped at
 * `info`: memory map, command line, loader name, modules, ACPI RSDP,
 * framebuffer.
 * Returns 0 or an mb2_error.
 */
int mb2_boot_info(const void *info, size_t avail, uint64_t pa, struct boot_info *bi);

#endif
