/*
 * The CMOS real-time clock (PNP0B00, ports 0x70-0x71) as a user-space
 * driver: it serves R2_RTC for the r2 gates (include/abi/pcdev.h), reading
 * the clock as the kernel did at boot (core/cmos_time.c).
 */
#include "core/cmos_time.h"
#include "drivers/lib/driver.h"
#include "drivers/lib/pcdev.h"
#include "hw.h"
#include "include/abi/error.h"
#include "include/abi/pcdev.h"
#include "include/abi/r2.h"
#include "kestrel.h"

struct rtc {
	uint64_t ports; /* the capability for 0x70-0x71 */
};

static struct rtc rtc_dev;

static uint8_t reg(void *ctx, uint8_t index)
{
	const struct rtc *r = ctx;
	uint32_t v = 0;
	if (hw_port_out(r->ports, CMOS_INDEX_PORT, 1, CMOS_NMI_OFF | index) ||
	    hw_port_in(r->ports, CMOS_DATA_PORT, 1, &v))
		return 0xff;
	return (uint8_t)v;
}

static int rtc_call(void *dev, const struct pcdev_call *c, uint64_t res[3])
{
	if (c->op != PCDEV_RTC_GET)
		return E_INVALID_PARAMETER;
	struct cmos_date d;
	cmos_time_read(reg, dev, &d);
	RTC_T t = {.seconds = d.seconds,
		   .minutes = d.minutes,
		   .hours = d.hours,
		   .day = d.day,
		   .month = d.month,
		   .year = d.year};
	_Static_assert(sizeof(t) <= sizeof(res[1]), "an RTC_T fits a reply word");
	memcpy(&res[1], &t, sizeof(t));
	res[0] = R2_OK;
	return E_OK;
}

static const struct pcdev_ops rtc_pcdev = {.server = PCDEV_RTC_NAME, .call = rtc_call};

static int rtc_init(void *dev, const struct hardware_caps *hw)
{
	struct rtc *r = dev;
	r->ports = hwcaps_port_cap(hw, CMOS_INDEX_PORT, 2);
	if (!r->ports)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	pcdev_install(&rtc_pcdev);
	return DRIVER_OK;
}

static const enum device_type rtc_types[] = {DEVICE_CHAR};

static const struct driver_info rtc_info = {
    .name = "pcrtc",
    .version = {1, 0, 0},
    .vendor = "Kestrel",
    .device_types = rtc_types,
    .device_type_count = 1,
    .capabilities_required = CAPTYPE_PORTS,
};

static const struct driver_ops rtc_ops = {.info = &rtc_info, .init = rtc_init};

DRIVER_PROGRAM(pcrtc, "pcrtc", &rtc_ops, &rtc_dev);
