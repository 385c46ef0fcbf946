/*
 * The description of the machine user space reads (SYS_MACHINE_INFO,
 * layout in include/abi/hw.h): built once at boot from the device tree
 * (every enabled node with registers or interrupts, PCI host bridges with
 * their ranges and interrupt-map, interrupt specifiers made arch lines)
 * and from what the arch adds (arch_machine_describe: ACPI and the PC's
 * fixed devices). Devices whose registers the kernel keeps
 * (arch_kernel_mmio) are marked HW_REC_KERNEL.
 */
#ifndef CORE_MACHINE_H
#define CORE_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/abi/hw.h"

struct boot_info;

/* Build the description (kmain, after the interrupt controller is up). */
void machine_init(const struct boot_info *bi);
/* Append a record (its rec.size set, a multiple of 8); E_RESOURCE_EXHAUSTED when full. */
int machine_add(const struct hw_rec *rec);
/* The description: header and records, *size bytes. */
const void *machine_desc(size_t *size);
/* Whether [base, base + size) meets registers the kernel keeps (arch_kernel_mmio). */
bool machine_kernel_mmio(uint64_t base, uint64_t size);
/* Whether `line` is an interrupt of a device the kernel keeps (HW_REC_KERNEL). */
bool machine_line_is_kernel(unsigned line);
/* The `idx`th PCI host bridge described, or NULL past the last. */
const struct hw_rec_pci_host *machine_pci_host(unsigned idx);
/* The first device whose compatible strings hold `compat`, or NULL. */
const struct hw_rec_device *machine_find_compatible(const char *compat);

#endif
