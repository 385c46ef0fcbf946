/*
 * A flattened device tree reader (devicetree specification v0.4, FDT
 * version 17). Read-only, no allocation, every read bounds-checked: a
 * truncated or corrupt blob gives an error, never a fault or a hang.
 * Nodes are named by the offset of their FDT_BEGIN_NODE token.
 */
#ifndef CORE_FDT_H
#define CORE_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC     0xd00dfeedu
#define FDT_MAX_DEPTH 16

enum fdt_error {
	FDT_ERR_NOTFOUND = -1,	/* no such node or property */
	FDT_ERR_TRUNCATED = -2, /* the blob is shorter than its header says */
	FDT_ERR_MAGIC = -3,	/* not a device tree */
	FDT_ERR_VERSION = -4,	/* a version this reader does not understand */
	FDT_ERR_LAYOUT = -5,	/* header blocks overlap or leave the blob */
	FDT_ERR_STRUCT = -6,	/* malformed structure block */
	FDT_ERR_DEPTH = -7,	/* nesting deeper than FDT_MAX_DEPTH */
	FDT_ERR_FULL = -8,	/* the caller's table is full */
};

struct fdt {
	const uint8_t *blob;
	uint32_t size; /* totalsize, checked against what the caller can read */
	uint32_t struct_off, struct_size;
	uint32_t strings_off, strings_size;
	uint32_t rsvmap_off;
};

/* A short description of an fdt_error. */
const char *fdt_strerror(int err);
/* Check the header of `blob`, of which at most `avail` bytes may be read. */
int fdt_open(struct fdt *f, const void *blob, size_t avail);
/* Big-endian field readers for property values. */
uint32_t fdt_be32(const void *p);
uint64_t fdt_be64(const void *p);

/* The root node's offset, or an error. */
int fdt_root(const struct fdt *f);
/* The node after `node` in document order; *depth is updated (root is 0). Error at the end. */
int fdt_next_node(const struct fdt *f, int node, int *depth);
/* The first child of `node`, or FDT_ERR_NOTFOUND. */
int fdt_first_child(const struct fdt *f, int node);
/* The next sibling of `node`, or FDT_ERR_NOTFOUND. */
int fdt_next_sibling(const struct fdt *f, int node);
/* The parent of `node`, or an error for the root. */
int fdt_parent(const struct fdt *f, int node);
/* The node's name with unit address ("serial@10000000"); NULL on error. */
const char *fdt_node_name(const struct fdt *f, int node);
/* The node at an absolute path ("/chosen") or an alias name; an error when absent. */
int fdt_path(const struct fdt *f, const char *path, size_t len);
/* The next node after `from` (-1: from the start) whose compatible list holds `compat`. */
int fdt_find_compatible(const struct fdt *f, int from, const char *compat);

/* A property's value and length; NULL when absent or malformed. */
const void *fdt_prop(const struct fdt *f, int node, const char *name, int *len);
/* A property as a NUL-terminated string; NULL when absent or not a string. */
const char *fdt_prop_str(const struct fdt *f, int node, const char *name);
/* A one-cell property; `dflt` when absent or of the wrong size. */
uint32_t fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t dflt);
/* True when `compat` is one of the strings in the node's compatible list. */
bool fdt_is_compatible(const struct fdt *f, int node, const char *compat);
/* True unless the node's status says it is disabled. */
bool fdt_is_enabled(const struct fdt *f, int node);
/* The idx-th (address, size) pair of `reg`, using the parent's #address-cells/#size-cells. */
int fdt_reg(const struct fdt *f, int node, int idx, uint64_t *addr, uint64_t *size);

/* The number of memory reservation block entries, or an error. */
int fdt_rsv_count(const struct fdt *f);
/* The idx-th memory reservation. */
int fdt_rsv(const struct fdt *f, int idx, uint64_t *addr, uint64_t *size);

struct boot_info;
/*
 * Fill `bi` from the device tree at physical address `pa`, mapped at
 * `blob`: RAM, reservations, command line, initrd, console, CPUs, exit
 * device. Returns 0 or an fdt_error; on error `bi` holds what was read.
 */
int fdt_boot_info(const void *blob, size_t avail, uint64_t pa, struct boot_info *bi);

#endif
