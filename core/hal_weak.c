/* TEMPORARY (removed once every port implements them): weak fallbacks of the new HAL calls. */
#include "arch/hal/io.h"
#include "arch/hal/irq.h"
#include "include/abi/error.h"

__attribute__((weak)) unsigned arch_irq_limit(void)
{
	return 0;
}
__attribute__((weak)) int arch_irq_configure(unsigned irq, unsigned flags)
{
	(void)irq;
	(void)flags;
	return E_NOT_SUPPORTED;
}
__attribute__((weak)) unsigned arch_irq_flags(unsigned irq)
{
	(void)irq;
	return IRQ_LEVEL;
}
__attribute__((weak)) unsigned arch_irq_isa(unsigned isa_irq, unsigned *flags)
{
	(void)isa_irq;
	*flags = 0;
	return IRQ_NONE;
}
__attribute__((weak)) int arch_msi_alloc(uint32_t sbdf, unsigned *irq, uint64_t *address,
					 uint32_t *data)
{
	(void)sbdf;
	(void)irq;
	(void)address;
	(void)data;
	return E_NOT_SUPPORTED;
}
__attribute__((weak)) void arch_msi_free(unsigned irq)
{
	(void)irq;
}
__attribute__((weak)) bool arch_kernel_mmio(unsigned idx, uint64_t *base, uint64_t *size)
{
	(void)idx;
	(void)base;
	(void)size;
	return false;
}
__attribute__((weak)) int arch_port_io(uint16_t port, unsigned width, uint32_t *value, int write)
{
	(void)port;
	(void)width;
	(void)value;
	(void)write;
	return E_NOT_SUPPORTED;
}
__attribute__((weak)) int arch_pci_legacy_config(uint16_t bdf, unsigned offset, unsigned width,
						 uint32_t *value, int write)
{
	(void)bdf;
	(void)offset;
	(void)width;
	(void)value;
	(void)write;
	return E_NOT_SUPPORTED;
}
__attribute__((weak)) unsigned arch_pci_intx(uint32_t sbdf, unsigned pin, unsigned line_reg,
					     unsigned *flags)
{
	(void)sbdf;
	(void)pin;
	(void)line_reg;
	*flags = 0;
	return IRQ_NONE;
}
__attribute__((weak)) void arch_machine_describe(const struct boot_info *bi)
{
	(void)bi;
}
__attribute__((weak)) bool arch_kernel_ports(unsigned idx, uint16_t *base, uint16_t *count)
{
	(void)idx;
	(void)base;
	(void)count;
	return false;
}
