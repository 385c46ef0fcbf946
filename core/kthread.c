/*
 * Kernel threads on top of the scheduler's policy and the arch's context
 * switch. The tick calls into the scheduler too, so every call into it
 * here runs with interrupts off.
 */
#include "core/kthread.h"
#include "arch/hal/cpu.h"
#include "core/kstring.h"
#include "core/panic.h"
#include "mm/heap.h"
#include "mm/kstack.h"

static struct kthread boot_thread = {.name = "boot"};
static struct kthread *current = &boot_thread;
static uint32_t next_id = 1;
static bool preemptive; /* the tick runs: threads start with interrupts on */

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

struct kthread *kthread_current(void)
{
	return current;
}

/* Run what the scheduler picks; interrupts are off (the tick shares the run queues). */
static void switch_to_next(void)
{
	struct kthread *next = (struct kthread *)next_thread(0);
	if (next && next != current) {
		struct kthread *prev = current;
		current = next;
		arch_context_switch(&prev->ctx, &next->ctx);
	}
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

struct kthread *kthread_create(const char *name, void (*fn)(void *), void *arg, unsigned priority)
{
	struct kthread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	if (kstack_alloc(&t->stack_top)) {
		kfree(t);
		return NULL;
	}
	kstrlcpy(t->name, name ? name : "thread", sizeof(t->name));
	t->fn = fn;
	t->arg = arg;
	t->se.id = next_id++;
	arch_context_init(&t->ctx, t->stack_top, thread_main, t);
	irqflags_t flags = arch_irq_save(); /* the run queues are the tick's too */
	int err = schedule_thread(&t->se, priority);
	arch_irq_restore(flags);
	if (err) {
		kstack_free(t->stack_top);
		kfree(t);
		return NULL;
	}
	return t;
}

int kthread_join(struct kthread *t)
{
	if (!t || t == current || t == &boot_thread)
		return E_INVALID_PARAMETER;
	irqflags_t flags = arch_irq_save();
	if (t->joiner) {
		arch_irq_restore(flags);
		return E_INVALID_PARAMETER; /* someone else reaps it */
	}
	t->joiner = current;
	while (!t->exited) {
		if (current == &boot_thread) {
			/* The idle thread cannot block; it runs only when nothing else can. */
			yield_cpu(0);
		} else {
			block_thread(&current->se, BLOCK_WAITING_FOR_CHILD, 0, 0);
		}
		switch_to_next();
	}
	arch_irq_restore(flags);
	kstack_free(t->stack_top);
	kfree(t);
	return E_OK;
}
