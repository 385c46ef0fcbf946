/*
 * Built-in programs: small programs of the init image for a person at the
 * shell (`run hello`), each run as `init NAME ARGS` in a process of its
 * own. The test suite's child entries (tests/user/, `init child NAME`)
 * can be run too, by name: spin, exit42, read_kernel, illegal, ...
 */
#include "kestrel.h"
#include "shell.h"
#include "utest.h"

extern const struct utest __start_uchildren[], __stop_uchildren[];

static int prog_hello(int argc, char **argv)
{
	struct thread_info self;
	sys_thread_info(0, &self);
	printf("hello from process %llu,", (unsigned long long)self.process_id);
	for (int i = 1; i < argc; i++)
		printf(" '%s'", argv[i]);
	printf(argc > 1 ? "\n" : " no arguments\n");
	return 0;
}

/* Count up every half second, N times (none: for ever, until Ctrl-C). */
static int prog_count(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
	for (unsigned long i = 1; !n || i <= n; i++) {
		printf("count: %lu\n", i);
		sys_sleep(500000000ull);
	}
	return 0;
}

static int prog_exit(int argc, char **argv)
{
	return argc > 1 ? (int)strtoul(argv[1], NULL, 0) : 0;
}

/* Touch the kernel's half of the address space: a page fault ends us. */
static int prog_fault(int argc, char **argv)
{
	(void)argc, (void)argv;
	return *(volatile int *)(uintptr_t)0xffffffffffff0000ull;
}

static const struct program {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
} programs[] = {
    {"hello", prog_hello, "greet, with the arguments"},
    {"count", prog_count, "count [N]: count every half second, N times (none: until Ctrl-C)"},
    {"exit", prog_exit, "exit CODE: end at once with that exit code"},
    {"fault", prog_fault, "read kernel memory: killed by a page fault"},
};

#define NPROGRAMS (sizeof(programs) / sizeof(programs[0]))

static const struct program *find(const char *name)
{
	for (unsigned i = 0; i < NPROGRAMS; i++)
		if (!strcmp(programs[i].name, name))
			return &programs[i];
	return NULL;
}

bool shell_program_exists(const char *name)
{
	if (find(name))
		return true;
	for (const struct utest *t = __start_uchildren; t < __stop_uchildren; t++)
		if (!strcmp(t->name, name))
			return true;
	return false;
}

bool shell_is_program(const char *name)
{
	return find(name) != NULL;
}

int shell_program_main(int argc, char **argv)
{
	const struct program *p = find(argv[0]);
	return p ? p->main(argc, argv) : 127;
}

void shell_program_list(void)
{
	for (unsigned i = 0; i < NPROGRAMS; i++)
		printf("  %-10s %s\n", programs[i].name, programs[i].help);
	printf("  and the test suite's child programs: spin (loops), exit42, read_kernel, "
	       "illegal, ...\n");
}
