/*
 * The machine description from a device tree (pure: host-tested): every
 * enabled node with `reg` or interrupts becomes an HW_REC_DEVICE (its
 * addresses translated through the parents' `ranges`, its interrupt
 * specifiers made arch lines for the GIC and the PLIC), every
 * "pci-host-ecam-generic" node an HW_REC_PCI_HOST (ECAM, bus-range,
 * windows from `ranges`, the `interrupt-map` made lines).
 */
#ifndef CORE_MACHINE_FDT_H
#define CORE_MACHINE_FDT_H

#include <stddef.h>

#include "include/abi/hw.h"

/* Call add() for each record; 0, or the first negative error (add's or the tree's). */
int machine_fdt_describe(const void *blob, size_t size, int (*add)(const struct hw_rec *rec));

#endif
