/*
 * The CMOS real-time clock (MC146818): read twice, outside an update,
 * until two reads agree; BCD and 12-hour formats converted (status
 * register B). The century comes from register 0x32 when it holds a BCD
 * 19 or 20 and is taken as 20 otherwise.
 */
#include "core/kstring.h"
#include "arch/hal/timer.h"
#include "legacy.h"
#include "x86.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define NMI_OFF	   0x80 /* keep NMIs masked while the index is set, as firmware does */
#define REG_A_UIP  0x80 /* an update is in progress */
#define REG_B_24H  0x02
#define REG_B_BIN  0x04
#define HOUR_PM	   0x80

enum {
	SEC = 0x00,
	MIN = 0x02,
	HOUR = 0x04,
	DAY = 0x07,
	MONTH = 0x08,
	YEAR = 0x09,
	REG_A = 0x0a,
	REG_B = 0x0b,
	CENTURY = 0x32
};

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static void snapshot(uint8_t r[6], uint8_t *century)
{
	/* An update takes under 2 ms; this bound only guards against a broken clock. */
	for (unsigned spin = 0; spin < 100000 && (cmos(REG_A) & REG_A_UIP); spin++)
		;
	static const uint8_t regs[6] = {SEC, MIN, HOUR, DAY, MONTH, YEAR};
	for (unsigned i = 0; i < 6; i++)
		r[i] = cmos(regs[i]);
	*century = cmos(CENTURY);
}

static uint8_t bcd(uint8_t v)
{
	return (uint8_t)((v >> 4) * 10 + (v & 15));
}

void cmos_rtc_read(RTC_T *out)
{
	uint8_t a[6], b[6], ca, cb;
	snapshot(a, &ca);
	for (unsigned tries = 0; tries < 5; tries++) {
		snapshot(b, &cb);
		if (!memcmp(a, b, sizeof(a)) && ca == cb)
			break;
		memcpy(a, b, sizeof(a));
		ca = cb;
	}
	uint8_t fmt = cmos(REG_B), pm = a[2] & HOUR_PM;
	a[2] &= (uint8_t)~HOUR_PM;
	if (!(fmt & REG_B_BIN)) {
		for (unsigned i = 0; i < 6; i++)
			a[i] = bcd(a[i]);
		ca = bcd(ca);
	}
	if (!(fmt & REG_B_24H))
		a[2] = (uint8_t)(a[2] % 12 + (pm ? 12 : 0));
	unsigned century = ca == 19 || ca == 20 ? ca : 20;
	*out = (RTC_T){.seconds = a[0],
		       .minutes = a[1],
		       .hours = a[2],
		       .day = a[3],
		       .month = a[4],
		       .year = (uint16_t)(century * 100 + a[5])};
}

/* Days from 1970-01-01 to a date of the Gregorian calendar (month 1-12). */
static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	y -= m <= 2;
	unsigned era = y / 400, yoe = y - era * 400;
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

bool arch_rtc_seconds(uint64_t *out)
{
	RTC_T t;
	cmos_rtc_read(&t);
	if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.year < 1970)
		return false; /* no clock there, or one never set */
	*out = days_from_civil(t.year, t.month, t.day) * 86400 + t.hours * 3600u + t.minutes * 60u +
	       t.seconds;
	return true;
}
