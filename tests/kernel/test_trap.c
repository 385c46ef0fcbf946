/* Traps reach the portable handler and, when expected, come back. */
#include "arch/hal/cpu.h"
#include "core/trap.h"
#include "tests/kernel/ktest.h"

KTEST(trap_breakpoint_returns)
{
	trap_expect(TRAP_BREAKPOINT);
	arch_breakpoint();
	KASSERT(trap_expect_done());
	KASSERT_EQ(trap_last()->kind, TRAP_BREAKPOINT);
	KASSERT(!trap_last()->user);
	KASSERT_NE(trap_last()->pc, 0);
}

KTEST(trap_illegal_instruction_returns)
{
	trap_expect(TRAP_ILLEGAL);
	arch_illegal_instruction();
	KASSERT(trap_expect_done());
	KASSERT_EQ(trap_last()->kind, TRAP_ILLEGAL);
	KASSERT_NE(trap_last()->pc, 0);
}

KTEST(trap_not_taken_when_nothing_faults)
{
	trap_expect(TRAP_BREAKPOINT);
	KASSERT(!trap_expect_done());
}

KTEST(counter_advances)
{
	uint64_t a = arch_counter();
	volatile unsigned spin = 0;

	for (unsigned i = 0; i < 100000; i++)
		spin += i;
	uint64_t b = arch_counter();
	KASSERT_GT_U(b, a);
}

KTEST(interrupts_stay_off_at_boot)
{
	/* Nothing enables interrupts in this kernel yet; save/restore must round-trip. */
	KASSERT(!arch_irq_enabled());
	irqflags_t f = arch_irq_save();
	KASSERT(!arch_irq_enabled());
	arch_irq_restore(f);
	KASSERT(!arch_irq_enabled());
}
