/*
 * init, the first process. Without arguments it greets and ends (the
 * kernel then offers its shell); `init test [PREFIX]` runs the user test
 * suite (the tests whose names start with PREFIX);
 * `init child NAME [ARG]` runs one child entry of the suite, and so does
 * `init NAME [ARG]` (`init r2demo` on x86_64); `init fuzz SEED CALLS MS`
 * runs the system call fuzzer (tests/user/fuzz.c); `init manager` is the
 * device manager (drivers/manager/) and `init driver PROGRAM` one of the
 * drivers it starts (drivers/).
 */
#include "core/kprintf.h"
#include "drivers/lib/devmgr.h"
#include "fuzz.h"
#include "kestrel.h"
#include "utest.h"

extern const struct utest __start_utests[], __stop_utests[];
extern const struct utest __start_uchildren[], __stop_uchildren[];

static const char *failure;
static char failure_buf[160];

int utest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(failure_buf, sizeof(failure_buf), "%s:%d: ", file, line);
	va_start(ap, fmt);
	kvsnprintf(failure_buf + n, sizeof(failure_buf) - (size_t)n, fmt, ap);
	va_end(ap);
	failure = failure_buf;
	return 1;
}

static int run_tests(const char *only)
{
	int passed = 0, failed = 0;
	for (const struct utest *t = __start_utests; t < __stop_utests; t++) {
		if (only && strncmp(t->name, only, strlen(only)))
			continue;
		failure = NULL;
		int r = t->fn();
		if (r) {
			failed++;
			printf("not ok - user/%s: %s\n", t->name, failure ? failure : "failed");
		} else {
			passed++;
			printf("ok - user/%s\n", t->name);
		}
	}
	flush();
	return passed | failed << 16;
}

const char *utest_child_arg;

static int run_child(const char *name)
{
	for (const struct utest *t = __start_uchildren; t < __stop_uchildren; t++)
		if (!strcmp(t->name, name))
			return t->fn();
	printf("init: no child entry '%s'\n", name);
	return 127;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "test"))
		return run_tests(argc >= 3 ? argv[2] : NULL);
	if (argc >= 2 && !strcmp(argv[1], "fuzz"))
		return fuzz_main(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "manager"))
		return devmgr_main(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "driver")) {
		const struct driver_program *prog = driver_program(argv[2]);
		if (!prog) {
			printf("init: no driver program '%s'\n", argv[2]);
			return 127;
		}
		return driver_main(prog->ops, prog->dev);
	}
	if (argc >= 3 && !strcmp(argv[1], "child")) {
		utest_child_arg = argc >= 4 ? argv[3] : "";
		return run_child(argv[2]);
	}
	if (argc >= 2)
		return run_child(argv[1]);
	struct thread_info self;
	long err = sys_thread_info(0, &self);
	printf("init: hello from user mode: process %llu, thread %llu (%ld)\n",
	       (unsigned long long)self.process_id, (unsigned long long)self.thread_id, err);
	return 0;
}
