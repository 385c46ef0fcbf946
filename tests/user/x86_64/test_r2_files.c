/*
 * The r2 file calls 0x20..0x2e through the kernel's gate and the file
 * server, as a rou2exOS program makes them (the steps of r2apps'
 * hello-fs, then the rest): the caller's strings unaligned and on its
 * stack, its buffers where it likes.
 */
#include "cr2_call.h"
#include "file.h"
#include "fs/server/fsserv.h"
#include "include/abi/r2_vfs.h"
#include "r2.h"
#include "utest.h"

/* exit(42) through SYS_EXIT, as a minimal ELF64 of one PT_LOAD (code at 0x400078). */
static size_t tiny_elf(uint8_t *e)
{
	static const uint8_t code[] = {0xbf, 42,   0,	 0,   0, /* mov edi, 42 */
				       0xb8, 1,	   0,	 0,   0, /* mov eax, SYS_EXIT */
				       0x0f, 0x05, 0xeb, 0xfe};	 /* syscall; jmp . */
	size_t size = 120 + sizeof(code);
	memset(e, 0, size);
	memcpy(e, "\177ELF\2\1\1", 7);
	e[16] = 2;  /* ET_EXEC */
	e[18] = 62; /* EM_X86_64 */
	e[20] = 1;  /* EV_CURRENT */
	uint64_t entry = 0x400078, phoff = 64, vaddr = 0x400000, fsz = size;
	memcpy(e + 24, &entry, 8);
	memcpy(e + 32, &phoff, 8);
	e[52] = 64; /* e_ehsize */
	e[54] = 56; /* e_phentsize */
	e[56] = 1;  /* e_phnum */
	uint8_t *ph = e + 64;
	ph[0] = 1; /* PT_LOAD */
	ph[4] = 5; /* R X */
	memcpy(ph + 16, &vaddr, 8);
	memcpy(ph + 24, &vaddr, 8);
	memcpy(ph + 32, &fsz, 8);
	memcpy(ph + 40, &fsz, 8);
	uint64_t align = 0x1000;
	memcpy(ph + 48, &align, 8);
	memcpy(e + 120, code, sizeof(code));
	return size;
}

static bool listed(const Entry_T *ents, const char *name8, const char *ext3, Entry_T *out)
{
	for (unsigned i = 0; i < 32 && ents[i].name[0]; i++)
		if (!memcmp(ents[i].name, name8, 8) && !memcmp(ents[i].ext, ext3, 3)) {
			if (out)
				*out = ents[i];
			return true;
		}
	return false;
}

/* The check just above failed: remember where, and clean up. */
#define FAILED()                     \
	do {                         \
		bad_line = __LINE__; \
		goto out;            \
	} while (0)

static Entry_T ents[32];
static uint8_t rbuf[1024 + 1];

DEVMGR_UTEST(r2_file_calls_as_hello_fs_makes_them)
{
	uint64_t srv;
	int err = fsserv_start(&srv);
	if (err)
		return utest_fail(__FILE__, __LINE__, "no file server (%d)", err);
	int r = 1, bad_line = 0;
	/* hello-fs's steps: write, read back, mkdir, rename, delete, list. */
	char text[512] = "Written by C using the rou2exOS ABI\n"; /* 0x21 takes 512 bytes */
	char name[] = "xctest.txt";				  /* odd address, lower case */
	if (r2_call(0x21, (uintptr_t)(name + 1), (uintptr_t)text) != R2_OK)
		FAILED();
	memset(rbuf, 0xaa, sizeof(rbuf));
	if (r2_call(0x20, (uintptr_t) "CTEST.TXT", (uintptr_t)(rbuf + 1)) != R2_OK ||
	    memcmp(rbuf + 1, text, 512) || rbuf[513] != 0xaa) /* whole sectors: 512, no more */
		FAILED();
	r2_call(0x23, (uintptr_t) "NEWDIR", 0);
	r2_call(0x23, (uintptr_t) "TESTDIR", 0);
	if (r2_call(0x27, 0, (uintptr_t) "TESTDIR") != R2_OK ||
	    r2_call(0x22, (uintptr_t) "TESTDIR", (uintptr_t) "NEWDIR") != R2_OK ||
	    r2_call(0x28, 0, (uintptr_t)ents) != R2_OK)
		FAILED();
	Entry_T e;
	if (!listed(ents, "NEWDIR  ", "   ", &e) || !(e.attr & 0x10) ||
	    listed(ents, "TESTDIR ", "   ", NULL) || !listed(ents, "CTEST   ", "TXT", &e) ||
	    e.file_size != 512)
		FAILED();
	/* 0x24: a one-cluster file's chain ends at once. */
	uint64_t next = 0;
	if (r2_call(0x24, e.start_cluster, (uintptr_t)&next) != R2_OK || next < 0xff8)
		FAILED();
	if (r2_call(0x23, (uintptr_t) "CTEST.TXT", 2) != R2_INVALID_INPUT ||
	    r2_call(0x23, (uintptr_t) "CTEST.TXT", 0) != R2_OK ||
	    r2_call(0x20, (uintptr_t) "CTEST.TXT", (uintptr_t)rbuf) != R2_FILE_NOT_FOUND ||
	    r2_call(0x23, (uintptr_t) "CTEST.TXT", 1) != R2_FILE_NOT_FOUND)
		FAILED();
	/* 0x26 puts a raw entry in; 0x23 takes it out. */
	Entry_T raw = {.name = "RAWENTRY", .ext = "BIN", .attr = 0x20};
	if (r2_call(0x26, 0, (uintptr_t)&raw) != R2_OK ||
	    r2_call(0x26, 0, (uintptr_t)&raw) != R2_INVALID_INPUT || /* taken */
	    r2_call(0x28, 0, (uintptr_t)ents) != R2_OK || !listed(ents, "RAWENTRY", "BIN", NULL) ||
	    r2_call(0x23, (uintptr_t) "RAWENTRY.BIN", 0) != R2_OK)
		FAILED();
	/* 0x2a starts an ELF from the disk; its pid comes back through RSI. */
	uint8_t elf[200];
	size_t n = tiny_elf(elf), put;
	uint64_t fd, pid = 0;
	if (file_open("/EXIT42.ELF", FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &fd, NULL) ||
	    file_write(fd, elf, n, &put) || file_close(fd))
		FAILED();
	if (r2_call(0x2a, (uintptr_t) "EXIT42.ELF", (uintptr_t)&pid) != R2_OK || !pid)
		FAILED();
	/* 0x29 runs a flat binary: the same code, alone, at 0x600000 (an empty one is refused). */
	uint64_t flat_pid = 0;
	if (file_open("/EXIT42.BIN", FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &fd, NULL) ||
	    file_write(fd, elf + 120, n - 120, &put) || file_close(fd) ||
	    r2_call(0x29, (uintptr_t) "EXIT42.BIN", (uintptr_t)&flat_pid) != R2_OK || !flat_pid ||
	    flat_pid == pid || r2_call(0x23, (uintptr_t) "EXIT42.BIN", 0) != R2_OK)
		FAILED();
	if (r2_call(0x2a, (uintptr_t) "NOPE.ELF", (uintptr_t)&pid) != R2_FILE_NOT_FOUND ||
	    r2_call(0x2a, (uintptr_t) "NEWDIR", (uintptr_t)&pid) != R2_FILE_NOT_FOUND)
		FAILED();
	/* A malformed ELF is refused. */
	elf[0] = 'X';
	if (file_open("/BAD.ELF", FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &fd, NULL) ||
	    file_write(fd, elf, n, &put) || file_close(fd) ||
	    r2_call(0x2a, (uintptr_t) "BAD.ELF", (uintptr_t)&pid) != R2_INVALID_INPUT)
		FAILED();
	/* Bad pointers and names: 0xfc, nothing done. */
	if (r2_call(0x20, 0x10, (uintptr_t)rbuf) != R2_INVALID_INPUT ||
	    r2_call(0x20, (uintptr_t) "HELLO.TXT", 0x10) != R2_INVALID_INPUT ||
	    r2_call(0x28, 0, 0x10) != R2_INVALID_INPUT ||
	    r2_call(0x21, (uintptr_t) "A:B", (uintptr_t)text) != R2_INVALID_INPUT ||
	    r2_call(0x24, 1, (uintptr_t)&next) != R2_INVALID_INPUT)
		FAILED();
	/* fsck (0x2b): a healthy disk reports nothing. */
	uint64_t report[4] = {9, 9, 9, 9};
	if (r2_call(0x23, (uintptr_t) "EXIT42.ELF", 0) != R2_OK ||
	    r2_call(0x23, (uintptr_t) "BAD.ELF", 0) != R2_OK ||
	    r2_call(0x23, (uintptr_t) "NEWDIR", 0) != R2_OK ||
	    r2_call(0x2b, 0, (uintptr_t)report) != R2_OK || report[0] || report[1] || report[2] ||
	    report[3])
		FAILED();
	r = 0;
out:
	if (r)
		utest_fail(__FILE__, bad_line, "an r2 file call answered wrong (the check before)");
	fsserv_stop(srv);
	return r;
}

/*
 * A program in the style of r2apps' C library, libcr2: its own system call
 * stub puts the number in RDX, argument 1 in RDI, 2 in RSI, 3 in RCX and
 * reads RAX back, which it never sets (here it holds 0xff, a number no call
 * has, so a kernel reading RAX would answer InvalidSyscall). Its wrappers
 * return 1 for RAX 0. It makes hello-fs's file calls, in hello-fs's order,
 * then fsck's, with a one-byte pid as hello-fs passes, and exits with the
 * step that went wrong (0: none). Its parent says it follows libcr2.
 */
typedef struct {
	uint64_t errors, orphan_clusters, cross_linked, invalid_entries;
} __attribute__((packed)) Cr2Fsck_T;

static int64_t cr2_syscall(uint64_t number, int64_t a1, int64_t a2, int64_t a3)
{
	int64_t ret;
	__asm__ volatile("int $0x7f"
			 : "=a"(ret)
			 : "d"(number), "D"(a1), "S"(a2), "c"(a3), "a"(0xff)
			 : "r11", "memory");
	return ret;
}

static int64_t cr2_ok(uint64_t number, const void *a1, const void *a2)
{
	return cr2_syscall(number, (int64_t)(uintptr_t)a1, (int64_t)(uintptr_t)a2, 0) ? 0 : 1;
}

static const uint8_t cr2_text[] = "Written by C using the rou2exOS ABI\n";

UCHILD(r2_libcr2_hello_fs)
{
	uint8_t rbuf[512];
	Entry_T list[32];
	struct {
		uint8_t before, pid, after;
	} p = {0x5a, 0, 0xa5};
	Cr2Fsck_T rep;
	memset(&rep, 0x77, sizeof(rep));
	if (!cr2_ok(0x21, "CTEST.TXT", cr2_text)) /* 512 bytes from a 37-byte string, as hello-fs */
		return 1;
	memset(rbuf, 0, sizeof(rbuf));
	if (!cr2_ok(0x20, "CTEST.TXT", rbuf) || memcmp(rbuf, cr2_text, sizeof(cr2_text)))
		return 2;
	if (!cr2_ok(0x27, 0, "TESTDIR") || !cr2_ok(0x22, "TESTDIR", "NEWDIR"))
		return 3;
	if (!cr2_ok(0x23, "CTEST.TXT", 0) || !cr2_ok(0x28, 0, list))
		return 4;
	if (!listed(list, "NEWDIR  ", "   ", NULL) || listed(list, "CTEST   ", "TXT", NULL))
		return 5;
	if (!cr2_ok(0x2a, "EXIT42.ELF", &p.pid) || !p.pid || p.before != 0x5a || p.after != 0xa5)
		return 6; /* the pid in its one byte, nothing around it touched */
	if (!cr2_ok(0x23, "NEWDIR", 0))
		return 7;
	cr2_syscall(0x2b, 0, (int64_t)(uintptr_t)&rep, 0); /* fsck ignores RAX, as the app does */
	if (rep.errors || rep.orphan_clusters || rep.cross_linked || rep.invalid_entries)
		return 8;
	return 0;
}

/*
 * With the file server up: /EXIT42.ELF written, child `name` made, given
 * convention `conv` (first checking, with `refusals`, that the convention
 * is its parent's to set and only before it starts), run to its end and
 * /EXIT42.ELF removed. 0 and *info how it ended, or -1 when it could not
 * be set up.
 */
static int run_libcr2(const char *name, uint64_t conv, bool refusals,
		      struct process_exit_info *info)
{
	uint64_t fd, pid, cap;
	size_t put;
	uint8_t elf[200];
	size_t n = tiny_elf(elf);
	int r = -1;
	if (file_open("/EXIT42.ELF", FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &fd, NULL) ||
	    file_write(fd, elf, n, &put) || file_close(fd) ||
	    utest_create(name, NULL, 0, NULL, 0, &pid, &cap))
		goto out;
	if (r2_call(R2_CONVENTION, pid, conv) != R2_OK ||
	    (refusals && (r2_call(R2_CONVENTION, 1, conv) != R2_INVALID_INPUT ||
			  r2_call(R2_CONVENTION, pid, 8) != R2_INVALID_INPUT ||
			  r2_call(R2_CONVENTION, pid, R2_CONV_RAX) != R2_INVALID_INPUT)) ||
	    sys_process_start(cap) ||
	    (refusals && r2_call(R2_CONVENTION, pid, R2_CONV_SEED) != R2_INVALID_INPUT)) {
		sys_process_terminate(cap, -1);
		sys_process_wait(cap, 0, info);
	} else if (!sys_process_wait(cap, 0, info)) {
		r = 0;
	}
	sys_cap_revoke(cap);
out:
	file_unlink("/EXIT42.ELF");
	return r;
}

/* Child `name` in convention `conv` (run_libcr2) ends normally with 0, else the test fails. */
static int libcr2_child_passes(const char *name, uint64_t conv, bool refusals)
{
	uint64_t srv;
	struct process_exit_info info = {0};
	int err = fsserv_start(&srv);
	if (err)
		return utest_fail(__FILE__, __LINE__, "no file server (%d)", err);
	int r = run_libcr2(name, conv, refusals, &info);
	fsserv_stop(srv);
	if (r)
		return utest_fail(__FILE__, __LINE__, "could not set up the libcr2 program %s",
				  name);
	if (info.exit_reason != EXIT_NORMAL || info.exit_code)
		return utest_fail(__FILE__, __LINE__, "%s ended at step %d (reason %u)", name,
				  info.exit_code, info.exit_reason);
	return 0;
}

/* Its convention: by its parent, before it starts; not for a stranger, not twice. */
DEVMGR_UTEST(r2_libcr2_program_runs_unchanged)
{
	return libcr2_child_passes("r2_libcr2_hello_fs", R2_CONV_LIBCR2, true);
}

/*
 * 0x2c..0x2e, the calls on mounts and paths (include/abi/r2_vfs.h): the
 * one FAT12 volume at "/", directories listed by absolute path and
 * compared with 0x28's raw entries, the current directory's checks, and
 * bad paths and pointers, never a crash.
 */
static MountInfo_T mounts[R2_MOUNTS_MAX];
static VfsDirEntry_T dents[R2_DIR_MAX + 1]; /* one more: it stays untouched */
static const uint8_t ro_buf[R2_DIR_MAX * sizeof(VfsDirEntry_T)] = {1};

#define UNMAPPED    0x30000000ul
#define KERNEL_ADDR 0xffffffff80000000ul

/* An Entry_T's name as 0x2d gives it: "NAME.EXT", no spaces, no dot without an extension. */
static size_t shown_name(const Entry_T *e, char out[13])
{
	size_t n = 0;
	for (unsigned i = 0; i < 8 && e->name[i] != ' '; i++)
		out[n++] = (char)e->name[i];
	if (e->ext[0] != ' ')
		out[n++] = '.';
	for (unsigned i = 0; i < 3 && e->ext[i] != ' '; i++)
		out[n++] = (char)e->ext[i];
	out[n] = 0;
	return n;
}

/* 0x2d's `count` entries are 0x28's of the same directory, in order, "." and ".." aside. */
static bool same_listing(const VfsDirEntry_T *d, uint64_t count, const Entry_T *e)
{
	uint64_t k = 0;
	for (unsigned i = 0; i < 32 && e[i].name[0]; i++) {
		char name[13];
		size_t n = shown_name(&e[i], name);
		if (e[i].name[0] == '.')
			continue;
		if (k >= count || d[k].name_len != n || memcmp(d[k].name, name, n) ||
		    d[k].is_dir != ((e[i].attr & 0x10) ? 1 : 0) || d[k].size != e[i].file_size)
			return false;
		k++;
	}
	return k == count;
}

static bool untouched(const void *p, size_t n, uint8_t fill)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != fill)
			return false;
	return true;
}

/* r2 call nr answers `want`, else the test fails here (`got` says what it answered). */
#define EXPECT(nr, a1, a2, want)                                     \
	do {                                                         \
		got = r2_call(nr, (uintptr_t)(a1), (uintptr_t)(a2)); \
		if (got != (uint64_t)(want))                         \
			FAILED();                                    \
	} while (0)

DEVMGR_UTEST(r2_mounts_paths_and_the_current_directory)
{
	uint64_t srv, got = 0;
	int err = fsserv_start(&srv);
	if (err)
		return utest_fail(__FILE__, __LINE__, "no file server (%d)", err);
	int r = 1, bad_line = 0;
	char text[512] = "r2 vfs";
	char name[16];
	/* Left by an earlier run, maybe. */
	for (unsigned i = 0; i < R2_DIR_MAX + 2; i++) {
		snprintf(name, sizeof(name), "/R2VFS/SUB/F%u", i);
		r2_call(0x23, (uintptr_t)name, 0);
	}
	r2_call(0x23, (uintptr_t) "/R2VFS/SUB", 0);
	r2_call(0x23, (uintptr_t) "/R2VFS/FILE.TXT", 0);
	r2_call(0x23, (uintptr_t) "/R2VFS", 0);

	/* 0x2c: one mount, "/", FAT12; only that entry written. */
	memset(mounts, 0x5a, sizeof(mounts));
	EXPECT(0x2c, 0, mounts, 1);
	if (mounts[0].path_len != 1 || mounts[0].path[0] != '/' ||
	    mounts[0].fs_type != R2_FS_FAT12 || !untouched(&mounts[1], sizeof(mounts[1]), 0x5a))
		FAILED();
	EXPECT(0x2c, 0, 0, R2_INVALID_INPUT);
	EXPECT(0x2c, 0, UNMAPPED, R2_INVALID_INPUT);
	EXPECT(0x2c, 0, KERNEL_ADDR, R2_INVALID_INPUT);
	EXPECT(0x2c, 0, ro_buf, R2_INVALID_INPUT);

	/* 0x2d of "/": what 0x28 of cluster 0 lists. */
	memset(dents, 0x5a, sizeof(dents));
	got = r2_call(0x2d, (uintptr_t) "/", (uintptr_t)dents);
	if (got > R2_DIR_MAX || r2_call(0x28, 0, (uintptr_t)ents) != R2_OK ||
	    !same_listing(dents, got, ents) ||
	    !untouched(&dents[got], (R2_DIR_MAX + 1 - got) * sizeof(dents[0]), 0x5a))
		FAILED();

	/* A subdirectory (0x27), a file and a directory in it. */
	char sub[] = "x/r2vfs"; /* odd address, lower case */
	EXPECT(0x27, 0, "R2VFS", R2_OK);
	EXPECT(0x27, "/R2VFS", "SUB", R2_OK);
	EXPECT(0x21, "/R2VFS/FILE.TXT", text, R2_OK);
	memset(dents, 0x5a, sizeof(dents));
	EXPECT(0x2d, sub + 1, dents, 2);
	if (dents[0].name_len != 3 || memcmp(dents[0].name, "SUB", 3) || dents[0].is_dir != 1 ||
	    dents[1].name_len != 8 || memcmp(dents[1].name, "FILE.TXT", 8) || dents[1].is_dir ||
	    dents[1].size != 512 || !untouched(&dents[2], sizeof(dents[2]), 0x5a))
		FAILED();
	Entry_T e;
	if (r2_call(0x28, 0, (uintptr_t)ents) != R2_OK || !listed(ents, "R2VFS   ", "   ", &e) ||
	    r2_call(0x28, e.start_cluster, (uintptr_t)ents) != R2_OK ||
	    !same_listing(dents, 2, ents))
		FAILED();
	EXPECT(0x2d, "/R2VFS//SUB/", dents, 0); /* empty: "." and ".." are not listed */
	/* More than 32: the first 32, the entry after the array untouched. */
	for (unsigned i = 0; i < R2_DIR_MAX + 2; i++) {
		snprintf(name, sizeof(name), "/R2VFS/SUB/F%u", i);
		EXPECT(0x21, name, text, R2_OK);
	}
	memset(dents, 0x5a, sizeof(dents));
	EXPECT(0x2d, "/R2VFS/SUB", dents, R2_DIR_MAX);
	if (dents[0].name_len != 2 || memcmp(dents[0].name, "F0", 2) ||
	    dents[R2_DIR_MAX - 1].name_len != 3 || memcmp(dents[R2_DIR_MAX - 1].name, "F31", 3) ||
	    !untouched(&dents[R2_DIR_MAX], sizeof(dents[0]), 0x5a))
		FAILED();

	/* 0x2d's errors: missing or a file 0xfe; relative, bad names and pointers 0xfc. */
	memset(dents, 0x5a, sizeof(dents));
	EXPECT(0x2d, "/NOPE", dents, R2_FILE_NOT_FOUND);
	EXPECT(0x2d, "/NOPE/SUB", dents, R2_FILE_NOT_FOUND);
	EXPECT(0x2d, "/R2VFS/FILE.TXT", dents, R2_FILE_NOT_FOUND);
	EXPECT(0x2d, "/R2VFS/FILE.TXT/X", dents, R2_FILE_NOT_FOUND);
	EXPECT(0x2d, "R2VFS", dents, R2_INVALID_INPUT);
	EXPECT(0x2d, "", dents, R2_INVALID_INPUT);
	EXPECT(0x2d, "/A:B", dents, R2_INVALID_INPUT);
	EXPECT(0x2d, 0, dents, R2_INVALID_INPUT);
	EXPECT(0x2d, UNMAPPED, dents, R2_INVALID_INPUT);
	EXPECT(0x2d, KERNEL_ADDR, dents, R2_INVALID_INPUT);
	if (!untouched(dents, sizeof(dents), 0x5a))
		FAILED();
	EXPECT(0x2d, "/", 0, R2_INVALID_INPUT);
	EXPECT(0x2d, "/", UNMAPPED, R2_INVALID_INPUT);
	EXPECT(0x2d, "/", KERNEL_ADDR, R2_INVALID_INPUT);
	EXPECT(0x2d, "/", ro_buf, R2_INVALID_INPUT);

	/* 0x2e: a directory (the root too), not a file or what is missing; 31 bytes at most. */
	EXPECT(0x2e, "/", 0, R2_OK);
	EXPECT(0x2e, sub + 1, 0, R2_OK);
	EXPECT(0x2e, "/R2VFS/SUB/", 0, R2_OK);
	EXPECT(0x2e, "/R2VFS/FILE.TXT", 0, R2_FILE_NOT_FOUND);
	EXPECT(0x2e, "/NOPE", 0, R2_FILE_NOT_FOUND);
	EXPECT(0x2e, "/R2VFS/SUB/F0", 0, R2_FILE_NOT_FOUND);
	EXPECT(0x2e, "/R2VFS//////////////////////SUB", 0, R2_OK); /* 31 bytes */
	{ /* the system information reports it, tidied: path and first cluster */
		SysInfo_T si;
		if (r2_sysinfo_get(&si) != R2_OK ||
		    strcmp((const char *)si.system_path, "/R2VFS/SUB") || !si.system_path_cluster) {
			bad_line = __LINE__;
			goto out;
		}
	}
	EXPECT(0x2e, "/R2VFS///////////////////////SUB", 0, R2_INVALID_INPUT);
	EXPECT(0x2e, "R2VFS", 0, R2_INVALID_INPUT);
	EXPECT(0x2e, "", 0, R2_INVALID_INPUT);
	EXPECT(0x2e, 0, 0, R2_INVALID_INPUT);
	EXPECT(0x2e, UNMAPPED, 0, R2_INVALID_INPUT);
	EXPECT(0x2e, KERNEL_ADDR, 0, R2_INVALID_INPUT);
	EXPECT(0x2e, "/", 0, R2_OK);
	{
		SysInfo_T si;
		if (r2_sysinfo_get(&si) != R2_OK || strcmp((const char *)si.system_path, "/") ||
		    si.system_path_cluster) {
			bad_line = __LINE__;
			goto out;
		}
	}

	/* Cleaned up: 0x2d sees it gone. */
	for (unsigned i = 0; i < R2_DIR_MAX + 2; i++) {
		snprintf(name, sizeof(name), "/R2VFS/SUB/F%u", i);
		EXPECT(0x23, name, 0, R2_OK);
	}
	EXPECT(0x23, "/R2VFS/SUB", 0, R2_OK);
	EXPECT(0x23, "/R2VFS/FILE.TXT", 0, R2_OK);
	EXPECT(0x23, "/R2VFS", 0, R2_OK);
	EXPECT(0x2d, "/R2VFS", dents, R2_FILE_NOT_FOUND);
	r = 0;
out:
	if (r)
		utest_fail(__FILE__, bad_line,
			   "an r2 call answered wrong (0x%lx, the check before)",
			   (unsigned long)got);
	fsserv_stop(srv);
	return r;
}

/* Format 0, 96 ticks a quarter, the default tempo (120 bpm): C4 for 48 ticks, 250 ms. */
static const uint8_t c4_eighth[] = {
    'M', 'T', 'h', 'd', 0,  0,	  0,	6,  0,	 0,    0,    1,	 0, 96,	  'M',	'T',  'r',
    'k', 0,   0,   0,	12, 0x00, 0x90, 60, 100, 0x30, 0x80, 60, 0, 0x00, 0xff, 0x2f, 0x00,
};

/*
 * 0x1b with a file name, as rou2exOS takes it: the file read from the disk,
 * the call back when the tune has played; a missing file, one that is no
 * MIDI file and bad names answered, never a crash.
 */
DEVMGR_UTEST(r2_midi_by_file_name)
{
	uint64_t srv, fd;
	size_t put;
	int err = fsserv_start(&srv);
	if (err)
		return utest_fail(__FILE__, __LINE__, "no file server (%d)", err);
	int r = 1, line = 0;
	uint64_t got = 0;
	if (file_open("/TUNE.MID", FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &fd, NULL) ||
	    file_write(fd, c4_eighth, sizeof(c4_eighth), &put) || file_close(fd) ||
	    file_open("/NOTMIDI.TXT", FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &fd, NULL) ||
	    file_write(fd, "not a tune", 10, &put) || file_close(fd)) {
		line = __LINE__;
		goto out;
	}
	uint64_t t0 = r2_call(R2_TICKS, 0, 0);
	if ((got = r2_call(R2_MIDI, R2_MIDI_PLAY, (uintptr_t) "tune.mid")) != R2_OK ||
	    r2_call(R2_TICKS, 0, 0) < t0 + 240) {
		line = __LINE__;
		goto out;
	}
	if ((got = r2_call(R2_MIDI, R2_MIDI_PLAY, (uintptr_t) "NOPE.MID")) != R2_FILE_NOT_FOUND ||
	    (got = r2_call(R2_MIDI, R2_MIDI_PLAY, (uintptr_t) "NOTMIDI.TXT")) != R2_INVALID_INPUT ||
	    (got = r2_call(R2_MIDI, R2_MIDI_PLAY, 0x30000000ul)) != R2_INVALID_INPUT ||
	    (got = r2_call(R2_MIDI, 2, (uintptr_t) "TUNE.MID")) != R2_INVALID_INPUT) {
		line = __LINE__;
		goto out;
	}
	/* The scratch window is the gate's for the call only: gone after it. */
	void *m;
	if (sys_mmap((void *)0x610000000000ul, 4096, PROT_READ, &m, NULL) || sys_munmap(m, 4096)) {
		line = __LINE__;
		goto out;
	}
	r = 0;
out:
	file_unlink("/TUNE.MID");
	file_unlink("/NOTMIDI.TXT");
	fsserv_stop(srv);
	if (r)
		return utest_fail(__FILE__, line, "0x1b by name answered 0x%lx",
				  (unsigned long)got);
	return 0;
}

/* 0x2a in its newer form (a command line; RAX the pid, 0 on failure); the failed step. */
UCHILD(r2_libcr2_new_run)
{
	uint64_t pid = cr2_both(0x2a, (uintptr_t) "EXIT42.ELF", (uintptr_t) "exit42 one  two");
	if (!pid || pid > 0xff00000000ull)
		return 1;
	if (cr2_both(0x2a, (uintptr_t) "EXIT42.ELF", 0) == 0) /* no command line: the name */
		return 2;
	if (cr2_both(0x2a, (uintptr_t) "NOPE.ELF", 0) != 0 ||
	    cr2_both(0x2a, (uintptr_t) "EXIT42.ELF", 0x30000000ul) != 0)
		return 3;
	return 0;
}

DEVMGR_UTEST(r2_libcr2_newer_run_returns_the_pid)
{
	return libcr2_child_passes("r2_libcr2_new_run", R2_CONV_LIBCR2 | R2_CONV_RAX, false);
}

/*
 * The calls the newest r2apps programs (r2sh's bsh) make, as the newest
 * libcr2 makes them (the number in RAX and RDX): 0x3a and 0x39 at offsets,
 * 0x40, 0x23 told it is a directory, 0x2f's 28-byte entries (0 for ten at
 * most), 0x3c in both versions, 0x43, and 0x3b on a program it started
 * through 0x2a that would spin forever (SPIN.ELF). The failed step.
 */
static uint64_t cr2_range(uint64_t nr, const char *name, void *buf, uint64_t off, uint64_t len)
{
	uint8_t raw[1 + sizeof(ReadRange_T)]; /* unaligned, as a packed struct may sit */
	ReadRange_T r = {.buffer = (uintptr_t)buf, .offset = off, .length = len};
	memcpy(raw + 1, &r, sizeof(r));
	return cr2_both(nr, (uintptr_t)name, (uintptr_t)(raw + 1));
}

/* A program that spins until it is ended, written as `name` (0x3a) and started (0x2a): its pid, or 0. */
static uint64_t start_spinner(const char *name)
{
	uint8_t elf[200];
	size_t len = tiny_elf(elf);
	elf[120] = 0xeb, elf[121] = 0xfe; /* jmp . */
	if (cr2_range(0x3a, name, elf, 0, len) != len)
		return 0;
	return cr2_both(0x2a, (uintptr_t)name, 0);
}

UCHILD(r2_libcr2_newest_calls)
{
	static uint8_t buf[64];
	static const uint8_t want[12] = "hello\0\0\0\0\0XY";
	cr2_both(0x23, (uintptr_t) "RANGE.TXT", 0);
	if (cr2_range(0x3a, "range.txt", "hello", 0, 5) != 5 ||
	    cr2_range(0x3a, "RANGE.TXT", "XY", 10, 2) != 2) /* a gap: zeros */
		return 1;
	memset(buf, 0xaa, sizeof(buf));
	if (cr2_range(0x39, "RANGE.TXT", buf, 0, sizeof(buf)) != 12 || memcmp(buf, want, 12) ||
	    buf[12] != 0xaa)
		return 2;
	if (cr2_range(0x39, "RANGE.TXT", buf, 3, 4) != 4 || memcmp(buf, "lo\0\0", 4) ||
	    cr2_range(0x39, "RANGE.TXT", buf, 12, 8) != 0 ||
	    cr2_range(0x39, "RANGE.TXT", buf, 1000, 8) != 0 ||
	    cr2_range(0x39, "RANGE.TXT", buf, 0, 0) != 0)
		return 3;
	/* Anything wrong is -1, never a count: a missing file, a directory, bad memory. */
	if (cr2_range(0x39, "NOPE.TXT", buf, 0, 8) != R2_COUNT_ERROR ||
	    cr2_range(0x39, "/", buf, 0, 8) != R2_COUNT_ERROR ||
	    cr2_range(0x39, "RANGE.TXT", (void *)0x30000000ul, 0, 8) != R2_COUNT_ERROR ||
	    cr2_range(0x39, "RANGE.TXT", buf, 0, R2_RANGE_MAX + 1) != R2_COUNT_ERROR ||
	    cr2_range(0x3a, "RANGE.TXT", (void *)0x30000000ul, 0, 8) != R2_COUNT_ERROR ||
	    cr2_both(0x39, (uintptr_t) "RANGE.TXT", 0x30000000ul) != R2_COUNT_ERROR ||
	    cr2_both(0x39, 0x10, (uintptr_t)buf) != R2_COUNT_ERROR)
		return 4;
	/* 0x40: the FAT12 volume; a 4 KiB file takes at least 4 KiB of its free space. */
	FsStat_T before, after;
	memset(&before, 0x55, sizeof(before));
	if (cr2_both(0x40, (uintptr_t) "/", (uintptr_t)&before) != R2_OK ||
	    before.fs_type != R2_FS_FAT12 || before.format != R2_FORMAT_FAT12 ||
	    !before.total_bytes || before.free_bytes > before.total_bytes || before.reserved[0] ||
	    before.reserved[5])
		return 5;
	static uint8_t page[4096];
	if (cr2_range(0x3a, "BIG.BIN", page, 0, sizeof(page)) != sizeof(page) ||
	    cr2_both(0x40, (uintptr_t) "/BIG.BIN", (uintptr_t)&after) != R2_OK ||
	    after.free_bytes + sizeof(page) > before.free_bytes ||
	    after.total_bytes != before.total_bytes ||
	    cr2_both(0x40, (uintptr_t) "/", 0x30000000ul) != R2_INVALID_INPUT)
		return 6;
	/* 0x23 told "a directory" removes only one; its argument 2 is 0 or 1. */
	if (cr2_both(0x23, (uintptr_t) "BIG.BIN", 1) != R2_FILE_NOT_FOUND ||
	    cr2_both(0x23, (uintptr_t) "BIG.BIN", 2) != R2_INVALID_INPUT ||
	    cr2_both(0x23, (uintptr_t) "BIG.BIN", 0) != R2_OK ||
	    cr2_both(0x23, (uintptr_t) "RANGE.TXT", 0) != R2_OK ||
	    cr2_both(0x27, 0, (uintptr_t) "RMDIR") != R2_OK ||
	    cr2_both(0x23, (uintptr_t) "RMDIR", 1) != R2_OK)
		return 7;
	/* 0x2d lists up to 64 entries for it, as bsh's 64-entry arrays expect. */
	static VfsDirEntry_T many[R2_DIR_MAX_NEWEST + 1];
	char fname[] = "/MANY/F00";
	if (cr2_both(0x27, (uintptr_t) "/", (uintptr_t) "MANY") != R2_OK)
		return 17;
	for (unsigned i = 0; i < 40; i++) {
		fname[7] = (char)('0' + i / 10), fname[8] = (char)('0' + i % 10);
		if (cr2_range(0x3a, fname, "x", 0, 1) != 1)
			return 17;
	}
	memset(many, 0x5a, sizeof(many));
	if (cr2_both(0x2d, (uintptr_t) "/MANY", (uintptr_t)many) != 40 || many[39].name_len != 3 ||
	    memcmp(many[39].name, "F39", 3) || many[40].name_len != 0x5a)
		return 18;
	for (unsigned i = 0; i < 40; i++) {
		fname[7] = (char)('0' + i / 10), fname[8] = (char)('0' + i % 10);
		if (cr2_both(0x23, (uintptr_t)fname, 0) != R2_OK)
			return 19;
	}
	if (cr2_both(0x23, (uintptr_t) "/MANY", 1) != R2_OK)
		return 19;
	/* 0x2f: argument 2 0 is ten at most, 28 bytes each; the caller is running, rip 0. */
	static TaskInfo2_T tasks[R2_TASKS_DEFAULT + 1];
	memset(tasks, 0xee, sizeof(tasks));
	uint64_t n = cr2_both(0x2f, (uintptr_t)tasks, 0), me = 0;
	if (!n || n > R2_TASKS_DEFAULT || tasks[R2_TASKS_DEFAULT].t.id != 0xee)
		return 8;
	for (uint64_t i = 0; i < n; i++) {
		if (tasks[i].t.mode != 1 || tasks[i].rip || tasks[i].t.status > R2_TASK_DEAD)
			return 9; /* not 28 bytes apart */
		/* A program of the init image is named by its role: its last argument. */
		me += tasks[i].t.status == R2_TASK_RUNNING &&
		      !memcmp(tasks[i].t.name, "r2_libcr2_newes", 16);
	}
	if (me != 1)
		return 9;
	/* 0x43 and 0x3c: the caller's heap. */
	uint8_t *blk = (uint8_t *)cr2_both(0x0a, 100, 0);
	if (!blk || cr2_both(0x43, (uintptr_t)blk, 100) != 1 ||
	    cr2_both(0x43, (uintptr_t)blk, 1u << 21) != 0 ||
	    cr2_both(0x43, (uintptr_t)blk, 0) != 0 || cr2_both(0x43, (uintptr_t)buf, 8) != 0)
		return 10;
	static MemInfo2_T m2;
	static uint8_t m1[sizeof(MemInfo_T) + 1];
	memset(m1, 0x66, sizeof(m1));
	if (cr2_both(0x3c, (uintptr_t)&m2, R2_MEMINFO_V2) != R2_OK || m2.version != 2 ||
	    (uintptr_t)blk - m2.heap_start >= m2.heap_size || m2.heap_used < 100 ||
	    m2.heap_size < m2.heap_used || m2.heap_free != m2.heap_size - m2.heap_used ||
	    !m2.total_ram || m2.slots != R2_HEAPS || m2.heap_largest_free > m2.heap_free)
		return 11;
	unsigned mine = 0;
	for (unsigned i = 0; i < 32; i++)
		mine += m2.slot_task[i] != 0xff && m2.heap_by_slot[i] >= 100;
	MemInfo_T v1;
	if (!mine || cr2_both(0x3c, (uintptr_t)m1, 0) != R2_OK || m1[sizeof(MemInfo_T)] != 0x66)
		return 12;
	memcpy(&v1, m1, sizeof(v1));
	if (v1.version != 1 || v1.heap_used != m2.heap_used || v1.slots != R2_HEAPS ||
	    cr2_both(0x3c, 0x30000000ul, 0) != R2_INVALID_INPUT)
		return 13;
	/* 0x3b: a program it started spins until it is ended; then it is gone. */
	uint64_t pid = start_spinner("SPIN.ELF");
	cr2_both(0x23, (uintptr_t) "SPIN.ELF", 0);
	if (!pid)
		return 14;
	if (cr2_both(0x3b, pid & 0xff, 0) != R2_OK)
		return 15;
	if (cr2_both(0x3b, pid, 0) != R2_FILE_NOT_FOUND)
		return 16; /* ended */
	/* Its parent, a live process it did not start: not the caller's to end. */
	struct thread_info ti;
	struct process_info pi;
	uint64_t parent = 0;
	if (sys_thread_info(0, &ti))
		return 17;
	for (unsigned i = 0; !sys_process_info(i, &pi); i++)
		if (pi.pid == ti.process_id)
			parent = pi.parent_pid;
	if (!parent || cr2_both(0x3b, parent, 0) != R2_FILE_NOT_FOUND)
		return 17;
	return 0;
}

/* Is a process of `name` (argv[0]) still about, not yet ended? */
static bool runs(const char *name)
{
	struct process_info pi;
	for (unsigned i = 0; !sys_process_info(i, &pi); i++)
		if (!strcmp(pi.name, name) && (pi.state == PS_RUNNING || pi.state == PS_NEW))
			return true;
	return false;
}

/* Starts SPIN2.ELF through 0x2a, then ends itself with 0x3b: the program it started goes too. */
UCHILD(r2_libcr2_kills_itself)
{
	struct thread_info ti;
	if (!start_spinner("SPIN2.ELF"))
		return 1;
	if (sys_thread_info(0, &ti))
		return 2;
	cr2_both(0x3b, ti.process_id, 0);
	return 3; /* still here */
}

DEVMGR_UTEST(r2_kill_ends_what_the_caller_started)
{
	uint64_t srv;
	struct process_exit_info info = {0};
	int err = fsserv_start(&srv);
	if (err)
		return utest_fail(__FILE__, __LINE__, "no file server (%d)", err);
	int r = run_libcr2("r2_libcr2_kills_itself", R2_CONV_LIBCR2 | R2_CONV_RAX, false, &info);
	uint64_t end = sys_clock() + UTEST_PATIENCE_NS;
	bool spinning;
	while ((spinning = runs("SPIN2.ELF")) && sys_clock() < end)
		sys_sleep(20000000);
	file_unlink("/SPIN2.ELF");
	fsserv_stop(srv);
	if (r || info.exit_reason != EXIT_TERMINATED)
		return utest_fail(__FILE__, __LINE__, "the child ended with %d (reason %u)",
				  info.exit_code, info.exit_reason);
	if (spinning)
		return utest_fail(__FILE__, __LINE__, "what it started runs on");
	return 0;
}

DEVMGR_UTEST(r2_newest_calls_as_bsh_makes_them)
{
	return libcr2_child_passes("r2_libcr2_newest_calls", R2_CONV_LIBCR2 | R2_CONV_RAX, false);
}
