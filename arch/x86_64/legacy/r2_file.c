/*
 * The r2 file calls 0x20..0x2e, 0x39, 0x3a and 0x40: the gate checks the
 * caller's pointers, measures its name strings and forwards the call to
 * the file server as a call on the caller's behalf (ipc/file.c), its
 * buffers lent; the server does everything that knows FAT
 * (fs/server/r2.c). Only the lengths are decided here, from the r2 ABI: a
 * name up to its NUL (at most 64 bytes), 512 bytes written by 0x21, 1024
 * listed by 0x28, a 32-byte entry or report, a u64 FAT entry or pid, 8
 * MountInfo_T listed by 0x2c, 32 VfsDirEntry_T by 0x2d (64 for the newest
 * libcr2), a ReadRange_T's length by 0x39 and 0x3a, an FsStat_T by 0x40
 * (include/abi/r2_vfs.h). A read (0x20) has no length in the ABI: the
 * server is asked first how many bytes the file fills (whole sectors),
 * and that much of the buffer is lent.
 */
#include "core/process.h"
#include "core/kstring.h"
#include "include/abi/file.h"
#include "include/abi/r2_vfs.h"
#include "ipc/file.h"
#include "ipc/ipc.h"
#include "legacy.h"
#include "mm/uaccess.h"

#define R2_NAME_MAX 64
#define R2_ARGS_MAX 127 /* a command line of 0x2a's newer form */

/* The length of the caller's NUL-terminated string at va (at most `max`), or -1. */
static long str_len(struct process *p, uint64_t va, long max)
{
	for (long n = 0; va && n <= max; n++) {
		char c;
		if (copy_from_user(&p->vs, &c, va + (uint64_t)n, 1))
			return -1;
		if (!c)
			return n;
	}
	return -1;
}

/* A name's length (1 to R2_NAME_MAX), or -1. */
static long name_len(struct process *p, uint64_t va)
{
	long n = str_len(p, va, R2_NAME_MAX);
	return n ? n : -1;
}

static bool name_buf(struct process *p, uint64_t va, struct fwd_buf *b)
{
	long n = name_len(p, va);
	*b = (struct fwd_buf){.va = va, .len = n > 0 ? (size_t)n : 0};
	return n > 0;
}

static bool user_buf(struct process *p, uint64_t va, size_t len, bool write, struct fwd_buf *b)
{
	*b = (struct fwd_buf){.va = va, .len = len, .writable = write};
	return va && user_range_ok(&p->vs, va, len, write) == E_OK;
}

/* The server's answer as an r2 code (a kernel error: no server, bad memory). */
static uint64_t forward(uint64_t nr, uint64_t a1, uint64_t a2, const struct fwd_buf b[2],
			uint64_t out[3])
{
	uint64_t w[8] = {FILE_OP_R2 + nr, [FWD_ARG] = a1, [FWD_ARG2] = a2};
	int err = file_forward(file_server(), w, b, out);
	if (err == E_NO_FILE_SERVER && nr == R2_LIST_MOUNTS)
		return 0; /* nobody serves a volume: none is mounted */
	if (err == E_NOT_IMPLEMENTED)
		return R2_NOT_IMPLEMENTED;
	if (err == E_MEM_BAD_ADDRESS || err == E_MEM_NOT_MAPPED || err == E_PERMISSION_DENIED)
		return R2_INVALID_INPUT;
	if (err)
		return R2_FILESYSTEM_ERROR; /* no file server, or it failed */
	return out[0] <= 0xff ? out[0] : R2_FILESYSTEM_ERROR;
}

/*
 * 0x29, 0x2a: the server makes the process (its child) and leaves it
 * unstarted; here it gets the caller's convention and starts. Only a new
 * process of the server's own is started so. Argument 2 is a pid pointer
 * (or 0): a u64 for the seed, one byte for libcr2. For the newer libcr2
 * (R2_CONV_RAX), 0x2a is its newer form: argument 2 the command line (or
 * 0), its first word argv[0], and RAX the pid, 0 when it failed.
 */
static uint64_t exec(struct process *p, uint64_t nr, uint64_t a1, uint64_t a2)
{
	struct fwd_buf b[2] = {{0}, {0}};
	uint64_t out[3] = {0, 0, 0};
	unsigned conv = r2_convention_of(p->pid);
	bool libcr2 = conv & R2_CONV_LIBCR2, newer = conv & R2_CONV_RAX && nr == 0x2a;
	size_t pid_size = libcr2 ? 1 : sizeof(uint64_t);
	long n = newer && a2 ? str_len(p, a2, R2_ARGS_MAX) : 0;
	if (!name_buf(p, a1, &b[0]) || n < 0 ||
	    (!newer && a2 && user_range_ok(&p->vs, a2, pid_size, true)))
		return newer ? 0 : R2_INVALID_INPUT;
	b[1] = (struct fwd_buf){.va = a2, .len = (size_t)n};
	uint64_t code = forward(nr, a1, 0, b, out);
	if (code != R2_OK)
		return newer ? 0 : code;
	struct ipc_endpoint *srv = file_server();
	struct process *child = process_find(out[1]);
	if (!srv || !child || child->parent != srv->owner || child->state != P_NEW)
		return newer ? 0 : R2_FILESYSTEM_ERROR;
	if (conv != R2_CONV_SEED)
		r2_set_convention(child->pid, conv);
	r2_started_by(child->pid, p->pid);
	if (process_start(child))
		return newer ? 0 : R2_INVALID_INPUT;
	if (newer)
		return child->pid;
	if (a2)
		copy_to_user(&p->vs, a2, &out[1], pid_size); /* the low byte first: little-endian */
	return R2_OK;
}

/*
 * 0x2e: the server says whether the path names a directory, and its first
 * cluster (out[1]); the gate makes it the current directory, as it copied
 * it before the call and finds it after (changed meanwhile by another
 * thread: 0xfc), upper-cased as the disk has its names, '/' repeated or at
 * the end dropped.
 */
static uint64_t change_dir(struct process *p, uint64_t a1)
{
	struct fwd_buf b[2] = {{0}, {0}};
	uint64_t out[3] = {0, 0, 0};
	char path[R2_CWD_MAX + 1], again[R2_CWD_MAX + 1];
	if (!name_buf(p, a1, &b[0]) || b[0].len > R2_CWD_MAX ||
	    copy_from_user(&p->vs, path, a1, b[0].len))
		return R2_INVALID_INPUT;
	uint64_t code = forward(R2_CHDIR, a1, 0, b, out);
	if (code != R2_OK)
		return code;
	if (copy_from_user(&p->vs, again, a1, b[0].len) || memcmp(path, again, b[0].len) ||
	    out[1] > 0xffff)
		return R2_INVALID_INPUT;
	size_t n = 0;
	for (size_t i = 0; i < b[0].len; i++) {
		char c = path[i];
		if (c == '/' && n && path[n - 1] == '/')
			continue;
		path[n++] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	if (n > 1 && path[n - 1] == '/')
		n--;
	path[n] = 0;
	r2_set_cwd(path, n, (uint32_t)out[1]);
	return R2_OK;
}

/*
 * 0x39, 0x3a: name, ReadRange_T * (copied: its buffer lent, readable or
 * writable, the offset passed on) -> the bytes moved, or R2_COUNT_ERROR.
 */
static uint64_t ranged(struct process *p, uint64_t nr, uint64_t a1, uint64_t a2)
{
	struct fwd_buf b[2] = {{0}, {0}};
	uint64_t out[3] = {0, 0, 0};
	ReadRange_T r;
	if (!name_buf(p, a1, &b[0]) || !user_ok(p, a2, sizeof(r), false) ||
	    copy_from_user(&p->vs, &r, a2, sizeof(r)) || r.length > R2_RANGE_MAX)
		return R2_COUNT_ERROR;
	if (!r.length)
		return 0;
	if (!user_buf(p, r.buffer, r.length, nr == R2_READ_AT, &b[1]) ||
	    forward(nr, r.offset, 0, b, out) != R2_OK || out[1] > r.length)
		return R2_COUNT_ERROR;
	return out[1];
}

uint64_t r2_file_call(struct process *p, uint64_t nr, uint64_t a1, uint64_t a2)
{
	struct fwd_buf b[2] = {{0}, {0}};
	uint64_t out[3] = {0, 0, 0}, code;
	bool ok = true;
	switch (nr) {
	case 0x20: /* name, buffer: first how much, then the read */
		if (!name_buf(p, a1, &b[0]) || !a2)
			return R2_INVALID_INPUT;
		if ((code = forward(nr, a1, 0, b, out)) != R2_OK || !out[1])
			return code;
		if (!user_buf(p, a2, out[1], true, &b[1]))
			return R2_INVALID_INPUT;
		return forward(nr, a1, 1, b, out);
	case 0x21: /* name, 512 bytes */
		ok = name_buf(p, a1, &b[0]) && user_buf(p, a2, 512, false, &b[1]);
		break;
	case 0x22: /* old name, new name */
		ok = name_buf(p, a1, &b[0]) && name_buf(p, a2, &b[1]);
		break;
	case 0x23: /* name, 0 (anything) or 1 (a directory: bsh's rm says which) */
		ok = name_buf(p, a1, &b[0]) && a2 <= 1;
		break;
	case 0x24: /* cluster, u64 * next */
		ok = user_buf(p, a2, 8, true, &b[1]);
		break;
	case 0x25: /* cluster, value */
		break;
	case 0x26: /* directory cluster, Entry_T * */
		ok = user_buf(p, a2, sizeof(Entry_T), false, &b[0]);
		break;
	case 0x27: /* parent: a cluster (the seed) or a path (later rou2exOS), name */
		if (a1 >= 0x10000 && !name_buf(p, a1, &b[0]))
			return R2_INVALID_INPUT;
		ok = name_buf(p, a2, &b[1]);
		a2 = a1 >= 0x10000;
		break;
	case 0x28: /* directory cluster, Entry_T[32] */
		ok = user_buf(p, a2, 32 * sizeof(Entry_T), true, &b[1]);
		break;
	case 0x29:
	case 0x2a: /* name, pid * (written back: a u64, or libcr2's one byte) */
		return exec(p, nr, a1, a2);
	case 0x2b: /* ignored, report (four u64) */
		ok = user_buf(p, a2, 32, true, &b[1]);
		break;
	case 0x2c: /* ignored, MountInfo_T[8]: all lent, only the mounts reported written */
		ok = user_buf(p, a2, R2_MOUNTS_MAX * sizeof(MountInfo_T), true, &b[1]);
		a1 = 0;
		break;
	case 0x2d: /* path, VfsDirEntry_T[32] (64 for the newest libcr2, as bsh passes) */
		ok = name_buf(p, a1, &b[0]) &&
		     user_buf(
			 p, a2,
			 (r2_convention_of(p->pid) & R2_CONV_RAX ? R2_DIR_MAX_NEWEST : R2_DIR_MAX) *
			     sizeof(VfsDirEntry_T),
			 true, &b[1]);
		break;
	case 0x2e: /* path, ignored */
		return change_dir(p, a1);
	case R2_READ_AT:
	case R2_WRITE_AT:
		return ranged(p, nr, a1, a2);
	case R2_FS_STAT: /* path, FsStat_T * */
		ok = name_buf(p, a1, &b[0]) && user_buf(p, a2, sizeof(FsStat_T), true, &b[1]);
		break;
	default:
		return R2_INVALID_SYSCALL;
	}
	return ok ? forward(nr, a1, a2, b, out) : R2_INVALID_INPUT;
}
