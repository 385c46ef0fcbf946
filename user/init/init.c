/*
 * init, the first process. Without arguments it greets, starts the device
 * manager, prints what it found and how its drivers came up, stops it
 * again and ends (the kernel then offers its shell). It cannot leave the
 * manager running: the shell starts only once init has ended, and the
 * capabilities init passed on are revoked with init's own, so a manager
 * outliving it would hold nothing. `init devices` (`run devices` at the
 * shell) does the same but the greeting; `init test [PREFIX]` starts the manager,
 * runs the user test suite (the tests whose names start with PREFIX), then
 * powers the manager off and ends it, so that nothing it made outlives
 * the run;
 * `init child NAME [ARG]` runs one child entry of the suite, and so does
 * `init NAME [ARG]` (`init r2demo` on x86_64); `init fuzz SEED CALLS MS`
 * runs the system call fuzzer (tests/user/fuzz.c); `init manager` is the
 * device manager (drivers/manager/), `init fsserv [DISK]` the file server
 * (fs/server/) and `init driver PROGRAM` one of the
 * drivers it starts (drivers/; a PROGRAM "devmgr_..." no driver has is the
 * child entry of that name: the manager tests' stand-in drivers).
 */
#include "core/kprintf.h"
#include "drivers/lib/devmgr.h"
#include "fs/server/fsserv.h"
#include "fuzz.h"
#include "ipc.h"
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

static bool has_child(const char *name)
{
	for (const struct utest *t = __start_uchildren; t < __stop_uchildren; t++)
		if (!strcmp(t->name, name))
			return true;
	return false;
}

static int run_child(const char *name)
{
	for (const struct utest *t = __start_uchildren; t < __stop_uchildren; t++)
		if (!strcmp(t->name, name))
			return t->fn();
	printf("init: no child entry '%s'\n", name);
	return 127;
}

/* The device manager as a process of its own: its endpoint in devmgr_endpoint. */
static bool manager_start(uint64_t *proc)
{
	uint64_t ep;
	int err = devmgr_start(&ep, proc);
	if (err) {
		printf("init: the device manager did not start (error %d)\n", err);
		flush();
		return false;
	}
	return true;
}

static const char *const state_names[] = {"unbound",	"starting", "running", "healthy",
					  "restarting", "failed",   "stopped"};

/* What the manager found and how its drivers came up (after they settled, 3 s at most). */
static void manager_summary(void)
{
	uint64_t until = sys_clock() + 3000000000ull;
	for (bool settled = false; !settled && sys_clock() < until;) {
		settled = true;
		unsigned state;
		for (unsigned i = 0;
		     !devmgr_list(devmgr_endpoint, i, NULL, NULL, &state, NULL, NULL); i++)
			settled &= state != DEVSTATE_STARTING && state != DEVSTATE_RESTARTING;
		if (!settled)
			sys_sleep(50000000);
	}
	char name[17], prog[17];
	unsigned state, restarts, n = 0;
	printf("init: devices:");
	for (; !devmgr_list(devmgr_endpoint, n, name, NULL, &state, &restarts, prog); n++)
		if (prog[0])
			printf(" %s (%s, %s)", name, prog, state < 7 ? state_names[state] : "?");
	printf(n ? "\n" : " none\n");
	flush();
}

/* The manager started, its summary printed, the manager stopped. */
static int show_devices(void)
{
	uint64_t mgr;
	if (!manager_start(&mgr))
		return 1;
	manager_summary();
	devmgr_stop(mgr);
	return 0;
}

int main(int argc, char **argv)
{
	/* The tests that need the device manager start one of their own (DEVMGR_UTEST). */
	if (argc >= 2 && !strcmp(argv[1], "test"))
		return run_tests(argc >= 3 ? argv[2] : NULL);
	if (argc == 2 && !strcmp(argv[1], "devices"))
		return show_devices();
	if (argc >= 2 && !strcmp(argv[1], "fuzz"))
		return fuzz_main(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "manager"))
		return devmgr_main(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "fsserv"))
		return fsserv_main(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "driver")) {
		const struct driver_program *prog = driver_program(argv[2]);
		/* The manager's tests' stand-in drivers are child entries (tests/user/test_devmgr.c). */
		if (!prog && !strncmp(argv[2], "devmgr_", 7) && has_child(argv[2]))
			return run_child(argv[2]);
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
	flush();
	show_devices(); /* a machine without a manager still boots to the shell */
	return 0;
}
