/*
 * HAL: time and the per-CPU one-shot timer. The arch also owns its
 * interrupt controller as far as the timer needs it (LAPIC, GIC, SBI).
 */
#ifndef HAL_TIMER_H
#define HAL_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/* Set up this CPU's timer and interrupt controller; interrupts stay as they are. */
void arch_timer_init(void);
/* Monotonic nanoseconds since an arbitrary point at boot. */
uint64_t arch_time_ns(void);
/* Interrupt this CPU once at (or soon after) `deadline_ns`; 0 cancels. */
void arch_timer_set(uint64_t deadline_ns);
/* Name of the timer and controller in use, for the boot log ("LAPIC", "GICv3 + CNTV", ...). */
const char *arch_timer_name(void);
/*
 * Seconds since 1970-01-01 00:00 UTC from the machine's real-time clock,
 * read now (x86_64: the CMOS clock; AArch64: a PL031; RISC-V: a goldfish
 * RTC, as QEMU's virt has); false when the machine has none.
 */
bool arch_rtc_seconds(uint64_t *out);

/*
 * Portable handler, called by the arch with interrupts off when the timer
 * fires (after acknowledging it). It may switch threads before returning.
 */
void trap_timer(struct trap_frame *tf);

#endif
