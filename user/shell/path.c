/*
 * Paths and errors for the shell's commands. The file server takes
 * absolute paths only (include/abi/file.h), so "." and ".." are resolved
 * here, by text: a ".." above a file's name is not checked against the
 * disk, as in a Unix shell's `cd -L`.
 */
#include "kestrel.h"
#include "shell.h"

char shell_cwd[FILE_PATH_MAX] = "/";

/*
 * Append component `c` (n bytes) to out, which holds *len bytes ("" for
 * the root while it is built); false if it does not fit.
 */
static bool push(char *out, unsigned *len, unsigned size, const char *c, unsigned n)
{
	if (n == 1 && c[0] == '.')
		return true;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 0 && out[--*len] != '/')
			;
		out[*len] = '\0';
		return true;
	}
	if (*len + 1 + n + 1 > size)
		return false;
	out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	out[*len] = '\0';
	return true;
}

/* Walk the components of `p` onto out; false if the result does not fit. */
static bool walk(const char *p, char *out, unsigned *len, unsigned size)
{
	while (*p) {
		while (*p == '/')
			p++;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		if (p > c && !push(out, len, size, c, (unsigned)(p - c)))
			return false;
	}
	return true;
}

bool shell_path(const char *cwd, const char *path, char *out, unsigned size)
{
	unsigned len = 0;
	if (size < 2)
		return false;
	out[0] = '\0';
	if (path[0] != '/' && !walk(cwd, out, &len, size))
		return false;
	if (!walk(path, out, &len, size))
		return false;
	if (!len) {
		out[0] = '/';
		out[1] = '\0';
	}
	return true;
}

const char *shell_basename(const char *path)
{
	const char *base = path;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			base = c + 1;
	return base;
}

static const struct {
	long err;
	const char *text;
} errors[] = {
    {E_INVALID_PARAMETER, "invalid argument"},
    {E_NOT_FOUND, "not found"},
    {E_PERMISSION_DENIED, "permission denied"},
    {E_OUT_OF_MEMORY, "out of memory"},
    {E_BUSY, "busy"},
    {E_TIMEOUT, "timed out"},
    {E_RESOURCE_EXHAUSTED, "out of resources"},
    {E_INVALID_CAPABILITY, "invalid capability"},
    {E_NOT_IMPLEMENTED, "not implemented"},
    {E_NOT_SUPPORTED, "not supported on this machine"},
    {E_IPC_CLOSED, "the server went away"},
    {E_MEM_BAD_ADDRESS, "bad address"},
    {E_PROCESS_NOT_FOUND, "no such process"},
    {E_PROCESS_TERMINATED, "the process ended"},
    {E_FS_CORRUPT, "the file system is corrupt"},
    {E_FS_IO, "disk I/O error"},
    {E_FILE_EXISTS, "already exists"},
    {E_NOT_DIRECTORY, "not a directory"},
    {E_IS_DIRECTORY, "is a directory"},
    {E_DIR_NOT_EMPTY, "directory not empty"},
    {E_NO_SPACE, "no space left on the disk"},
    {E_BAD_NAME, "not a valid FAT name (8.3: NAME.EXT)"},
    {E_READ_ONLY, "read-only"},
    {E_NO_FILE_SERVER, "no file server"},
};

const char *shell_strerror(long err)
{
	static char other[24];
	for (unsigned i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].err == err)
			return errors[i].text;
	snprintf(other, sizeof(other), "error %ld", err);
	return other;
}

int shell_fail(const char *cmd, const char *what, long err)
{
	if (what)
		printf("%s: %s: %s\n", cmd, what, shell_strerror(err));
	else
		printf("%s: %s\n", cmd, shell_strerror(err));
	return 1;
}
