/*
 * The shell's process and machine commands: run (from the disk or this
 * image, in the foreground with Ctrl-C, or in the background with '&'),
 * ps, kill, mem, info, poweroff.
 *
 * Ctrl-C while a program runs in the foreground: the shell holds the
 * console's break (SYS_CONSOLE_BREAK) for that time, so Ctrl-C reaches it
 * as a notification instead of as input, and it terminates the program.
 * At the prompt the break is not held: Ctrl-C is a key for the line
 * editor, which drops the line.
 */
#ifdef __x86_64__
#include "r2.h"
#endif
#include "config.h"
#include "include/abi/r2.h" /* the conventions of run --libcr2, parsed on every arch */
#include "file.h"
#include "hw.h"
#include "ipc.h"
#include "shell.h"

#define JOBS_MAX      8
#define WAIT_SLICE_NS 50000000ull /* how often a wait looks for Ctrl-C */
#define ARGS_MAX      1100	  /* the longest line, NUL-separated, and "init" */
#define PROCS_MAX     64	  /* processes ps shows */
#define IMAGE_MAX     (16u << 20) /* the kernel takes no larger image */

/* Programs started in the background: the shell holds their capabilities. */
static struct job {
	uint64_t pid, cap; /* cap 0: a free slot */
	char name[16];
} jobs[JOBS_MAX];

static uint64_t break_note; /* the notification Ctrl-C signals (bit 0), made once */

/* A program on the disk: a path, or a name ending in .ELF (any case). */
static bool on_disk(const char *name)
{
	size_t n = strlen(name);
	if (strchr(name, '/'))
		return true;
	if (n < 4 || name[n - 4] != '.')
		return false;
	const char *ext = name + n - 3;
	return (ext[0] | 0x20) == 'e' && (ext[1] | 0x20) == 'l' && (ext[2] | 0x20) == 'f';
}

/* `first` and the words as a NUL-separated list; its size, 0 if too long. */
static size_t arg_list(char *out, const char *first, int argc, char **argv)
{
	size_t n = 0;
	for (int i = -1; i < argc; i++) {
		const char *w = i < 0 ? first : argv[i];
		size_t len = strlen(w) + 1;
		if (n + len > ARGS_MAX)
			return 0;
		memcpy(out + n, w, len);
		n += len;
	}
	return n;
}

/* Read the file at `path` into fresh memory; unmap it with sys_munmap(). */
static long load(const char *path, void **image, uint64_t *size)
{
	uint64_t fd;
	long err = file_open(path, FILE_READ, &fd, size);
	if (err)
		return err;
	if (!*size || *size > IMAGE_MAX)
		err = E_INVALID_PARAMETER;
	if (!err)
		err = sys_mmap(NULL, *size, PROT_READ | PROT_WRITE, image, NULL);
	for (uint64_t done = 0; !err && done < *size;) {
		size_t got;
		err = sys_read(fd, (char *)*image + done, *size - done, &got);
		if (!err && !got)
			err = E_FS_CORRUPT; /* shorter than its size says */
		done += got;
	}
	if (err && *image)
		sys_munmap(*image, *size);
	file_close(fd);
	return err;
}

/* Where this image is mapped (env KESTREL_IMAGE, "addr:size"). */
static bool own_image(const void **image, uint64_t *size)
{
	const char *img = getenv("KESTREL_IMAGE");
	if (!img)
		return false;
	char *end;
	*image = (const void *)strtoul(img, &end, 0);
	*size = strtoul(end + 1, NULL, 0);
	return true;
}

/* The image of a program on the disk, read into fresh memory; prints why not. */
static long disk_image(const char *arg, char *path, struct process_spec *spec)
{
	void *image = NULL;
	uint64_t size = 0;
	if (!shell_path(shell_cwd, arg, path, FILE_PATH_MAX)) {
		printf("run: %s: path too long\n", arg);
		return E_INVALID_PARAMETER;
	}
	long err = load(path, &image, &size);
	if (err == E_INVALID_PARAMETER)
		printf("run: %s: empty, or larger than %u MiB\n", path, IMAGE_MAX >> 20);
	else if (err)
		shell_fail("run", path, err);
	spec->image = image;
	spec->image_size = size;
	return err;
}

/* This image, to run one of its programs (`init NAME ARGS`); prints why not. */
static long builtin_image(const char *name, struct process_spec *spec)
{
	if (!shell_program_exists(name)) {
		printf("run: %s: no such program (help lists them; one on the disk is a path or "
		       "NAME.ELF)\n",
		       name);
		return E_NOT_FOUND;
	}
	if (!own_image(&spec->image, &spec->image_size)) {
		printf("run: this shell was started without its image (KESTREL_IMAGE)\n");
		return E_NOT_FOUND;
	}
	spec->flags = PROCESS_MAP_IMAGE; /* so that it can start programs too */
	return E_OK;
}

/* Create (not start) the program argv[0] with its arguments; prints why not. */
static long create(int argc, char **argv, uint64_t *pid, uint64_t *cap)
{
	static char args[ARGS_MAX];
	static char env[sizeof("PWD=") + FILE_PATH_MAX];
	char path[FILE_PATH_MAX];
	/* PWD: the current directory, for a program's relative paths (CAT.ELF's). */
	int env_len = snprintf(env, sizeof(env), "PWD=%s", shell_cwd);
	struct process_spec spec = {.args = args, .env = env, .env_size = (uint64_t)env_len + 1};
	bool disk = on_disk(argv[0]);
	long err = disk ? disk_image(argv[0], path, &spec) : builtin_image(argv[0], &spec);
	if (err)
		return err;
	/* A program from the disk gets its path as argv[0]; one of ours runs as init. */
	const char *first = disk ? path : "init";
	spec.args_size = arg_list(args, first, disk ? argc - 1 : argc, disk ? argv + 1 : argv);
	/* The I/O ports, if init gave us them: the kernel shell's `run` gives them too. */
	uint64_t cursor = 0, ports;
	if (!sys_cap_next(OBJ_IO_PORTS, &cursor, &ports, NULL, NULL)) {
		spec.caps = &ports;
		spec.cap_count = 1;
	}
	if (!spec.args_size)
		printf("run: the arguments are too long\n");
	else if ((err = sys_process_create(&spec, pid, cap)) == E_INVALID_PARAMETER && disk)
		printf("run: %s: not a program for this machine (an ELF64 executable)\n", path);
	else if (err)
		shell_fail("run", argv[0], err);
	if (disk)
		sys_munmap((void *)spec.image, spec.image_size); /* the kernel made its own copy */
	return spec.args_size ? err : E_INVALID_PARAMETER;
}

/* How a program ended, in words, after "PREFIX: NAME (process N): ". */
static void report(const char *prefix, const char *name, uint64_t pid,
		   const struct process_exit_info *info, bool interrupted)
{
	static const char *const faults[] = {
	    [EXIT_PAGE_FAULT] = "a page fault",	      [EXIT_ILLEGAL] = "an illegal instruction",
	    [EXIT_ALIGNMENT] = "a misaligned access", [EXIT_ARITH] = "a divide error",
	    [EXIT_BREAKPOINT] = "a breakpoint",	      [EXIT_FAULT] = "a fault"};
	unsigned reason = info->exit_reason;
	printf("%s: %s (process %llu): ", prefix, name, (unsigned long long)pid);
	if (reason == EXIT_NORMAL)
		printf("exited with code %d\n", info->exit_code);
	else if (interrupted || reason == EXIT_INTERRUPTED)
		printf("interrupted by Ctrl-C\n");
	else if (reason == EXIT_TERMINATED)
		printf("terminated (code %d)\n", info->exit_code);
	else if (reason >= EXIT_PAGE_FAULT && reason <= EXIT_FAULT)
		printf("killed by a fault: %s at %#llx\n", faults[reason],
		       (unsigned long long)info->fault_addr);
	else
		printf("ended for reason %u (code %d)\n", reason, info->exit_code);
}

/* Take Ctrl-C for the foreground program; false if another process holds it. */
static bool break_take(void)
{
	uint64_t bits;
	if (!break_note && notification_create(&break_note))
		return false;
	notification_poll(break_note, &bits); /* an old Ctrl-C does not count */
	return !sys_console_break(break_note, 0);
}

/* Wait for the foreground program; Ctrl-C meanwhile terminates it. Its exit status. */
static int wait_foreground(const char *name, uint64_t pid, uint64_t cap)
{
	struct process_exit_info info;
	bool held = break_take(), interrupted = false;
	long err;
	while ((err = sys_process_wait(cap, WAIT_SLICE_NS, &info)) == E_TIMEOUT) {
		uint64_t bits = 0;
		sys_console_poll(); /* a polled console's Ctrl-C reaches us so */
		if (held && !notification_poll(break_note, &bits) && bits && !interrupted) {
			interrupted = true;
			sys_process_terminate(cap, -1);
		}
	}
	if (held)
		sys_console_break(0, 0);
	sys_cap_revoke(cap);
	if (err)
		return shell_fail("run", name, err);
	report("run", name, pid, &info, interrupted);
	return info.exit_reason == EXIT_NORMAL ? info.exit_code : 128 + (int)info.exit_reason;
}

static struct job *job_slot(void)
{
	for (unsigned i = 0; i < JOBS_MAX; i++)
		if (!jobs[i].cap)
			return &jobs[i];
	return NULL;
}

static struct job *job_of(uint64_t pid)
{
	for (unsigned i = 0; i < JOBS_MAX; i++)
		if (jobs[i].cap && jobs[i].pid == pid)
			return &jobs[i];
	return NULL;
}

void shell_jobs_reap(void)
{
	for (unsigned i = 0; i < JOBS_MAX; i++) {
		struct process_exit_info info;
		if (!jobs[i].cap || sys_process_wait(jobs[i].cap, 1, &info))
			continue;
		report("done", jobs[i].name, jobs[i].pid, &info, false);
		sys_cap_revoke(jobs[i].cap);
		jobs[i].cap = 0;
	}
}

void shell_jobs_end(void)
{
	for (unsigned i = 0; i < JOBS_MAX; i++) {
		struct process_exit_info info;
		if (!jobs[i].cap)
			continue;
		sys_process_terminate(jobs[i].cap, -1);
		if (!sys_process_wait(jobs[i].cap, 0, &info))
			report("shell: ended", jobs[i].name, jobs[i].pid, &info, false);
		sys_cap_revoke(jobs[i].cap);
		jobs[i].cap = 0;
	}
}

static int cmd_run(int argc, char **argv)
{
	bool background = argc > 1 && !strcmp(argv[argc - 1], "&");
	if (background)
		argc--;
	/*
	 * --libcr2[=rax][,112]: an r2 program built with r2apps' C library (its
	 * calls' number in RDX; =rax: in RAX, as libcr2's newer stub also has it;
	 * 112: its SysInfo_T without ip_addr).
	 */
	uint64_t conv = 0;
	if (argc > 1 && !strncmp(argv[1], "--libcr2", 8)) {
		const char *o = argv[1] + 8;
		conv = R2_CONV_LIBCR2;
		for (bool first = true; *o; first = false) {
			if (*o != (first ? '=' : ','))
				conv = 0, o = "";
			else if (!strncmp(o + 1, "rax", 3))
				conv |= R2_CONV_RAX, o += 4;
			else if (!strncmp(o + 1, "112", 3))
				conv |= R2_CONV_SYSINFO112, o += 4;
			else
				conv = 0, o = "";
		}
		if (!conv) {
			printf("run: %s: expected --libcr2, --libcr2=rax, =112 or =rax,112\n",
			       argv[1]);
			return 1;
		}
		argc--, argv++;
	}
	bool libcr2 = conv != 0;
	if (argc < 2) {
		printf("usage: run [--libcr2[=rax][,112]] PROGRAM [ARGS...] [&]\n");
		return 1;
	}
#ifndef __x86_64__
	if (libcr2) {
		printf("run: --libcr2: r2 programs run on x86_64 only\n");
		return 1;
	}
#endif
	struct job *job = background ? job_slot() : NULL;
	if (background && !job) {
		printf("run: %u programs run in the background already (kill one)\n", JOBS_MAX);
		return 1;
	}
	char name[16];
	snprintf(name, sizeof(name), "%s", shell_basename(argv[1]));
	uint64_t pid, cap;
	if (create(argc - 1, argv + 1, &pid, &cap))
		return 1;
#ifdef __x86_64__
	if (libcr2 && r2_call(R2_CONVENTION, pid, conv) != R2_OK) {
		sys_process_terminate(cap, -1);
		sys_cap_revoke(cap);
		printf("run: %s: the libcr2 convention was refused\n", name);
		return 1;
	}
#endif
	flush(); /* what we printed comes before what it prints */
	long err = sys_process_start(cap);
	if (err) {
		sys_cap_revoke(cap);
		return shell_fail("run", name, err);
	}
	if (!background)
		return wait_foreground(name, pid, cap);
	*job = (struct job){.pid = pid, .cap = cap};
	memcpy(job->name, name, sizeof(name));
	printf("run: %s (process %llu) runs in the background; kill %llu ends it\n", name,
	       (unsigned long long)pid, (unsigned long long)pid);
	return 0;
}

static bool process_exists(uint64_t pid)
{
	struct process_info p;
	for (unsigned i = 0; !sys_process_info(i, &p); i++)
		if (p.pid == pid)
			return true;
	return false;
}

static int cmd_kill(int argc, char **argv)
{
	if (argc != 2) {
		printf("usage: kill PID\n");
		return 1;
	}
	char *end;
	uint64_t pid = strtoul(argv[1], &end, 10);
	struct job *job = *end || end == argv[1] ? NULL : job_of(pid);
	if (!job) {
		if (*end || end == argv[1])
			printf("kill: %s: not a process number\n", argv[1]);
		else if (process_exists(pid))
			printf("kill: process %llu was not started by this shell: it ends only its "
			       "own (run ... &)\n",
			       (unsigned long long)pid);
		else
			printf("kill: no process %llu\n", (unsigned long long)pid);
		return 1;
	}
	struct process_exit_info info;
	sys_process_terminate(job->cap, -1);
	long err = sys_process_wait(job->cap, 0, &info);
	sys_cap_revoke(job->cap);
	job->cap = 0;
	if (err)
		return shell_fail("kill", argv[1], err);
	report("kill", job->name, pid, &info, false);
	return 0;
}

static const char *const states[] = {"new", "running", "ending", "ended"};

static int cmd_ps(int argc, char **argv)
{
	(void)argc, (void)argv;
	static struct process_info procs[PROCS_MAX];
	unsigned n = 0;
	while (n < PROCS_MAX && !sys_process_info(n, &procs[n]))
		n++;
	for (unsigned i = 1; i < n; i++) /* by pid: the kernel lists the newest first */
		for (unsigned j = i; j > 0 && procs[j - 1].pid > procs[j].pid; j--) {
			struct process_info t = procs[j];
			procs[j] = procs[j - 1];
			procs[j - 1] = t;
		}
	printf("  PID  PPID STATE    THREADS   MEMORY   CPU ms  PROGRAM\n");
	for (unsigned i = 0; i < n; i++) {
		const struct process_info *p = &procs[i];
		printf("%5llu %5llu %-8s %7u %7lluK %8llu  %s%s%s%s\n", (unsigned long long)p->pid,
		       (unsigned long long)p->parent_pid, p->state < 4 ? states[p->state] : "?",
		       p->threads, (unsigned long long)(p->memory >> 10),
		       (unsigned long long)(p->cpu_time_ns / 1000000), p->name,
		       p->args[0] ? " " : "", p->args, job_of(p->pid) ? " (background)" : "");
	}
	return 0;
}

static int cmd_mem(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct process_info p;
	uint64_t user = 0;
	unsigned n = 0;
	for (; !sys_process_info(n, &p); n++)
		user += p.memory;
	flush();
	sys_dump_memory(); /* the kernel prints its frames per zone and its heap */
	printf("mem: user memory: %llu KiB mapped by %u processes\n",
	       (unsigned long long)(user >> 10), n);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct kernel_metrics m;
	long err = sys_kernel_metrics(&m);
	if (err)
		return shell_fail("info", NULL, err);
	printf("info: %s %s (%s)\n", KERNEL_NAME, KERNEL_VERSION, KESTREL_ARCH_NAME);
	printf("info: up %llu.%03llu s, idle %llu %%\n",
	       (unsigned long long)(m.uptime_ns / 1000000000),
	       (unsigned long long)(m.uptime_ns / 1000000 % 1000),
	       (unsigned long long)(m.uptime_ns ? m.idle_ns * 100 / m.uptime_ns : 0));
	printf("info: %llu system calls, %llu context switches, %llu interrupts, %llu IPC "
	       "messages, %llu page faults\n",
	       (unsigned long long)m.syscalls_processed, (unsigned long long)m.context_switches,
	       (unsigned long long)m.interrupts_handled, (unsigned long long)m.ipc_messages_sent,
	       (unsigned long long)m.page_faults);
	return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("poweroff: the shell ends; init stops the file server and the drivers, then "
	       "powers off\n");
	shell_exit_code = SHELL_EXIT_POWEROFF;
	return 0;
}

const struct shell_cmd shell_proc_cmds[] = {
    {"run", cmd_run, "run [--libcr2[=rax][,112]] PROGRAM [ARGS...] [&]",
     "run a program (a path or NAME.ELF: from the disk), wait for it (Ctrl-C ends it) or not (&); "
     "--libcr2: an r2 program of r2apps' C library (x86_64)"},
    {"ps", cmd_ps, "ps", "list the processes"},
    {"kill", cmd_kill, "kill PID", "end a program this shell started in the background"},
    {"mem", cmd_mem, "mem", "memory: the kernel's frames and heap, user memory"},
    {"info", cmd_info, "info", "the system: version, arch, uptime, counters"},
    {"poweroff", cmd_poweroff, "poweroff", "end the shell and power the machine off"},
};
const unsigned shell_proc_ncmds = sizeof(shell_proc_cmds) / sizeof(shell_proc_cmds[0]);
