/*
 * The CMOS real-time clock (MC146818) as the kernel's wall clock: read
 * once, at boot, before any driver runs (core/syscall.c keeps the offset
 * to the monotonic clock). After that the device is the user-space
 * driver's (drivers/pc/rtc.c), which serves R2_RTC.
 */
#include "arch/hal/timer.h"
#include "core/cmos_time.h"
#include "core/kstring.h"
#include "x86.h"

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX_PORT, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA_PORT);
}

static void snapshot(uint8_t r[CMOS_REGS])
{
	/* An update takes under 2 ms; this bound only guards against a broken clock. */
	for (unsigned spin = 0; spin < 100000 && (cmos(CMOS_REG_A) & CMOS_REG_A_UIP); spin++)
		;
	for (unsigned i = 0; i < CMOS_REGS; i++)
		r[i] = cmos(cmos_time_reg[i]);
}

bool arch_rtc_seconds(uint64_t *out)
{
	uint8_t a[CMOS_REGS], b[CMOS_REGS];
	snapshot(a);
	for (unsigned tries = 1; tries < CMOS_SNAPSHOTS; tries++) {
		snapshot(b);
		if (!memcmp(a, b, sizeof(a)))
			break;
		memcpy(a, b, sizeof(a));
	}
	struct cmos_date d;
	cmos_time_decode(a, cmos(CMOS_REG_B), &d);
	return cmos_time_seconds(&d, out);
}
