/*
 * The device manager's built-in driver table (struct device_matcher per
 * driver: virtio-blk for the modern and the transitional virtio-pci block
 * device and for a virtio-mmio transport whose DeviceID is 2; the RAM disk
 * for the devices the manager makes up itself; the PC's CMOS clock,
 * speaker, VGA, PS/2 keyboard and COM2's UART by their PNP ids) and the driver programs the
 * image carries, which DEVMGR_REGISTER_DRIVER may name.
 */
#include "drivers/manager/manager.h"
#include "include/abi/pcdev.h"
#include "kestrel.h"

#define VIRTIO_VENDOR 0x1af4

struct mgr_driver mgr_drivers[MGR_MAX_DRIVERS];

/*
 * The programs this image has, until driver_program() lists them all, and
 * the stand-in driver of the manager's user tests (tests/user/test_devmgr.c:
 * init runs it for `init driver devmgr_fake`).
 */
static const char *const programs[] = {"virtio-blk", "ramdisk", "devmgr_fake"};

bool mgr_program_known(const char *program)
{
	if (driver_program(program))
		return true;
	for (unsigned i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (!strcmp(programs[i], program))
			return true;
	return false;
}

static bool virtio_mmio_block(const struct device_info *i)
{
	return i->bus == BUS_PLATFORM && i->virtio_id == 2;
}

static bool ramdisk(const struct device_info *i)
{
	return i->bus == BUS_PLATFORM && !i->virtio_id && i->compatible &&
	       !strcmp(i->compatible, "kestrel,ramdisk");
}

static bool pnp(const struct device_info *i, const char *id)
{
	return i->bus == BUS_ISA && i->compatible && !strcmp(i->compatible, id);
}

static bool cmos_rtc(const struct device_info *i)
{
	return pnp(i, "PNP0B00");
}

static bool pc_speaker(const struct device_info *i)
{
	return pnp(i, "PNP0800");
}

static bool pc_vga(const struct device_info *i)
{
	return pnp(i, "PNP0900");
}

static bool ps2_keyboard(const struct device_info *i)
{
	return pnp(i, "PNP0303");
}

static bool boot_framebuffer(const struct device_info *i)
{
	return pnp(i, PCDEV_FB_COMPAT); /* described with the ISA devices: no bus of its own */
}

/*
 * A 16550 UART: only COM2's record reaches the manager, as COM1's is the
 * kernel's console (HW_REC_KERNEL: scan_isa skips it).
 */
static bool pc_uart(const struct device_info *i)
{
	return pnp(i, "PNP0501");
}

static void add(const char *program, struct device_matcher m, unsigned type, const char *prefix)
{
	for (unsigned k = 0; k < MGR_MAX_DRIVERS; k++)
		if (!mgr_drivers[k].used) {
			mgr_drivers[k] = (struct mgr_driver){
			    .used = true, .match = m, .type = type, .prefix = prefix};
			memcpy(mgr_drivers[k].program, program, strlen(program) + 1);
			return;
		}
}

void mgr_builtin_drivers(void)
{
	add("virtio-blk", (struct device_matcher){VIRTIO_VENDOR, 0x1042, -1, -1, -1, NULL},
	    DEVICE_BLOCK, "blk");
	add("virtio-blk", (struct device_matcher){VIRTIO_VENDOR, 0x1001, -1, -1, -1, NULL},
	    DEVICE_BLOCK, "blk");
	add("virtio-blk", (struct device_matcher){-1, -1, -1, -1, -1, virtio_mmio_block},
	    DEVICE_BLOCK, "blk");
	add("ramdisk", (struct device_matcher){-1, -1, -1, -1, -1, ramdisk}, DEVICE_BLOCK, NULL);
	/* The PC's legacy devices (x86_64), which the r2 gates forward to (include/abi/pcdev.h). */
	add("pcrtc", (struct device_matcher){-1, -1, -1, -1, -1, cmos_rtc}, DEVICE_CHAR, NULL);
	add("pcspk", (struct device_matcher){-1, -1, -1, -1, -1, pc_speaker}, DEVICE_CHAR, NULL);
	add("pcvga", (struct device_matcher){-1, -1, -1, -1, -1, pc_vga}, DEVICE_CHAR, NULL);
	add("pckbd", (struct device_matcher){-1, -1, -1, -1, -1, ps2_keyboard}, DEVICE_CHAR, NULL);
	add("pcfb", (struct device_matcher){-1, -1, -1, -1, -1, boot_framebuffer}, DEVICE_CHAR,
	    NULL);
	add("pcuart", (struct device_matcher){-1, -1, -1, -1, -1, pc_uart}, DEVICE_CHAR, NULL);
}
