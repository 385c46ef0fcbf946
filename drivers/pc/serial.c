/*
 * The r2 serial port (0x32) as a user-space driver: the PC's second 16550
 * UART, COM2 (PNP0501: ports 0x2F8-0x2FF, ISA IRQ 3; the kernel's console
 * keeps COM1). It serves PCDEV_SERIAL_* (include/abi/pcdev.h): the receive
 * interrupt drains the UART into a ring the reads take from, and a write
 * waits (bounded) for the transmitter. It is also r2's SLIP interface,
 * as rou2exOS's serial port is (r2apps' chat): it builds the IPv4, ICMP
 * and TCP packets 0x33 asks for (net/r2_packet.c) and sends 0x34's as SLIP
 * frames (net/slip.c); what comes back the program reads byte by byte and
 * decodes itself, as libcr2 does. A UART that is not there (its scratch
 * register does not hold a value) still serves its name, and answers
 * every call R2_NOT_IMPLEMENTED but the building, which needs none.
 */
#include "core/uart16550.h"
#include "drivers/lib/driver.h"
#include "drivers/lib/pcdev.h"
#include "hw.h"
#include "include/abi/error.h"
#include "include/abi/pcdev.h"
#include "include/abi/r2.h"
#include "kestrel.h"
#include "net/r2_packet.h"
#include "net/slip.h"

#define UART_PORTS     8
#define FCR_FIFO       (FCR_ENABLE | FCR_CLEAR) /* on, both emptied; an interrupt at each byte */
#define DIVISOR_115200 (UART_CLOCK / (16 * 115200))

#define RING_SIZE 256	 /* received bytes kept; a power of two */
#define DRAIN_MAX 64	 /* bytes one drain takes at most (the FIFO holds 16) */
#define TX_POLLS  100000 /* LSR reads before a transmitter is given up on */

struct uart {
	uint64_t ports; /* the capability for the 8 ports */
	uint16_t base;
	bool present;
	uint8_t ring[RING_SIZE];
	uint32_t head, tail; /* free-running: head - tail bytes wait */
};

static struct uart uart_dev;

/* A register, or 0xff when the kernel refuses (as an absent UART reads). */
static uint8_t in(const struct uart *u, unsigned reg)
{
	uint32_t v = 0xff;
	return hw_port_in(u->ports, u->base + reg, 1, &v) ? 0xff : (uint8_t)v;
}

static void out(const struct uart *u, unsigned reg, uint8_t v)
{
	(void)hw_port_out(u->ports, u->base + reg, 1, v);
}

/* Is a 16550 there? Its scratch register keeps what is written; an empty bus reads all ones. */
static bool probe(const struct uart *u)
{
	out(u, UART_SCR, 0x5a);
	if (in(u, UART_SCR) != 0x5a)
		return false;
	out(u, UART_SCR, 0xa5);
	return in(u, UART_SCR) == 0xa5 && in(u, UART_LSR) != 0xff;
}

/* 115200 8N1, FIFOs on and emptied, the receive interrupt on (OUT2 lets it onto the line). */
static void program(struct uart *u)
{
	out(u, UART_IER, 0);
	out(u, UART_LCR, LCR_DLAB);
	out(u, UART_DLL, DIVISOR_115200 & 0xff);
	out(u, UART_DLM, DIVISOR_115200 >> 8);
	out(u, UART_LCR, LCR_8N1);
	out(u, UART_FCR, FCR_FIFO);
	out(u, UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	for (unsigned i = 0; i < DRAIN_MAX && (in(u, UART_LSR) & LSR_DR); i++)
		(void)in(u, UART_RBR); /* what came before: not the ring's */
	u->head = u->tail = 0;
	out(u, UART_IER, IER_RX);
}

/*
 * What the UART holds, into the ring (a full ring drops the newest). Read
 * until LSR.DR clears, so its interrupt output falls and the next byte
 * raises a new edge.
 */
static void drain(struct uart *u)
{
	unsigned n = 0;
	for (; n < DRAIN_MAX; n++) {
		uint8_t lsr = in(u, UART_LSR);
		if (lsr == 0xff || !(lsr & LSR_DR))
			break;
		uint8_t c = in(u, UART_RBR);
		if (u->head - u->tail < RING_SIZE)
			u->ring[u->head++ % RING_SIZE] = c;
	}
	if (n)
		driver_stats_record(n, 0, 0, false);
}

static void interrupt(void *ctx, uint32_t line)
{
	(void)line;
	drain(ctx);
}

static uint64_t serial_read(struct uart *u, uint64_t *byte)
{
	drain(u); /* a byte whose interrupt is still on its way counts too */
	if (u->head == u->tail)
		return R2_INVALID_INPUT; /* nothing waits: the caller polls */
	*byte = u->ring[u->tail++ % RING_SIZE];
	return R2_OK;
}

static uint64_t serial_write(struct uart *u, uint64_t byte)
{
	for (unsigned i = 0; i < TX_POLLS; i++)
		if (in(u, UART_LSR) & LSR_THRE) {
			out(u, UART_THR, (uint8_t)byte);
			driver_stats_record(1, 0, 0, false);
			return R2_OK;
		}
	driver_stats_record(0, 0, 0, true);
	return R2_NOT_IMPLEMENTED; /* a transmitter that never takes a byte */
}

static uint8_t frame[SLIP_FRAME_MAX(R2_PACKET_MAX)];

/*
 * The SLIP frame of the packet the caller lent, made in frame[] from a
 * copy (what is sent is what was checked); its length, 0 if it is no
 * IPv4 packet.
 */
static size_t slip_frame(const uint8_t *p, size_t len)
{
	static uint8_t pkt[R2_PACKET_MAX];
	size_t n = len < sizeof(pkt) ? len : sizeof(pkt);
	memcpy(pkt, p, n);
	n = r2_ipv4_length(pkt, n);
	return n ? slip_encode(pkt, n, frame, sizeof(frame)) : 0;
}

/*
 * frame[]'s n bytes out. The receive side is drained as they go: a
 * 16550's FIFO holds 16 bytes, a frame takes up to 3002 byte times.
 */
static uint64_t slip_send(struct uart *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i % 8 == 0)
			drain(u);
		if (serial_write(u, frame[i]) != R2_OK)
			return R2_NOT_IMPLEMENTED;
	}
	return R2_OK;
}

static int uart_call(void *dev, const struct pcdev_call *c, uint64_t res[3])
{
	struct uart *u = dev;
	size_t frame_len = 0;
	if (c->op < PCDEV_SERIAL_INIT || c->op > PCDEV_SERIAL_SEND ||
	    (c->op == PCDEV_SERIAL_WRITE && c->arg > 0xff) ||
	    (c->op == PCDEV_SERIAL_CRAFT && !c->out) || (c->op == PCDEV_SERIAL_SEND && !c->in))
		return E_INVALID_PARAMETER; /* the gate decodes: never from it */
	if (c->op == PCDEV_SERIAL_CRAFT) {
		res[0] = r2_craft(c->arg, c->out, c->out_len);
		return E_OK;
	}
	if (c->op == PCDEV_SERIAL_SEND && !(frame_len = slip_frame(c->in, c->in_len))) {
		res[0] = R2_INVALID_INPUT; /* not a packet, UART or none */
		return E_OK;
	}
	if (!u->present) {
		res[0] = R2_NOT_IMPLEMENTED;
		return E_OK;
	}
	switch (c->op) {
	case PCDEV_SERIAL_INIT:
		program(u);
		res[0] = R2_OK;
		break;
	case PCDEV_SERIAL_READ:
		res[0] = serial_read(u, &res[1]);
		break;
	case PCDEV_SERIAL_SEND:
		res[0] = slip_send(u, frame_len);
		break;
	default:
		res[0] = serial_write(u, c->arg);
		break;
	}
	return E_OK;
}

static const struct pcdev_ops uart_pcdev = {.server = PCDEV_SERIAL_NAME, .call = uart_call};

static int uart_init(void *dev, const struct hardware_caps *hw)
{
	struct uart *u = dev;
	*u = (struct uart){0};
	if (!hw->port_count || hw->port_ranges[0].size < UART_PORTS)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	u->base = hw->port_ranges[0].base;
	u->ports = hwcaps_port_cap(hw, u->base, UART_PORTS);
	if (!u->ports || !hw->interrupt_count)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	u->present = probe(u);
	if (u->present) {
		struct interrupt_flags edge = {.edge_triggered = true};
		if (driver_register_interrupt(&hw->interrupts[0], interrupt, u, edge))
			return DRIVER_INTERRUPT_ERROR;
		program(u);
	}
	pcdev_install(&uart_pcdev);
	return DRIVER_OK;
}

static const enum device_type uart_types[] = {DEVICE_CHAR};

static const struct driver_info uart_info = {
    .name = "pcuart",
    .version = {1, 0, 0},
    .vendor = "Kestrel",
    .device_types = uart_types,
    .device_type_count = 1,
    .capabilities_required = CAPTYPE_PORTS | CAPTYPE_INTERRUPT,
};

static const struct driver_ops uart_ops = {.info = &uart_info, .init = uart_init};

DRIVER_PROGRAM(pcuart, "pcuart", &uart_ops, &uart_dev);
