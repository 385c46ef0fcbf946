/*
 * riscv64 time and one-shot timer: the time CSR counts at the device tree's
 * timebase-frequency (cpu.c keeps it); the supervisor timer interrupt is
 * programmed through the SBI, with the TIME extension (SBI v0.2+) when the
 * firmware has it, else the legacy v0.1 set_timer. Either call also clears
 * sip.STIP, so a new deadline acknowledges the interrupt being handled.
 */
#include "arch/hal/timer.h"
#include "arch/hal/cpu.h"
#include "core/kprintf.h"
#include "core/machine.h"
#include "mm/kvm.h"
#include "core/panic.h"
#include "riscv.h"
#include "sbi.h"

#define NS_PER_SEC 1000000000ull

/* Probed once by arch_timer_init(): the TIME extension, else legacy set_timer. */
static bool have_time_ext;
static char timer_name[48];
/* 1e9 / hz when hz divides 1 GHz (QEMU virt: 10 MHz, 100 ns), else 0. */
static uint64_t ns_per_tick;

/* Program the next timer interrupt at absolute time-CSR value `ticks`. */
static void sbi_set_timer(uint64_t ticks)
{
	if (have_time_ext)
		sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, ticks, 0, 0);
	else
		sbi_call(SBI_EXT_LEGACY_SET_TIMER, 0, ticks, 0, 0);
}

/*
 * ticks * 1e9 / hz without a 128-bit product: whole seconds and the rest
 * apart. rest < hz, so rest * 1e9 fits in 64 bits for any hz below 18 GHz.
 */
static uint64_t ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	return ticks / hz * NS_PER_SEC + ticks % hz * NS_PER_SEC / hz;
}

/* The first tick at or after `ns`, saturating at UINT64_MAX. */
static uint64_t ns_to_ticks_ceil(uint64_t ns, uint64_t hz)
{
	uint64_t sec = ns / NS_PER_SEC, rest = ns % NS_PER_SEC;

	if (sec > UINT64_MAX / hz)
		return UINT64_MAX;
	uint64_t whole = sec * hz;
	uint64_t part = (rest * hz + NS_PER_SEC - 1) / NS_PER_SEC; /* rest * hz < 1e9 * hz */
	return whole > UINT64_MAX - part ? UINT64_MAX : whole + part;
}

void arch_timer_init(void)
{
	uint64_t hz = arch_counter_hz();

	if (!hz)
		panic("timer: no timebase-frequency in the device tree");
	have_time_ext = sbi_probe(SBI_EXT_TIME);
	ns_per_tick = NS_PER_SEC % hz ? 0 : NS_PER_SEC / hz;
	/* Disarmed until arch_timer_set(): the far future, which also clears STIP. */
	sbi_set_timer(UINT64_MAX);
	csr_set(sie, SIE_STIE);

	unsigned long mhz = (unsigned long)(hz / 1000000), khz = (unsigned long)(hz / 1000 % 1000);
	if (khz)
		ksnprintf(timer_name, sizeof(timer_name), "SBI %s timer, timebase %lu.%03lu MHz",
			  have_time_ext ? "TIME" : "legacy", mhz, khz);
	else
		ksnprintf(timer_name, sizeof(timer_name), "SBI %s timer, timebase %lu MHz",
			  have_time_ext ? "TIME" : "legacy", mhz);
}

uint64_t arch_time_ns(void)
{
	/* Every system call reads the clock twice (latency metrics): one multiply when exact. */
	if (ns_per_tick)
		return arch_counter() * ns_per_tick;
	uint64_t hz = arch_counter_hz();

	return hz ? ticks_to_ns(arch_counter(), hz) : 0;
}

void arch_timer_set(uint64_t deadline_ns)
{
	if (!deadline_ns) {
		/* Cancel: nothing fires before the end of time; STIP is cleared by the call. */
		sbi_set_timer(UINT64_MAX);
		return;
	}
	sbi_set_timer(ns_to_ticks_ceil(deadline_ns, arch_counter_hz()));
	csr_set(sie, SIE_STIE);
}

void riscv_timer_interrupt(struct trap_frame *tf)
{
	/*
	 * Acknowledge: STIP stays set until the next set_timer, so mask the
	 * source; arch_timer_set() unmasks it with the new deadline. A
	 * handler that does not re-arm then gets no interrupt storm.
	 */
	csr_clear(sie, SIE_STIE);
	trap_timer(tf);
}

const char *arch_timer_name(void)
{
	return timer_name[0] ? timer_name : "SBI timer (not started)";
}

/* A goldfish RTC (QEMU virt's): nanoseconds since 1970, the low word first (it latches the high). */
bool arch_rtc_seconds(uint64_t *out)
{
	const struct hw_rec_device *d = machine_find_compatible("google,goldfish-rtc");
	volatile uint32_t *r =
	    d && d->reg_count && d->reg[0].size >= 8 ? kvm_map_device(d->reg[0].base, 8) : NULL;
	if (!r)
		return false;
	uint64_t lo = r[0], hi = r[1];
	*out = (hi << 32 | lo) / 1000000000ull;
	return true;
}
