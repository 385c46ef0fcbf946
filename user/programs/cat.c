/*
 * CAT.ELF FILE...: each FILE read through the native file API
 * (user/lib/file.h: SYS_OPEN, SYS_READ on the file capability, SYS_CLOSE)
 * and written to fd 1, so any program, not just the shell, reads files. A
 * relative path is taken from $PWD when the starter sets it, else from
 * the root. Exit code: 0, or 1 when a file could not be read.
 */
#include "file.h"
#include "kestrel.h"

/* An absolute path for `name` into buf (FILE_PATH_MAX bytes). */
static void absolute(const char *name, char *buf)
{
	const char *cwd = getenv("PWD");
	if (name[0] == '/' || !cwd || !cwd[0])
		snprintf(buf, FILE_PATH_MAX, "%s%s", name[0] == '/' ? "" : "/", name);
	else
		snprintf(buf, FILE_PATH_MAX, "%s%s%s", cwd, cwd[strlen(cwd) - 1] == '/' ? "" : "/",
			 name);
}

static int cat(const char *name)
{
	static char buf[4096];
	char path[FILE_PATH_MAX];
	uint64_t fd;
	size_t got;
	absolute(name, path);
	long err = file_open(path, FILE_READ, &fd, NULL);
	if (err) {
		printf("CAT.ELF: %s: cannot open (error %ld)\n", path, err);
		return 1;
	}
	flush(); /* what printf holds goes before the file's bytes */
	while (!(err = sys_read(fd, buf, sizeof(buf), &got)) && got)
		sys_write(1, buf, got);
	file_close(fd);
	if (err) {
		printf("CAT.ELF: %s: read failed (error %ld)\n", path, err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: CAT.ELF FILE...\n");
		return 2;
	}
	int r = 0;
	for (int i = 1; i < argc; i++)
		r |= cat(argv[i]);
	return r;
}
