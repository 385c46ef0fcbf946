/*
 * init, the first process. Without arguments, at boot (KESTREL_SHELL=user
 * in its environment, from the kernel) it greets, starts the device
 * manager and prints what it found and how its drivers came up, starts the
 * file server, then runs the user shell (`init shell`, user/shell/) and
 * waits for it; when the shell ends it stops the file server and the
 * manager, in that order, and ends (the kernel then offers its debug
 * shell), or powers off if the shell's `poweroff` asked for it. Otherwise
 * (KESTREL_SHELL=kernel: the kernel's command line has shell=kernel; or
 * nothing: started by another process) it stops the manager again at once
 * and ends, leaving the console to the kernel's shell: the manager cannot
 * outlive init, as the capabilities init passed on are revoked with init's
 * own. `init devices`
 * (`run devices` at the kernel shell) does that but the greeting;
 * `init shell` is the user shell and `init NAME ARGS` one of its built-in
 * programs (user/shell/programs.c); `init test [PREFIX]` starts the manager,
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
#include "hw.h"
#include "ipc.h"
#include "kestrel.h"
#include "shell.h"
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

/* Power off at once: the manager, the watcher, has stopped; nobody else is to be told. */
static void power_off(void)
{
	uint64_t root = hw_find_cap(OBJ_DEVICE, HW_DEV_ROOT);
	flush();
	long err = root ? sys_power_off(root, 0) : E_NOT_FOUND;
	printf("init: could not power off (error %ld)\n", err);
}

/*
 * The user shell as a child (`init shell`, with our image mapped for its
 * `run`); its exit code. It gets the I/O ports, which it passes on to what
 * it runs, as the kernel shell's `run` does (the r2 programs need them).
 */
static int run_shell(void)
{
	const char *img = getenv("KESTREL_IMAGE");
	static const char args[] = "init\0shell";
	uint64_t ports = hw_find_cap(OBJ_IO_PORTS, 0);
	if (!img)
		return -1;
	char *end;
	struct process_spec spec = {
	    .caps = &ports,
	    .cap_count = ports ? 1 : 0,
	    .image = (const void *)strtoul(img, &end, 0),
	    .image_size = strtoul(end + 1, NULL, 0),
	    .args = args,
	    .args_size = sizeof(args),
	    .flags = PROCESS_MAP_IMAGE,
	};
	uint64_t pid, cap;
	struct process_exit_info info;
	long err = sys_process_create(&spec, &pid, &cap);
	if (!err && (err = sys_process_start(cap)) == E_OK)
		err = sys_process_wait(cap, 0, &info);
	if (err) {
		printf("init: the shell did not run (error %ld)\n", err);
		return -1;
	}
	sys_cap_revoke(cap);
	return info.exit_reason == EXIT_NORMAL ? info.exit_code : -1;
}

/* What a person meets at boot: the manager, the file server, the shell; then all stopped. */
static int boot_to_shell(void)
{
	uint64_t mgr, fs = 0;
	bool have_mgr = manager_start(&mgr);
	if (have_mgr)
		manager_summary();
	int err = fsserv_start(&fs);
	if (err == E_NOT_FOUND)
		printf("init: no FAT12 disk: the shell has no files\n");
	else if (err)
		printf("init: the file server did not start (error %d): the shell has no files\n",
		       err);
	if (err)
		fs = 0;
	flush();
	int code = run_shell();
	if (fs)
		fsserv_stop(fs); /* first: it writes through the manager's disk driver */
	if (have_mgr)
		devmgr_stop(mgr);
	if (code == SHELL_EXIT_POWEROFF)
		power_off();
	printf("init: the shell ended: init ends, the kernel's debug shell follows\n");
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
	if (argc == 2 && !strcmp(argv[1], "shell"))
		return shell_main(argc - 1, argv + 1);
	if (argc >= 2 && shell_is_program(argv[1]))
		return shell_program_main(argc - 1, argv + 1);
	if (argc >= 2)
		return run_child(argv[1]);
	struct thread_info self;
	long err = sys_thread_info(0, &self);
	printf("init: hello from user mode: process %llu, thread %llu (%ld)\n",
	       (unsigned long long)self.process_id, (unsigned long long)self.thread_id, err);
	flush();
	const char *shell = getenv("KESTREL_SHELL");
	if (shell && !strcmp(shell, "user"))
		return boot_to_shell();
	show_devices(); /* a machine without a manager still boots to the shell */
	return 0;
}
