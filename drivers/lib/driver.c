/*
 * The driver framework (driver.h). Being written: for now the interrupt
 * handlers, on the driver's notification.
 */
#include "drivers/lib/driver.h"
#include "hw.h"
#include "ipc.h"

static uint64_t note; /* the driver's notification: the event loop waits on it */

static struct handler {
	struct interrupt_line line;
	void (*fn)(void *ctx, uint32_t line);
	void *ctx;
} handlers[HWCAPS_MAX_IRQ];
static unsigned handler_count;

uint64_t driver_notification(void)
{
	if (!note && notification_create(&note))
		note = 0;
	return note;
}

void driver_kick(unsigned bit)
{
	if (bit < 64 && driver_notification())
		notification_signal(note, 1ull << bit);
}

int driver_register_interrupt(const struct interrupt_line *irq,
			      void (*handler)(void *ctx, uint32_t line), void *ctx,
			      struct interrupt_flags flags)
{
	if (!irq || !handler)
		return DRIVER_INVALID_PARAMETER;
	if (handler_count >= HWCAPS_MAX_IRQ)
		return DRIVER_OUT_OF_RESOURCES;
	if (!driver_notification())
		return DRIVER_OUT_OF_RESOURCES;
	/* Flags that say nothing (not shared, not edge, not low) leave the firmware's setting. */
	unsigned f = 0;
	if (flags.edge_triggered || flags.active_low)
		f = (flags.edge_triggered ? 0 : IRQ_FLAG_LEVEL) |
		    (flags.active_low ? IRQ_FLAG_ACTIVE_LOW : 0);
	unsigned bit = handler_count;
	if (hw_irq_bind(irq->cap, irq->line, note, bit, f))
		return DRIVER_INTERRUPT_ERROR;
	handlers[handler_count++] = (struct handler){.line = *irq, .fn = handler, .ctx = ctx};
	return DRIVER_OK;
}

void driver_run_interrupts(uint64_t bits)
{
	for (unsigned i = 0; i < handler_count; i++) {
		if (!(bits & 1ull << i))
			continue;
		handlers[i].fn(handlers[i].ctx, handlers[i].line.line);
		hw_irq_ack(handlers[i].line.cap, handlers[i].line.line, NULL);
	}
}

const struct driver_program *driver_program(const char *name)
{
	(void)name;
	return 0;
}

int driver_main(const struct driver_ops *ops, void *dev)
{
	(void)ops;
	(void)dev;
	return 127;
}
