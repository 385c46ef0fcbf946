/*
 * The PS/2 keyboard (PNP0303: ports 0x60 and 0x64, ISA IRQ 1) as a
 * user-space driver. At each interrupt it reads what the controller holds
 * and hands the scancodes to the kernel (SYS_KEYBOARD_INPUT, by its
 * interrupt line's capability), where the r2
 * keyboard calls and the console on the VGA screen take them: the kernel
 * keeps who holds the keyboard and writes a libcr2 program's buffer, but
 * touches no port of the keyboard's. Bytes from the mouse (the same
 * controller's second port) are read and dropped.
 */
#include "drivers/lib/driver.h"
#include "hw.h"
#include "include/abi/error.h"
#include "kestrel.h"

#define PS2_DATA   0x60
#define PS2_STATUS 0x64
#define PS2_OBF	   0x01 /* output buffer full: a byte to read */
#define PS2_AUX	   0x20 /* and it is the mouse's */
#define READ_MAX   16	/* bytes an interrupt reads at most */

struct kbd {
	uint64_t data, status; /* the port capabilities */
	uint64_t line;	       /* the interrupt capability: the kernel takes scancodes with it */
};

static struct kbd kbd_dev;

static uint32_t in(uint64_t cap, unsigned port)
{
	uint32_t v = 0;
	return hw_port_in(cap, port, 1, &v) ? 0 : v;
}

/* Up to 8 scancodes, byte 0 first; counted in the driver's statistics. */
static void handover(struct kbd *k, uint64_t codes, unsigned n)
{
	if (n)
		driver_stats_record(n, 0, 0,
				    SYS3(SYS_KEYBOARD_INPUT, k->line, codes, n, NULL) != 0);
}

static void interrupt(void *ctx, uint32_t line)
{
	struct kbd *k = ctx;
	(void)line;
	uint64_t codes = 0;
	unsigned n = 0;
	/* Read even when nobody listens: the controller sends nothing more until we do. */
	for (unsigned i = 0; i < READ_MAX; i++) {
		uint32_t st = in(k->status, PS2_STATUS);
		if (!(st & PS2_OBF))
			break;
		uint32_t sc = in(k->data, PS2_DATA);
		if (st & PS2_AUX)
			continue;
		codes |= (uint64_t)(sc & 0xff) << (8 * n++);
		if (n == 8) {
			handover(k, codes, n);
			codes = 0;
			n = 0;
		}
	}
	handover(k, codes, n);
}

static int kbd_init(void *dev, const struct hardware_caps *hw)
{
	struct kbd *k = dev;
	*k = (struct kbd){0};
	k->data = hwcaps_port_cap(hw, PS2_DATA, 1);
	k->status = hwcaps_port_cap(hw, PS2_STATUS, 1);
	if (!k->data || !k->status || !hw->interrupt_count)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	k->line = hw->interrupts[0].cap;
	struct interrupt_flags edge = {.edge_triggered = true};
	if (driver_register_interrupt(&hw->interrupts[0], interrupt, k, edge))
		return DRIVER_INTERRUPT_ERROR;
	/* Stale bytes from before (bounded: an absent controller reads all ones). */
	for (unsigned i = 0; i < 64 && (in(k->status, PS2_STATUS) & PS2_OBF); i++)
		(void)in(k->data, PS2_DATA);
	return DRIVER_OK;
}

static const enum device_type kbd_types[] = {DEVICE_CHAR};

static const struct driver_info kbd_info = {
    .name = "pckbd",
    .version = {1, 0, 0},
    .vendor = "Kestrel",
    .device_types = kbd_types,
    .device_type_count = 1,
    .capabilities_required = CAPTYPE_PORTS | CAPTYPE_INTERRUPT,
};

static const struct driver_ops kbd_ops = {.info = &kbd_info, .init = kbd_init};

DRIVER_PROGRAM(pckbd, "pckbd", &kbd_ops, &kbd_dev);
