/*
 * Device interrupts: the table of handlers and trap_irq(), which the arch
 * calls for every device interrupt. A line without a handler is reported
 * once and masked, so a device nobody drives cannot hold the CPU.
 */
#include "core/irq.h"
#include "arch/hal/cpu.h"
#include "arch/hal/irq.h"
#include "arch/hal/trap.h"
#include "core/kprintf.h"
#include "core/kthread.h"
#include "core/metrics.h"
#include "include/abi/error.h"

static struct irq_slot {
	irq_handler_fn fn;
	void *arg;
	unsigned irq;
	uint64_t count;
} slots[IRQ_HANDLERS_MAX];

static bool ready;
static uint64_t spurious;

int irq_init(const struct boot_info *bi)
{
	int err = arch_irq_init(bi);
	ready = err == 0;
	return err;
}

bool irq_ready(void)
{
	return ready;
}

static struct irq_slot *slot_of(unsigned irq)
{
	for (unsigned i = 0; i < IRQ_HANDLERS_MAX; i++)
		if (slots[i].fn && slots[i].irq == irq)
			return &slots[i];
	return NULL;
}

int irq_can_register(unsigned irq)
{
	if (!ready)
		return E_NOT_IMPLEMENTED;
	if (irq == IRQ_NONE || !arch_irq_valid(irq))
		return E_INVALID_PARAMETER;
	if (slot_of(irq))
		return E_BUSY;
	for (unsigned i = 0; i < IRQ_HANDLERS_MAX; i++)
		if (!slots[i].fn)
			return E_OK;
	return E_RESOURCE_EXHAUSTED;
}

int irq_register(unsigned irq, irq_handler_fn fn, void *arg)
{
	if (!ready)
		return E_NOT_IMPLEMENTED;
	if (!fn || irq == IRQ_NONE || !arch_irq_valid(irq))
		return E_INVALID_PARAMETER;
	irqflags_t flags = arch_irq_save();
	struct irq_slot *free = NULL;
	for (unsigned i = 0; i < IRQ_HANDLERS_MAX && !free; i++)
		if (!slots[i].fn)
			free = &slots[i];
	int err = slot_of(irq) ? E_BUSY : !free ? E_RESOURCE_EXHAUSTED : E_OK;
	if (!err) {
		*free = (struct irq_slot){.fn = fn, .arg = arg, .irq = irq};
		err = arch_irq_unmask(irq);
		if (err)
			*free = (struct irq_slot){0};
	}
	arch_irq_restore(flags);
	return err;
}

int irq_unregister(unsigned irq)
{
	irqflags_t flags = arch_irq_save();
	struct irq_slot *s = slot_of(irq);
	if (s) {
		arch_irq_mask(irq);
		*s = (struct irq_slot){0};
	}
	arch_irq_restore(flags);
	return s ? E_OK : E_NOT_FOUND;
}

uint64_t irq_count(unsigned irq)
{
	struct irq_slot *s = slot_of(irq);
	return s ? s->count : 0;
}

uint64_t irq_spurious_count(void)
{
	return spurious;
}

void trap_irq(struct trap_frame *tf, unsigned irq)
{
	(void)tf;
	kthread_idle_end();
	metrics.interrupts++;
	struct irq_slot *s = irq == IRQ_NONE ? NULL : slot_of(irq);
	if (s) {
		s->count++;
		s->fn(irq, s->arg);
		return;
	}
	spurious++;
	if (irq != IRQ_NONE && arch_irq_valid(irq)) {
		arch_irq_mask(irq);
		pr_warn("interrupt %u has no handler: masked", irq);
	} else {
		pr_warn("spurious interrupt %u", irq);
	}
}
