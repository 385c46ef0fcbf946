/*
 * Paths for the shell's commands, pure C (the host tests run it). The file
 * server takes absolute paths only (include/abi/file.h), so "." and ".."
 * are resolved here, by text: a ".." above a file's name is not checked
 * against the disk, as in a Unix shell's `cd -L`.
 */
#include "core/kstring.h"
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
