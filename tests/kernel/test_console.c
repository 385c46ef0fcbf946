/*
 * Device interrupts and console input on every arch: the registry refuses
 * bad lines and handlers and changes nothing then, the console's UART
 * interrupts (QEMU's machines all wire one), a read with nothing typed
 * times out, and the boot thread waiting is counted as idle time.
 */
#include "arch/hal/cpu.h"
#include "arch/hal/irq.h"
#include "arch/hal/timer.h"
#include "core/console.h"
#include "core/irq.h"
#include "core/kthread.h"
#include "include/abi/error.h"
#include "tests/kernel/ktest.h"

#define MS 1000000ull

static void never(unsigned irq, void *arg)
{
	(void)irq, (void)arg;
}

KTEST(console_input_comes_by_interrupt)
{
	KASSERT(irq_ready());
	KASSERT(console_irq_driven());
	int line = console_irq_line();
	KASSERT_GE(line, 0);
	KASSERT(arch_irq_valid((unsigned)line));
}

KTEST(irq_register_refuses_bad_input)
{
	KASSERT_EQ(irq_register(IRQ_NONE, never, NULL), E_INVALID_PARAMETER);
	KASSERT_EQ(irq_register(100000, never, NULL), E_INVALID_PARAMETER);
	KASSERT_EQ(irq_register(0x7fffffff, never, NULL), E_INVALID_PARAMETER);
	KASSERT_EQ(irq_unregister(100000), E_NOT_FOUND);
	KASSERT_EQ(arch_irq_unmask(100000), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_mask(100000), E_INVALID_PARAMETER);
	int line = console_irq_line();
	if (line >= 0) {
		uint64_t before = irq_count((unsigned)line);
		KASSERT_EQ(irq_register((unsigned)line, NULL, NULL), E_INVALID_PARAMETER);
		KASSERT_EQ(irq_register((unsigned)line, never, NULL), E_BUSY);
		/* The console keeps its line and its handler. */
		KASSERT_EQ(console_irq_line(), line);
		KASSERT_GE_U(irq_count((unsigned)line), before);
	}
}

KTEST(console_read_times_out_and_the_wait_is_idle)
{
	while (console_getc() >= 0) /* nothing is typed in a test boot, but be sure */
		;
	KASSERT_EQ(console_getc(), -1);
	uint64_t idle0 = kthread_idle_ns(), t0 = arch_time_ns();
	KASSERT_EQ(console_read(100 * MS), -E_TIMEOUT);
	uint64_t waited = arch_time_ns() - t0, idled = kthread_idle_ns() - idle0;
	KASSERT_GE_U(waited, 100 * MS);
	/* Only this thread exists: the CPU slept for most of it (ticks and all). */
	KASSERT_GT_U(idled * 2, waited);
	KASSERT_LE_U(idled, waited);
}
