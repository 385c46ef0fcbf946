/*
 * The timer HAL for x86_64: the local APIC timer in one-shot mode, and the
 * TSC as the clock. Both rates are measured once against the 8254 PIT
 * (channel 2, gated through port 0x61), whose input clock is a fixed
 * 1.193182 MHz, at boot: after that channel 2, the mode register and
 * port 0x61 are the speaker driver's (drivers/pc/speaker.c). The legacy 8259 PICs are remapped above the exception
 * vectors and masked: nothing here uses them.
 *
 * References: Intel SDM vol. 3, 11.4 (APIC base), 11.5.4 (APIC timer),
 * 11.9 (spurious vector); the 8254 and 8259A data sheets.
 */
#include <stdint.h>

#include "arch/hal/cpu.h"
#include "arch/hal/timer.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "lapic.h"
#include "mm/kvm.h"
#include "user.h"
#include "x86.h"

/* 8259A programmable interrupt controllers. */
#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT 0x10 /* start initialization */
#define ICW1_ICW4 0x01 /* an ICW4 follows */
#define ICW4_8086 0x01

/* 8254 programmable interval timer. */
#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_MODE	0x43
#define PIT_PORT_B	0x61	  /* system control port B */
#define PORTB_GATE2	(1u << 0) /* channel 2 gate */
#define PORTB_SPKR	(1u << 1) /* speaker data enable */
#define PORTB_OUT2	(1u << 5) /* channel 2 output, read-only */
#define PIT_CH2_MODE0	0xb0	  /* channel 2, lobyte/hibyte, mode 0 (terminal count), binary */
#define CALIB_PIT_COUNT 2386u	  /* ~2 ms of PIT input clock, a span */
#define CALIB_SPANS	5u	  /* spans measured; the shortest counts */

/* Local APIC registers, as byte offsets into its 4 KiB page. */
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_ADDR	 0x000ffffffffff000ull
#define LAPIC_TPR	 0x080
#define LAPIC_EOI	 0x0b0
#define LAPIC_SVR	 0x0f0
#define LAPIC_ICR_LO	 0x300
#define LAPIC_ICR_HI	 0x310
#define ICR_SELF	 (1u << 18) /* destination shorthand: self */
#define ICR_PENDING	 (1u << 12) /* delivery status: not yet accepted */
#define LAPIC_LVT_TIMER	 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	 0x390
#define LAPIC_TIMER_DIV	 0x3e0
#define SVR_ENABLE	 (1u << 8)
#define LVT_MASKED	 (1u << 16)
#define LVT_ONESHOT	 (0u << 17)
#define DIV_BY_16	 0x3u

/* The shortest timer interval armed, so a deadline already past still fires soon. */
#define MIN_DELTA_NS 2000u

#define NS_PER_S 1000000000ull

uint64_t x86_tsc_hz;

static volatile uint32_t *lapic;
static uint64_t lapic_pa;
static uint64_t lapic_hz;	 /* LAPIC timer ticks per second, after the divider */
static uint64_t tsc_base;	 /* arch_time_ns() counts from here */
static uint64_t ns_per_tsc_32;	 /* ns per TSC tick, as a 32.32 fixed-point number */
static uint64_t ticks_per_ns_32; /* LAPIC ticks per ns, 32.32 fixed point */
static char name[64] = "LAPIC timer (not calibrated)";

static uint32_t lapic_read(unsigned reg)
{
	return lapic[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

void x86_lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void x86_lapic_self_ipi(unsigned vector)
{
	if (!lapic)
		return;
	irqflags_t flags = arch_irq_save();
	for (unsigned spin = 0; spin < 100000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); spin++)
		;
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, ICR_SELF | (vector & 0xff));
	arch_irq_restore(flags);
}

uint64_t x86_lapic_base(void)
{
	return lapic_pa;
}

/* a * b >> 32 without losing the high bits: the 128-bit product stays in registers. */
static uint64_t mul_shr32(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 32);
}

static void io_wait(void)
{
	outb(0x80, 0); /* an unused port: a short delay between 8259 writes */
}

/* Remap both 8259s to VEC_PIC_BASE.. so a stray IRQ is not an exception, then mask every line. */
static void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC1_DATA, VEC_PIC_BASE); /* ICW2: vector offset */
	io_wait();
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	io_wait();
	outb(PIC1_DATA, 1u << 2); /* ICW3: slave on IRQ 2 */
	io_wait();
	outb(PIC2_DATA, 2); /* ICW3: slave identity */
	io_wait();
	outb(PIC1_DATA, ICW4_8086);
	io_wait();
	outb(PIC2_DATA, ICW4_8086);
	io_wait();
	outb(PIC1_DATA, 0xff); /* OCW1: mask all */
	outb(PIC2_DATA, 0xff);
}

static void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic_pa = base & APIC_BASE_ADDR;
	lapic = kvm_map_device(lapic_pa, 4096);
	if (!lapic)
		panic("timer: cannot map the local APIC at %#llx",
		      (unsigned long long)(base & APIC_BASE_ADDR));
	lapic_write(LAPIC_TPR, 0); /* accept every priority class */
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_LAPIC_SPURIOUS);
	lapic_write(LAPIC_TIMER_DIV, DIV_BY_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LVT_ONESHOT | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

/*
 * Run PIT channel 2 for `count` input clocks (mode 0: its output rises at
 * terminal count) and count TSC and LAPIC timer ticks over the same span.
 * The counters are read before the write that starts the count, so that a
 * stall anywhere (an emulator descheduled, an SMI) can only lengthen the
 * span, never shorten it: calibrate() keeps the shortest.
 */
static void pit_span(uint16_t count, uint64_t *tsc_ticks, uint32_t *lapic_ticks)
{
	uint8_t portb = inb(PIT_PORT_B);

	/* Gate open, speaker off; the count starts on the PIT clock after it is written. */
	outb(PIT_PORT_B, (uint8_t)((portb & ~PORTB_SPKR) | PORTB_GATE2));
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu); /* masked: counts down, never interrupts */
	outb(PIT_MODE, PIT_CH2_MODE0);
	outb(PIT_CH2, count & 0xff);
	uint32_t apic0 = lapic_read(LAPIC_TIMER_CUR);
	uint64_t tsc0 = arch_counter();
	outb(PIT_CH2, count >> 8); /* the count starts */
	while (!(inb(PIT_PORT_B) & PORTB_OUT2))
		;
	uint64_t tsc1 = arch_counter();
	uint32_t apic1 = lapic_read(LAPIC_TIMER_CUR);

	lapic_write(LAPIC_TIMER_INIT, 0);
	outb(PIT_PORT_B, portb);
	*tsc_ticks = tsc1 - tsc0;
	*lapic_ticks = apic0 - apic1;
}

/*
 * A short run first, discarded: it warms caches (and an emulator's
 * translated code), whose first-use cost would otherwise fall between the
 * PIT starting and the first counter reads and inflate both rates. Then
 * the fewest ticks of several spans: a stall (an emulator descheduled by a
 * busy host, an SMI) only adds ticks to a span (see pit_span), so the
 * shortest is the truest.
 */
static void calibrate(void)
{
	uint64_t tsc_ticks, tsc_best = UINT64_MAX;
	uint32_t lapic_ticks, lapic_best = UINT32_MAX;

	pit_span(CALIB_PIT_COUNT / 10, &tsc_ticks, &lapic_ticks);
	for (unsigned i = 0; i < CALIB_SPANS; i++) {
		pit_span(CALIB_PIT_COUNT, &tsc_ticks, &lapic_ticks);
		if (tsc_ticks < tsc_best)
			tsc_best = tsc_ticks;
		if (lapic_ticks < lapic_best)
			lapic_best = lapic_ticks;
	}
	x86_tsc_hz = tsc_best * PIT_HZ / CALIB_PIT_COUNT;
	lapic_hz = (uint64_t)lapic_best * PIT_HZ / CALIB_PIT_COUNT;
	if (!x86_tsc_hz || !lapic_hz)
		panic("timer: calibration failed (TSC %llu Hz, LAPIC %llu Hz)",
		      (unsigned long long)x86_tsc_hz, (unsigned long long)lapic_hz);
	ns_per_tsc_32 = (NS_PER_S << 32) / x86_tsc_hz;
	ticks_per_ns_32 = (lapic_hz << 32) / NS_PER_S;
}

void arch_timer_init(void)
{
	/* Said here, the first arch hook after the banner (which must stay the first line). */
	x86_64_user_report();

	irqflags_t flags = arch_irq_save();

	pic_disable();
	lapic_enable();
	calibrate();
	tsc_base = arch_counter();
	lapic_write(LAPIC_LVT_TIMER, LVT_ONESHOT | VEC_LAPIC_TIMER); /* unmasked, not armed */
	ksnprintf(name, sizeof(name), "LAPIC timer %llu.%03llu MHz, TSC %llu.%03llu MHz",
		  (unsigned long long)(lapic_hz / 1000000),
		  (unsigned long long)(lapic_hz / 1000 % 1000),
		  (unsigned long long)(x86_tsc_hz / 1000000),
		  (unsigned long long)(x86_tsc_hz / 1000 % 1000));
	arch_irq_restore(flags);
}

uint64_t arch_time_ns(void)
{
	if (!ns_per_tsc_32)
		return 0;
	return mul_shr32(arch_counter() - tsc_base, ns_per_tsc_32);
}

void arch_timer_set(uint64_t deadline_ns)
{
	if (!lapic)
		return;
	if (!deadline_ns) {
		lapic_write(LAPIC_TIMER_INIT, 0); /* a zero count stops the timer */
		return;
	}
	uint64_t now = arch_time_ns();
	uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
	if (delta < MIN_DELTA_NS)
		delta = MIN_DELTA_NS;
	uint64_t count = mul_shr32(delta, ticks_per_ns_32);
	if (count == 0)
		count = 1;
	if (count > 0xffffffffu)
		count = 0xffffffffu;
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
}

const char *arch_timer_name(void)
{
	return name;
}
