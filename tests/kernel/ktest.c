/* The in-kernel test runner: every KTEST in the "ktests" section, in link order. */
#include <stdbool.h>

#include "core/boot_info.h"
#include "core/kprintf.h"
#include "tests/kernel/ktest.h"

extern const struct ktest __start_ktests[], __stop_ktests[];

static struct {
	const struct boot_info *bi;
	bool failed, skipped;
	char reason[160];
	int ext_passed, ext_failed; /* results a test's own runner reported (the user suite) */
} run;

void ktest_add_results(int passed, int failed)
{
	run.ext_passed += passed;
	run.ext_failed += failed;
}

const struct boot_info *ktest_boot_info(void)
{
	return run.bi;
}

bool ktest_expect(const char *key, uint64_t *value)
{
	char name[32], buf[32];

	ksnprintf(name, sizeof(name), "expect.%s", key);
	if (!run.bi || !boot_cmdline_get(run.bi, name, buf, sizeof(buf)) || !*buf)
		return false;
	uint64_t v = 0;
	for (const char *s = buf; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	*value = v;
	return true;
}

void ktest_skip(const char *reason)
{
	if (run.failed || run.skipped)
		return;
	run.skipped = true;
	ksnprintf(run.reason, sizeof(run.reason), "%s", reason);
}

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (run.failed)
		return; /* keep the first reason */
	run.failed = true;
	run.skipped = false; /* a failure outranks a skip */
	n = ksnprintf(run.reason, sizeof(run.reason), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(run.reason))
		return;
	va_start(ap, fmt);
	kvsnprintf(run.reason + n, sizeof(run.reason) - (size_t)n, fmt, ap);
	va_end(ap);
}

int ktest_run_all(const struct boot_info *bi)
{
	int passed = 0, failed = 0, skipped = 0, n = 0;
	char only[32]; /* ktest.only=NAME runs that test alone */

	run.bi = bi;
	run.ext_passed = run.ext_failed = 0; /* the shell may run the suite again */
	if (!bi || !boot_cmdline_get(bi, "ktest.only", only, sizeof(only)))
		only[0] = 0;
	kprintf("ktest: %d tests\n", (int)(__stop_ktests - __start_ktests));
	for (const struct ktest *t = __start_ktests; t < __stop_ktests; t++) {
		if (only[0] && strcmp(only, t->name))
			continue;
		run.failed = run.skipped = false;
		t->fn();
		n++;
		if (run.failed) {
			failed++;
			kprintf("not ok %d %s: %s\n", n, t->name, run.reason);
		} else if (run.skipped) {
			skipped++;
			kprintf("ok %d %s # SKIP %s\n", n, t->name, run.reason);
		} else {
			passed++;
			kprintf("ok %d %s\n", n, t->name);
		}
	}
	passed += run.ext_passed;
	failed += run.ext_failed;
	kprintf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed;
}
