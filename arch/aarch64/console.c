/*
 * The console: the PL011 UART the device tree names (stdout-path). Until
 * arch_console_init() has one, characters go to the semihosting console
 * (SYS_WRITEC; QEMU writes them to its stderr), or nowhere when QEMU runs
 * without semihosting. Output is polled; input comes by the UART's receive
 * interrupt (an SPI the device tree gives) once arch_console_rx_irq() ran.
 */
#include "aarch64.h"
#include "arch/hal/console.h"
#include "core/boot_info.h"
#include "core/fdt.h"
#include "include/abi/error.h"

/* PL011 registers (Arm PrimeCell UART TRM, DDI 0183), 32-bit accesses. */
#define PL011_DR      0x00
#define PL011_FR      0x18
#define PL011_FR_RXFE (1u << 4)
#define PL011_FR_TXFF (1u << 5)
#define PL011_IMSC    0x38 /* interrupt mask set/clear: 1 enables */
#define PL011_ICR     0x44 /* interrupt clear */
#define PL011_INT_RX  (1u << 4)
#define PL011_INT_RT  (1u << 6) /* receive timeout: bytes wait under the FIFO level */
#define GIC_SPI	      0		/* the first cell of a GIC interrupt specifier */
#define GIC_SPI_BASE  32
#define GIC_SPI_COUNT 988    /* INTIDs 32-1019 */
#define PL011_SIZE    0x1000 /* the PrimeCell register block, ID registers at its end */

static volatile uint32_t *pl011;
static uint64_t pl011_pa;

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
	if (desc->kind == CONSOLE_PL011 && desc->base) {
		pl011 = phys_map(desc->base);
		pl011_pa = desc->base;
	}
}

bool console_mmio(uint64_t *base, uint64_t *size)
{
	if (!pl011)
		return false;
	*base = pl011_pa;
	*size = PL011_SIZE;
	return true;
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
	if (!pl011)
		return -1;
	/*
	 * Reading the data register clears the receive interrupt, and an empty
	 * FIFO the receive timeout: no write to UARTICR here, which could clear
	 * the interrupt of a byte that arrived after the flags were read.
	 */
	if (pl011_read(PL011_FR) & PL011_FR_RXFE)
		return -1;
	return (int)(pl011_read(PL011_DR) & 0xff);
}

/* The INTID of the console's "interrupts" in the device tree, or a negative E_*. */
static int console_intid(const struct boot_info *bi)
{
	struct fdt f;

	if (!bi->dtb || fdt_open(&f, phys_map(bi->dtb), bi->dtb_size) < 0)
		return -E_NOT_FOUND;
	uint32_t cells = gic_irq_cells();
	for (int n = fdt_find_compatible(&f, -1, "arm,pl011"); n >= 0;
	     n = fdt_find_compatible(&f, n, "arm,pl011")) {
		uint64_t base, size;
		int len;
		if (fdt_reg(&f, n, 0, &base, &size) < 0 || base != pl011_pa)
			continue;
		const uint8_t *irq = fdt_prop(&f, n, "interrupts", &len);
		if (!irq || cells < 2 || (uint32_t)len < cells * 4 || fdt_be32(irq) != GIC_SPI ||
		    fdt_be32(irq + 4) >= GIC_SPI_COUNT)
			return -E_NOT_FOUND;
		return (int)(GIC_SPI_BASE + fdt_be32(irq + 4));
	}
	return -E_NOT_FOUND;
}

int arch_console_rx_irq(const struct boot_info *bi)
{
	if (!pl011)
		return -E_NOT_FOUND;
	int intid = console_intid(bi);
	if (intid < 0)
		return intid;
	pl011[PL011_ICR / 4] = PL011_INT_RX | PL011_INT_RT;
	pl011[PL011_IMSC / 4] = pl011_read(PL011_IMSC) | PL011_INT_RX | PL011_INT_RT;
	return intid;
}
