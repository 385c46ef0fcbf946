/*
 * The state of one interrupt line bound to user space (pure bookkeeping,
 * host-tested; core/hw.c does the masking it asks for). A level-triggered
 * line is masked when it fires and stays masked until its holder
 * acknowledges it, so a device nobody quietens cannot storm the CPU; an
 * edge-triggered line stays unmasked (each edge is one event, and an edge
 * while masked would be lost).
 *
 *   FREE --bind--> ARMED --fire (level)--> FIRED --ack--> ARMED
 *                  ARMED --fire (edge)---> ARMED
 *   ARMED / FIRED --unbind--> FREE
 */
#ifndef CORE_IRQLINE_H
#define CORE_IRQLINE_H

#include <stdbool.h>
#include <stdint.h>

enum irqline_state { IRQL_FREE, IRQL_ARMED, IRQL_FIRED };

/* What fire() asks of the caller. */
#define IRQL_SIGNAL 1u /* signal `bit` in the bound notification */
#define IRQL_MASK   2u /* mask the line at the controller */

struct irqline {
	uint8_t state; /* enum irqline_state */
	bool level;
	uint8_t bit;	   /* the notification bit it sets */
	const void *owner; /* who bound it (a process) */
	uint64_t target;   /* the notification (or endpoint) it signals */
	uint64_t fired;	   /* interrupts taken while bound */
	uint64_t acked;	   /* acknowledgements that unmasked it */
};

/* Bind a free line: E_BUSY when it is bound, E_INVALID_PARAMETER for a bit above 63. */
int irqline_bind(struct irqline *l, const void *owner, uint64_t target, unsigned bit, bool level);
/* An interrupt on the line: IRQL_SIGNAL and / or IRQL_MASK. */
unsigned irqline_fire(struct irqline *l);
/*
 * The owner acknowledges: true when the line must be unmasked now (a
 * level line that fired). E_NOT_FOUND when it is not bound, E_PERMISSION_DENIED
 * when `owner` did not bind it; E_OK otherwise.
 */
int irqline_ack(struct irqline *l, const void *owner, bool *unmask);
/* Unbind: E_NOT_FOUND when free, E_PERMISSION_DENIED for another owner. The line must be masked. */
int irqline_unbind(struct irqline *l, const void *owner);

#endif
