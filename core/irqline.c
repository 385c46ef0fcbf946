/* The interrupt-line state machine (core/irqline.h). */
#include "core/irqline.h"
#include "include/abi/error.h"

int irqline_bind(struct irqline *l, const void *owner, uint64_t target, unsigned bit, bool level)
{
	if (bit > 63)
		return E_INVALID_PARAMETER;
	if (l->state != IRQL_FREE)
		return E_BUSY;
	*l = (struct irqline){.state = IRQL_ARMED,
			      .level = level,
			      .bit = (uint8_t)bit,
			      .owner = owner,
			      .target = target};
	return E_OK;
}

unsigned irqline_fire(struct irqline *l)
{
	switch (l->state) {
	case IRQL_ARMED:
		l->fired++;
		if (!l->level)
			return IRQL_SIGNAL;
		l->state = IRQL_FIRED;
		return IRQL_SIGNAL | IRQL_MASK;
	case IRQL_FIRED: /* masked, yet here (raced the mask): the holder has been told already */
		return IRQL_MASK;
	default:
		return IRQL_MASK; /* nobody holds it */
	}
}

int irqline_ack(struct irqline *l, const void *owner, bool *unmask)
{
	*unmask = false;
	if (l->state == IRQL_FREE)
		return E_NOT_FOUND;
	if (l->owner != owner)
		return E_PERMISSION_DENIED;
	if (l->state == IRQL_FIRED) {
		l->state = IRQL_ARMED;
		l->acked++;
		*unmask = true;
	}
	return E_OK;
}

int irqline_unbind(struct irqline *l, const void *owner)
{
	if (l->state == IRQL_FREE)
		return E_NOT_FOUND;
	if (l->owner != owner)
		return E_PERMISSION_DENIED;
	*l = (struct irqline){0};
	return E_OK;
}
