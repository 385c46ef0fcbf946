/*
 * Flattened device tree reader. Every offset is checked against the block
 * it belongs to before it is read, and every loop advances by at least one
 * token, so no input can make it read out of bounds or spin.
 */
#include "core/fdt.h"
#include "core/kstring.h"

enum {
	FDT_BEGIN_NODE = 1,
	FDT_END_NODE = 2,
	FDT_PROP = 3,
	FDT_NOP = 4,
	FDT_END = 9,
	FDT_HEADER_SIZE = 40,
};

uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_be64(const void *p)
{
	return (uint64_t)fdt_be32(p) << 32 | fdt_be32((const uint8_t *)p + 4);
}

const char *fdt_strerror(int err)
{
	switch (err) {
	case FDT_ERR_NOTFOUND:
		return "not found";
	case FDT_ERR_TRUNCATED:
		return "truncated device tree";
	case FDT_ERR_MAGIC:
		return "bad device tree magic";
	case FDT_ERR_VERSION:
		return "unsupported device tree version";
	case FDT_ERR_LAYOUT:
		return "device tree blocks out of bounds";
	case FDT_ERR_STRUCT:
		return "malformed device tree structure";
	case FDT_ERR_DEPTH:
		return "device tree nested too deeply";
	case FDT_ERR_FULL:
		return "too many memory ranges";
	default:
		return err >= 0 ? "ok" : "unknown device tree error";
	}
}

/* True when [off, off + len) lies within a block of `size` bytes. */
static bool fits(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

int fdt_open(struct fdt *f, const void *blob, size_t avail)
{
	const uint8_t *b = blob;

	if (!blob || avail < FDT_HEADER_SIZE)
		return FDT_ERR_TRUNCATED;
	if (fdt_be32(b) != FDT_MAGIC)
		return FDT_ERR_MAGIC;
	uint32_t total = fdt_be32(b + 4);
	uint32_t version = fdt_be32(b + 20), last_comp = fdt_be32(b + 24);
	if (version < 16 || last_comp > 17)
		return FDT_ERR_VERSION;
	if (total < FDT_HEADER_SIZE)
		return FDT_ERR_LAYOUT;
	if (total > avail)
		return FDT_ERR_TRUNCATED;
	f->blob = b;
	f->size = total;
	f->struct_off = fdt_be32(b + 8);
	f->strings_off = fdt_be32(b + 12);
	f->rsvmap_off = fdt_be32(b + 16);
	f->strings_size = fdt_be32(b + 32);
	/* Version 16 has no size_dt_struct: the block may reach the end. */
	f->struct_size = version >= 17 ? fdt_be32(b + 36) : total - f->struct_off;
	if (f->struct_off % 4 || f->rsvmap_off % 8 || !fits(f->struct_off, f->struct_size, total) ||
	    !fits(f->strings_off, f->strings_size, total) || !fits(f->rsvmap_off, 16, total))
		return FDT_ERR_LAYOUT;
	return 0;
}

static uint32_t struct_u32(const struct fdt *f, uint32_t off)
{
	return fdt_be32(f->blob + f->struct_off + off);
}

/* Length of the NUL-terminated string at p with at most max bytes; -1 if unterminated. */
static int bounded_strlen(const uint8_t *p, uint32_t max)
{
	for (uint32_t i = 0; i < max; i++) {
		if (!p[i])
			return (int)i;
	}
	return -1;
}

/*
 * Decode the token at struct offset `off`: its type in *tok and the offset
 * of the next token in *next (always > off). Checks the token's payload.
 */
static int next_token(const struct fdt *f, int off, uint32_t *tok, int *next)
{
	uint32_t o = (uint32_t)off;

	if (off < 0 || o % 4 || !fits(o, 4, f->struct_size))
		return FDT_ERR_STRUCT;
	*tok = struct_u32(f, o);
	switch (*tok) {
	case FDT_BEGIN_NODE: {
		int len = bounded_strlen(f->blob + f->struct_off + o + 4, f->struct_size - o - 4);
		if (len < 0)
			return FDT_ERR_STRUCT;
		*next = (int)((o + 4 + (uint32_t)len + 1 + 3) & ~3u);
		break;
	}
	case FDT_PROP: {
		if (!fits(o, 12, f->struct_size))
			return FDT_ERR_STRUCT;
		uint32_t len = struct_u32(f, o + 4), nameoff = struct_u32(f, o + 8);
		if (!fits(o + 12, len, f->struct_size) || nameoff >= f->strings_size ||
		    bounded_strlen(f->blob + f->strings_off + nameoff, f->strings_size - nameoff) <
			0)
			return FDT_ERR_STRUCT;
		*next = (int)((o + 12 + len + 3) & ~3u);
		break;
	}
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		*next = (int)(o + 4);
		break;
	default:
		return FDT_ERR_STRUCT;
	}
	if ((uint32_t)*next > f->struct_size || *next > INT32_MAX - 16)
		return FDT_ERR_STRUCT;
	return 0;
}

int fdt_next_node(const struct fdt *f, int node, int *depth)
{
	uint32_t tok;
	int off = node, next, err;

	if (node >= 0) {
		/* Step over the node's own BEGIN_NODE token. */
		if ((err = next_token(f, node, &tok, &next)) < 0)
			return err;
		if (tok != FDT_BEGIN_NODE)
			return FDT_ERR_STRUCT;
		off = next;
	} else {
		off = 0;
		*depth = -1;
	}
	for (;;) {
		if ((err = next_token(f, off, &tok, &next)) < 0)
			return err;
		if (tok == FDT_BEGIN_NODE) {
			if (++*depth > FDT_MAX_DEPTH)
				return FDT_ERR_DEPTH;
			return off;
		}
		if (tok == FDT_END_NODE)
			--*depth;
		else if (tok == FDT_END)
			return FDT_ERR_NOTFOUND;
		off = next;
	}
}

int fdt_root(const struct fdt *f)
{
	int depth = 0;

	return fdt_next_node(f, -1, &depth);
}

int fdt_first_child(const struct fdt *f, int node)
{
	int depth = 0;
	int child = fdt_next_node(f, node, &depth);

	if (child < 0)
		return child;
	return depth == 1 ? child : FDT_ERR_NOTFOUND;
}

int fdt_next_sibling(const struct fdt *f, int node)
{
	int depth = 0;

	for (;;) {
		node = fdt_next_node(f, node, &depth);
		if (node < 0)
			return node;
		if (depth < 0)
			return FDT_ERR_NOTFOUND;
		if (depth == 0)
			return node;
		/* depth > 0: inside a child; fdt_next_node bounds the depth. */
	}
}

int fdt_parent(const struct fdt *f, int node)
{
	int stack[FDT_MAX_DEPTH + 1];
	int depth = 0, off = fdt_root(f);

	while (off >= 0) {
		if (depth < 0 || depth > FDT_MAX_DEPTH)
			return FDT_ERR_STRUCT;
		stack[depth] = off;
		if (off == node)
			return depth > 0 ? stack[depth - 1] : FDT_ERR_NOTFOUND;
		off = fdt_next_node(f, off, &depth);
	}
	return off;
}

const char *fdt_node_name(const struct fdt *f, int node)
{
	uint32_t tok;
	int next;

	if (next_token(f, node, &tok, &next) < 0 || tok != FDT_BEGIN_NODE)
		return NULL;
	return (const char *)f->blob + f->struct_off + node + 4;
}

const void *fdt_prop(const struct fdt *f, int node, const char *name, int *len)
{
	uint32_t tok;
	int off, next;

	if (next_token(f, node, &tok, &off) < 0 || tok != FDT_BEGIN_NODE)
		return NULL;
	/* Properties come before the node's children. */
	for (; next_token(f, off, &tok, &next) == 0; off = next) {
		if (tok == FDT_NOP)
			continue;
		if (tok != FDT_PROP)
			break;
		uint32_t o = (uint32_t)off;
		const char *pname = (const char *)f->blob + f->strings_off + struct_u32(f, o + 8);
		if (!strcmp(pname, name)) {
			if (len)
				*len = (int)struct_u32(f, o + 4);
			return f->blob + f->struct_off + o + 12;
		}
	}
	return NULL;
}

const char *fdt_prop_str(const struct fdt *f, int node, const char *name)
{
	int len;
	const char *s = fdt_prop(f, node, name, &len);

	if (!s || len < 1 || s[len - 1] != '\0')
		return NULL;
	return s;
}

uint32_t fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t dflt)
{
	int len;
	const void *p = fdt_prop(f, node, name, &len);

	return p && len == 4 ? fdt_be32(p) : dflt;
}

bool fdt_is_compatible(const struct fdt *f, int node, const char *compat)
{
	int len;
	const char *s = fdt_prop(f, node, "compatible", &len);
	size_t clen = strlen(compat);

	/* A list of NUL-terminated strings; a missing final NUL ends the list. */
	for (int i = 0; s && i < len;) {
		int n = bounded_strlen((const uint8_t *)s + i, (uint32_t)(len - i));
		if (n < 0)
			break;
		if ((size_t)n == clen && !memcmp(s + i, compat, clen))
			return true;
		i += n + 1;
	}
	return false;
}

bool fdt_is_enabled(const struct fdt *f, int node)
{
	const char *status = fdt_prop_str(f, node, "status");

	return !status || !strcmp(status, "okay") || !strcmp(status, "ok");
}

int fdt_find_compatible(const struct fdt *f, int from, const char *compat)
{
	int depth = 0;
	int node = from < 0 ? fdt_root(f) : fdt_next_node(f, from, &depth);

	while (node >= 0) {
		if (fdt_is_compatible(f, node, compat))
			return node;
		node = fdt_next_node(f, node, &depth);
	}
	return node;
}

/* The child of `node` whose name is `name` (len bytes), with or without unit address. */
static int child_named(const struct fdt *f, int node, const char *name, size_t len)
{
	bool has_unit = false;

	for (size_t i = 0; i < len; i++)
		has_unit |= name[i] == '@';
	for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c)) {
		const char *cn = fdt_node_name(f, c);
		if (cn && !strncmp(cn, name, len) &&
		    (cn[len] == '\0' || (cn[len] == '@' && !has_unit)))
			return c;
	}
	return FDT_ERR_NOTFOUND;
}

static int resolve_path(const struct fdt *f, const char *path, size_t len)
{
	int node = fdt_root(f);
	size_t i = 1;

	while (node >= 0 && i < len) {
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		if (j > i)
			node = child_named(f, node, path + i, j - i);
		i = j + 1;
	}
	return node;
}

int fdt_path(const struct fdt *f, const char *path, size_t len)
{
	if (len == 0)
		return FDT_ERR_NOTFOUND;
	if (path[0] == '/')
		return resolve_path(f, path, len);
	/* An alias: look it up once in /aliases, whose values are absolute paths. */
	int aliases = resolve_path(f, "/aliases", 8);
	if (aliases < 0)
		return aliases;
	char name[64];
	if (len >= sizeof(name))
		return FDT_ERR_NOTFOUND;
	memcpy(name, path, len);
	name[len] = '\0';
	const char *target = fdt_prop_str(f, aliases, name);
	if (!target || target[0] != '/')
		return FDT_ERR_NOTFOUND;
	return resolve_path(f, target, strlen(target));
}

int fdt_reg(const struct fdt *f, int node, int idx, uint64_t *addr, uint64_t *size)
{
	int parent = fdt_parent(f, node);
	if (parent < 0)
		return parent;
	uint32_t ac = fdt_prop_u32(f, parent, "#address-cells", 2);
	uint32_t sc = fdt_prop_u32(f, parent, "#size-cells", 1);
	if (ac < 1 || ac > 2 || sc > 2 || idx < 0)
		return FDT_ERR_STRUCT;
	int len;
	const uint8_t *reg = fdt_prop(f, node, "reg", &len);
	uint32_t stride = (ac + sc) * 4;
	if (!reg)
		return FDT_ERR_NOTFOUND;
	if ((uint64_t)(idx + 1) * stride > (uint32_t)len)
		return FDT_ERR_NOTFOUND;
	reg += (uint32_t)idx * stride;
	*addr = ac == 2 ? fdt_be64(reg) : fdt_be32(reg);
	reg += ac * 4;
	*size = sc == 2 ? fdt_be64(reg) : sc == 1 ? fdt_be32(reg) : 0;
	return 0;
}

int fdt_rsv_count(const struct fdt *f)
{
	int n = 0;

	for (uint32_t o = f->rsvmap_off; fits(o, 16, f->size); o += 16, n++) {
		if (fdt_be64(f->blob + o) == 0 && fdt_be64(f->blob + o + 8) == 0)
			return n;
	}
	return FDT_ERR_LAYOUT; /* no terminating entry */
}

int fdt_rsv(const struct fdt *f, int idx, uint64_t *addr, uint64_t *size)
{
	int n = fdt_rsv_count(f);

	if (n < 0)
		return n;
	if (idx < 0 || idx >= n)
		return FDT_ERR_NOTFOUND;
	const uint8_t *e = f->blob + f->rsvmap_off + (uint32_t)idx * 16;
	*addr = fdt_be64(e);
	*size = fdt_be64(e + 8);
	return 0;
}
