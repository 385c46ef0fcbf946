/*
 * The riscv64 kernel console. Until arch_console_init() it is the SBI debug
 * console (OpenSBI prints for us); then the NS16550 the device tree names
 * in stdout-path, through the direct map, or still SBI when the tree names
 * none. Output is polled; the UART's input comes by its receive interrupt
 * through the PLIC (irq.c) once arch_console_rx_irq() ran. The SBI console
 * has no interrupt: its input is polled (core/console.c).
 */
#include "arch/hal/console.h"
#include "core/boot_info.h"
#include "core/fdt.h"
#include "core/uart16550.h"
#include "include/abi/error.h"
#include "riscv.h"
#include "sbi.h"

/* Zeroed .bss: CONSOLE_NONE, which means the SBI console. */
static struct console_desc console;

/* An NS16550 register (core/uart16550.h), its index scaled by 1 << reg_shift. */
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
	while (!(uart_read(UART_LSR) & LSR_THRE))
		;
	uart_write(UART_THR, (unsigned char)c);
}

int arch_console_getc(void)
{
	if (console.kind != CONSOLE_NS16550_MMIO)
		return sbi_console_getc();
	if (!(uart_read(UART_LSR) & LSR_DR))
		return -1;
	return (int)(uart_read(UART_RBR) & 0xff);
}

/* The first cell of the console UART's "interrupts" in the device tree, or a negative E_*. */
static int console_source(const struct boot_info *bi)
{
	static const char *const compats[] = {"ns16550a", "ns16550", "snps,dw-apb-uart"};
	struct fdt f;

	if (!bi->dtb || bi->dtb + bi->dtb_size > PHYS_MAP_SIZE ||
	    fdt_open(&f, (const void *)riscv_phys_va(bi->dtb), bi->dtb_size) < 0)
		return -E_NOT_FOUND;
	for (unsigned i = 0; i < sizeof(compats) / sizeof(compats[0]); i++) {
		for (int n = fdt_find_compatible(&f, -1, compats[i]); n >= 0;
		     n = fdt_find_compatible(&f, n, compats[i])) {
			uint64_t base, size;
			int len;
			if (fdt_reg(&f, n, 0, &base, &size) < 0 || base != console.base)
				continue;
			const uint8_t *irq = fdt_prop(&f, n, "interrupts", &len);
			if (!irq || len < 4 || fdt_be32(irq) == 0 || fdt_be32(irq) > 1023)
				return -E_NOT_FOUND;
			return (int)fdt_be32(irq);
		}
	}
	return -E_NOT_FOUND;
}

int arch_console_rx_irq(const struct boot_info *bi)
{
	if (console.kind != CONSOLE_NS16550_MMIO)
		return -E_NOT_FOUND; /* the SBI console: polled */
	int source = console_source(bi);
	if (source < 0)
		return source;
	uart_write(UART_MCR, uart_read(UART_MCR) | MCR_OUT2);
	uart_write(UART_IER, IER_RX);
	return source;
}
