/*
 * The interrupt-line state machine (core/irqline.c): a level line masks on
 * fire until acknowledged, an edge line never masks, only the binder may
 * acknowledge or unbind, a bound line is busy; plus a random run against a
 * model that checks a level line is never unmasked without an ack.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "core/irqline.h"
#include "include/abi/error.h"

static const int owner_a = 1, owner_b = 2;

Test(irqline, level_line_masks_until_acked)
{
	struct irqline l = {0};
	bool unmask;
	cr_assert_eq(irqline_bind(&l, &owner_a, 42, 3, true), E_OK);
	cr_assert_eq(l.state, IRQL_ARMED);
	cr_assert_eq(irqline_fire(&l), IRQL_SIGNAL | IRQL_MASK);
	cr_assert_eq(l.state, IRQL_FIRED);
	/* Fired again before the mask took: masked, the holder not told twice. */
	cr_assert_eq(irqline_fire(&l), IRQL_MASK);
	cr_assert_eq(l.fired, 1);
	cr_assert_eq(irqline_ack(&l, &owner_b, &unmask), E_PERMISSION_DENIED);
	cr_assert(!unmask);
	cr_assert_eq(l.state, IRQL_FIRED, "someone else's ack changes nothing");
	cr_assert_eq(irqline_ack(&l, &owner_a, &unmask), E_OK);
	cr_assert(unmask);
	cr_assert_eq(l.state, IRQL_ARMED);
	/* A second ack has nothing to unmask. */
	cr_assert_eq(irqline_ack(&l, &owner_a, &unmask), E_OK);
	cr_assert(!unmask);
	cr_assert_eq(l.acked, 1);
}

Test(irqline, edge_line_never_masks)
{
	struct irqline l = {0};
	bool unmask;
	cr_assert_eq(irqline_bind(&l, &owner_a, 7, 0, false), E_OK);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(irqline_fire(&l), IRQL_SIGNAL);
	cr_assert_eq(l.fired, 5);
	cr_assert_eq(irqline_ack(&l, &owner_a, &unmask), E_OK);
	cr_assert(!unmask);
}

Test(irqline, bind_checks_before_it_changes_anything)
{
	struct irqline l = {0};
	cr_assert_eq(irqline_bind(&l, &owner_a, 1, 64, true), E_INVALID_PARAMETER);
	cr_assert_eq(l.state, IRQL_FREE);
	cr_assert_eq(irqline_bind(&l, &owner_a, 1, 63, true), E_OK);
	cr_assert_eq(irqline_bind(&l, &owner_b, 2, 1, false), E_BUSY);
	cr_assert_eq(l.owner, &owner_a);
	cr_assert_eq(l.target, 1);
	cr_assert_eq(l.bit, 63);
	cr_assert(l.level);
}

Test(irqline, free_line_masks_and_refuses)
{
	struct irqline l = {0};
	bool unmask = true;
	cr_assert_eq(irqline_fire(&l), IRQL_MASK);
	cr_assert_eq(irqline_ack(&l, &owner_a, &unmask), E_NOT_FOUND);
	cr_assert(!unmask);
	cr_assert_eq(irqline_unbind(&l, &owner_a), E_NOT_FOUND);
}

Test(irqline, only_the_binder_unbinds)
{
	struct irqline l = {0};
	cr_assert_eq(irqline_bind(&l, &owner_a, 1, 0, true), E_OK);
	irqline_fire(&l);
	cr_assert_eq(irqline_unbind(&l, &owner_b), E_PERMISSION_DENIED);
	cr_assert_eq(l.state, IRQL_FIRED);
	cr_assert_eq(irqline_unbind(&l, &owner_a), E_OK);
	cr_assert_eq(l.state, IRQL_FREE);
	cr_assert_eq(irqline_bind(&l, &owner_b, 2, 5, false), E_OK, "free again for anyone");
}

/* A model of the controller: the line is masked or not; a level line fires only unmasked. */
Test(irqline, random_run_never_storms)
{
	srand(1234);
	for (int run = 0; run < 200; run++) {
		struct irqline l = {0};
		bool masked = true, bound = false, level = false, pending_ack = false;
		uint64_t signals = 0;
		for (int step = 0; step < 500; step++) {
			int op = rand() % 4;
			bool unmask;
			if (op == 0 && !bound) {
				level = rand() & 1;
				cr_assert_eq(
				    irqline_bind(&l, &owner_a, 9, (unsigned)(rand() % 64), level),
				    E_OK);
				bound = true, masked = false, pending_ack = false;
			} else if (op == 1 && !masked) { /* the device raises it */
				unsigned act = irqline_fire(&l);
				if (act & IRQL_SIGNAL)
					signals++;
				if (act & IRQL_MASK)
					masked = true;
				cr_assert(bound || masked, "a free line is masked at once");
				if (bound && level) {
					cr_assert(masked, "a level line masks when it fires");
					pending_ack = true;
				}
				if (bound && !level)
					cr_assert(!masked, "an edge line stays unmasked");
			} else if (op == 2 && bound) {
				cr_assert_eq(irqline_ack(&l, &owner_a, &unmask), E_OK);
				cr_assert_eq(unmask, pending_ack);
				if (unmask)
					masked = false, pending_ack = false;
			} else if (op == 3 && bound) {
				cr_assert_eq(irqline_unbind(&l, &owner_a), E_OK);
				bound = false, masked = true;
			}
		}
		cr_assert(signals > 0, "the run raised the line at least once");
	}
}
