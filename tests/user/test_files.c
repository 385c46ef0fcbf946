/*
 * Files through the file server (fs/server/) and the kernel's file calls
 * (include/abi/file.h), on the FAT12 image ci/boot attaches (HELLO.TXT,
 * DATA/NUMBERS.TXT = `seq 1 4000`): open, read, write, seek, stat,
 * readdir, mkdir, rename, unlink, rmdir and check as a client sees them;
 * capabilities' rights, bad buffers, stale and released handles; the
 * server killed and started again by its watcher with nothing lost.
 */
#include "drivers/lib/blkdev.h"
#include "drivers/lib/devmgr.h"
#include "file.h"
#include "fs/fat.h"
#include "fs/server/blkfat.h"
#include "fs/server/fsserv.h"
#include "ipc.h"
#include "utest.h"

static const char hello[] = "Hello from the host's mtools\n";

/* The first `n` bytes of `seq 1 4000`'s output. */
static size_t numbers(char *out, size_t n)
{
	size_t len = 0;
	for (unsigned i = 1; i <= 4000 && len < n; i++) {
		char line[8];
		int k = snprintf(line, sizeof(line), "%u\n", i);
		for (int j = 0; j < k && len < n; j++)
			out[len++] = line[j];
	}
	return len;
}

static char big[20000], back[20000];

#define FS_UTEST(tname)                                                                    \
	static int fs_body_##tname(void);                                                  \
	DEVMGR_UTEST(tname)                                                                \
	{                                                                                  \
		uint64_t srv;                                                              \
		int err = fsserv_start(&srv);                                              \
		if (err)                                                                   \
			return utest_fail(__FILE__, __LINE__, "no file server (%d)", err); \
		int r = fs_body_##tname();                                                 \
		fsserv_stop(srv);                                                          \
		return r;                                                                  \
	}                                                                                  \
	static int fs_body_##tname(void)

FS_UTEST(files_read_what_the_host_wrote)
{
	uint64_t fd, size;
	size_t got;
	char buf[64];
	UASSERT(!file_open("/HELLO.TXT", FILE_READ, &fd, &size));
	UASSERT(size == sizeof(hello) - 1);
	UASSERT(!sys_read(fd, buf, sizeof(buf), &got) && got == size);
	UASSERT(!memcmp(buf, hello, got));
	UASSERT(!sys_read(fd, buf, sizeof(buf), &got) && got == 0); /* the end */
	/* A read-only capability cannot write. */
	size_t put;
	UASSERT(file_write(fd, "x", 1, &put) == E_INVALID_CAPABILITY ||
		file_write(fd, "x", 1, &put) == E_PERMISSION_DENIED);
	UASSERT(!file_close(fd));
	UASSERT(sys_read(fd, buf, 1, &got) == E_INVALID_CAPABILITY); /* closed */

	/* A bigger file, read in odd pieces into an unaligned buffer, then from an offset. */
	size_t want = numbers(big, sizeof(big));
	UASSERT(!file_open("/data/numbers.txt", FILE_READ, &fd, &size) && size == want);
	size_t total = 0;
	while (total < size) {
		UASSERT(!sys_read(fd, back + 1 + total, 777, &got) && got);
		total += got;
	}
	UASSERT(total == size && !memcmp(back + 1, big, size));
	uint64_t pos;
	UASSERT(!file_seek(fd, 10000, SEEK_SET, &pos) && pos == 10000);
	UASSERT(!sys_read(fd, back, 100, &got) && got == 100 && !memcmp(back, big + 10000, 100));
	UASSERT(!file_seek(fd, -50, SEEK_END, &pos) && pos == size - 50);
	UASSERT(file_seek(fd, -1, SEEK_SET, &pos) == E_INVALID_PARAMETER);
	UASSERT(!file_close(fd));

	struct file_stat st;
	UASSERT(!file_stat("/DATA", &st) && (st.attr & FILE_ATTR_DIR));
	UASSERT(file_stat("/NOPE.TXT", &st) == E_NOT_FOUND);
	UASSERT(file_open("/NOPE.TXT", FILE_READ, &fd, NULL) == E_NOT_FOUND);
	UASSERT(file_open("/DATA", FILE_READ, &fd, NULL) == E_IS_DIRECTORY);
	UASSERT(file_open("relative.txt", FILE_READ, &fd, NULL) == E_INVALID_PARAMETER);

	struct file_dirent ents[8];
	unsigned count;
	uint32_t next;
	UASSERT(!file_readdir("/", 0, ents, 8, &count, &next));
	bool saw_hello = false, saw_data = false;
	for (unsigned i = 0; i < count; i++) {
		saw_hello |=
		    !strcmp(ents[i].name, "HELLO.TXT") && ents[i].size == sizeof(hello) - 1;
		saw_data |= !strcmp(ents[i].name, "DATA") && (ents[i].attr & FILE_ATTR_DIR);
	}
	UASSERT(saw_hello && saw_data);
	UASSERT(file_readdir("/HELLO.TXT", 0, ents, 8, &count, &next) == E_NOT_DIRECTORY);
	return 0;
}

FS_UTEST(files_written_renamed_and_removed)
{
	uint64_t fd, size, pos;
	size_t got, put;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 23);
	file_unlink("/T/NEW.TXT");
	file_unlink("/T/MOVED.TXT");
	file_rmdir("/T");
	UASSERT(!file_mkdir("/T"));
	UASSERT(file_mkdir("/T") == E_FILE_EXISTS);
	UASSERT(file_open("/T/NEW.TXT", FILE_WRITE, &fd, NULL) == E_NOT_FOUND); /* no CREATE */
	UASSERT(!file_open("/T/NEW.TXT", FILE_READ | FILE_WRITE | FILE_CREATE, &fd, &size));
	UASSERT(size == 0);
	UASSERT(!file_write(fd, big, sizeof(big), &put) && put == sizeof(big));
	UASSERT(!file_seek(fd, 0, SEEK_SET, &pos) && pos == 0);
	UASSERT(!sys_read(fd, back, sizeof(back), &got) && got == sizeof(big));
	UASSERT(!memcmp(back, big, sizeof(big)));
	UASSERT(!file_close(fd));
	/* Truncate, append. */
	UASSERT(!file_open("/T/NEW.TXT", FILE_WRITE | FILE_TRUNCATE, &fd, &size) && size == 0);
	UASSERT(!file_write(fd, "one\n", 4, &put) && !file_close(fd));
	UASSERT(!file_open("/T/NEW.TXT", FILE_WRITE | FILE_APPEND, &fd, &size) && size == 4);
	UASSERT(!file_write(fd, "two\n", 4, &put) && !file_close(fd));
	UASSERT(!file_open("/T/NEW.TXT", FILE_READ, &fd, &size) && size == 8);
	UASSERT(!sys_read(fd, back, 64, &got) && got == 8 && !memcmp(back, "one\ntwo\n", 8));
	UASSERT(!file_close(fd));

	/* Stamped with the machine's real-time clock (QEMU's starts at the host's time). */
	uint64_t now;
	struct file_stat st;
	UASSERT(!sys_clock_realtime(&now) && now / 1000000000ull > 1700000000ull);
	UASSERT(!file_stat("/T/NEW.TXT", &st) && (st.date >> 9) + 1980u >= 2024u);
	UASSERT(!file_rename("/T/NEW.TXT", "/T/MOVED.TXT"));
	UASSERT(file_stat("/T/NEW.TXT", &st) == E_NOT_FOUND);
	UASSERT(!file_stat("/T/MOVED.TXT", &st) && st.size == 8);
	UASSERT(file_rmdir("/T") == E_DIR_NOT_EMPTY);
	UASSERT(file_unlink("/T") == E_IS_DIRECTORY);
	UASSERT(!file_unlink("/T/MOVED.TXT"));
	UASSERT(!file_rmdir("/T"));
	UASSERT(file_mkdir("/BAD:NAME") == E_BAD_NAME);

	struct file_check c;
	UASSERT(!file_check(&c));
	UASSERT(!c.lost_clusters && !c.cross_linked && !c.bad_sizes && !c.bad_chains &&
		!c.fat_mismatch);
	UASSERT(c.files >= 2 && c.dirs >= 1);
	return 0;
}

FS_UTEST(files_refuse_bad_buffers_and_handles)
{
	uint64_t fd;
	size_t got;
	/* Paths and buffers outside the caller's memory: errors, nothing served. */
	UASSERT(SYS3(SYS_OPEN, 0x10, 5, FILE_READ, NULL) == E_MEM_BAD_ADDRESS ||
		SYS3(SYS_OPEN, 0x10, 5, FILE_READ, NULL) == E_MEM_NOT_MAPPED);
	UASSERT(file_open("/HELLO.TXT", FILE_READ, &fd, NULL) == 0);
	long tag = SYS3(SYS_READ, fd, 0x10, 16, NULL);
	UASSERT(tag == E_MEM_BAD_ADDRESS || tag == E_MEM_NOT_MAPPED);
	tag = SYS3(SYS_READ, fd, "read-only text", 4, NULL); /* the buffer would be written */
	UASSERT(tag != 0);
	UASSERT(SYS3(SYS_OPEN, "/HELLO.TXT", 10, 0, NULL) == E_INVALID_PARAMETER); /* no mode */
	UASSERT(SYS3(SYS_OPEN, "/HELLO.TXT", 10, FILE_READ | FILE_CREATE, NULL) ==
		E_INVALID_PARAMETER);
	UASSERT(SYS3(SYS_READ, 12345, back, 4, NULL) == E_INVALID_CAPABILITY);
	UASSERT(file_call(99, NULL, 0, NULL, 0, 0, NULL) == E_INVALID_PARAMETER);
	/* The server answers only what the kernel forwards: a message of our own is refused. */
	uint64_t conn;
	UASSERT(!xous_client_connect(FILE_SERVER_NAME, &conn));
	uint64_t w[4] = {FILE_OP_UNLINK, 0, 0, 0};
	struct ipc_message m;
	UASSERT(!ipc_call(conn, MSG_INFO(32, MSG_SMALL), w, &m) && m.w[0] == E_PERMISSION_DENIED);
	sys_cap_revoke(conn);
	/* Released handles come back: many more opens than the server has handles. */
	UASSERT(!file_close(fd));
	for (unsigned i = 0; i < 300; i++) {
		UASSERT(!file_open("/HELLO.TXT", FILE_READ, &fd, NULL));
		UASSERT(!sys_read(fd, back, 5, &got) && got == 5);
		UASSERT(!file_close(fd));
	}
	return 0;
}

FS_UTEST(files_survive_the_server_killed)
{
	/* Find the server by its name's owner: kill it through init's watcher's process cap. */
	file_unlink("/KILL.TXT");
	uint64_t fd;
	size_t put, got;
	UASSERT(!file_open("/KILL.TXT", FILE_WRITE | FILE_CREATE, &fd, NULL));
	UASSERT(!file_write(fd, "before\n", 7, &put) && put == 7);
	unsigned restarts = fsserv_restarts();
	UASSERT(!fsserv_kill_for_test());
	/* The old capability names a server that is gone. */
	long tag = file_write(fd, "lost\n", 5, &put);
	UASSERT(tag == E_NO_FILE_SERVER || tag == E_INVALID_CAPABILITY);
	file_close(fd);
	/* The watcher starts it again; clients meanwhile see E_NO_FILE_SERVER. */
	uint64_t until = sys_clock() + 20000000000ull;
	while ((tag = file_open("/KILL.TXT", FILE_READ, &fd, NULL)) == E_NO_FILE_SERVER &&
	       sys_clock() < until)
		sys_sleep(50000000);
	UASSERT(!tag);
	UASSERT(fsserv_restarts() == restarts + 1);
	UASSERT(!sys_read(fd, back, 64, &got) && got == 7 && !memcmp(back, "before\n", 7));
	UASSERT(!file_close(fd));
	UASSERT(!file_unlink("/KILL.TXT"));
	return 0;
}

static struct fat_vol ram_vol;

/*
 * A damaged volume on the RAM disk (made and damaged here through the
 * library): a file whose chain loops, another cross-linked into it. The
 * server answers FilesystemError for what touches the damage, serves the
 * rest, and its check counts both; a volume without a boot sector is not
 * served at all. Nothing hangs.
 */
DEVMGR_UTEST(files_on_a_damaged_volume_give_errors)
{
	struct blkdev d;
	UASSERT(!blkdev_open(&d, devmgr_endpoint, "ram0", 16, BLKFAT_WINDOW));
	struct fat_dev dev = blkfat_dev(&d);
	UASSERT(!fat_format(&dev, 2880, 1, "DAMAGED"));
	UASSERT(!fat_mount(&ram_vol, &dev));
	for (size_t i = 0; i < 3000; i++)
		big[i] = (char)i;
	UASSERT(!fat_write(&ram_vol, "/LOOP.BIN", 0, big, 3000, true, false));
	UASSERT(!fat_write(&ram_vol, "/X.BIN", 0, big, 1500, true, false));
	UASSERT(!fat_write(&ram_vol, "/CROSS.BIN", 0, big, 1500, true, false));
	UASSERT(!fat_write(&ram_vol, "/GOOD.TXT", 0, hello, sizeof(hello) - 1, true, false));
	struct fat_stat a, b, x;
	UASSERT(!fat_stat(&ram_vol, "/LOOP.BIN", &a) && !fat_stat(&ram_vol, "/CROSS.BIN", &b) &&
		!fat_stat(&ram_vol, "/X.BIN", &x));
	/* LOOP's last cluster points back at its first; CROSS goes on into X's second cluster. */
	UASSERT(!fat_entry_set(&ram_vol, a.first_cluster + 5u, a.first_cluster));
	UASSERT(!fat_entry_set(&ram_vol, b.first_cluster, x.first_cluster + 1u));
	blkdev_close(&d);

	uint64_t srv, fd, size;
	size_t got;
	UASSERT(!fsserv_start_on("ram0", &srv));
	int r = 1, line = 0;
#define FAIL_HERE()              \
	do {                     \
		line = __LINE__; \
		goto out;        \
	} while (0)
	struct file_check c;
	if (file_open("/LOOP.BIN", FILE_READ, &fd, &size) || size != 3000)
		FAIL_HERE();
	if (sys_read(fd, back, sizeof(back), &got) != E_FS_CORRUPT)
		FAIL_HERE();
	file_close(fd);
	if (file_open("/GOOD.TXT", FILE_READ, &fd, NULL) || sys_read(fd, back, 64, &got) ||
	    got != sizeof(hello) - 1 || memcmp(back, hello, got))
		FAIL_HERE();
	file_close(fd);
	if (file_check(&c) || !c.bad_chains || !c.cross_linked)
		FAIL_HERE();
	r = 0;
out:
	fsserv_stop(srv);
	if (r)
		return utest_fail(__FILE__, line,
				  "the damaged volume answered wrong (the check before)");
	/* No boot sector: the server finds no volume; clients are told nobody serves files. */
	UASSERT(!blkdev_open(&d, devmgr_endpoint, "ram0", 16, BLKFAT_WINDOW));
	memset(blkdev_data(&d, 0), 0, 512);
	UASSERT(!blkdev_write(&d, 0, 1, 0));
	blkdev_close(&d);
	UASSERT(fsserv_start_on("ram0", &srv) == E_NOT_FOUND);
	UASSERT(file_open("/GOOD.TXT", FILE_READ, &fd, NULL) == E_NO_FILE_SERVER);
	return 0;
}

/* The server killed now and then while the test writes (a thread of its own). */
static volatile unsigned kills_done;
static volatile bool stream_over;
static uint8_t killer_stack[8192] __attribute__((aligned(16)));

static void killer(uintptr_t kills)
{
	for (unsigned k = 0; k < kills && !stream_over; k++) {
		sys_sleep(250000000ull + k * 170000000ull); /* not in step with the writes */
		if (!fsserv_kill_for_test())
			kills_done++;
		/* Wait for the watcher to start it again before the next. */
		while (!stream_over && fsserv_restarts() < kills_done)
			sys_sleep(20000000);
	}
	sys_thread_exit(0);
}

static void stream_pattern(unsigned i, char *out, size_t n)
{
	for (size_t k = 0; k < n; k++)
		out[k] = (char)('A' + (i * 7 + k) % 26);
}

/*
 * A stream of writes (30 files of 3000 bytes in /S) while the server is
 * killed three times: each write is tried until it is acknowledged, and
 * every acknowledged file reads back right afterwards. The lines
 * "files_stream: acked PATH" let tests/system/fs_kill check the image on
 * the host, with fsck.fat, after the run.
 */
FS_UTEST(files_stream_through_server_kills)
{
	enum { FILES = 30, SIZE = 3000, KILLS = 3 };
	file_mkdir("/S");
	kills_done = 0;
	stream_over = false;
	uint64_t tid, thread;
	UASSERT(!sys_thread_create(killer, killer_stack, sizeof(killer_stack), KILLS, 0, &tid,
				   &thread));
	uint64_t deadline = sys_clock() + 120000000000ull;
	unsigned failures = 0;
	char path[24];
	for (unsigned i = 0; i < FILES && sys_clock() < deadline;) {
		uint64_t fd;
		size_t put = 0;
		snprintf(path, sizeof(path), "/S/F%u.TXT", i);
		stream_pattern(i, big, SIZE);
		long tag = file_open(path, FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &fd, NULL);
		if (!tag) {
			tag = file_write(fd, big, SIZE, &put);
			long c = file_close(fd);
			tag = tag ? tag : c;
		}
		if (tag || put != SIZE) {
			failures++;
			sys_sleep(50000000); /* the server is gone: it comes back */
			continue;
		}
		printf("files_stream: acked %s\n", path);
		i++;
		if (i == FILES && kills_done < KILLS) /* the writes outran the kills: go on */
			i = 0;
	}
	stream_over = true;
	int code;
	sys_thread_join(thread, 0, &code);
	UASSERT(kills_done == KILLS);
	UASSERT(fsserv_restarts() >= KILLS);
	printf("files_stream: %u kills, %u writes refused while the server was away\n", kills_done,
	       failures);
	for (unsigned i = 0; i < FILES; i++) {
		uint64_t fd, size;
		size_t got;
		snprintf(path, sizeof(path), "/S/F%u.TXT", i);
		stream_pattern(i, big, SIZE);
		UASSERT(!file_open(path, FILE_READ, &fd, &size) && size == SIZE);
		UASSERT(!sys_read(fd, back, sizeof(back), &got) && got == SIZE);
		UASSERT(!memcmp(back, big, SIZE));
		file_close(fd);
	}
	struct file_check c;
	UASSERT(!file_check(&c) && !c.cross_linked && !c.bad_chains && !c.bad_sizes);
	return 0;
}
