/*
 * Console input (core/console.h). The ring is filled with interrupts off
 * (from the interrupt handler, or by a reader polling) and emptied the same
 * way, so one CPU needs no other lock. Readers wait on a small wait queue
 * the handler wakes; without an interrupt they wake every POLL_NS and poll.
 */
#include "core/console.h"
#include "arch/hal/console.h"
#include "arch/hal/cpu.h"
#include "arch/hal/timer.h"
#include "core/boot_info.h"
#include "core/irq.h"
#include "core/kprintf.h"
#include "core/kthread.h"
#include "include/abi/error.h"

#define POLL_NS	    10000000ull /* 10 ms: how often a polled console is read while waited on */
#define DRAIN_MAX   256		/* bytes taken per interrupt, so a stuck device cannot hold us */
#define WAITERS_MAX 4

static uint8_t ring[CONSOLE_RING_SIZE];
static unsigned head, tail; /* free-running: head - tail bytes queued */
static bool irq_driven;
/*
 * An interrupt's drain stopped at DRAIN_MAX with bytes still waiting: an
 * edge-triggered line (the PC's 8259) will not fire again until the device
 * is empty, so readers poll until a drain empties it.
 */
static bool backlog;
static int irq_line = -1;
static void (*break_fn)(void *arg);
static void *break_arg;
static bool (*hold_fn)(void);
static struct kthread *waiters[WAITERS_MAX];
static struct console_stats stats;

static void put_byte(uint8_t c)
{
	stats.received++;
	if (c == CONSOLE_BREAK && hold_fn && hold_fn())
		return;
	if (c == CONSOLE_BREAK && break_fn) {
		break_fn(break_arg);
		return;
	}
	if (head - tail == CONSOLE_RING_SIZE) {
		stats.dropped++;
		return;
	}
	ring[head++ % CONSOLE_RING_SIZE] = c;
}

static void wake_readers(void)
{
	for (unsigned i = 0; i < WAITERS_MAX; i++)
		if (waiters[i] && waiters[i]->se.state == T_BLOCKED)
			wake_thread(&waiters[i]->se);
}

/* Move what the device holds into the ring and wake the readers; interrupts off. */
static void drain(void)
{
	unsigned before = head, n = 0;
	int c;

	while (n < DRAIN_MAX && (c = arch_console_getc()) >= 0) {
		put_byte((uint8_t)c);
		n++;
	}
	backlog = n == DRAIN_MAX;
	if (head != before)
		wake_readers();
}

void console_input(uint8_t c)
{
	unsigned before = head;
	put_byte(c);
	if (head != before)
		wake_readers();
}

static void console_irq(unsigned irq, void *arg)
{
	(void)irq, (void)arg;
	stats.interrupts++;
	drain();
}

void console_init(const struct boot_info *bi)
{
	if (boot_cmdline_has(bi, "console.poll")) { /* as without an interrupt; tests use it */
		pr_info("console: input polled (console.poll)");
		return;
	}
	int line = irq_ready() ? arch_console_rx_irq(bi) : -E_NOT_IMPLEMENTED;
	int err = line < 0 ? -line : irq_register((unsigned)line, console_irq, NULL);

	irq_driven = err == E_OK;
	irq_line = irq_driven ? line : -1;
	if (irq_driven)
		pr_info("console: input by interrupt (line %d)", line);
	else
		pr_info("console: input polled (no interrupt: error %d)", err);
}

bool console_irq_driven(void)
{
	return irq_driven;
}

int console_irq_line(void)
{
	return irq_line;
}

static int take_byte(void)
{
	if (!irq_driven || backlog)
		drain();
	if (head == tail)
		return -1;
	return ring[tail++ % CONSOLE_RING_SIZE];
}

int console_getc(void)
{
	irqflags_t flags = arch_irq_save();
	int c = take_byte();
	arch_irq_restore(flags);
	return c;
}

int console_read(uint64_t timeout_ns)
{
	irqflags_t flags = arch_irq_save();
	uint64_t deadline = timeout_ns ? arch_time_ns() + timeout_ns : 0;
	struct kthread *self = kthread_current();
	int c;

	while ((c = take_byte()) < 0) {
		uint64_t wait = irq_driven && !backlog ? 0 : POLL_NS;
		if (self->killed) { /* its process is ending: kthread_block() would not sleep */
			c = -E_TIMEOUT;
			break;
		}
		if (deadline) {
			uint64_t now = arch_time_ns();
			if (now >= deadline) {
				c = -E_TIMEOUT;
				break;
			}
			if (!wait || deadline - now < wait)
				wait = deadline - now;
		}
		unsigned slot = WAITERS_MAX;
		for (unsigned i = 0; i < WAITERS_MAX && slot == WAITERS_MAX; i++)
			if (!waiters[i])
				slot = i;
		if (slot == WAITERS_MAX && !wait)
			wait = POLL_NS; /* the queue is full: look again now and then */
		if (slot < WAITERS_MAX)
			waiters[slot] = self;
		kthread_block(BLOCK_WAITING_FOR_IO, wait);
		if (slot < WAITERS_MAX)
			waiters[slot] = NULL;
	}
	arch_irq_restore(flags);
	return c;
}

void console_arm_break(void (*fn)(void *arg), void *arg)
{
	irqflags_t flags = arch_irq_save();
	break_fn = fn;
	break_arg = fn ? arg : NULL;
	arch_irq_restore(flags);
}

void console_hold_break(bool (*fn)(void))
{
	irqflags_t flags = arch_irq_save();
	hold_fn = fn;
	arch_irq_restore(flags);
}

void console_poll(void)
{
	irqflags_t flags = arch_irq_save();
	if (!irq_driven || backlog)
		drain();
	arch_irq_restore(flags);
}

void console_stats(struct console_stats *out)
{
	irqflags_t flags = arch_irq_save();
	*out = stats;
	arch_irq_restore(flags);
}
