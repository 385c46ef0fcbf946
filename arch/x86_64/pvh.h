/*
 * The PVH boot protocol's start info (Xen's x86/HVM direct boot ABI,
 * xen/include/public/arch-x86/hvm/start_info.h): what QEMU's -kernel path
 * passes in EBX. Every pointer in it is physical and checked before use.
 */
#ifndef X86_64_PVH_H
#define X86_64_PVH_H

#include <stdint.h>

#define PVH_START_MAGIC 0x336ec578u

enum pvh_error {
	PVH_ERR_MAGIC = -1,   /* not a start info */
	PVH_ERR_RANGE = -2,   /* a structure lies outside readable memory */
	PVH_ERR_VERSION = -3, /* version 0: no memory map */
	PVH_ERR_MEMMAP = -4,  /* memory map empty, too long or without RAM */
	PVH_ERR_MODULE = -5,  /* a module that wraps around the address space */
	PVH_ERR_FULL = -6,    /* more ranges or modules than struct boot_info holds */
};

/* A short description of a pvh_error. */
const char *pvh_strerror(int err);

struct boot_info;
/*
 * Fill `bi` from the start info at physical address `pa`: memory map,
 * command line, modules, ACPI RSDP; the start info, its map and the
 * command line are reserved as boot data. Returns 0 or a pvh_error; on
 * error `bi` holds what was read.
 */
int pvh_boot_info(uint64_t pa, struct boot_info *bi);

#endif
