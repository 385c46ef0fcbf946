/*
 * HAL: I/O ports and the PCI configuration mechanism that needs no MMIO.
 * Only x86_64 has ports; elsewhere every call is E_NOT_SUPPORTED.
 */
#ifndef HAL_IO_H
#define HAL_IO_H

#include <stdbool.h>
#include <stdint.h>

/* Read (`write` false) or write the port, `width` 1, 2 or 4 bytes; E_NOT_SUPPORTED without ports. */
int arch_port_io(uint16_t port, unsigned width, uint32_t *value, int write);

/*
 * The PC's PS/2 keyboard, driven from user space (drivers/pc/kbd.c): its
 * interrupt line, which the driver's interrupt capability must cover to
 * hand the kernel scancodes (SYS_KEYBOARD_INPUT), or E_NOT_SUPPORTED where
 * there is none; and those scancodes, to the kernel's own takers (x86_64:
 * the r2 keyboard calls, the console on the VGA screen). Interrupts off.
 */
int arch_keyboard_line(unsigned *line);
void arch_keyboard_input(const uint8_t *sc, unsigned n);

/*
 * Ports the kernel keeps for itself (its console UART, the 8259s, the
 * timer, 0xCF8-0xCFF, the power-off and exit ports): the `idx`th range into
 * *base and *count, false past the last. No capability reaches them.
 */
bool arch_kernel_ports(unsigned idx, uint16_t *base, uint16_t *count);

/*
 * PCI configuration mechanism #1 (ports 0xCF8/0xCFC): `bdf` is
 * bus << 8 | device << 3 | function, `offset` below 256 and aligned to
 * `width`. E_NOT_SUPPORTED where there is none.
 */
int arch_pci_legacy_config(uint16_t bdf, unsigned offset, unsigned width, uint32_t *value,
			   int write);

/*
 * Where the firmware routed a PCI function's INTx on a machine without a
 * device tree (the PC): `line_reg` is its Interrupt Line register (what
 * the BIOS assigned), `pin` 1-4 its Interrupt Pin. The line and its
 * IRQ_LEVEL / IRQ_ACTIVE_LOW flags, or IRQ_NONE when the arch cannot tell
 * (device-tree machines route through the interrupt-map, core/pci.c).
 */
unsigned arch_pci_intx(uint32_t sbdf, unsigned pin, unsigned line_reg, unsigned *flags);

/*
 * Add what the firmware says about the machine beyond the device tree to
 * the description user space reads (core/machine.h's machine_add): on
 * x86_64 the PC's fixed ISA devices, the MADT's interrupt source overrides
 * and the PCI host bridges of the MCFG (or one reached through 0xCF8/0xCFC).
 * AArch64 and RISC-V add nothing: their device tree says it all.
 */
struct boot_info;
void arch_machine_describe(const struct boot_info *bi);

#endif
