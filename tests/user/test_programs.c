/*
 * The programs on the build's disk (user/programs/, ci/mkdisk), which
 * ci/boot attaches: each read through the file API from the file server,
 * started as a process from those bytes and its end checked: HELLO.ELF
 * with arguments ends with 0, EXIT.ELF 42 with 42, FAULT.ELF with a fault
 * of each kind, CAT.ELF reads a file itself (0) or says it cannot (1),
 * LOOP.ELF is still running after a second and ends when terminated.
 * What the shell's `run` does, without the shell.
 */
#include "drivers/lib/devmgr.h"
#include "file.h"
#include "fs/server/fsserv.h"
#include "utest.h"

static uint8_t image[128u << 10];

/* The whole of `path` into image[]; its size, 0 when it cannot be read. */
static uint64_t load(const char *path)
{
	uint64_t fd, size, at = 0;
	size_t got;
	if (file_open(path, FILE_READ, &fd, &size) || size > sizeof(image))
		return 0;
	while (at < size && !sys_read(fd, image + at, sizeof(image) - at, &got) && got)
		at += got;
	file_close(fd);
	return at == size ? size : 0;
}

/* Start `path` with `args` ("NAME\0ARG\0...", args_size bytes); its process capability. */
static long start(const char *path, const char *args, size_t args_size, uint64_t *cap)
{
	struct process_spec spec = {.args = args, .args_size = args_size};
	uint64_t pid;
	spec.image = image;
	spec.image_size = load(path);
	if (!spec.image_size)
		return E_NOT_FOUND;
	long err = sys_process_create(&spec, &pid, cap);
	return err ? err : sys_process_start(*cap);
}

/* Run it to its end. */
static long run(const char *path, const char *args, size_t args_size,
		struct process_exit_info *info)
{
	uint64_t cap;
	long err = start(path, args, args_size, &cap);
	return err ? err : sys_process_wait(cap, UTEST_PATIENCE_NS, info);
}

#define ARGS(s) s, sizeof(s)

static int programs(void)
{
	struct process_exit_info info;
	UASSERT_EQ(run("/HELLO.ELF", ARGS("HELLO.ELF\0one\0two"), &info), 0);
	UASSERT(info.exit_reason == EXIT_NORMAL && info.exit_code == 0);
	UASSERT_EQ(run("/EXIT.ELF",
		       ARGS("EXIT.ELF\0"
			    "42"),
		       &info),
		   0);
	UASSERT(info.exit_reason == EXIT_NORMAL && info.exit_code == 42);
	UASSERT_EQ(run("/FAULT.ELF", ARGS("FAULT.ELF\0read"), &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
	UASSERT_EQ(run("/FAULT.ELF", ARGS("FAULT.ELF\0write"), &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
	UASSERT_EQ(run("/FAULT.ELF", ARGS("FAULT.ELF\0ill"), &info), 0);
	UASSERT(info.exit_reason == EXIT_ILLEGAL || info.exit_reason == EXIT_BREAKPOINT);
	UASSERT_EQ(run("/CAT.ELF", ARGS("CAT.ELF\0/HELLO.TXT"), &info), 0);
	UASSERT(info.exit_reason == EXIT_NORMAL && info.exit_code == 0);
	UASSERT_EQ(run("/CAT.ELF", ARGS("CAT.ELF\0/NO/SUCH.TXT"), &info), 0);
	UASSERT(info.exit_reason == EXIT_NORMAL && info.exit_code == 1);
	/* LOOP.ELF runs until it is ended. */
	uint64_t cap;
	UASSERT_EQ(start("/LOOP.ELF",
			 ARGS("LOOP.ELF\0"
			      "200"),
			 &cap),
		   0);
	UASSERT(sys_process_wait(cap, 1000000000ull, &info) == E_TIMEOUT);
	UASSERT_EQ(sys_process_terminate(cap, 130), 0);
	UASSERT_EQ(sys_process_wait(cap, UTEST_PATIENCE_NS, &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_TERMINATED);
	return 0;
}

DEVMGR_UTEST(programs_from_the_disk_run_and_end_as_they_should)
{
	uint64_t srv;
	int err = fsserv_start(&srv);
	if (err)
		return utest_fail(__FILE__, __LINE__, "no file server (%d)", err);
	int r = programs();
	fsserv_stop(srv);
	return r;
}
