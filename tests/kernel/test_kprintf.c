/* kprintf formatting, checked through ksnprintf on every arch. */
#include <stdint.h>

#include "core/kstring.h"
#include "tests/kernel/ktest.h"

#define FMT(buf, ...) (ksnprintf(buf, sizeof(buf), __VA_ARGS__), buf)

KTEST(kprintf_integers)
{
	char b[64];

	KASSERT_STREQ(FMT(b, "%d %i %u", -42, 7, 3000000000u), "-42 7 3000000000");
	KASSERT_STREQ(FMT(b, "%x %X %o", 0xbeefu, 0xbeefu, 8u), "beef BEEF 10");
	KASSERT_STREQ(FMT(b, "%ld %lu", (long)INT64_MIN, (unsigned long)UINT64_MAX),
		      "-9223372036854775808 18446744073709551615");
	KASSERT_STREQ(FMT(b, "%lld %llx", -1LL, 0x123456789abcdefULL), "-1 123456789abcdef");
	KASSERT_STREQ(FMT(b, "%zu %zx", (size_t)4096, (size_t)4096), "4096 1000");
	KASSERT_STREQ(FMT(b, "%hhd %hu", 300, 70000), "44 4464");
}

KTEST(kprintf_width_and_padding)
{
	char b[64];

	KASSERT_STREQ(FMT(b, "[%5d][%-5d][%05d]", 42, 42, -42), "[   42][42   ][-0042]");
	KASSERT_STREQ(FMT(b, "[%08x][%#x][%#010x]", 0xabcu, 0xabcu, 0xabcu),
		      "[00000abc][0xabc][0x00000abc]");
	KASSERT_STREQ(FMT(b, "[%*d][%.3d][%+d][% d]", 4, 7, 7, 7, 7), "[   7][007][+7][ 7]");
	KASSERT_STREQ(FMT(b, "[%s][%6s][%-6s][%.2s]", "abc", "abc", "abc", "abc"),
		      "[abc][   abc][abc   ][ab]");
	KASSERT_STREQ(FMT(b, "[%c][%3c][%%]", 'x', 'y'), "[x][  y][%]");
}

KTEST(kprintf_pointers_and_edges)
{
	char b[64];
	const char *volatile nul = NULL; /* hide the NULL from -Wformat-overflow */

	KASSERT_STREQ(FMT(b, "%p", (void *)0x1000), "0x1000");
	KASSERT_STREQ(FMT(b, "%s", nul), "(null)");
	KASSERT_STREQ(FMT(b, "%d %u %x", 0, 0u, 0u), "0 0 0");
	/* Truncation keeps the terminator and reports the full length. */
	char small[4];
	KASSERT_EQ(ksnprintf(small, sizeof(small), "%d", 123456), 6);
	KASSERT_STREQ(small, "123");
	KASSERT_EQ(ksnprintf(NULL, 0, "%s", "hello"), 5);
}
