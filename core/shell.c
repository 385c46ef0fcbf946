/*
 * The kernel's debug shell, a kernel thread of its own reading the console
 * (core/console.c) through the line editor (core/lineedit.c). Commands:
 * help, info, mem, stat, ktest, echo, run, poweroff, panic, overflow. While
 * a program started with `run` runs, Ctrl-C ends it; everything else typed
 * meanwhile waits in the console's ring for the program or the next prompt.
 */
#include "arch/hal/hal.h"
#include "arch/hal/timer.h"
#include "core/boot_info.h"
#include "core/console.h"
#include "core/init.h"
#include "core/irq.h"
#include "core/lineedit.h"
#include "core/metrics.h"
#include "core/process.h"
#include "core/hw.h"
#include "core/kprintf.h"
#include "core/kthread.h"
#include "core/panic.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "core/kstring.h"
#include "core/shell.h"
#include "tests/kernel/ktest.h"

#define RUN_POLL_NS 20000000ull /* 20 ms: how often `run` reads a polled console */
#define SHELL_PRIO  PRIO_HIGH	/* above programs, so Ctrl-C is seen while they spin */

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
	/* As at boot: the suite starts with interrupts off (it turns them on where it needs). */
	irqflags_t flags = arch_irq_save();
	ktest_run_all(shell_bi);
	arch_irq_restore(flags);
}

static void cmd_echo(const char *args)
{
	kprintf("%s\n", args);
}

static void cmd_stat(const char *args)
{
	(void)args;
	uint64_t up = arch_time_ns(), idle = kthread_idle_ns();
	struct console_stats c;
	console_stats(&c);
	kprintf("stat: uptime %llu ms, idle %llu ms (%llu %%)\n",
		(unsigned long long)(up / 1000000), (unsigned long long)(idle / 1000000),
		(unsigned long long)(up ? idle * 100 / up : 0));
	kprintf("stat: %llu interrupts, %llu context switches, %llu system calls\n",
		(unsigned long long)metrics.interrupts,
		(unsigned long long)metrics.context_switches, (unsigned long long)metrics.syscalls);
	if (console_irq_driven())
		kprintf("stat: console input by interrupt (line %d), ", console_irq_line());
	else
		kprintf("stat: console input polled, ");
	kprintf("%llu bytes received, %llu dropped, %llu interrupts\n",
		(unsigned long long)c.received, (unsigned long long)c.dropped,
		(unsigned long long)c.interrupts);
}

/* The first word of `args` is `word`. */
static bool first_word_is(const char *args, const char *word)
{
	while (*args == ' ')
		args++;
	size_t n = strlen(word);
	return !strncmp(args, word, n) && (args[n] == '\0' || args[n] == ' ');
}

/* What `run` learnt, in words. */
static void run_report(const char *args, const struct process_exit_info *info)
{
	unsigned long long addr = (unsigned long long)info->fault_addr;
	int code = info->exit_code;

	switch (info->exit_reason) {
	case EXIT_NORMAL:
		if (first_word_is(args, "test"))
			kprintf(
			    "run: exit code %d: normal exit; user suite: %u passed, %u failed\n",
			    code, (unsigned)code & 0xffff, (unsigned)code >> 16);
		else if (code == 127)
			kprintf("run: exit code 127: normal exit; init has no such program\n");
		else
			kprintf("run: exit code %d: normal exit\n", code);
		break;
	case EXIT_TERMINATED:
		kprintf("run: exit code %d: terminated by a process\n", code);
		break;
	case EXIT_PAGE_FAULT:
		kprintf("run: exit code %d: killed by a page fault at %#llx\n", code, addr);
		break;
	case EXIT_ILLEGAL:
		kprintf("run: exit code %d: killed by an illegal instruction at %#llx\n", code,
			addr);
		break;
	case EXIT_ALIGNMENT:
		kprintf("run: exit code %d: killed by a misaligned access at %#llx\n", code, addr);
		break;
	case EXIT_ARITH:
		kprintf("run: exit code %d: killed by an arithmetic error (divide) at %#llx\n",
			code, addr);
		break;
	case EXIT_BREAKPOINT:
		kprintf("run: exit code %d: killed by a breakpoint at %#llx\n", code, addr);
		break;
	case EXIT_FAULT:
		kprintf("run: exit code %d: killed by a fault at %#llx\n", code, addr);
		break;
	case EXIT_INTERRUPTED:
		kprintf("run: exit code %d: interrupted by Ctrl-C\n", code);
		break;
	default:
		kprintf("run: exit code %d: exit reason %u\n", code, info->exit_reason);
		break;
	}
}

/*
 * Ctrl-C while `run` waits (interrupts off, maybe in the console's
 * interrupt): end the program if it is still there, and every process it
 * started (they would run on as orphans). By pid, as the process may have
 * ended and been freed a moment before.
 */
static void interrupt_program(void *arg)
{
	struct process *p = process_find((uint64_t)(uintptr_t)arg);
	if (p)
		process_terminate_tree(p, -1, EXIT_INTERRUPTED);
}

/*
 * Run init with the words of `args` as its arguments ("run r2demo") and
 * wait for it; Ctrl-C meanwhile terminates it. Other input stays queued.
 */
static void cmd_run(const char *args)
{
	char list[LINE_LEN_MAX + 8] = "init";
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
	if (err) {
		kprintf("run: init could not be created: error %d\n", err);
		return;
	}
	uint64_t pid = p->pid;
	err = process_start(p);
	if (err) {
		kprintf("run: init could not be started: error %d\n", err);
		return;
	}
	console_arm_break(interrupt_program, (void *)(uintptr_t)pid);
	kprintf("run: process %llu started; Ctrl-C ends it\n", (unsigned long long)pid);
	/* A polled console is read now and then meanwhile, so its Ctrl-C is seen too. */
	uint64_t poll = console_irq_driven() ? 0 : RUN_POLL_NS;
	while ((err = process_wait(p, poll, &info)) == E_TIMEOUT)
		console_poll();
	console_arm_break(NULL, NULL);
	if (err)
		kprintf("run: waiting for init failed: error %d\n", err);
	else
		run_report(args, &info);
}

static void cmd_poweroff(const char *args)
{
	(void)args;
	kprintf("powering off\n");
	hw_power_off_request(0); /* the device manager stops the drivers first */
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
    {"stat", cmd_stat, "uptime, idle time, interrupts, console input"},
    {"ktest", cmd_ktest, "run the kernel test suite"},
    {"echo", cmd_echo, "print the arguments"},
    {"run", cmd_run, "run init with arguments ('run spin', 'run r2demo'); Ctrl-C ends it"},
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

static void shell_out(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		arch_console_putc(s[i]);
}

static struct line_history history;
static struct line_editor editor;
static char line[LINE_LEN_MAX + 1];

/* Read one line; what the editor made of it. */
static enum le_result read_line(void)
{
	enum le_result r = LE_MORE;
	le_begin(&editor);
	while (r == LE_MORE) {
		int c = console_read(0);
		if (c >= 0)
			r = le_feed(&editor, (uint8_t)c);
	}
	return r;
}

static void shell_main(void *arg)
{
	(void)arg;
	le_init(&editor, &history, shell_out, NULL);
	kprintf("shell: type 'help' for commands\n");
	for (;;) {
		kputs("kestrel> ");
		switch (read_line()) {
		case LE_LINE:
			le_history_add(&history, editor.buf);
			kstrlcpy(line, editor.buf, sizeof(line));
			run_line(line);
			break;
		case LE_TOO_LONG:
			kprintf("shell: line too long (at most %u characters): not run\n",
				LINE_LEN_MAX);
			break;
		case LE_EOF:
			kprintf(
			    "shell: Ctrl-D does not end the kernel shell; 'poweroff' powers off\n");
			break;
		default: /* Ctrl-C: the line is dropped */
			break;
		}
	}
}

void shell_start(const struct boot_info *bi)
{
	shell_bi = bi;
	struct kthread *t = kthread_create("shell", shell_main, NULL, SHELL_PRIO);
	if (!t)
		panic("shell: no thread");
}
