/* The user shell's paths: relative ones made absolute, "." and ".." resolved, limits kept. */
#include <criterion/criterion.h>
#include <string.h>

#include "user/shell/shell.h"

static const char *path(const char *cwd, const char *p)
{
	static char out[FILE_PATH_MAX];
	cr_assert(shell_path(cwd, p, out, sizeof(out)), "%s + %s does not fit", cwd, p);
	return out;
}

Test(shell_path, relative_and_absolute)
{
	cr_assert_str_eq(path("/", "HELLO.TXT"), "/HELLO.TXT");
	cr_assert_str_eq(path("/DATA", "NUMBERS.TXT"), "/DATA/NUMBERS.TXT");
	cr_assert_str_eq(path("/DATA", "/HELLO.TXT"), "/HELLO.TXT");
	cr_assert_str_eq(path("/DATA", "SUB/X.TXT"), "/DATA/SUB/X.TXT");
	cr_assert_str_eq(path("/", ""), "/");
	cr_assert_str_eq(path("/DATA", ""), "/DATA");
}

Test(shell_path, dots_and_slashes)
{
	cr_assert_str_eq(path("/DATA", "."), "/DATA");
	cr_assert_str_eq(path("/DATA", ".."), "/");
	cr_assert_str_eq(path("/", ".."), "/"); /* .. of the root is the root */
	cr_assert_str_eq(path("/", "../../A"), "/A");
	cr_assert_str_eq(path("/A/B", "../C/./D/.."), "/A/C");
	cr_assert_str_eq(path("/A", "//B///C/"), "/B/C");
	cr_assert_str_eq(path("/A", "./"), "/A");
	cr_assert_str_eq(path("/A", "..."), "/A/..."); /* a name, for the server to refuse */
}

Test(shell_path, too_long)
{
	char out[FILE_PATH_MAX], name[FILE_PATH_MAX + 8];
	memset(name, 'A', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_assert_not(shell_path("/", name, out, sizeof(out)));
	name[FILE_PATH_MAX - 2] = '\0'; /* "/" and 254 letters: 255 bytes and the NUL */
	cr_assert(shell_path("/", name, out, sizeof(out)));
	cr_assert_eq(strlen(out), FILE_PATH_MAX - 1);
	cr_assert_not(shell_path("/B", name, out, sizeof(out)));
	/* A step on the way that does not fit refuses the path, even if the end would. */
	cr_assert_not(shell_path("/", "ABCD/..", out, 4));
	cr_assert(shell_path("/", "A/../B", out, 3));
	cr_assert_str_eq(out, "/B");
}

Test(shell_path, basename)
{
	cr_assert_str_eq(shell_basename("/DATA/NUMBERS.TXT"), "NUMBERS.TXT");
	cr_assert_str_eq(shell_basename("/HELLO.TXT"), "HELLO.TXT");
	cr_assert_str_eq(shell_basename("/"), "");
}
