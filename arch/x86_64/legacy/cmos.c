/*
 * The CMOS real-time clock (MC146818) as the kernel's wall clock: read
 * once, at boot, before any driver runs (core/syscall.c keeps the offset
 * to the monotonic clock). After that the device is the user-space
 * driver's (drivers/pc/rtc.c), which serves R2_RTC.
 */
#include <stddef.h>

#include "arch/hal/timer.h"
#include "core/cmos_time.h"
#include "x86.h"

static uint8_t cmos(void *ctx, uint8_t reg)
{
	(void)ctx;
	outb(CMOS_INDEX_PORT, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA_PORT);
}

bool arch_rtc_seconds(uint64_t *out)
{
	struct cmos_date d;
	cmos_time_read(cmos, NULL, &d);
	return cmos_time_seconds(&d, out);
}
