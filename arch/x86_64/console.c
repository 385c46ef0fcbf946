/*
 * The console: a 16550 UART on I/O ports (COM1 on the PC). Output is
 * polled; input comes by interrupt once arch_console_rx_irq() turned on the
 * receive interrupt (ISA IRQ 4 for COM1, 3 for COM2: the line is the GSI
 * the MADT's overrides give it, or the 8259's line without an I/O APIC). Until
 * arch_console_init() names another port, COM1 is used, programmed by
 * x86_64_console_early_init() before anything prints.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/hal/console.h"
#include "arch/hal/irq.h"
#include "include/abi/error.h"
#include "console.h"
#include "core/boot_info.h"
#include "core/uart16550.h"
#include "legacy/legacy.h"
#include "x86.h"

#define COM1_IRQ     4
#define COM2_IRQ     3
#define CONSOLE_BAUD 115200

/* Polls before giving up on a transmitter that never becomes ready (absent UART). */
#define TX_SPIN_MAX 1000000

static uint16_t uart_port = COM1_PORT;

static void uart_setup(uint16_t port, uint32_t clock_hz)
{
	uint32_t divisor = (clock_hz ? clock_hz : UART_CLOCK) / (16 * CONSOLE_BAUD);

	if (divisor == 0 || divisor > 0xffff)
		divisor = UART_CLOCK / (16 * CONSOLE_BAUD);
	outb(port + UART_IER, 0); /* no interrupts until arch_console_rx_irq() */
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xff);
	outb(port + UART_DLM, divisor >> 8);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, FCR_ENABLE | FCR_CLEAR);
	outb(port + UART_MCR, MCR_DTR_RTS);
}

void x86_64_console_early_init(void)
{
	uart_setup(uart_port, 0);
}

void arch_console_init(const struct console_desc *desc)
{
	/* Anything but a port-mapped 16550 stays on COM1, which is already set up. */
	if (!desc || desc->kind != CONSOLE_NS16550_PIO || desc->base == 0 || desc->base > 0xfff8)
		return;
	uart_port = (uint16_t)desc->base;
	uart_setup(uart_port, desc->clock_hz);
}

void arch_console_putc(char c)
{
	if (vgacon_on)
		vgacon_putc(c);
	for (unsigned spin = 0; spin < TX_SPIN_MAX; spin++) {
		if (inb(uart_port + UART_LSR) & LSR_THRE)
			break;
	}
	outb(uart_port + UART_THR, (uint8_t)c);
}

int arch_console_getc(void)
{
	uint8_t lsr = inb(uart_port + UART_LSR);

	/* An absent UART reads as all ones: nothing to read then. */
	if (lsr == 0xff || !(lsr & LSR_DR))
		return -1;
	return inb(uart_port + UART_RBR);
}

int arch_console_rx_irq(const struct boot_info *bi)
{
	vgacon_init(bi); /* the screen and keyboard too, if asked for */
	fb_init(bi);	 /* GRUB's linear framebuffer for the r2 calls, if it set one up */
	int isa = uart_port == COM1_PORT ? COM1_IRQ : uart_port == COM2_PORT ? COM2_IRQ : -1;
	if (isa < 0)
		return -E_NOT_FOUND; /* a port whose line we do not know */
	unsigned flags, line = arch_irq_isa((unsigned)isa, &flags);
	if (line == IRQ_NONE)
		return -E_NOT_FOUND;
	int irq = (int)line;
	if (inb(uart_port + UART_LSR) == 0xff)
		return -E_NOT_FOUND; /* no UART there */
	outb(uart_port + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	outb(uart_port + UART_IER, IER_RX);
	return irq;
}
