/*
 * No I/O ports on AArch64, and nothing for the machine description beyond
 * the device tree: PCI INTx is routed through the tree's interrupt-map
 * (core/pci.c), configuration space is ECAM.
 */
#include "arch/hal/io.h"
#include "arch/hal/irq.h"
#include "include/abi/error.h"

int arch_port_io(uint16_t port, unsigned width, uint32_t *value, int write)
{
	(void)port, (void)width, (void)value, (void)write;
	return E_NOT_SUPPORTED;
}

bool arch_kernel_ports(unsigned idx, uint16_t *base, uint16_t *count)
{
	(void)idx, (void)base, (void)count;
	return false;
}

int arch_pci_legacy_config(uint16_t bdf, unsigned offset, unsigned width, uint32_t *value,
			   int write)
{
	(void)bdf, (void)offset, (void)width, (void)value, (void)write;
	return E_NOT_SUPPORTED;
}

unsigned arch_pci_intx(uint32_t sbdf, unsigned pin, unsigned line_reg, unsigned *flags)
{
	(void)sbdf, (void)pin, (void)line_reg;
	if (flags)
		*flags = 0;
	return IRQ_NONE;
}

void arch_machine_describe(const struct boot_info *bi)
{
	(void)bi;
}

int arch_keyboard_line(unsigned *line)
{
	(void)line;
	return E_NOT_SUPPORTED;
}

void arch_keyboard_input(const uint8_t *sc, unsigned n)
{
	(void)sc, (void)n;
}
