/*
 * The early console: the PL011 UART the device tree names (stdout-path).
 * Until arch_console_init() has one, characters go to the semihosting
 * console (SYS_WRITEC; QEMU writes them to its stderr), or nowhere when
 * QEMU runs without semihosting.
 */
#include "aarch64.h"
#include "arch/hal/console.h"
#include "core/boot_info.h"

/* PL011 registers (Arm PrimeCell UART TRM, DDI 0183), 32-bit accesses. */
#define PL011_DR      0x00
#define PL011_FR      0x18
#define PL011_FR_RXFE (1u << 4)
#define PL011_FR_TXFF (1u << 5)

static volatile uint32_t *pl011;

static uint32_t pl011_read(unsigned reg)
{
	return pl011[reg / 4];
}

void arch_console_init(const struct console_desc *desc)
{
	/*
	 * The firmware set the UART's baud rate and format: take it as it is.
	 * Its registers are reached through the direct map, where the boot
	 * tables (and later the kernel's, PTE_CACHE_DISABLE) make them Device.
	 */
	if (desc->kind == CONSOLE_PL011 && desc->base)
		pl011 = phys_map(desc->base);
}

void arch_console_putc(char c)
{
	if (!pl011) {
		semihost_call(SEMIHOST_SYS_WRITEC, &c);
		return;
	}
	while (pl011_read(PL011_FR) & PL011_FR_TXFF)
		;
	pl011[PL011_DR / 4] = (uint8_t)c;
}

int arch_console_getc(void)
{
	if (!pl011 || pl011_read(PL011_FR) & PL011_FR_RXFE)
		return -1;
	return (int)(pl011_read(PL011_DR) & 0xff);
}
