/*
 * Each machine's real-time clock raises its alarm interrupt for a driver
 * in user space, through the hardware capabilities alone: the line from
 * the machine description bound to a notification, the registers through
 * a capability narrowed to them. x86_64: the CMOS RTC (MC146818: ports
 * 0x70-0x71, ISA IRQ 8); AArch64 virt: the PL031; RISC-V virt: the
 * goldfish RTC. The alarm is set a couple of seconds ahead and waited for
 * with UTEST_PATIENCE_NS; the device is then acknowledged, then the line.
 */
#include "hw.h"
#include "ipc.h"
#include "rng.h"
#include "utest.h"

#define ALARM_BIT 5

/* The first device record named `name` or compatible with `compat`, or NULL. */
static const struct hw_rec_device *find_device(const char *name, const char *compat)
{
	const void *desc = rng_machine();
	if (!desc)
		return NULL;
	for (const struct hw_rec *r = hw_next_rec(desc, NULL); r; r = hw_next_rec(desc, r)) {
		const struct hw_rec_device *d = (const void *)r;
		if (r->type != HW_REC_DEVICE || r->size < sizeof(*d))
			continue;
		if (name && !strcmp(d->name, name))
			return d;
		for (unsigned i = 0; compat && i < HW_COMPAT_MAX && d->compatible[i];
		     i += strlen(&d->compatible[i]) + 1)
			if (!strcmp(&d->compatible[i], compat))
				return d;
	}
	return NULL;
}

/* The device's line bound to ALARM_BIT of a new notification, through a capability for it alone. */
static long bind_alarm(const struct hw_rec_device *d, uint64_t *irq, uint64_t *n)
{
	long err = hw_derive_range(hw_find_cap(OBJ_INTERRUPT, 0), RIGHT_READ | RIGHT_WRITE,
				   d->irq[0].line, 1, irq);
	if (!err)
		err = notification_create(n);
	return err ? err : hw_irq_bind(*irq, d->irq[0].line, *n, ALARM_BIT, d->irq[0].flags);
}

/* The alarm's interrupt, and nothing else, on the notification. */
static int wait_alarm(uint64_t n)
{
	uint64_t bits = 0;
	UASSERT_EQ(notification_wait(n, UTEST_PATIENCE_NS, &bits), E_OK);
	UASSERT_EQ(bits, 1ull << ALARM_BIT);
	return 0;
}

#if !defined(__x86_64__)
/* Its registers' page mapped through an MMIO capability for that page alone. */
static long map_regs(const struct hw_rec_device *d, volatile uint32_t **regs, uint64_t *cap)
{
	uint64_t page = d->reg[0].base & ~4095ull;
	void *va = NULL;
	long err = hw_derive_range(hw_find_cap(OBJ_MMIO, 0), RIGHT_READ | RIGHT_WRITE | RIGHT_MAP,
				   page, 4096, cap);
	if (!err)
		err = hw_mmio_map(*cap, page, 4096, &va);
	if (!err)
		*regs = (volatile uint32_t *)((char *)va + (d->reg[0].base - page));
	return err;
}
#endif

#if defined(__x86_64__)
/* MC146818 registers. */
#define CMOS_SEC       0x00
#define CMOS_SEC_ALARM 0x01
#define CMOS_MIN_ALARM 0x03
#define CMOS_HR_ALARM  0x05
#define CMOS_A	       0x0a
#define CMOS_B	       0x0b
#define CMOS_C	       0x0c
#define A_UIP	       0x80 /* an update is in progress */
#define B_AIE	       0x20 /* alarm interrupt enable */
#define B_BINARY       0x04
#define C_IRQF	       0x80
#define C_AF	       0x20
#define DONT_CARE      0xc0

static uint8_t cmos(uint64_t ports, unsigned reg)
{
	uint32_t v = 0xff;
	if (hw_port_out(ports, 0x70, 1, reg) || hw_port_in(ports, 0x71, 1, &v))
		return 0xff;
	return (uint8_t)v;
}

static long cmos_set(uint64_t ports, unsigned reg, uint8_t v)
{
	long err = hw_port_out(ports, 0x70, 1, reg);
	return err ? err : hw_port_out(ports, 0x71, 1, v);
}

/* The seconds count, read between updates. */
static unsigned cmos_seconds(uint64_t ports, bool binary)
{
	for (unsigned i = 0; i < 100000 && cmos(ports, CMOS_A) & A_UIP; i++)
		;
	uint8_t sec = cmos(ports, CMOS_SEC);
	return binary ? sec : (sec >> 4) * 10 + (sec & 15);
}

UTEST(rtc_alarm_interrupt_cmos)
{
	const struct hw_rec_device *d = find_device("rtc", NULL);
	UASSERT(d != NULL); /* the description's ISA devices */
	UASSERT(d->rec.flags & HW_REC_PORTS);
	UASSERT(d->reg_count >= 1 && d->reg[0].base == 0x70 && d->irq_count >= 1);
	uint64_t ports, irq, n;
	UASSERT_EQ(hw_derive_range(hw_find_cap(OBJ_IO_PORTS, 0), RIGHT_READ | RIGHT_WRITE, 0x70, 2,
				   &ports),
		   E_OK);
	uint32_t v;
	UASSERT_EQ(hw_port_in(ports, 0x72, 1, &v), E_PERMISSION_DENIED); /* narrowed */
	UASSERT_EQ(bind_alarm(d, &irq, &n), E_OK);
	uint8_t b = cmos(ports, CMOS_B);
	bool binary = b & B_BINARY;
	UASSERT_EQ(cmos_set(ports, CMOS_MIN_ALARM, DONT_CARE), E_OK);
	UASSERT_EQ(cmos_set(ports, CMOS_HR_ALARM, DONT_CARE), E_OK);
	/* The seconds alarm two on; set again if we were stalled past it (a miss waits a minute). */
	for (unsigned tries = 0;; tries++) {
		unsigned s = (cmos_seconds(ports, binary) + 2) % 60;
		UASSERT_EQ(cmos_set(ports, CMOS_SEC_ALARM, binary ? s : (s / 10) << 4 | s % 10),
			   E_OK);
		cmos(ports, CMOS_C); /* what was pending goes */
		UASSERT_EQ(cmos_set(ports, CMOS_B, b | B_AIE), E_OK);
		unsigned ahead = (s + 60 - cmos_seconds(ports, binary)) % 60;
		if ((ahead >= 1 && ahead <= 2) || tries == 8)
			break;
		uint64_t bits;
		cmos_set(ports, CMOS_B, b & ~B_AIE);
		cmos(ports, CMOS_C);
		notification_poll(n, &bits);
		hw_irq_ack(irq, d->irq[0].line, NULL); /* if it fired meanwhile */
	}
	int fail = wait_alarm(n);
	/* Register C read: the flags it raised, and the RTC lowers IRQ 8. */
	uint8_t c = cmos(ports, CMOS_C);
	cmos_set(ports, CMOS_B, b & ~B_AIE);
	UASSERT_EQ(hw_irq_ack(irq, d->irq[0].line, NULL), E_OK);
	UASSERT_EQ(hw_irq_unbind(irq, d->irq[0].line), E_OK);
	UASSERT_EQ(sys_cap_revoke(n), E_OK);
	UASSERT_EQ(sys_cap_revoke(irq), E_OK);
	UASSERT_EQ(sys_cap_revoke(ports), E_OK);
	if (fail)
		return fail;
	UASSERT_EQ(c & (C_IRQF | C_AF), C_IRQF | C_AF);
	return 0;
}
#elif defined(__aarch64__)
/* PL031 registers (32-bit words). */
#define PL031_DR   0
#define PL031_MR   1
#define PL031_IMSC 4
#define PL031_MIS  6
#define PL031_ICR  7

UTEST(rtc_alarm_interrupt_pl031)
{
	const struct hw_rec_device *d = find_device(NULL, "arm,pl031");
	UASSERT(d != NULL); /* virt has one */
	UASSERT(d->reg_count >= 1 && d->irq_count >= 1);
	volatile uint32_t *rtc;
	uint64_t mmio, irq, n;
	UASSERT_EQ(map_regs(d, &rtc, &mmio), E_OK);
	UASSERT_EQ(bind_alarm(d, &irq, &n), E_OK);
	rtc[PL031_IMSC] = 0;
	rtc[PL031_ICR] = 1;
	rtc[PL031_MR] = rtc[PL031_DR] + 2; /* seconds */
	rtc[PL031_IMSC] = 1;
	int fail = wait_alarm(n);
	uint32_t mis = rtc[PL031_MIS];
	rtc[PL031_ICR] = 1; /* the device lowers its line */
	rtc[PL031_IMSC] = 0;
	UASSERT_EQ(hw_irq_ack(irq, d->irq[0].line, NULL), E_OK);
	UASSERT_EQ(hw_irq_unbind(irq, d->irq[0].line), E_OK);
	UASSERT_EQ(sys_cap_revoke(n), E_OK);
	UASSERT_EQ(sys_cap_revoke(irq), E_OK);
	if (fail)
		return fail;
	UASSERT_EQ(mis & 1, 1);
	UASSERT_EQ(rtc[PL031_MIS] & 1, 0);
	return 0;
}
#elif defined(__riscv)
/* Goldfish RTC registers (32-bit words; times in ns). */
#define GF_TIME_LOW	   0
#define GF_TIME_HIGH	   1
#define GF_ALARM_LOW	   2
#define GF_ALARM_HIGH	   3
#define GF_IRQ_ENABLED	   4
#define GF_CLEAR_ALARM	   5
#define GF_ALARM_STATUS	   6
#define GF_CLEAR_INTERRUPT 7

UTEST(rtc_alarm_interrupt_goldfish)
{
	const struct hw_rec_device *d = find_device(NULL, "google,goldfish-rtc");
	UASSERT(d != NULL); /* virt has one */
	UASSERT(d->reg_count >= 1 && d->irq_count >= 1);
	volatile uint32_t *rtc;
	uint64_t mmio, irq, n;
	UASSERT_EQ(map_regs(d, &rtc, &mmio), E_OK);
	UASSERT_EQ(bind_alarm(d, &irq, &n), E_OK);
	rtc[GF_IRQ_ENABLED] = 0;
	rtc[GF_CLEAR_INTERRUPT] = 1;
	uint64_t now = rtc[GF_TIME_LOW]; /* the low word first: it latches the high one */
	now |= (uint64_t)rtc[GF_TIME_HIGH] << 32;
	uint64_t at = now + 2000000000ull;
	rtc[GF_ALARM_HIGH] = (uint32_t)(at >> 32);
	rtc[GF_ALARM_LOW] = (uint32_t)at; /* the low word arms it */
	rtc[GF_IRQ_ENABLED] = 1;
	int fail = wait_alarm(n);
	uint32_t running = rtc[GF_ALARM_STATUS];
	rtc[GF_CLEAR_INTERRUPT] = 1; /* the device lowers its line */
	rtc[GF_IRQ_ENABLED] = 0;
	UASSERT_EQ(hw_irq_ack(irq, d->irq[0].line, NULL), E_OK);
	UASSERT_EQ(hw_irq_unbind(irq, d->irq[0].line), E_OK);
	UASSERT_EQ(sys_cap_revoke(n), E_OK);
	UASSERT_EQ(sys_cap_revoke(irq), E_OK);
	if (fail)
		return fail;
	UASSERT_EQ(running, 0); /* it went off */
	now = rtc[GF_TIME_LOW];
	now |= (uint64_t)rtc[GF_TIME_HIGH] << 32;
	UASSERT(now >= at);
	return 0;
}
#endif
