/*
 * The r2 (rou2exOS) file calls 0x20..0x2e as the file server answers them
 * (docs/r2-files.md has what real rou2exOS does; the README's r2 table
 * what Kestrel does). The kernel's r2 gate (arch/x86_64/legacy/r2.c) has
 * checked the caller's pointers, measured its strings and lent its
 * buffers; the words are FWD_ARG = RDI and FWD_ARG2 = RSI as the program
 * gave them (or a phase, below), buf0 the first string or input, buf1 the
 * second string or the output. The answer is r[0], the r2 return code (or
 * a count: 0x2c, 0x2d); r[1] a size (0x20's first phase), a pid (0x29,
 * 0x2a) or a directory's first cluster (0x2e).
 *
 * A name is taken as rou2exOS takes it: split at its first dot, at most 8
 * and 3 characters kept, upper-cased, in the root directory. A name that
 * starts with '/' is a Kestrel path instead; 0x2d and 0x2e take only those.
 */
#include "fs/fat.h"
#include "fs/server/fsserv_internal.h"
#include "include/abi/r2.h"
#include "include/abi/r2_vfs.h"
#include "kestrel.h"

#define R2_NAME_MAX  64
#define EXEC_MAX     (4u << 20) /* the largest program 0x29/0x2a start */
#define FLAT_LOAD_VA 0x600000ul /* where a flat binary runs (rou2exOS's user base) */
#define CHILDREN     16

static uint64_t children[CHILDREN]; /* process capabilities of the programs started */

/* A FAT_E_* as an r2 return code. */
static uint64_t r2_code(int err);

/* The call is answered (status 0) with r2 return code `code`. */
static int answer(uint64_t *r, uint64_t code)
{
	r[0] = code;
	return 0;
}

static uint64_t r2_code(int err)
{
	switch (err) {
	case FAT_OK:
		return R2_OK;
	case FAT_E_NOT_FOUND:
	case FAT_E_NOT_DIR:
	case FAT_E_IS_DIR:
		return R2_FILE_NOT_FOUND;
	case FAT_E_NAME:
	case FAT_E_INVALID:
	case FAT_E_EXISTS:
	case FAT_E_NOT_EMPTY:
	case FAT_E_READ_ONLY:
		return R2_INVALID_INPUT;
	default: /* damaged, full, the disk failing */
		return R2_FILESYSTEM_ERROR;
	}
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* A program's name (buf0 or buf1, no NUL inside) as a path: "/BASE.EXT" or itself. */
static int r2_path(uint64_t va, uint64_t len, char out[FILE_PATH_MAX + 1])
{
	if (!va || !len || len > R2_NAME_MAX)
		return FAT_E_NAME;
	const char *s = (const char *)(uintptr_t)va;
	if (s[0] == '/')
		return fs_path(va, len, out) ? FAT_E_NAME : FAT_OK;
	size_t n = 0, base = 0, ext = 0, i = 0;
	out[n++] = '/';
	for (; i < len && s[i] != '.'; i++)
		if (base < 8)
			out[n++] = upper(s[i]), base++;
	if (i < len) {
		out[n++] = '.';
		for (i++; i < len; i++)
			if (ext < 3)
				out[n++] = upper(s[i]), ext++;
	}
	out[n] = 0;
	for (size_t k = 1; k < n; k++)
		if (out[k] == 0 || out[k] == '/')
			return FAT_E_NAME;
	return base ? FAT_OK : FAT_E_NAME;
}

/* 0x20: phase 0 (ARG2 0): the bytes the read will write, whole 512-byte sectors; phase 1: read. */
static int r2_read(const uint64_t *w, uint64_t *r)
{
	char path[FILE_PATH_MAX + 1];
	struct fat_stat st;
	int err = r2_path(w[FWD_BUF0], w[FWD_LEN0], path);
	if (!err)
		err = fat_stat(fs_volume(), path, &st);
	if (!err && st.dir)
		err = FAT_E_IS_DIR;
	if (err)
		return answer(r, r2_code(err));
	uint64_t need = ((uint64_t)st.size + FAT_SECTOR - 1) / FAT_SECTOR * FAT_SECTOR;
	if (!w[FWD_ARG2]) {
		r[1] = need;
		return 0;
	}
	uint8_t *buf = (uint8_t *)(uintptr_t)w[FWD_BUF1];
	uint32_t len = (uint32_t)(w[FWD_LEN1] < need ? w[FWD_LEN1] : need), got = 0;
	err = fat_read(fs_volume(), path, 0, buf, len, &got);
	if (!err)
		memset(buf + got, 0, len - got); /* the last sector's tail: zeros */
	r[0] = r2_code(err);
	r[1] = len;
	return 0;
}

/*
 * 0x39 (read) and 0x3a (write): at offset ARG of the file named in buf0,
 * the bytes of buf1; r[1] how many moved. A write makes the file if it is
 * missing and leaves what lies outside the range as it was.
 */
static int r2_ranged(const uint64_t *w, uint64_t *r, bool write)
{
	char path[FILE_PATH_MAX + 1];
	struct fat_stat st;
	void *buf = (void *)(uintptr_t)w[FWD_BUF1];
	uint32_t len = (uint32_t)w[FWD_LEN1], got = 0;
	int err = r2_path(w[FWD_BUF0], w[FWD_LEN0], path);
	if (!err && (!buf || w[FWD_LEN1] > R2_RANGE_MAX))
		err = FAT_E_INVALID;
	if (!err && write) {
		err =
		    w[FWD_ARG] > UINT32_MAX - len
			? FAT_E_NO_SPACE
			: fat_write(fs_volume(), path, (uint32_t)w[FWD_ARG], buf, len, true, false);
		got = err ? 0 : len;
	} else if (!err) {
		err = fat_stat(fs_volume(), path, &st);
		if (!err && st.dir)
			err = FAT_E_IS_DIR;
		if (!err && w[FWD_ARG] < st.size)
			err = fat_read(fs_volume(), path, (uint32_t)w[FWD_ARG], buf, len, &got);
	}
	r[0] = r2_code(err);
	r[1] = got;
	return 0;
}

/* 0x40: the volume every path is on (buf0 only checked for a name), into buf1. */
static int r2_fs_stat(const uint64_t *w, uint64_t *r)
{
	char path[FILE_PATH_MAX + 1];
	struct fat_vol *v = fs_volume();
	uint32_t free_clusters = 0;
	int err = r2_path(w[FWD_BUF0], w[FWD_LEN0], path);
	if (!err && (!w[FWD_BUF1] || w[FWD_LEN1] < sizeof(FsStat_T)))
		err = FAT_E_INVALID;
	if (!err)
		err = v->mounted ? fat_free_clusters(v, &free_clusters) : FAT_E_IO;
	if (err)
		return answer(r, r2_code(err));
	FsStat_T s = {.total_bytes = (uint64_t)v->clusters * v->cluster_size,
		      .free_bytes = (uint64_t)free_clusters * v->cluster_size,
		      .fs_type = R2_FS_FAT12,
		      .format = R2_FORMAT_FAT12};
	memcpy((void *)(uintptr_t)w[FWD_BUF1], &s, sizeof(s));
	return answer(r, R2_OK);
}

/* 0x27: in the directory of cluster ARG (ARG2 0) or of the path in buf0 (ARG2 1), make buf1. */
static int r2_mkdir(const uint64_t *w, uint64_t *r)
{
	char parent[FILE_PATH_MAX + 1], name[FILE_PATH_MAX + 1], path[2 * FILE_PATH_MAX + 2];
	int err = r2_path(w[FWD_BUF1], w[FWD_LEN1], name);
	if (!err && w[FWD_ARG2])
		err = r2_path(w[FWD_BUF0], w[FWD_LEN0], parent);
	else if (!err && w[FWD_ARG])
		err = FAT_E_INVALID; /* a subdirectory by cluster: the seed's form, the root only */
	else if (!err)
		parent[0] = '/', parent[1] = 0;
	if (!err) {
		size_t n = strlen(parent);
		memcpy(path, parent, n);
		if (n > 1)
			path[n++] = '/';
		memcpy(path + n, name + 1, strlen(name)); /* with its NUL */
		err = strlen(path) > FILE_PATH_MAX ? FAT_E_NAME : fat_mkdir(fs_volume(), path);
	}
	r[0] = r2_code(err);
	return 0;
}

/* 0x28: up to 32 entries of the directory at cluster ARG into buf1 (1024 bytes), rest zeroed. */
static int r2_list(const uint64_t *w, uint64_t *r)
{
	Entry_T *out = (Entry_T *)(uintptr_t)w[FWD_BUF1];
	size_t max = w[FWD_LEN1] / sizeof(Entry_T), n = 0;
	int err = FAT_OK;
	for (; n < max; n++) {
		uint8_t ent[32];
		err = fat_list_raw(fs_volume(), w[FWD_ARG] > 0xFFFF ? ~0u : (uint32_t)w[FWD_ARG],
				   (uint32_t)n, ent);
		if (err)
			break;
		memcpy(&out[n], ent, sizeof(ent));
	}
	memset(&out[n], 0, (max - n) * sizeof(Entry_T));
	r[0] = r2_code(err == FAT_E_NOT_FOUND ? FAT_OK : err);
	return 0;
}

/* 0x2c: the one volume, FAT12 at "/", into buf1 (R2_MOUNTS_MAX lent); r[0] how many. */
static int r2_mounts(const uint64_t *w, uint64_t *r)
{
	if (!w[FWD_BUF1] || w[FWD_LEN1] < sizeof(MountInfo_T))
		return answer(r, R2_INVALID_INPUT);
	if (!fs_volume()->mounted)
		return answer(r, 0);
	MountInfo_T m = {.path = "/", .path_len = 1, .fs_type = R2_FS_FAT12};
	memcpy((void *)(uintptr_t)w[FWD_BUF1], &m, sizeof(m));
	return answer(r, 1);
}

/* A path of 0x2d or 0x2e (buf0): absolute only. */
static int r2_abs_path(uint64_t va, uint64_t len, char out[FILE_PATH_MAX + 1])
{
	if (va && len && *(const char *)(uintptr_t)va != '/')
		return FAT_E_NAME;
	return r2_path(va, len, out);
}

/*
 * 0x2d: the directory at the path in buf0 into buf1, as many live entries
 * as the gate lent room for (R2_DIR_MAX, or R2_DIR_MAX_NEWEST), as
 * fat_readdir finds them: no ".", "..", deleted, long-name or label
 * entries; r[0] how many, the rest of buf1 untouched.
 */
static int r2_list_path(const uint64_t *w, uint64_t *r)
{
	char path[FILE_PATH_MAX + 1];
	struct fat_stat st;
	uint8_t *out = (uint8_t *)(uintptr_t)w[FWD_BUF1];
	size_t max = w[FWD_LEN1] / sizeof(VfsDirEntry_T), n = 0;
	int err = r2_abs_path(w[FWD_BUF0], w[FWD_LEN0], path);
	if (!err && !out)
		err = FAT_E_INVALID;
	if (!err)
		err = fat_stat(fs_volume(), path, &st);
	if (!err && !st.dir)
		err = FAT_E_NOT_DIR;
	if (err)
		return answer(r, r2_code(err));
	for (; n < max && n < R2_DIR_MAX_NEWEST; n++) {
		err = fat_readdir(fs_volume(), path, (uint32_t)n, &st);
		if (err)
			break;
		VfsDirEntry_T e = {.name_len = (uint8_t)strlen(st.name),
				   .is_dir = st.dir ? 1 : 0,
				   .size = st.size};
		memcpy(e.name, st.name, e.name_len);
		memcpy(out + n * sizeof(e), &e, sizeof(e));
	}
	if (err && err != FAT_E_NOT_FOUND) /* the end is FAT_E_NOT_FOUND */
		return answer(r, r2_code(err));
	return answer(r, n);
}

/* 0x2e: does the path in buf0 name a directory? r[1] its first cluster (0: the root). */
static int r2_chdir(const uint64_t *w, uint64_t *r)
{
	char path[FILE_PATH_MAX + 1];
	struct fat_stat st;
	int err = r2_abs_path(w[FWD_BUF0], w[FWD_LEN0], path);
	if (!err)
		err = fat_stat(fs_volume(), path, &st);
	if (!err && !st.dir)
		err = FAT_E_NOT_DIR;
	r[0] = r2_code(err);
	r[1] = err ? 0 : st.first_cluster;
	return 0;
}

/* Programs started earlier that have ended: their capabilities go. */
void fs_r2_reap(void)
{
	for (unsigned i = 0; i < CHILDREN; i++) {
		struct process_exit_info info;
		if (children[i] && !sys_process_wait(children[i], 1, &info)) {
			sys_cap_revoke(children[i]);
			children[i] = 0;
		}
	}
}

/*
 * 0x29 (flat, at FLAT_LOAD_VA) and 0x2a (ELF64): make the program's process;
 * r[1] its pid. The r2 gate starts it, in the caller's r2 convention.
 */
static int r2_exec(const uint64_t *w, uint64_t *r, bool flat)
{
	char path[FILE_PATH_MAX + 1];
	struct fat_stat st;
	int err = r2_path(w[FWD_BUF0], w[FWD_LEN0], path);
	if (!err)
		err = fat_stat(fs_volume(), path, &st);
	if (!err && (st.dir || !st.size || st.size > EXEC_MAX))
		err = st.dir ? FAT_E_IS_DIR : FAT_E_INVALID;
	fs_r2_reap();
	unsigned slot = 0;
	while (!err && slot < CHILDREN && children[slot])
		slot++;
	if (!err && slot == CHILDREN)
		return answer(r, R2_FILESYSTEM_ERROR); /* too many running */
	void *image = NULL;
	if (!err && sys_mmap(NULL, st.size, PROT_READ | PROT_WRITE, &image, NULL))
		return answer(r, R2_FILESYSTEM_ERROR);
	uint32_t got = 0;
	if (!err && !(err = fat_read(fs_volume(), path, 0, image, st.size, &got)) && got != st.size)
		err = FAT_E_CORRUPT;
	if (err) {
		if (image)
			sys_munmap(image, st.size);
		return answer(r, r2_code(err));
	}
	const char *name = path;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			name = c + 1;
	/* A command line (0x2a's newer form): its words, NUL-separated, are the arguments. */
	char args[128];
	size_t nargs = 0;
	const char *cl = (const char *)(uintptr_t)w[FWD_BUF1];
	for (size_t i = 0; i < w[FWD_LEN1] && i < sizeof(args) - 1; i++) {
		if (cl[i] != ' ')
			args[nargs++] = cl[i];
		else if (nargs && args[nargs - 1])
			args[nargs++] = '\0';
	}
	if (nargs && args[nargs - 1])
		args[nargs++] = '\0';
	struct process_spec spec = {
	    .image = image,
	    .image_size = st.size,
	    .args = nargs ? args : name,
	    .args_size = nargs ? nargs : strlen(name) + 1,
	    .flags = flat ? PROCESS_FLAT : 0,
	    .load_address = flat ? FLAT_LOAD_VA : 0,
	};
	uint64_t pid = 0, proc = 0;
	long tag = sys_process_create(&spec, &pid, &proc); /* the kernel's gate starts it */
	sys_munmap(image, st.size);
	if (tag) /* not a program this machine runs: a malformed ELF, a bad flat image */
		return answer(r, R2_INVALID_INPUT);
	children[slot] = proc;
	r[0] = R2_OK;
	r[1] = pid;
	return 0;
}

/* 0x2b: the report rou2exOS programs read (four u64: errors, orphans, cross-links, entries). */
static int r2_fsck(const uint64_t *w, uint64_t *r)
{
	struct fat_check_report rep;
	int err = fat_check(fs_volume(), &rep);
	if (!err) {
		uint64_t out[4] = {rep.bad_sizes + rep.bad_chains + rep.fat_copies_differ,
				   rep.lost_clusters, rep.cross_linked, 0};
		memcpy((void *)(uintptr_t)w[FWD_BUF1], out, sizeof(out));
	}
	r[0] = r2_code(err);
	return 0;
}

int fs_r2(const uint64_t *w, uint64_t *r)
{
	struct fat_vol *v = fs_volume();
	char a[FILE_PATH_MAX + 1], b[FILE_PATH_MAX + 1];
	uint16_t val = 0;
	int err;
	switch (w[FWD_OP] - FILE_OP_R2) {
	case 0x20:
		return r2_read(w, r);
	case 0x21: /* a 512-byte file, made or overwritten, as rou2exOS writes */
		err = r2_path(w[FWD_BUF0], w[FWD_LEN0], a);
		if (!err && w[FWD_LEN1] != FAT_SECTOR)
			err = FAT_E_INVALID;
		if (!err)
			err = fat_write(v, a, 0, (const void *)(uintptr_t)w[FWD_BUF1], FAT_SECTOR,
					true, true);
		break;
	case 0x22:
		err = r2_path(w[FWD_BUF0], w[FWD_LEN0], a);
		if (!err)
			err = r2_path(w[FWD_BUF1], w[FWD_LEN1], b);
		if (!err)
			err = fat_rename(v, a, b);
		break;
	case 0x23: { /* a file (its clusters freed), or an empty directory; ARG2 1: a directory */
		struct fat_stat st;
		err = r2_path(w[FWD_BUF0], w[FWD_LEN0], a);
		if (!err)
			err = fat_stat(v, a, &st);
		if (!err && w[FWD_ARG2] && !st.dir)
			err = FAT_E_NOT_DIR;
		if (!err)
			err = st.dir ? fat_rmdir(v, a) : fat_unlink(v, a);
		break;
	}
	case 0x24: /* the FAT entry of cluster RDI into the u64 at RSI */
		err = fat_entry_get(v, w[FWD_ARG] > 0xFFFF ? ~0u : (uint32_t)w[FWD_ARG], &val);
		if (!err) {
			uint64_t next = val;
			memcpy((void *)(uintptr_t)w[FWD_BUF1], &next, sizeof(next));
		}
		break;
	case 0x25: /* the FAT entry of cluster RDI set to RSI, every copy */
		err = w[FWD_ARG2] > 0xFFF
			  ? FAT_E_INVALID
			  : fat_entry_set(v, w[FWD_ARG] > 0xFFFF ? ~0u : (uint32_t)w[FWD_ARG],
					  (uint16_t)w[FWD_ARG2]);
		break;
	case 0x26: /* the 32-byte entry at RSI into the directory of cluster RDI */
		err = fat_insert_raw(v, w[FWD_ARG] > 0xFFFF ? ~0u : (uint32_t)w[FWD_ARG],
				     (const uint8_t *)(uintptr_t)w[FWD_BUF0]);
		break;
	case 0x27:
		return r2_mkdir(w, r);
	case 0x28:
		return r2_list(w, r);
	case 0x29:
	case 0x2a:
		return r2_exec(w, r, w[FWD_OP] - FILE_OP_R2 == 0x29);
	case 0x2b:
		return r2_fsck(w, r);
	case 0x2c:
		return r2_mounts(w, r);
	case 0x2d:
		return r2_list_path(w, r);
	case 0x2e:
		return r2_chdir(w, r);
	case R2_READ_AT:
	case R2_WRITE_AT:
		return r2_ranged(w, r, w[FWD_OP] - FILE_OP_R2 == R2_WRITE_AT);
	case R2_FS_STAT:
		return r2_fs_stat(w, r);
	default:
		return E_NOT_IMPLEMENTED;
	}
	r[0] = r2_code(err);
	return 0;
}
