/*
 * Leaving the machine: QEMU's isa-debug-exit first (ci/boot adds it at port
 * 0xf4; QEMU exits with (status << 1) | 1), then ACPI soft-off (S5) as the
 * FADT and DSDT described it at boot, then halting for good.
 */
#include "acpi.h"
#include "arch/hal/cpu.h"
#include "arch/hal/power.h"
#include "x86.h"

#define DEBUG_EXIT_PORT	  0xf4
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN	  (1u << 13)

static void acpi_power_off(void)
{
	const struct acpi_sleep *s5 = acpi_s5();

	if (!s5->valid)
		return;
	outw(s5->pm1a_cnt, (uint16_t)(s5->slp_typ_a << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	if (s5->pm1b_cnt)
		outw(s5->pm1b_cnt, (uint16_t)(s5->slp_typ_b << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
}

_Noreturn void arch_power_off(int status)
{
	arch_irq_disable();
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	/* Still here: no debug-exit device. ACPI S5 loses the status but stops the machine. */
	acpi_power_off();
	arch_cpu_halt();
}
