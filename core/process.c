/*
 * Processes and user threads. Everything here runs with interrupts off
 * where it touches the lists, the scheduler or another thread (one CPU
 * runs the kernel). A process ends in two steps: process_terminate()
 * marks it and its threads, and each thread dies at its next way back to
 * user mode (trap_user_return) or when it wakes from a block; the last one
 * to die frees the address space and capabilities and leaves a zombie for
 * process_wait() to collect.
 */
#include "core/process.h"
#include "core/hw.h"
#include "arch/hal/cpu.h"
#include "arch/hal/timer.h"
#include "arch/hal/user.h"
#include "core/elf.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "core/panic.h"
#include "core/sys_console.h"
#include "core/timer.h"
#include "ipc/ipc.h"
#include "mm/heap.h"
#include "mm/kvm.h"
#include "mm/uaccess.h"

#define MAX_ARG_BYTES	 (USER_STACK_SIZE / 2)
#define MAX_INITIAL_CAPS 16
#define MAX_THREADS	 64 /* threads of a process not yet reaped (exited ones wait for a join) */

static struct process *all_processes;
static uint64_t next_pid = 1;

struct process *process_find(uint64_t pid)
{
	for (struct process *p = all_processes; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

struct kthread *thread_find(struct process *p, uint64_t tid)
{
	for (struct kthread *t = p->threads; t; t = t->proc_next)
		if (t->se.id == tid)
			return t;
	return NULL;
}

/* Free a zombie and all its threads; none of them may be running. */
static void process_free(struct process *p)
{
	for (struct process **link = &all_processes; *link; link = &(*link)->next)
		if (*link == p) {
			*link = p->next;
			break;
		}
	while (p->threads) {
		struct kthread *t = p->threads;
		p->threads = t->proc_next;
		kthread_free(t);
	}
	kfree(p);
}

/* Free detached zombies whose last thread has switched away for good (interrupts off). */
static void reap_detached(void)
{
	struct process *self = process_current();
	for (struct process *p = all_processes, *next; p; p = next) {
		next = p->next;
		if (p->state == P_ZOMBIE && p->detached && !p->waiter && p != self)
			process_free(p);
	}
}

/*
 * `p` has ended: what becomes of its children. Nobody will wait for any of
 * them again, so each is detached and freed as soon as it ends. A child that
 * runs goes on running. One that can never run again without its parent ends
 * now: never started (only the parent holds its capability with EXECUTE
 * unless it gave it away, and a started child is nobody's to start twice),
 * or suspended (only its parent may resume it). One that has ended already is
 * freed by the next reap.
 */
static void orphan_children(struct process *p)
{
	for (struct process *c = all_processes; c; c = c->next) {
		if (c->parent != p)
			continue;
		c->parent = NULL;
		c->detached = true;
		if (c->state == P_NEW || c->suspended)
			process_terminate(c, -1, EXIT_TERMINATED, 0); /* nobody sees why */
	}
}

/* The last thread of `p` has died (it is the running one): free what it held. */
static void process_finish(struct process *p)
{
	struct process_exit_info *e = &p->exit;
	e->process_id = p->pid;
	e->usage = (struct resource_usage){
	    .cpu_time_ns = p->ticks * TIMER_TICK_NS,
	    .syscalls = p->syscalls,
	    .page_faults = p->page_faults,
	    .context_switches = p->switches,
	    .memory_peak = p->vs.peak,
	    .threads = p->threads_made,
	};
	hw_process_exit(p);	 /* its lines released, its devices' bus mastering off */
	console_process_exit(p); /* Ctrl-C is the kernel's again if it held the break */
	ipc_process_exit(p);	 /* peers waiting on it are told; lent pages go home */
	kthread_use_space(NULL); /* off the tables we are about to free */
	vmspace_destroy(&p->vs);
	hw_process_freed(p); /* its DMA frames: nothing can reach them any more */
	cap_space_destroy(&p->caps);
	orphan_children(p);
	p->state = P_ZOMBIE;
	if (p->waiter && p->waiter->se.state == T_BLOCKED)
		wake_thread(&p->waiter->se);
	reap_detached(); /* ended orphans, among them those just freed of their parent */
}

/* The running user thread dies; interrupts are off. */
static _Noreturn void thread_die(void)
{
	struct kthread *self = kthread_current();
	struct process *p = self->proc;

	ipc_thread_exit(self);
	if (--p->live_threads == 0) {
		if (p->state < P_ENDING) { /* its last thread returned or exited */
			p->exit.exit_code = self->exit_code;
			p->exit.exit_reason = EXIT_NORMAL;
		}
		process_finish(p);
	}
	kthread_exit();
}

/* On the way out: park while the process is suspended, die if it is ending. */
static __attribute__((noinline)) void user_return_slow(struct kthread *self)
{
	while (self->park && !self->killed) { /* until process_resume() */
		self->parked = true;
		kthread_block(BLOCK_WAITING_FOR_CHILD, 0);
		self->parked = false;
	}
	if (self->killed)
		thread_die();
}

void trap_user_return(struct trap_frame *tf)
{
	(void)tf;
	struct kthread *self = kthread_current();
	if (__builtin_expect(self->leaving, 0))
		user_return_slow(self);
}

void process_suspend(struct process *p)
{
	p->suspended = true; /* its threads stop on their way back to user mode */
	for (struct kthread *t = p->threads; t; t = t->proc_next)
		t->park = true;
}

int process_resume(struct process *p)
{
	irqflags_t irq = arch_irq_save();
	int err = E_OK;
	if (p->state == P_NEW) {
		p->suspended = false;
		for (struct kthread *t = p->threads; t; t = t->proc_next)
			t->park = false;
		arch_irq_restore(irq);
		return process_start(p);
	}
	if (p->state != P_RUNNING)
		err = E_PROCESS_TERMINATED;
	p->suspended = false;
	for (struct kthread *t = p->threads; t; t = t->proc_next) {
		t->park = false;
		if (t->parked && t->se.state == T_BLOCKED)
			wake_thread(&t->se);
	}
	arch_irq_restore(irq);
	return err;
}

void process_terminate(struct process *p, int code, enum exit_reason reason, uint64_t addr)
{
	irqflags_t irq = arch_irq_save();
	if (p->state >= P_ENDING) {
		arch_irq_restore(irq);
		return; /* the first reason stands */
	}
	bool started = p->state == P_RUNNING;
	p->state = P_ENDING;
	p->exit.exit_code = code;
	p->exit.exit_reason = reason;
	p->exit.fault_addr = addr;
	for (struct kthread *t = p->threads; t; t = t->proc_next) {
		if (t->exited)
			continue;
		t->killed = true;
		if (t->se.state == T_BLOCKED) {
			wake_thread(&t->se); /* it unregisters itself from what it waited on */
		} else if (!started && t->se.state == T_NEW) {
			kthread_start(t, p->priority); /* it dies before it reaches user mode */
		}
	}
	arch_irq_restore(irq);
}

static bool descends_from(const struct process *q, const struct process *p)
{
	for (q = q->parent; q; q = q->parent)
		if (q == p)
			return true;
	return false;
}

void process_terminate_tree(struct process *p, int code, enum exit_reason reason)
{
	irqflags_t irq = arch_irq_save();
	/* The descendants first: while `p` lives, their parent links still lead to it. */
	for (struct process *q = all_processes; q; q = q->next)
		if (q != p && descends_from(q, p))
			process_terminate(q, code, reason, 0);
	process_terminate(p, code, reason, 0);
	arch_irq_restore(irq);
}

_Noreturn void process_exit_self(int code, enum exit_reason reason, uint64_t addr)
{
	struct process *p = process_current();
	if (!p)
		panic("process_exit_self from a kernel thread");
	process_terminate(p, code, reason, addr);
	arch_irq_disable();
	thread_die();
}

_Noreturn void thread_exit(int code)
{
	arch_irq_disable();
	kthread_current()->exit_code = code;
	thread_die();
}

static uint64_t first_user_counter;

uint64_t process_first_user_counter(void)
{
	return first_user_counter;
}

/* A user thread's first steps in the kernel: straight out to user mode. */
static void user_thread_main(void *arg)
{
	struct kthread *self = arg;
	arch_irq_disable();
	if (self->leaving) /* its process ended or was suspended before it ran */
		user_return_slow(self);
	if (!first_user_counter)
		first_user_counter = arch_counter(); /* the boot figure's end */
	/* The switch to this thread brought its address space, kernel stack and FP state. */
	arch_user_enter(arch_user_frame(self->stack_top));
}

static int new_thread(struct process *p, uintptr_t entry, uintptr_t sp, uintptr_t arg0,
		      uintptr_t arg1, struct kthread **out)
{
	unsigned count = 0;
	for (struct kthread *o = p->threads; o; o = o->proc_next)
		count++;
	if (count >= MAX_THREADS)
		return E_RESOURCE_EXHAUSTED;
	struct kthread *t = kthread_new(p->name, user_thread_main, NULL);
	if (!t)
		return E_OUT_OF_MEMORY;
	t->arg = t;
	t->proc = p;
	t->fpu = kmalloc_aligned(sizeof(struct fpu_state), 64);
	if (!t->fpu) {
		kthread_free(t);
		return E_OUT_OF_MEMORY;
	}
	arch_fpu_init(t->fpu);
	struct trap_frame *tf = arch_user_frame(t->stack_top);
	arch_user_frame_init(tf, entry, sp, arg0, arg1);
	/* The kernel side of the thread runs below its user frame. */
	arch_context_init(&t->ctx, (uintptr_t)tf & ~(uintptr_t)15, t->fn, t->arg);
	irqflags_t irq = arch_irq_save();
	t->killed = p->state >= P_ENDING; /* it would only die at its first step */
	t->park = p->suspended;
	t->proc_next = p->threads;
	p->threads = t;
	p->live_threads++;
	p->threads_made++;
	arch_irq_restore(irq);
	*out = t;
	return E_OK;
}

int thread_create(struct process *p, uintptr_t entry, uintptr_t stack_base, size_t stack_size,
		  uintptr_t arg, unsigned priority, struct kthread **out)
{
	uintptr_t top = stack_base + stack_size;
	if (entry < USER_BASE || entry >= USER_TOP || stack_size < 64 || top < stack_base ||
	    top > USER_TOP || priority > PRIO_REALTIME)
		return E_INVALID_PARAMETER;
	if (p->state != P_RUNNING)
		return E_INVALID_PARAMETER;
	struct kthread *t;
	int err = new_thread(p, entry, top & ~(uintptr_t)15, arg, 0, &t);
	if (err)
		return err;
	t->ustack_base = stack_base;
	t->ustack_size = stack_size;
	err = kthread_start(t, priority ? priority : p->priority);
	if (err) /* cannot happen for a valid priority; undo all the same */
		panic("thread_create: %d", err);
	*out = t;
	return E_OK;
}

/* The time a wait of timeout_ns (0: none) ends at, 0 for none. */
static uint64_t deadline_of(uint64_t timeout_ns)
{
	if (!timeout_ns)
		return 0;
	uint64_t now = arch_time_ns();
	return now + timeout_ns < now ? UINT64_MAX : now + timeout_ns;
}

/* Block waiting for a child until woken or `deadline` (0: none); interrupts off. */
static int block_until(uint64_t deadline)
{
	uint64_t left = 0;
	if (deadline) {
		uint64_t now = arch_time_ns();
		if (now >= deadline)
			return E_TIMEOUT;
		left = deadline - now;
	}
	return kthread_block(BLOCK_WAITING_FOR_CHILD, left);
}

int thread_join(struct kthread *t, uint64_t timeout_ns, int *code)
{
	struct kthread *self = kthread_current();
	if (t == self || !t->proc || t->proc != self->proc)
		return E_INVALID_PARAMETER;
	irqflags_t irq = arch_irq_save();
	if (t->joiner) {
		arch_irq_restore(irq);
		return E_BUSY;
	}
	t->joiner = self;
	int err = E_OK;
	uint64_t deadline = deadline_of(timeout_ns);
	while (!t->exited && !self->killed && err == E_OK)
		err = block_until(deadline);
	if (!t->exited) {
		t->joiner = NULL;
		arch_irq_restore(irq);
		return err ? err : E_BUSY;
	}
	*code = t->exit_code;
	for (struct kthread **link = &t->proc->threads; *link; link = &(*link)->proc_next)
		if (*link == t) {
			*link = t->proc_next;
			break;
		}
	arch_irq_restore(irq);
	kthread_free(t); /* it switched away for good before we could run */
	return E_OK;
}

void thread_info_of(const struct kthread *t, struct thread_info *out)
{
	static const uint32_t states[] = {
	    [T_NEW] = TS_NEW,	      [T_READY] = TS_READY,	   [T_RUNNING] = TS_RUNNING,
	    [T_BLOCKED] = TS_BLOCKED, [T_UNSCHEDULED] = TS_EXITED,
	};
	*out = (struct thread_info){
	    .thread_id = t->se.id,
	    .process_id = t->proc ? t->proc->pid : 0,
	    .state = t->exited ? TS_EXITED : states[t->se.state],
	    .priority = t->se.priority,
	    .cpu_affinity = t->se.affinity,
	    .stack_base = t->ustack_base,
	    .stack_size = t->ustack_size,
	};
}

static uintptr_t page_lo(const struct elf_segment *s)
{
	return s->vaddr & ~(uintptr_t)(PAGE_SIZE - 1);
}

static uintptr_t page_hi(const struct elf_segment *s)
{
	return (s->vaddr + s->memsz + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1);
}

static unsigned seg_pte(unsigned elf_flags)
{
	return (elf_flags & ELF_SEG_W ? PTE_WRITABLE : 0) |
	       (elf_flags & ELF_SEG_X ? 0 : PTE_NO_EXECUTE);
}

/*
 * How many segments touch page `va`, the union of their ELF flags, and
 * whether segment `i` is the first of them (the one to map the page).
 */
static unsigned touching(const struct elf_image *elf, unsigned i, uintptr_t va, unsigned *flags,
			 bool *first)
{
	unsigned n = 0;
	*flags = 0;
	*first = true;
	for (unsigned k = 0; k < elf->segment_count; k++) {
		const struct elf_segment *o = &elf->segment[k];
		if (va < page_lo(o) || va >= page_hi(o))
			continue;
		n++;
		*flags |= o->flags;
		*first &= k >= i;
	}
	return n;
}

/* A segment's page at `va` if another segment shares it: mapped once, with both's rights. */
static int map_shared(struct process *p, const struct elf_image *elf, unsigned i, uintptr_t va,
		      bool *shared)
{
	unsigned flags;
	bool first;
	*shared = touching(elf, i, va, &flags, &first) > 1;
	return *shared && first ? vmspace_map_wx(&p->vs, va, PAGE_SIZE, seg_pte(flags)) : E_OK;
}

/*
 * Map the image's segments and copy their bytes in. Segments never share a
 * byte (elf_parse), but may share the page where one ends and the next
 * begins: that page is mapped once, by the first segment touching it, with
 * the union of their permissions (it may be writable and executable: the
 * one page such a layout makes so); the rest of each segment, its inner
 * pages, has its own.
 */
static int load_segments(struct process *p, const uint8_t *image, const struct elf_image *elf)
{
	for (unsigned i = 0; i < elf->segment_count; i++) {
		const struct elf_segment *s = &elf->segment[i];
		uintptr_t lo = page_lo(s), hi = page_hi(s);
		bool shared;
		if (s->vaddr < USER_BASE)
			return E_INVALID_PARAMETER; /* below the first user page */
		int err = map_shared(p, elf, i, lo, &shared);
		lo += shared ? PAGE_SIZE : 0;
		if (!err && hi > lo && !(err = map_shared(p, elf, i, hi - PAGE_SIZE, &shared)))
			hi -= shared ? PAGE_SIZE : 0;
		if (!err && hi > lo)
			err = vmspace_map(&p->vs, lo, hi - lo, seg_pte(s->flags));
		if (err)
			return err;
	}
	for (unsigned i = 0; i < elf->segment_count; i++) {
		const struct elf_segment *s = &elf->segment[i];
		int err = vmspace_poke(&p->vs, s->vaddr, image + s->offset, s->filesz);
		if (err)
			return err;
	}
	return E_OK;
}

/* Strings of a NUL-separated list: its count, or -1 if it does not end in NUL. */
static long count_strings(const char *s, size_t size)
{
	long n = 0;
	if (size && s[size - 1])
		return -1;
	for (size_t i = 0; i < size; i++)
		n += !s[i];
	return n;
}

/*
 * The first thread's stack: at its top the argument and environment
 * strings, below them argc, argv[] and envp[] (each ending in NULL), the
 * stack pointer at argc and 16-byte aligned (the System V entry stack,
 * which r2 programs' own crt0 reads); the thread also starts with argc
 * and argv in its first two argument registers.
 */
static int build_stack(struct process *p, const struct process_spec *spec, const char *extra_env,
		       size_t extra, uintptr_t *sp, uintptr_t *argc, uintptr_t *argv)
{
	long nargs = count_strings(spec->args, spec->args_size);
	long nenv = count_strings(spec->env, spec->env_size);
	long nextra = count_strings(extra_env, extra);
	if (nargs < 0 || nenv < 0 || nextra < 0)
		return E_INVALID_PARAMETER;
	nenv += nextra;
	size_t strings = spec->args_size + spec->env_size + extra;
	size_t ptrs = (size_t)(1 + nargs + 1 + nenv + 1) * sizeof(uint64_t);
	if (strings + ptrs > MAX_ARG_BYTES)
		return E_INVALID_PARAMETER;
	int err = vmspace_map(&p->vs, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE,
			      PTE_WRITABLE | PTE_NO_EXECUTE);
	if (err)
		return err;

	uintptr_t str = (USER_STACK_TOP - strings) & ~(uintptr_t)7;
	uintptr_t base = (str - ptrs) & ~(uintptr_t)15;
	uint64_t *vec = kmalloc(ptrs);
	char *buf = kmalloc(strings ? strings : 1);
	if (!vec || !buf) {
		kfree(vec);
		kfree(buf);
		return E_OUT_OF_MEMORY;
	}
	memcpy(buf, spec->args, spec->args_size);
	memcpy(buf + spec->args_size, spec->env, spec->env_size);
	if (extra)
		memcpy(buf + spec->args_size + spec->env_size, extra_env, extra);
	/* argc, then pointers: argv[0..nargs), NULL, envp[0..nenv), NULL. */
	size_t v = 0, off = 0;
	vec[v++] = (uint64_t)nargs;
	for (long i = 0; i < nargs + nenv; i++) {
		if (i == nargs)
			vec[v++] = 0;
		vec[v++] = str + off;
		off += strlen(buf + off) + 1;
	}
	vec[v++] = 0;
	if (nargs == nargs + nenv) /* no environment: argv's NULL still needed */
		vec[v++] = 0;
	err = vmspace_poke(&p->vs, str, buf, strings);
	if (!err)
		err = vmspace_poke(&p->vs, base, vec, ptrs);
	kfree(vec);
	kfree(buf);
	*sp = base;
	*argc = (uintptr_t)nargs;
	*argv = base + sizeof(uint64_t);
	return err;
}

static unsigned native_machine(void)
{
#if defined(__x86_64__)
	return ELF_MACHINE_X86_64;
#elif defined(__aarch64__)
	return ELF_MACHINE_AARCH64;
#else
	return ELF_MACHINE_RISCV;
#endif
}

/*
 * Hand the child the capabilities spec->caps names in the parent's space
 * (each needs GRANT; the child gets the same rights) and tell it their
 * tokens in the environment: "KESTREL_CAPS=0x…,0x…".
 */
static int grant_initial(struct process *p, const struct process_spec *spec, char *env, size_t size)
{
	size_t n = (size_t)ksnprintf(env, size, "KESTREL_CAPS=");
	for (uint64_t i = 0; i < spec->cap_count; i++) {
		struct capability held, given;
		if (!p->parent)
			return E_INVALID_PARAMETER; /* the kernel grants nothing this way */
		int err = validate_capability(&p->parent->caps, spec->caps[i], RIGHT_GRANT, &held);
		if (!err)
			err = grant_capability(&p->parent->caps, spec->caps[i], &p->caps,
					       held.rights, &given);
		if (err)
			return err;
		n += (size_t)ksnprintf(env + n, size - n, "%s%#llx", i ? "," : "",
				       (unsigned long long)given.token);
		if (n >= size)
			return E_INVALID_PARAMETER;
	}
	return E_OK;
}

static int setup(struct process *p, const struct process_spec *spec)
{
	struct elf_image elf;
	const char *why;
	int err;
	if (spec->flags & PROCESS_FLAT) { /* code at load_address, entered there */
		elf.entry = spec->load_address;
		if (spec->load_address & (PAGE_SIZE - 1) || spec->load_address < USER_BASE ||
		    !spec->image_size)
			return E_INVALID_PARAMETER;
	} else if ((err = elf_parse(spec->image, spec->image_size, native_machine(), USER_IMAGE_VA,
				    &elf, &why))) {
		pr_warn("process: rejected image: %s", why);
		return err;
	}
	err = vmspace_create(&p->vs, &kernel_pt);
	if (err)
		return err;
	if (spec->flags & PROCESS_FLAT) {
		size_t len = (spec->image_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		err = vmspace_map(&p->vs, spec->load_address, len, 0);
		if (!err)
			err =
			    vmspace_poke(&p->vs, spec->load_address, spec->image, spec->image_size);
	} else {
		err = load_segments(p, spec->image, &elf);
	}
	/* Strings of our own for the environment, NUL-separated. */
	char env[48 + MAX_INITIAL_CAPS * 20];
	size_t env_size = 0;
	if (!err && spec->cap_count) {
		if (spec->cap_count > MAX_INITIAL_CAPS)
			return E_INVALID_PARAMETER;
		err = grant_initial(p, spec, env, sizeof(env) - 48);
		env_size = strlen(env) + 1;
	}
	if (!err && spec->flags & PROCESS_MAP_IMAGE) {
		size_t len = (spec->image_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		err = vmspace_map(&p->vs, USER_IMAGE_VA, len, PTE_NO_EXECUTE);
		if (!err)
			err = vmspace_poke(&p->vs, USER_IMAGE_VA, spec->image, spec->image_size);
		env_size += (size_t)ksnprintf(env + env_size, sizeof(env) - env_size,
					      "KESTREL_IMAGE=%#lx:%llu", USER_IMAGE_VA,
					      (unsigned long long)spec->image_size) +
			    1;
	}
	uintptr_t sp, argc, argv;
	if (!err)
		err = build_stack(p, spec, env, env_size, &sp, &argc, &argv);
	struct kthread *t;
	/* Started at argc itself, not below a return slot: the entry stack is no call's. */
	if (!err)
		err = new_thread(p, elf.entry, sp + ARCH_USER_CALL_SLOT, argc, argv, &t);
	if (!err) {
		t->ustack_base = USER_STACK_TOP - USER_STACK_SIZE;
		t->ustack_size = USER_STACK_SIZE;
	}
	return err;
}

/* The first words after argv[0], space-separated, as far as they fit (`ps` shows them). */
static void keep_args(struct process *p, const struct process_spec *spec)
{
	size_t n = 0, first = spec->args_size ? strlen(spec->args) + 1 : 0;
	for (size_t i = first; i < spec->args_size && n + 1 < sizeof(p->args); i++)
		p->args[n++] = spec->args[i] ? spec->args[i] : ' ';
	while (n && p->args[n - 1] == ' ')
		n--; /* the last word's NUL */
	p->args[n] = '\0';
}

static int create_locked(struct process *parent, const struct process_spec *spec,
			 struct process **out)
{
	reap_detached();
	struct process *p = kzalloc(sizeof(*p));
	if (!p)
		return E_OUT_OF_MEMORY;
	p->pid = next_pid++;
	p->parent = parent;
	p->priority =
	    spec->priority ? spec->priority : (parent ? parent->priority : (unsigned)PRIO_NORMAL);
	/* The name is argv[0] without its directories. */
	const char *name = spec->args_size ? spec->args : "process";
	for (const char *c = name; *c; c++)
		if (*c == '/')
			name = c + 1;
	kstrlcpy(p->name, name, sizeof(p->name));
	keep_args(p, spec);
	cap_space_init(&p->caps, p->pid * 0x9e3779b97f4a7c15ull ^ arch_counter());
	int err = setup(p, spec);
	if (err) {
		if (p->vs.pt.root)
			vmspace_destroy(&p->vs);
		cap_space_destroy(&p->caps);
		process_free(p); /* its thread, if it got one; it is on no list yet */
		return err;
	}
	p->next = all_processes;
	all_processes = p;
	*out = p;
	return E_OK;
}

int process_create(struct process *parent, const struct process_spec *spec, struct process **out)
{
	if (spec->priority > PRIO_REALTIME || count_strings(spec->args, spec->args_size) < 0 ||
	    count_strings(spec->env, spec->env_size) < 0)
		return E_INVALID_PARAMETER;
	/* Interrupts off throughout: the lists, the cap table and the allocators are shared. */
	irqflags_t irq = arch_irq_save();
	int err = create_locked(parent, spec, out);
	arch_irq_restore(irq);
	return err;
}

int process_start(struct process *p)
{
	irqflags_t irq = arch_irq_save();
	if (p->state != P_NEW) {
		arch_irq_restore(irq);
		return E_INVALID_PARAMETER;
	}
	p->state = P_RUNNING;
	for (struct kthread *t = p->threads; t; t = t->proc_next)
		kthread_start(t, p->priority);
	arch_irq_restore(irq);
	return E_OK;
}

int process_wait(struct process *p, uint64_t timeout_ns, struct process_exit_info *out)
{
	struct kthread *self = kthread_current();
	if (p == self->proc)
		return E_INVALID_PARAMETER;
	irqflags_t irq = arch_irq_save();
	reap_detached();
	if (p->waiter || p->detached) {
		arch_irq_restore(irq);
		return E_BUSY;
	}
	p->waiter = self;
	int err = E_OK;
	uint64_t deadline = deadline_of(timeout_ns);
	while (p->state != P_ZOMBIE && !self->killed && err == E_OK)
		err = block_until(deadline);
	p->waiter = NULL;
	if (p->state != P_ZOMBIE) {
		arch_irq_restore(irq);
		return err ? err : E_BUSY;
	}
	*out = p->exit;
	process_free(p);
	arch_irq_restore(irq);
	return E_OK;
}

void process_detach(struct process *p)
{
	irqflags_t irq = arch_irq_save();
	p->detached = true;
	reap_detached();
	arch_irq_restore(irq);
}

unsigned process_count(void)
{
	irqflags_t irq = arch_irq_save();
	reap_detached();
	unsigned n = 0;
	for (struct process *p = all_processes; p; p = p->next)
		n++;
	arch_irq_restore(irq);
	return n;
}

int process_info_at(unsigned index, struct process_info *out)
{
	irqflags_t irq = arch_irq_save();
	reap_detached();
	const struct process *p = all_processes;
	for (unsigned i = 0; p && i < index; i++)
		p = p->next;
	if (p) {
		*out = (struct process_info){
		    .pid = p->pid,
		    .parent_pid = p->parent ? p->parent->pid : 0,
		    .state = (uint32_t)p->state,
		    .threads = p->live_threads,
		    .memory = p->vs.mapped,
		    .cpu_time_ns = p->ticks * TIMER_TICK_NS,
		};
		kstrlcpy(out->name, p->name, sizeof(out->name));
		kstrlcpy(out->args, p->args, sizeof(out->args));
	}
	arch_irq_restore(irq);
	return p ? E_OK : E_NOT_FOUND;
}

void process_tick(void)
{
	struct process *p = process_current();
	if (p)
		p->ticks++;
}

void process_dump(const struct process *p)
{
	static const char *const states[] = {"new", "running", "ending", "zombie"};
	kprintf("process %llu '%s': %s, priority %u, %u live threads, %llu KiB mapped (peak %llu), "
		"%llu syscalls, %llu page faults\n",
		(unsigned long long)p->pid, p->name, states[p->state], p->priority, p->live_threads,
		(unsigned long long)(p->vs.mapped >> 10), (unsigned long long)(p->vs.peak >> 10),
		(unsigned long long)p->syscalls, (unsigned long long)p->page_faults);
	for (const struct vm_region *r = p->vs.regions; r; r = r->next)
		kprintf("  %#014lx-%#014lx %c%c%c\n", (unsigned long)r->start,
			(unsigned long)r->end, 'r', r->flags & PTE_WRITABLE ? 'w' : '-',
			r->flags & PTE_NO_EXECUTE ? '-' : 'x');
	for (const struct kthread *t = p->threads; t; t = t->proc_next) {
		struct thread_info ti;
		thread_info_of(t, &ti);
		kprintf("  thread %llu: state %u, priority %u\n", (unsigned long long)ti.thread_id,
			ti.state, ti.priority);
	}
}
