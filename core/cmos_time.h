/*
 * The MC146818 CMOS clock's registers as a date: pure code, shared by the
 * kernel (its wall clock, read once at boot) and the user-space CMOS
 * driver (drivers/pc/rtc.c), which owns the device after boot.
 */
#ifndef CORE_CMOS_TIME_H
#define CORE_CMOS_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* The registers a read takes, in this order: seconds, minutes, hours, day, month, year, century. */
enum { CMOS_SEC, CMOS_MIN, CMOS_HOUR, CMOS_DAY, CMOS_MONTH, CMOS_YEAR, CMOS_CENTURY, CMOS_REGS };
extern const uint8_t cmos_time_reg[CMOS_REGS];
#define CMOS_REG_A	0x0a
#define CMOS_REG_B	0x0b
#define CMOS_REG_A_UIP	0x80 /* an update is in progress */
#define CMOS_INDEX_PORT 0x70
#define CMOS_DATA_PORT	0x71
#define CMOS_NMI_OFF	0x80 /* keep NMIs masked while the index is set, as firmware does */
#define CMOS_SNAPSHOTS	6    /* reads until two agree, at most */

struct cmos_date {
	uint8_t seconds, minutes, hours, day, month;
	uint16_t year;
};

/*
 * Registers as read (BCD or binary, 12- or 24-hour: status register B
 * says) into a date; the century from its register when it holds 19 or
 * 20, else 20.
 */
void cmos_time_decode(const uint8_t raw[CMOS_REGS], uint8_t reg_b, struct cmos_date *out);
/*
 * A whole read through `reg` (the value of CMOS register `index`): outside
 * an update (bounded, for a broken clock), again until two reads agree
 * (CMOS_SNAPSHOTS at most), decoded.
 */
void cmos_time_read(uint8_t (*reg)(void *ctx, uint8_t index), void *ctx, struct cmos_date *out);
/* Seconds since 1970-01-01 of a plausible date; false for one never set. */
bool cmos_time_seconds(const struct cmos_date *d, uint64_t *out);

#endif
