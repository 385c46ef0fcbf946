/*
 * The riscv64 kernel console. Until arch_console_init() it is the SBI debug
 * console (OpenSBI prints for us); then the NS16550 the device tree names
 * in stdout-path, polled through the direct map, or still SBI when the tree
 * names none.
 */
#include "arch/hal/console.h"
#include "core/boot_info.h"
#include "riscv.h"
#include "sbi.h"

/* NS16550 registers (index, scaled by 1 << reg_shift) and line status bits. */
#define UART_RBR      0	   /* receive buffer (read) */
#define UART_THR      0	   /* transmit holding (write) */
#define UART_LSR      5	   /* line status */
#define UART_LSR_DR   0x01 /* a received byte is waiting */
#define UART_LSR_THRE 0x20 /* the transmit holding register is empty */

/* Zeroed .bss: CONSOLE_NONE, which means the SBI console. */
static struct console_desc console;

static uintptr_t uart_reg(unsigned reg)
{
	return riscv_phys_va(console.base) + ((uintptr_t)reg << console.reg_shift);
}

static unsigned uart_read(unsigned reg)
{
	return console.reg_width == 4 ? mmio_read32(uart_reg(reg)) : mmio_read8(uart_reg(reg));
}

static void uart_write(unsigned reg, unsigned v)
{
	if (console.reg_width == 4)
		mmio_write32(uart_reg(reg), v);
	else
		mmio_write8(uart_reg(reg), (uint8_t)v);
}

void arch_console_init(const struct console_desc *desc)
{
	/*
	 * The firmware already programmed the line (rate, 8N1) and printed on
	 * it; we only take over the data path. Widths other than 1 and 4 bytes
	 * are not driven: stay on SBI.
	 */
	if (desc->kind == CONSOLE_NS16550_MMIO && desc->base && desc->base < PHYS_MAP_SIZE &&
	    (desc->reg_width == 1 || desc->reg_width == 4))
		console = *desc;
}

void arch_console_putc(char c)
{
	if (console.kind != CONSOLE_NS16550_MMIO) {
		sbi_console_putc(c);
		return;
	}
	while (!(uart_read(UART_LSR) & UART_LSR_THRE))
		;
	uart_write(UART_THR, (unsigned char)c);
}

int arch_console_getc(void)
{
	if (console.kind != CONSOLE_NS16550_MMIO)
		return sbi_console_getc();
	if (!(uart_read(UART_LSR) & UART_LSR_DR))
		return -1;
	return (int)(uart_read(UART_RBR) & 0xff);
}
