/*
 * Device interrupts, portable half: a handler per line, run by trap_irq()
 * (arch/hal/trap.h) with interrupts off when the arch takes that line.
 * Lines are the arch's numbers (arch/hal/irq.h).
 */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H

#include <stdbool.h>
#include <stdint.h>

struct boot_info;

typedef void (*irq_handler_fn)(unsigned irq, void *arg);

#define IRQ_HANDLERS_MAX 32 /* lines with a handler at once */

/* Set up the arch's controller (arch_irq_init); 0, or negative when devices must be polled. */
int irq_init(const struct boot_info *bi);
/* True when irq_init() found a controller. */
bool irq_ready(void);
/*
 * Run `fn(irq, arg)` for every interrupt on `irq` and unmask the line.
 * E_INVALID_PARAMETER for a line the arch does not have or a NULL handler,
 * E_BUSY when the line has a handler, E_RESOURCE_EXHAUSTED when the table
 * is full, E_NOT_IMPLEMENTED without a controller; nothing changes then.
 */
int irq_register(unsigned irq, irq_handler_fn fn, void *arg);
/* Whether irq_register(irq, ...) would succeed now (a valid, free line, room in the table). */
int irq_can_register(unsigned irq);
/* Mask `irq` and forget its handler; E_NOT_FOUND when it has none. */
int irq_unregister(unsigned irq);
/* Interrupts taken on `irq` since boot (0 for a line without a handler). */
uint64_t irq_count(unsigned irq);
/* Interrupts that reached trap_irq() with no handler (each such line is then masked). */
uint64_t irq_spurious_count(void);

#endif
