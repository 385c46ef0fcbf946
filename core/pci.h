/*
 * PCI configuration space, for the kernel's system calls (core/hw.c): the
 * ECAM window of the host bridge that covers the function (from the
 * device tree or the MCFG, core/machine.h), else the legacy mechanism
 * (arch/hal/io.h). A function is named by its sbdf: segment << 16 |
 * bus << 8 | device << 3 | function.
 */
#ifndef CORE_PCI_H
#define CORE_PCI_H

#include <stdbool.h>
#include <stdint.h>

/* Map the ECAM windows (after machine_init). */
void pci_init(void);
/*
 * Read or write `width` (1, 2, 4) bytes at `offset` (below 4096 with
 * ECAM, 256 without; aligned to width). A function that does not exist
 * reads all ones. E_INVALID_PARAMETER for a bad offset or width,
 * E_NOT_FOUND for a segment or bus no host bridge has.
 */
int pci_config(uint32_t sbdf, unsigned offset, unsigned width, uint32_t *value, bool write);
/*
 * Where the function's INTx arrives: the interrupt-map of its host bridge
 * with the swizzle through every bridge between (device tree), or
 * arch_pci_intx (the PC). E_NOT_FOUND when it uses no INTx or it is not
 * routed.
 */
int pci_intx_route(uint32_t sbdf, unsigned *line, unsigned *flags);
/* The segment and bus range of the `idx`th host bridge; false past the last. */
bool pci_bus_range(unsigned idx, uint16_t *segment, uint8_t *bus_start, uint8_t *bus_end);

#endif
