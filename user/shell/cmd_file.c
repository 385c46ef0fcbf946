/*
 * The shell's file commands, over the file API (user/lib/file.h). Every
 * path is made absolute first (shell_path); every failure is one line,
 * "CMD: PATH: what went wrong", and the command's status 1.
 */
#include "file.h"
#include "shell.h"

#define COPY_CHUNK 4096 /* bytes per read and write of cat and cp */
#define LS_BATCH   16	/* directory entries per call */

static char chunk[COPY_CHUNK];

/* argv[i] made absolute into out; prints why not and returns false. */
static bool absolute(const char *cmd, const char *arg, char *out)
{
	if (shell_path(shell_cwd, arg, out, FILE_PATH_MAX))
		return true;
	printf("%s: %s: path too long (at most %u bytes)\n", cmd, arg, FILE_PATH_MAX - 1);
	return false;
}

static bool usage(int argc, int min, const char *text)
{
	if (argc >= min)
		return true;
	printf("usage: %s\n", text);
	return false;
}

/* One directory entry or file: size (or <DIR>), date and time of its last write, name. */
static void ls_line(const char *name, unsigned attr, uint64_t size, uint16_t date, uint16_t time)
{
	char sz[24];
	if (attr & FILE_ATTR_DIR)
		snprintf(sz, sizeof(sz), "<DIR>");
	else
		snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	/* FAT: years since 1980, month, day; hours, minutes. */
	printf("%10s  %04u-%02u-%02u %02u:%02u  %s%s\n", sz, 1980u + (date >> 9), (date >> 5) & 15u,
	       date & 31u, time >> 11, (time >> 5) & 63u, name, attr & FILE_ATTR_DIR ? "/" : "");
}

static int ls_one(const char *cmd, const char *path)
{
	static struct file_dirent ents[LS_BATCH];
	unsigned count, total = 0;
	uint32_t index = 0, next;
	for (;;) {
		long err = file_readdir(path, index, ents, LS_BATCH, &count, &next);
		if (err == E_NOT_DIRECTORY) { /* a file: its own line, as ls does */
			struct file_stat st;
			err = file_stat(path, &st);
			if (!err)
				ls_line(shell_basename(path), st.attr, st.size, st.date, st.time);
		}
		if (err)
			return shell_fail(cmd, path, err);
		if (!count)
			break;
		for (unsigned i = 0; i < count; i++)
			ls_line(ents[i].name, ents[i].attr, ents[i].size, ents[i].date,
				ents[i].time);
		total += count;
		index = next;
	}
	if (!total)
		printf("%s: %s: empty\n", cmd, path);
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	char path[FILE_PATH_MAX];
	if (argc < 2)
		return ls_one(argv[0], shell_cwd);
	int status = 0;
	for (int i = 1; i < argc; i++) {
		if (!absolute(argv[0], argv[i], path))
			status = 1;
		else
			status |= ls_one(argv[0], path);
	}
	return status;
}

static int cmd_pwd(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("%s\n", shell_cwd);
	return 0;
}

static int cmd_cd(int argc, char **argv)
{
	char path[FILE_PATH_MAX];
	if (!absolute(argv[0], argc > 1 ? argv[1] : "/", path))
		return 1;
	/* The root has no entry of its own on FAT: it is always there. */
	if (strcmp(path, "/")) {
		struct file_stat st;
		long err = file_stat(path, &st);
		if (!err && !(st.attr & FILE_ATTR_DIR))
			err = E_NOT_DIRECTORY;
		if (err)
			return shell_fail(argv[0], path, err);
	}
	memcpy(shell_cwd, path, sizeof(path));
	return 0;
}

/* Write all of buf to fd (a file capability, or 1: the console). */
static long write_all(uint64_t fd, const char *buf, size_t len)
{
	while (len) {
		size_t put;
		long err = file_write(fd, buf, len, &put);
		if (!err && !put)
			err = E_NO_SPACE;
		if (err)
			return err;
		buf += put;
		len -= put;
	}
	return E_OK;
}

/* Copy what is left of `from` to `to`; the last byte copied in *last (-1: none). */
static long copy(uint64_t from, uint64_t to, int *last)
{
	for (;;) {
		size_t got;
		long err = sys_read(from, chunk, sizeof(chunk), &got);
		if (err || !got)
			return err;
		*last = (unsigned char)chunk[got - 1];
		err = write_all(to, chunk, got);
		if (err)
			return err;
	}
}

static int cat_one(const char *cmd, const char *path)
{
	uint64_t fd;
	long err = file_open(path, FILE_READ, &fd, NULL);
	if (err)
		return shell_fail(cmd, path, err);
	int last = -1;
	flush();
	err = copy(fd, 1, &last);
	file_close(fd);
	if (last >= 0 && last != '\n')
		printf("\n"); /* the prompt on a line of its own */
	return err ? shell_fail(cmd, path, err) : 0;
}

static int cmd_cat(int argc, char **argv)
{
	char path[FILE_PATH_MAX];
	if (!usage(argc, 2, "cat FILE..."))
		return 1;
	int status = 0;
	for (int i = 1; i < argc; i++)
		status |= absolute(argv[0], argv[i], path) ? cat_one(argv[0], path) : 1;
	return status;
}

/* write FILE TEXT...: the words, one space apart, and a newline, as the whole file. */
static int cmd_write(int argc, char **argv)
{
	char path[FILE_PATH_MAX];
	if (!usage(argc, 2, "write FILE [TEXT...]") || !absolute(argv[0], argv[1], path))
		return 1;
	size_t n = 0;
	for (int i = 2; i < argc; i++) {
		size_t len = strlen(argv[i]);
		if (n + len + 2 > sizeof(chunk)) {
			printf("%s: the text is too long\n", argv[0]);
			return 1;
		}
		if (i > 2)
			chunk[n++] = ' ';
		memcpy(chunk + n, argv[i], len);
		n += len;
	}
	chunk[n++] = '\n';
	uint64_t fd;
	long err = file_open(path, FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &fd, NULL);
	if (!err) {
		err = write_all(fd, chunk, n);
		file_close(fd);
	}
	return err ? shell_fail(argv[0], path, err) : 0;
}

/* A target that is a directory names the entry of the source's name in it. */
static bool target(const char *cmd, const char *from, const char *arg, char *out)
{
	if (!absolute(cmd, arg, out))
		return false;
	struct file_stat st;
	bool is_dir = !strcmp(out, "/") || (!file_stat(out, &st) && st.attr & FILE_ATTR_DIR);
	if (!is_dir)
		return true;
	char dir[FILE_PATH_MAX];
	memcpy(dir, out, sizeof(dir));
	if (!strcmp(dir, "/"))
		dir[0] = '\0';
	if (snprintf(out, FILE_PATH_MAX, "%s/%s", dir, shell_basename(from)) >=
	    (int)FILE_PATH_MAX) {
		printf("%s: %s/%s: path too long\n", cmd, dir, shell_basename(from));
		return false;
	}
	return true;
}

static int cmd_cp(int argc, char **argv)
{
	char from[FILE_PATH_MAX], to[FILE_PATH_MAX];
	if (!usage(argc, 3, "cp FROM TO") || !absolute(argv[0], argv[1], from) ||
	    !target(argv[0], from, argv[2], to))
		return 1;
	if (!strcmp(from, to)) {
		printf("%s: %s: the same file\n", argv[0], from);
		return 1;
	}
	uint64_t in, out;
	long err = file_open(from, FILE_READ, &in, NULL);
	if (err)
		return shell_fail(argv[0], from, err);
	err = file_open(to, FILE_WRITE | FILE_CREATE | FILE_TRUNCATE, &out, NULL);
	if (err) {
		file_close(in);
		return shell_fail(argv[0], to, err);
	}
	int last;
	err = copy(in, out, &last);
	file_close(in);
	file_close(out);
	return err ? shell_fail(argv[0], to, err) : 0;
}

static int cmd_mv(int argc, char **argv)
{
	char from[FILE_PATH_MAX], to[FILE_PATH_MAX];
	if (!usage(argc, 3, "mv FROM TO") || !absolute(argv[0], argv[1], from) ||
	    !target(argv[0], from, argv[2], to))
		return 1;
	long err = file_rename(from, to);
	return err ? shell_fail(argv[0], from, err) : 0;
}

/* A path call on each argument: rm, mkdir, rmdir. */
static int each_path(int argc, char **argv, long (*op)(const char *path))
{
	char path[FILE_PATH_MAX];
	int status = 0;
	for (int i = 1; i < argc; i++) {
		long err;
		if (!absolute(argv[0], argv[i], path))
			status = 1;
		else if ((err = op(path)))
			status = shell_fail(argv[0], path, err);
	}
	return status;
}

static long unlink_op(const char *path)
{
	return file_unlink(path);
}

static long mkdir_op(const char *path)
{
	return file_mkdir(path);
}

static long rmdir_op(const char *path)
{
	return file_rmdir(path);
}

static int cmd_rm(int argc, char **argv)
{
	return usage(argc, 2, "rm FILE...") ? each_path(argc, argv, unlink_op) : 1;
}

static int cmd_mkdir(int argc, char **argv)
{
	return usage(argc, 2, "mkdir DIR...") ? each_path(argc, argv, mkdir_op) : 1;
}

static int cmd_rmdir(int argc, char **argv)
{
	return usage(argc, 2, "rmdir DIR...") ? each_path(argc, argv, rmdir_op) : 1;
}

static int cmd_fsck(int argc, char **argv)
{
	(void)argc;
	struct file_check c;
	long err = file_check(&c);
	if (err)
		return shell_fail(argv[0], NULL, err);
	printf("fsck: %u files, %u directories\n", c.files, c.dirs);
	printf("fsck: lost clusters %u, cross-linked chains %u, bad sizes %u, bad chains %u, "
	       "FAT copies differing in %u entries\n",
	       c.lost_clusters, c.cross_linked, c.bad_sizes, c.bad_chains, c.fat_mismatch);
	bool clean =
	    !c.lost_clusters && !c.cross_linked && !c.bad_sizes && !c.bad_chains && !c.fat_mismatch;
	printf(clean ? "fsck: clean\n" : "fsck: the volume has errors (see above)\n");
	return clean ? 0 : 1;
}

const struct shell_cmd shell_file_cmds[] = {
    {"ls", cmd_ls, "ls [PATH...]", "list a directory (or show a file)"},
    {"dir", cmd_ls, "dir [PATH...]", "the same as ls (the r2 name)"},
    {"cd", cmd_cd, "cd [DIR]", "change the current directory (none: the root)"},
    {"pwd", cmd_pwd, "pwd", "print the current directory"},
    {"cat", cmd_cat, "cat FILE...", "print files"},
    {"read", cmd_cat, "read FILE...", "the same as cat (the r2 name)"},
    {"write", cmd_write, "write FILE TEXT...", "make FILE hold TEXT and a newline"},
    {"cp", cmd_cp, "cp FROM TO", "copy a file (TO may be a directory)"},
    {"mv", cmd_mv, "mv FROM TO", "rename or move a file or directory"},
    {"rm", cmd_rm, "rm FILE...", "delete files"},
    {"mkdir", cmd_mkdir, "mkdir DIR...", "make directories"},
    {"rmdir", cmd_rmdir, "rmdir DIR...", "remove empty directories"},
    {"fsck", cmd_fsck, "fsck", "check the volume: counts, clean or what is wrong"},
};
const unsigned shell_file_ncmds = sizeof(shell_file_cmds) / sizeof(shell_file_cmds[0]);
