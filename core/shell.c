/*
 * A line-oriented shell on the kernel console, polled (interrupts come with
 * the scheduler). Commands: help, info, mem, ktest, echo, run, poweroff, panic, overflow.
 */
#include "arch/hal/hal.h"
#include "core/boot_info.h"
#include "core/init.h"
#include "core/kprintf.h"
#include "core/kthread.h"
#include "core/panic.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "core/kstring.h"
#include "core/shell.h"
#include "tests/kernel/ktest.h"

#define LINE_MAX 128

static const struct boot_info *shell_bi;

static void cmd_help(const char *args);

static void cmd_info(const char *args)
{
	(void)args;
	boot_info_print(shell_bi);
}

static void cmd_mem(const char *args)
{
	(void)args;
	kprintf("memory: %llu KiB RAM, %llu KiB usable, %u reserved ranges\n",
		(unsigned long long)(boot_ram_total(shell_bi) >> 10),
		(unsigned long long)(boot_ram_usable(shell_bi) >> 10), shell_bi->reserved_count);
	pmm_dump();
	struct allocator_stats h = heap_stats();
	kprintf("heap: %zu bytes in use (peak %zu), %zu allocations, %zu frees\n",
		h.current_allocated, h.peak_allocated, h.allocation_count, h.free_count);
}

static void cmd_ktest(const char *args)
{
	(void)args;
	ktest_run_all(shell_bi);
}

static void cmd_echo(const char *args)
{
	kprintf("%s\n", args);
}

/* Run init with the words of `args` as its arguments ("run r2demo"), and wait for it. */
static void cmd_run(const char *args)
{
	char list[LINE_MAX + 8] = "init";
	size_t n = sizeof("init");
	for (const char *a = args; *a && n < sizeof(list) - 1; a++) {
		if (*a != ' ')
			list[n++] = *a;
		else if (list[n - 1])
			list[n++] = '\0';
	}
	if (list[n - 1])
		list[n++] = '\0';
	struct process *p;
	struct process_exit_info info;
	int err = init_create(list, n, NULL, 0, PRIO_NORMAL, &p);
	if (!err)
		err = process_start(p);
	if (!err)
		err = process_wait(p, 0, &info);
	if (err)
		kprintf("run: error %d\n", err);
	else
		kprintf("run: exit code %d\n", info.exit_code);
}

static void cmd_poweroff(const char *args)
{
	(void)args;
	kprintf("powering off\n");
	arch_power_off(0);
}

static void cmd_panic(const char *args)
{
	panic("requested from the shell%s%s", *args ? ": " : "", args);
}

/* Recurse far past any stack (256 KiB); the frame keeps the compiler from making it a loop. */
static unsigned recurse(volatile char *prev, unsigned depth)
{
	volatile char frame[256];
	frame[0] = prev ? prev[0] + 1 : 0;
	if (depth == 1024)
		return frame[0];
	return recurse(frame, depth + 1) + frame[1];
}

static void overflow_thread(void *arg)
{
	(void)arg;
	kprintf("overflowing a kernel thread's stack\n");
	recurse(NULL, 0);
	kprintf("the stack did not overflow\n");
}

static void cmd_overflow(const char *args)
{
	(void)args;
	struct kthread *t = kthread_create("overflow", overflow_thread, NULL, PRIO_HIGH);
	if (t)
		kthread_join(t); /* never returns: the overflow panics */
}

static const struct command {
	const char *name;
	void (*run)(const char *args);
	const char *help;
} commands[] = {
    {"help", cmd_help, "list the commands"},
    {"info", cmd_info, "boot information: loader, console, memory map"},
    {"mem", cmd_mem, "memory: RAM, frames per zone, heap"},
    {"ktest", cmd_ktest, "run the kernel test suite"},
    {"echo", cmd_echo, "print the arguments"},
    {"run", cmd_run, "run init with arguments, e.g. 'run r2demo' (x86_64)"},
    {"poweroff", cmd_poweroff, "power the machine off"},
    {"panic", cmd_panic, "panic on purpose: see the report, exit status 1"},
    {"overflow", cmd_overflow, "overflow a kernel thread's stack: the guard page must catch it"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(const char *args)
{
	(void)args;
	for (unsigned i = 0; i < NCOMMANDS; i++)
		kprintf("  %-10s %s\n", commands[i].name, commands[i].help);
}

static void run_line(char *line)
{
	while (*line == ' ')
		line++;
	if (!*line)
		return;
	char *args = line;
	while (*args && *args != ' ')
		args++;
	if (*args)
		*args++ = '\0';
	for (unsigned i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(line, commands[i].name)) {
			commands[i].run(args);
			return;
		}
	}
	kprintf("%s: unknown command (try help)\n", line);
}

/* Read one line with echo and backspace; returns its length. */
static size_t read_line(char *buf, size_t cap)
{
	size_t n = 0;

	for (;;) {
		int c = arch_console_getc();
		if (c < 0)
			continue; /* polled: the console interrupt comes with the scheduler */
		if (c == '\r' || c == '\n') {
			kputs("\n");
			buf[n] = '\0';
			return n;
		}
		if ((c == 0x7f || c == '\b') && n > 0) {
			n--;
			kputs("\b \b");
		} else if (c >= ' ' && c < 0x7f && n + 1 < cap) {
			buf[n++] = (char)c;
			kprintf("%c", c);
		}
	}
}

_Noreturn void shell_run(const struct boot_info *bi)
{
	char line[LINE_MAX];

	shell_bi = bi;
	kprintf("shell: type 'help' for commands\n");
	for (;;) {
		kputs("kestrel> ");
		read_line(line, sizeof(line));
		run_line(line);
	}
}
