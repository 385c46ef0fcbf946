/* The CMOS clock's registers as a date (cmos_time.h). */
#include "core/cmos_time.h"

#define REG_B_24H 0x02
#define REG_B_BIN 0x04
#define HOUR_PM	  0x80

const uint8_t cmos_time_reg[CMOS_REGS] = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32};

static uint8_t bcd(uint8_t v)
{
	return (uint8_t)((v >> 4) * 10 + (v & 15));
}

void cmos_time_decode(const uint8_t raw[CMOS_REGS], uint8_t reg_b, struct cmos_date *out)
{
	uint8_t a[CMOS_REGS];
	for (unsigned i = 0; i < CMOS_REGS; i++)
		a[i] = raw[i];
	uint8_t pm = a[CMOS_HOUR] & HOUR_PM;
	a[CMOS_HOUR] &= (uint8_t)~HOUR_PM;
	if (!(reg_b & REG_B_BIN))
		for (unsigned i = 0; i < CMOS_REGS; i++)
			a[i] = bcd(a[i]);
	if (!(reg_b & REG_B_24H))
		a[CMOS_HOUR] = (uint8_t)(a[CMOS_HOUR] % 12 + (pm ? 12 : 0));
	unsigned century = a[CMOS_CENTURY] == 19 || a[CMOS_CENTURY] == 20 ? a[CMOS_CENTURY] : 20;
	*out = (struct cmos_date){.seconds = a[CMOS_SEC],
				  .minutes = a[CMOS_MIN],
				  .hours = a[CMOS_HOUR],
				  .day = a[CMOS_DAY],
				  .month = a[CMOS_MONTH],
				  .year = (uint16_t)(century * 100 + a[CMOS_YEAR])};
}

static void snapshot(uint8_t (*reg)(void *, uint8_t), void *ctx, uint8_t r[CMOS_REGS])
{
	/* An update takes under 2 ms; this bound only guards against a broken clock. */
	for (unsigned spin = 0; spin < 10000 && (reg(ctx, CMOS_REG_A) & CMOS_REG_A_UIP); spin++)
		;
	for (unsigned i = 0; i < CMOS_REGS; i++)
		r[i] = reg(ctx, cmos_time_reg[i]);
}

static bool same(const uint8_t *a, const uint8_t *b)
{
	for (unsigned i = 0; i < CMOS_REGS; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

void cmos_time_read(uint8_t (*reg)(void *ctx, uint8_t index), void *ctx, struct cmos_date *out)
{
	uint8_t a[CMOS_REGS], b[CMOS_REGS];
	snapshot(reg, ctx, a);
	for (unsigned tries = 1; tries < CMOS_SNAPSHOTS; tries++) {
		snapshot(reg, ctx, b);
		if (same(a, b))
			break;
		for (unsigned i = 0; i < CMOS_REGS; i++)
			a[i] = b[i];
	}
	cmos_time_decode(a, reg(ctx, CMOS_REG_B), out);
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

bool cmos_time_seconds(const struct cmos_date *t, uint64_t *out)
{
	if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 || t->year < 1970)
		return false; /* no clock there, or one never set */
	*out = days_from_civil(t->year, t->month, t->day) * 86400 + t->hours * 3600u +
	       t->minutes * 60u + t->seconds;
	return true;
}
