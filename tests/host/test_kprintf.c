/* kprintf against the host C library's snprintf, which defines the expected output. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/kprintf.h"
#include "hal_host.h"

#define SAME(...)                                                       \
	do {                                                            \
		char want[256], got[256];                               \
		int wn = snprintf(want, sizeof(want), __VA_ARGS__);     \
		int gn = ksnprintf(got, sizeof(got), __VA_ARGS__);      \
		cr_expect_str_eq(got, want, "format %s", #__VA_ARGS__); \
		cr_expect_eq(gn, wn, "length of %s", #__VA_ARGS__);     \
	} while (0)

Test(kprintf, conversions)
{
	SAME("%d %i %u %x %X %o %c %s %%", -5, 6, 7u, 0xabu, 0xabu, 9u, 'q', "str");
	SAME("%ld %lu %lx", (long)INT64_MIN, (unsigned long)UINT64_MAX, 0xfeedfaceUL);
	SAME("%lld %llu %llX", (long long)-1, (unsigned long long)-1, 0x1234abcdULL);
	SAME("%zu %zd %zx", (size_t)123, (ptrdiff_t)-123, (size_t)0xfff);
	SAME("%hd %hhu %hx", (short)-3, (unsigned char)250, (unsigned short)0xbeef);
	SAME("%jd %td", (intmax_t)-77, (ptrdiff_t)-12);
	SAME("%p %p", (void *)0x1234, (void *)0xffffffff80001000ULL);
}

Test(kprintf, flags_width_precision)
{
	SAME("[%5d][%-5d][%05d][%+d][% d][%+5d]", 42, 42, 42, 42, 42, -42);
	SAME("[%#x][%#o][%#X][%#010x][%-#10x]", 255u, 8u, 255u, 255u, 255u);
	SAME("[%.0d][%.3d][%8.3d][%-8.3d]", 0, 5, 5, 5);
	SAME("[%*d][%-*d][%.*d][%*.*s]", 6, 1, 6, 1, 4, 1, 5, 2, "hello");
	SAME("[%10s][%-10s][%.3s][%.0s][%c%c]", "a", "b", "abcdef", "x", 'y', 'z');
	SAME("[%020llu][%-20lld|]", 18446744073709551615ULL, -9223372036854775807LL);
	SAME("[%3c][%-3c]", 'a', 'b');
}

Test(kprintf, random_values_against_libc)
{
	static const char *const fmts[] = {"%d", "%5d", "%-7i", "%08d", "%+d", "% d",	 "%.4d",
					   "%u", "%x",	"%#x",	"%08X", "%#o", "%12.6x", "%-9u"};
	srand(1234);
	for (int i = 0; i < 20000; i++) {
		int v = rand() - RAND_MAX / 2;
		const char *f = fmts[rand() % (int)(sizeof(fmts) / sizeof(fmts[0]))];
		char want[64], got[64];
		snprintf(want, sizeof(want), f, v);
		ksnprintf(got, sizeof(got), f, v);
		cr_assert_str_eq(got, want, "format %s value %d", f, v);
	}
}

Test(kprintf, truncation)
{
	char b[5];

	cr_expect_eq(ksnprintf(b, sizeof(b), "%s", "abcdefgh"), 8);
	cr_expect_str_eq(b, "abcd");
	cr_expect_eq(ksnprintf(b, 1, "%d", 99), 2);
	cr_expect_str_eq(b, "");
	cr_expect_eq(ksnprintf(NULL, 0, "%05d", 1), 5);
}

Test(kprintf, unknown_conversion_is_shown)
{
	char b[32];

	const char *volatile fmt = "a%qb%"; /* not a literal: the compiler would reject it */

	ksnprintf(b, sizeof(b), fmt);
	cr_expect_str_eq(b, "a%qb%");
}

Test(kprintf, console_and_levels)
{
	host_console_take();
	kprintf("x=%d\n", 3);
	cr_expect_str_eq(host_console_take(), "x=3\r\n");
	klog_set_level(LOG_WARN);
	pr_info("hidden");
	pr_err("bad %s", "thing");
	pr_warn("careful");
	cr_expect_str_eq(host_console_take(), "error: bad thing\r\nwarning: careful\r\n");
	klog_set_level(LOG_INFO);
}
