/*
 * Kernel threads on top of the scheduler's policy and the arch's context
 * switch. The tick calls into the scheduler too, so every call into it
 * here runs with interrupts off. User threads are kernel threads with a
 * process (core/process.c): a switch to one also brings its address
 * space, its kernel stack for traps and its FP/SIMD registers.
 */
#include "core/kthread.h"
#include "arch/hal/cpu.h"
#include "arch/hal/mmu.h"
#include "arch/hal/timer.h"
#include "arch/hal/user.h"
#include "core/kstring.h"
#include "core/metrics.h"
#include "core/panic.h"
#include "core/process.h"
#include "mm/heap.h"
#include "mm/kstack.h"
#include "mm/kvm.h"

static struct kthread boot_thread = {.name = "boot"};
struct kthread *kthread_running = &boot_thread;
#define current kthread_running
static struct vmspace *live_space; /* the user half this CPU translates with */
static struct kthread *fpu_owner;  /* whose user FP registers this CPU holds */
static uint64_t switch_start;	   /* when the last switch began, for the latency metric */
static uint32_t next_id = 1;
static unsigned live_threads; /* made by kthread_new, not yet freed */
static bool preemptive;	      /* the tick runs: threads start with interrupts on */
static uint64_t idle_since;   /* arch_time_ns() when the idle thread began to wait, 0 if not */

void kthread_set_preemptive(bool on)
{
	preemptive = on;
}

void kthread_init(void)
{
	struct sched_entity *idle[] = {&boot_thread.se};

	boot_thread.se.id = 0;
	if (sched_init(1, idle))
		panic("kthread: no scheduler");
	current = &boot_thread;
}

void kthread_use_space(struct vmspace *vs)
{
	if (vs == live_space)
		return;
	if (vs) {
		vmspace_sync(vs);
		arch_mmu_activate(vs->pt.root);
	} else {
		arch_mmu_activate(kernel_pt.root);
	}
	live_space = vs;
}

/*
 * Run what the scheduler picks; interrupts are off (the tick shares the run
 * queues). False when the running thread stays.
 */
/*
 * The idle thread's wait is over (an interrupt came): count it. Interrupts
 * off. The interrupt handlers call it first (trap_timer, trap_irq): on x86
 * the interrupt that ends a hlt is taken inside arch_cpu_idle() and may
 * switch threads before the idle loop runs again.
 */
void kthread_idle_end(void)
{
	if (idle_since) {
		metrics.idle_ns += arch_time_ns() - idle_since;
		idle_since = 0;
	}
}

static void switch_to(struct kthread *next)
{
	struct kthread *prev = current;
	metrics.context_switches++;
	switch_start = arch_counter();
	if (next->proc) {
		next->proc->switches++;
		arch_fpu_allow(next == fpu_owner); /* lazily: trap_fpu() on its first FP use */
		arch_set_kernel_stack(next->stack_top);
		arch_load_thread_pointer(next->tls);
		kthread_use_space(&next->proc->vs);
	}
	current = next;
	arch_context_switch(&prev->ctx, &next->ctx);
	/* prev runs again: some later switch came back to it. */
	metrics.switch_ticks += arch_counter() - switch_start;
	metrics.switches_timed++;
}

static bool switch_to_next(void)
{
	struct kthread *next = (struct kthread *)next_thread(0);
	if (!next || next == current)
		return false;
	switch_to(next);
	return true;
}

void trap_fpu(struct trap_frame *tf)
{
	(void)tf;
	if (fpu_owner != current) {
		if (fpu_owner)
			arch_fpu_save(fpu_owner->fpu);
		arch_fpu_restore(current->fpu);
		fpu_owner = current;
	}
	arch_fpu_allow(true);
}

void kthread_schedule(void)
{
	irqflags_t flags = arch_irq_save();
	switch_to_next();
	arch_irq_restore(flags); /* this thread's own state, whoever switched back to it */
}

void kthread_yield(void)
{
	irqflags_t flags = arch_irq_save();
	yield_cpu(0);
	switch_to_next();
	arch_irq_restore(flags);
}

/*
 * Wait for an interrupt with interrupts off, then take it. arch_cpu_idle()
 * returns on a pending interrupt even while they are off (wfi), or takes it
 * on the way (x86's sti; hlt; cli), so none is missed between the check
 * and the wait.
 */
static void idle_wait(void)
{
	idle_since = arch_time_ns();
	arch_cpu_idle();
	kthread_idle_end();
	arch_irq_enable(); /* the interrupt that ended the wait runs here */
	arch_irq_disable();
}

_Noreturn void kthread_idle_loop(void)
{
	if (current != &boot_thread)
		panic("kthread_idle_loop: not the idle thread");
	for (;;) {
		arch_irq_disable();
		if (!switch_to_next())
			idle_wait();
		arch_irq_enable();
	}
}

uint64_t kthread_idle_ns(void)
{
	irqflags_t flags = arch_irq_save();
	uint64_t ns = metrics.idle_ns;
	if (idle_since) /* read while waiting: only on another CPU, one day */
		ns += arch_time_ns() - idle_since;
	arch_irq_restore(flags);
	return ns;
}

int kthread_block(enum block_reason reason, uint64_t timeout_ns)
{
	if (current->killed)
		return E_OK; /* its process is ending: do not sleep through it */
	if (current == &boot_thread) {
		/*
		 * The idle thread cannot block; it runs only when nothing else
		 * can. With nothing else ready, wait for an interrupt (a tick
		 * may fire the timeout someone else sleeps on).
		 */
		yield_cpu(0);
		if (!switch_to_next())
			idle_wait();
		return E_OK;
	}
	uint64_t now = timeout_ns ? arch_time_ns() : 0;
	block_thread(&current->se, reason, timeout_ns, now);
	switch_to_next();
	return current->se.wake_result;
}

int kthread_handoff(struct kthread *to, enum block_reason reason, uint64_t timeout_ns)
{
	if (current->killed) { /* as kthread_block, but `to` must run anyway */
		wake_thread(&to->se);
		return E_OK;
	}
	if (timeout_ns)
		block_thread(&current->se, reason, timeout_ns, arch_time_ns());
	if (sched_handoff(0, reason, &to->se)) { /* `to` may not run here: the ordinary way */
		if (!timeout_ns)
			block_thread(&current->se, reason, 0, 0);
		wake_thread(&to->se);
		switch_to_next();
	} else if (sched_need_resched(0)) { /* a higher priority thread is ready: it goes first */
		switch_to_next();
	} else {
		switch_to(to);
	}
	return current->se.wake_result;
}

_Noreturn void kthread_exit(void)
{
	struct kthread *self = current;

	arch_irq_disable();
	if (self == &boot_thread)
		panic("kthread_exit from the boot thread");
	self->exited = true;
	unschedule_thread(&self->se);
	if (self->joiner && self->joiner->se.state == T_BLOCKED)
		wake_thread(&self->joiner->se);
	switch_to_next();
	panic("kthread: an exited thread ran again");
}

static void thread_main(void *arg)
{
	struct kthread *self = arg;
	if (preemptive)
		arch_irq_enable(); /* a new thread may first run from the tick, with interrupts off */
	self->fn(self->arg);
}

struct kthread *kthread_new(const char *name, void (*fn)(void *), void *arg)
{
	struct kthread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	irqflags_t irq = arch_irq_save(); /* the stack area and kernel_pt are shared */
	int err = kstack_alloc(&t->stack_top);
	live_threads += !err;
	arch_irq_restore(irq);
	if (err) {
		kfree(t);
		return NULL;
	}
	kstrlcpy(t->name, name ? name : "thread", sizeof(t->name));
	t->fn = fn;
	t->arg = arg;
	t->se.id = next_id++;
	arch_context_init(&t->ctx, t->stack_top, thread_main, t);
	return t;
}

int kthread_start(struct kthread *t, unsigned priority)
{
	irqflags_t flags = arch_irq_save(); /* the run queues are the tick's too */
	int err = schedule_thread(&t->se, priority);
	arch_irq_restore(flags);
	return err;
}

void kthread_free(struct kthread *t)
{
	irqflags_t irq = arch_irq_save();
	if (fpu_owner == t) /* its registers are nobody's now */
		fpu_owner = NULL;
	kstack_free(t->stack_top);
	live_threads--;
	arch_irq_restore(irq);
	kfree(t->fpu);
	kfree(t);
}

unsigned kthread_count(void)
{
	return live_threads;
}

struct kthread *kthread_create(const char *name, void (*fn)(void *), void *arg, unsigned priority)
{
	struct kthread *t = kthread_new(name, fn, arg);
	if (t && kthread_start(t, priority)) {
		kthread_free(t);
		return NULL;
	}
	return t;
}

int kthread_join(struct kthread *t)
{
	if (!t || t == current || t == &boot_thread || t->proc)
		return E_INVALID_PARAMETER;
	irqflags_t flags = arch_irq_save();
	if (t->joiner) {
		arch_irq_restore(flags);
		return E_INVALID_PARAMETER; /* someone else reaps it */
	}
	t->joiner = current;
	while (!t->exited)
		kthread_block(BLOCK_WAITING_FOR_CHILD, 0);
	arch_irq_restore(flags);
	kthread_free(t);
	return E_OK;
}
