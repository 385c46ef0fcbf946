/*
 * The device manager's PCI BAR allocator, pure (host-tested in
 * tests/host/test_bars.c): what a BAR's all-ones read-back says, and where
 * an unassigned memory BAR goes in its host bridge's windows (from the
 * machine description's hw_rec_pci_host). Placement is a bump allocator
 * per window, natural alignment (at least a page, so that no two BARs
 * share the page an MMIO capability covers), 32-bit BARs below 4 GiB,
 * prefetchable windows only for prefetchable BARs. A PCI-PCI bridge's
 * memory window is bracketed: what lies behind it is placed in the first
 * 32-bit non-prefetchable window, between 1 MiB boundaries.
 */
#ifndef DRIVERS_MANAGER_BARS_H
#define DRIVERS_MANAGER_BARS_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/hw.h"

#define BARS_BRIDGE_ALIGN 0x100000ull /* a bridge's memory window: 1 MiB granules */
#define BARS_MIN_ALIGN	  0x1000ull

struct bar_window {
	uint32_t type; /* HW_WINDOW_* (| HW_WINDOW_PREFETCH) */
	uint64_t pci, cpu, size;
	uint64_t next; /* PCI address of the first free byte */
};

struct bar_space {
	struct bar_window w[HW_MAX_WINDOWS];
	unsigned count;
	int mem32; /* the window bridges draw from, -1: none */
};

/* A BAR as its read-back describes it. */
struct bar_probe {
	uint64_t size; /* 0: not implemented */
	bool io, is64, prefetch;
};

void bars_init(struct bar_space *s, const struct hw_rec_pci_host *h);
/*
 * BAR register `orig` (its value before sizing), what it read back after
 * all ones were written (`mask_lo`, and for a 64-bit BAR the upper
 * register's `mask_hi`). False if the BAR is not implemented.
 */
bool bars_decode(uint32_t orig, uint32_t mask_lo, uint32_t mask_hi, struct bar_probe *out);
/* A BAR already placed (by firmware, or an earlier manager): nothing goes below its end. */
void bars_reserve(struct bar_space *s, uint64_t pci, uint64_t size);
/* A PCI address for a memory BAR; `bridged`: behind a bridge (the bridge window only). */
bool bars_place(struct bar_space *s, uint64_t size, bool is64, bool prefetch, bool bridged,
		uint64_t *pci);
/* Open a bridge's window (*mark: where it starts); false if there is no window for bridges. */
bool bars_bridge_begin(struct bar_space *s, uint64_t *mark);
/* Close it: [*base, *limit] (limit inclusive, 1 MiB granules); false if nothing is behind it. */
bool bars_bridge_end(struct bar_space *s, uint64_t mark, uint64_t *base, uint64_t *limit);
/* Where the CPU sees [pci, pci + size): through the memory window that holds it. */
bool bars_to_cpu(const struct bar_space *s, uint64_t pci, uint64_t size, uint64_t *cpu);

#endif
