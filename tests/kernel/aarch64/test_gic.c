/*
 * The GIC's device lines with a real source: a shared interrupt made
 * pending at the distributor (GICD_ISPENDR, as its line would) reaches
 * the handler registered for it only while unmasked and the CPU takes
 * interrupts, stays pending while masked, and comes once per edge on an
 * edge-triggered line; a write to the GICv2m frame, or under GICv3 to the
 * ITS, is an MSI delivered the same way. Bad lines and flags are refused
 * and change nothing.
 */
#include "arch/aarch64/aarch64.h"
#include "arch/hal/cpu.h"
#include "arch/hal/irq.h"
#include "core/boot_info.h"
#include "core/fdt.h"
#include "core/irq.h"
#include "core/kstring.h"
#include "core/machine.h"
#include "core/pci.h"
#include "include/abi/error.h"
#include "mm/kvm.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "tests/kernel/ktest.h"

/*
 * Spins to wait for an interrupt: the GIC signals the CPU when a line it
 * routes there becomes pending, far sooner than this many loops. A bound
 * of loops, not of time, so a loaded host changes nothing.
 */
#define SPINS 1000000

static struct {
	unsigned irq;
	bool quieten; /* clear the pending state, as a level device's handler quietens it */
	volatile uint64_t count;
} seen;

static void on_line(unsigned irq, void *arg)
{
	(void)arg;
	seen.count++;
	seen.irq = irq;
	if (seen.quieten)
		gic_spi_set_pending(irq, false);
}

/*
 * With interrupts on (tests run with them off), spin until `seen.count`
 * reaches `n`, or SPINS times: whether it did.
 */
static bool reached(uint64_t n)
{
	irqflags_t flags = arch_irq_save();
	arch_irq_enable();
	for (unsigned i = 0; i < SPINS && seen.count < n; i++)
		__asm__ volatile("isb" ::: "memory");
	arch_irq_restore(flags);
	return seen.count >= n;
}

/* A shared line with no device and no handler, not the v2m frame's, registered to on_line. */
static unsigned take_free_line(void)
{
	uint64_t pa;
	unsigned first = 0, count = 0;
	gic_v2m(&pa, &first, &count);
	seen.count = 0;
	seen.irq = IRQ_NONE;
	for (unsigned irq = gic_lines(); irq-- > 32;) {
		if (irq >= first && irq < first + count)
			continue;
		if (irq_register(irq, on_line, NULL) == E_OK)
			return irq;
	}
	return IRQ_NONE;
}

KTEST(gic_spi_delivery)
{
	KASSERT(irq_ready());
	seen.quieten = true;
	unsigned irq = take_free_line();
	KASSERT_NE(irq, IRQ_NONE);
	KASSERT_EQ(arch_irq_flags(irq), IRQ_LEVEL); /* what boot leaves every wired line */
	KASSERT(gic_spi_enabled(irq));

	/* Pending while the CPU masks interrupts: taken once it takes them. */
	irqflags_t flags = arch_irq_save();
	KASSERT(gic_spi_set_pending(irq, true));
	KASSERT(gic_spi_pending(irq));
	KASSERT_EQ(seen.count, 0);
	arch_irq_restore(flags);
	KASSERT(reached(1));
	KASSERT_EQ(seen.irq, irq);
	KASSERT(!gic_spi_pending(irq));

	/* Masked at the GIC: stays pending and undelivered until unmasked. */
	KASSERT_EQ(arch_irq_mask(irq), E_OK);
	KASSERT(!gic_spi_enabled(irq));
	gic_spi_set_pending(irq, true);
	KASSERT(!reached(2));
	KASSERT(gic_spi_pending(irq));
	KASSERT_EQ(arch_irq_unmask(irq), E_OK);
	KASSERT(reached(2));
	KASSERT_EQ(seen.count, 2);
	KASSERT_EQ_U(irq_count(irq), 2);

	KASSERT_EQ(irq_unregister(irq), E_OK);
	KASSERT(!gic_spi_enabled(irq));
	gic_spi_set_pending(irq, true); /* nobody's line now: masked, so it stays put */
	KASSERT(!reached(3));
	gic_spi_set_pending(irq, false);
}

/* A line unmasked with no handler: taken once, then masked, so it cannot hold the CPU. */
KTEST(gic_spi_unhandled)
{
	seen.quieten = true;
	unsigned irq = take_free_line();
	KASSERT_NE(irq, IRQ_NONE);
	KASSERT_EQ(irq_unregister(irq), E_OK);
	KASSERT_EQ(arch_irq_unmask(irq), E_OK);
	uint64_t spurious = irq_spurious_count();
	gic_spi_set_pending(irq, true);
	irqflags_t flags = arch_irq_save();
	arch_irq_enable();
	for (unsigned i = 0; i < SPINS && irq_spurious_count() == spurious; i++)
		__asm__ volatile("isb" ::: "memory");
	arch_irq_restore(flags);
	KASSERT_EQ_U(irq_spurious_count(), spurious + 1);
	KASSERT(!gic_spi_enabled(irq));
	KASSERT_EQ(seen.count, 0);
	gic_spi_set_pending(irq, false);
}

KTEST(gic_spi_trigger)
{
	seen.quieten = false; /* acknowledging an edge clears it: nothing to quieten */
	unsigned irq = take_free_line();
	KASSERT_NE(irq, IRQ_NONE);

	/* Edge: GICD_ICFGR reads back, the line stays unmasked across the change. */
	KASSERT_EQ(arch_irq_configure(irq, 0), E_OK);
	KASSERT_EQ(arch_irq_flags(irq), 0);
	KASSERT(gic_spi_edge(irq));
	KASSERT(gic_spi_enabled(irq));
	gic_spi_set_pending(irq, true);
	KASSERT(reached(1));
	KASSERT(!gic_spi_pending(irq));
	KASSERT(!reached(2)); /* one edge, one interrupt */

	/* Two edges while masked are one pending interrupt. */
	arch_irq_mask(irq);
	gic_spi_set_pending(irq, true);
	gic_spi_set_pending(irq, true);
	KASSERT_EQ(arch_irq_configure(irq, 0), E_OK); /* masked stays masked */
	KASSERT(!gic_spi_enabled(irq));
	arch_irq_unmask(irq);
	KASSERT(reached(2));
	KASSERT(!reached(3));

	/* Back to level, as it was. */
	KASSERT_EQ(arch_irq_configure(irq, IRQ_LEVEL), E_OK);
	KASSERT_EQ(arch_irq_flags(irq), IRQ_LEVEL);
	KASSERT(!gic_spi_edge(irq));
	KASSERT(gic_spi_enabled(irq));
	KASSERT_EQ(irq_unregister(irq), E_OK);
}

KTEST(gic_configure_bad_input)
{
	unsigned limit = arch_irq_limit(), first, count;
	KASSERT_EQ(limit, its_lpis(&first, &count) ? first + count : gic_lines());
	KASSERT_GE(limit, 64);
	static const unsigned bad[] = {0, 15, 16, 27, 31, 1020, 1023, 8191, 100000, IRQ_NONE};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		KASSERT(!arch_irq_valid(bad[i]));
		KASSERT_EQ(arch_irq_configure(bad[i], IRQ_LEVEL), E_INVALID_PARAMETER);
		KASSERT_EQ(arch_irq_configure(bad[i], 0), E_INVALID_PARAMETER);
		KASSERT_EQ(arch_irq_flags(bad[i]), 0);
	}
	KASSERT(!arch_irq_valid(limit));
	KASSERT_EQ(arch_irq_configure(limit, 0), E_INVALID_PARAMETER);

	unsigned irq = take_free_line();
	KASSERT_NE(irq, IRQ_NONE);
	KASSERT_EQ(arch_irq_configure(irq, 4), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_configure(irq, 0x80000000u | IRQ_LEVEL), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_configure(irq, IRQ_ACTIVE_LOW), E_NOT_SUPPORTED);
	KASSERT_EQ(arch_irq_configure(irq, IRQ_LEVEL | IRQ_ACTIVE_LOW), E_NOT_SUPPORTED);
	KASSERT_EQ(arch_irq_flags(irq), IRQ_LEVEL); /* unchanged */
	KASSERT(gic_spi_enabled(irq));
	KASSERT_EQ(irq_unregister(irq), E_OK);

	unsigned flags = 99;
	for (unsigned isa = 0; isa < 16; isa++)
		KASSERT_EQ(arch_irq_isa(isa, &flags), IRQ_NONE);
	KASSERT_EQ(flags, 0);
}

KTEST(gic_msi_v2m)
{
	unsigned irq;
	uint64_t address, setspi;
	uint32_t data;
	unsigned first, count;

	KASSERT_EQ(arch_msi_alloc(0, NULL, &address, &data), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_msi_alloc(0, &irq, NULL, &data), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_msi_alloc(0, &irq, &address, NULL), E_INVALID_PARAMETER);
	if (!gic_v2m(&setspi, &first, &count)) {
		KASSERT_EQ(gic_version(), 3);
		if (its_lpis(&first, &count))
			return; /* MSI through the ITS: gic_msi_its */
		KASSERT_EQ(arch_msi_alloc(0, &irq, &address, &data), E_NOT_SUPPORTED);
		return;
	}
	KASSERT_GE(first, 32);
	KASSERT_GT(count, 0);
	/* Not allocated, the frame's lines are no lines. */
	KASSERT(!arch_irq_valid(first));
	KASSERT_EQ(irq_register(first, on_line, NULL), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_configure(first, 0), E_INVALID_PARAMETER);

	KASSERT_EQ(arch_msi_alloc(0, &irq, &address, &data), E_OK);
	KASSERT(irq >= first && irq < first + count);
	KASSERT(arch_irq_valid(irq));
	KASSERT_LT(irq, arch_irq_limit());
	KASSERT_EQ_U(address, setspi);
	KASSERT_EQ(data, irq);
	KASSERT_EQ(arch_irq_flags(irq), 0); /* edge */
	KASSERT(!gic_spi_enabled(irq));	    /* masked */
	KASSERT_EQ(arch_irq_configure(irq, IRQ_LEVEL), E_NOT_SUPPORTED);
	KASSERT_EQ(arch_irq_configure(irq, 0), E_OK);

	/* The write a device would make, from the CPU. */
	volatile uint32_t *reg = phys_to_virt(address);
	seen.count = 0;
	seen.quieten = false;
	KASSERT_EQ(irq_register(irq, on_line, NULL), E_OK);
	*reg = data;
	__asm__ volatile("dsb sy" ::: "memory");
	KASSERT(reached(1));
	KASSERT_EQ(seen.irq, irq);
	KASSERT(!reached(2));

	/* Masked: the message is kept pending, delivered on unmask. */
	arch_irq_mask(irq);
	*reg = data;
	__asm__ volatile("dsb sy" ::: "memory");
	KASSERT(!reached(2));
	KASSERT(gic_spi_pending(irq));
	arch_irq_unmask(irq);
	KASSERT(reached(2));

	KASSERT_EQ(irq_unregister(irq), E_OK);
	arch_msi_free(irq);
	KASSERT(!arch_irq_valid(irq));
	KASSERT(!gic_spi_enabled(irq));
	KASSERT_EQ(irq_register(irq, on_line, NULL), E_INVALID_PARAMETER);
	arch_msi_free(irq);	 /* twice: refused, nothing changes */
	arch_msi_free(IRQ_NONE); /* not an MSI line at all */
	KASSERT(!arch_irq_valid(irq));
}

KTEST(gic_msi_run_out)
{
	static unsigned lines[1024];
	unsigned irq, n = 0, first, count;
	uint64_t address, setspi;
	uint32_t data;

	if (!gic_v2m(&setspi, &first, &count) && !its_lpis(&first, &count)) {
		/* GICv3 without an ITS it drives: no MSI (devices use INTx) */
		KASSERT_EQ(gic_version(), 3);
		KASSERT_EQ(arch_msi_alloc(0, &irq, &address, &data), E_NOT_SUPPORTED);
		return;
	}
	int err;
	while ((err = arch_msi_alloc(0, &irq, &address, &data)) == E_OK && n < 1024) {
		for (unsigned i = 0; i < n; i++)
			KASSERT_NE(lines[i], irq);
		lines[n++] = irq;
	}
	KASSERT_EQ(err, E_RESOURCE_EXHAUSTED);
	KASSERT_EQ(n, count);
	KASSERT_EQ(arch_msi_alloc(0, &irq, &address, &data), E_RESOURCE_EXHAUSTED);
	for (unsigned i = 0; i < n; i++)
		arch_msi_free(lines[i]);
	KASSERT_EQ(arch_msi_alloc(0, &irq, &address, &data), E_OK);
	arch_msi_free(irq);
}

/*
 * The ITS's LPIs into `first` and `count`, asserted working when the tree
 * names an ITS; without one (GICv2: gic_msi_v2m covers MSI) the test ends.
 */
#define NEED_ITS(first, count)                         \
	do {                                           \
		uint64_t pa_, size_;                   \
		uint32_t phandle_;                     \
		if (!gic_its(&pa_, &size_, &phandle_)) \
			return;                        \
		KASSERT(its_lpis(&(first), &(count))); \
	} while (0)

/* The CPU's write of an MSI's data to its address (GITS_TRANSLATER or the v2m frame). */
static void msi_write(uint64_t address, uint32_t data)
{
	*(volatile uint32_t *)phys_to_virt(address) = data;
	__asm__ volatile("dsb sy" ::: "memory");
}

/*
 * MSI through the ITS: an LPI per message, masked until unmasked,
 * edge-triggered, gone once freed. QEMU's ITS takes a CPU write to
 * GITS_TRANSLATER as from DeviceID 0 (no requester ID): the host bridge,
 * 00:00.0, under virt's identity msi-map.
 */
KTEST(gic_msi_its)
{
	unsigned irq, first, count, other;
	uint64_t address, its_pa, its_size, address2;
	uint32_t data, data2, devid, phandle;

	NEED_ITS(first, count);
	KASSERT(gic_its(&its_pa, &its_size, &phandle));
	KASSERT_EQ(first, 8192);
	KASSERT_GT(count, 0);
	KASSERT_EQ(arch_irq_limit(), first + count);
	/* Not allocated, an LPI is no line. */
	KASSERT(!arch_irq_valid(first));
	KASSERT_EQ(irq_register(first, on_line, NULL), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_unmask(first), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_configure(first, 0), E_INVALID_PARAMETER);

	KASSERT_EQ(its_device_id(0, &devid), E_OK);
	KASSERT_EQ(devid, 0);
	KASSERT_EQ(arch_msi_alloc(0, &irq, &address, &data), E_OK);
	KASSERT(irq >= first && irq < first + count);
	KASSERT(arch_irq_valid(irq));
	KASSERT_EQ_U(address, its_pa + 0x10040); /* GITS_TRANSLATER */
	KASSERT_EQ(data, irq - first);		 /* the EventID */
	KASSERT_EQ(arch_irq_flags(irq), 0);	 /* edge */
	KASSERT(!its_lpi_enabled(irq));		 /* masked */
	KASSERT_EQ(arch_irq_configure(irq, IRQ_LEVEL), E_NOT_SUPPORTED);
	KASSERT_EQ(arch_irq_configure(irq, IRQ_ACTIVE_LOW), E_NOT_SUPPORTED);
	KASSERT_EQ(arch_irq_configure(irq, 4), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_configure(irq, 0), E_OK);
	KASSERT(!its_lpi_enabled(irq)); /* masked stays masked */

	/* Masked at allocation: a message stays pending, taken once unmasked. */
	seen.count = 0;
	seen.irq = IRQ_NONE;
	seen.quieten = false;
	msi_write(address, data);
	KASSERT(!reached(1));
	KASSERT_EQ(irq_register(irq, on_line, NULL), E_OK);
	KASSERT(its_lpi_enabled(irq));
	KASSERT(reached(1));
	KASSERT_EQ(seen.irq, irq);
	KASSERT(!reached(2));

	/* Unmasked: each message is one interrupt. */
	msi_write(address, data);
	KASSERT(reached(2));
	KASSERT(!reached(3));

	/* Masked: not delivered; two messages are one pending interrupt, taken on unmask. */
	KASSERT_EQ(arch_irq_mask(irq), E_OK);
	KASSERT(!its_lpi_enabled(irq));
	msi_write(address, data);
	msi_write(address, data);
	KASSERT(!reached(3));
	KASSERT_EQ(arch_irq_unmask(irq), E_OK);
	KASSERT(reached(3));
	KASSERT(!reached(4));
	KASSERT_EQ_U(irq_count(irq), 3);

	/* Another function: another DeviceID, another line; the events of one are not the other's. */
	KASSERT_EQ(arch_msi_alloc(0x0008, &other, &address2, &data2), E_OK); /* 00:01.0 */
	KASSERT_NE(other, irq);
	KASSERT_NE(data2, data);
	KASSERT_EQ_U(address2, address);
	KASSERT_EQ(arch_irq_unmask(other), E_OK);
	msi_write(address, data2); /* from DeviceID 0: not mapped there */
	KASSERT(!reached(4));
	msi_write(address, data);
	KASSERT(reached(4));
	KASSERT_EQ(seen.irq, irq);
	arch_msi_free(other);
	KASSERT(!arch_irq_valid(other));

	/* Freed: no line, and its message translates to nothing. */
	KASSERT_EQ(irq_unregister(irq), E_OK);
	arch_msi_free(irq);
	KASSERT(!arch_irq_valid(irq));
	KASSERT(!its_lpi_enabled(irq));
	KASSERT_EQ(irq_register(irq, on_line, NULL), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_unmask(irq), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_flags(irq), 0);
	msi_write(address, data);
	KASSERT(!reached(5));
	arch_msi_free(irq);	 /* twice: refused, nothing changes */
	arch_msi_free(IRQ_NONE); /* not an MSI line at all */
	KASSERT(!arch_irq_valid(irq));

	/* Reallocated, the line starts masked with nothing pending. */
	KASSERT_EQ(arch_msi_alloc(0, &irq, &address, &data), E_OK);
	seen.count = 0;
	KASSERT_EQ(irq_register(irq, on_line, NULL), E_OK);
	KASSERT(!reached(1));
	KASSERT_EQ(irq_unregister(irq), E_OK);
	arch_msi_free(irq);
}

KTEST(gic_msi_its_bad_input)
{
	unsigned irq, first, count;
	uint64_t address;
	uint32_t data, devid;

	NEED_ITS(first, count);
	KASSERT_EQ(arch_msi_alloc(0, NULL, &address, &data), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_msi_alloc(0, &irq, NULL, &data), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_msi_alloc(0, &irq, &address, NULL), E_INVALID_PARAMETER);
	KASSERT_EQ(its_device_id(0, NULL), E_INVALID_PARAMETER);
	/* A segment no host bridge has. */
	KASSERT_EQ(its_device_id(0x7777u << 16, &devid), E_NOT_FOUND);
	KASSERT_EQ(arch_msi_alloc(0x7777u << 16, &irq, &address, &data), E_NOT_FOUND);
	KASSERT(!arch_irq_valid(first));
}

/* msi-map: <rid-base phandle out-base length>, the mask first, entries for other controllers passed over. */
KTEST(gic_its_msi_map)
{
	static const uint32_t cells[] = {
	    0x00, 7, 0x100,  0x10, /* RIDs 0x00-0x0f: this controller, 0x100 on */
	    0x10, 9, 0x000,  0x10, /* 0x10-0x1f: another one */
	    0x18, 7, 0x5000, 0x20, /* 0x18-0x37: this one too (0x18-0x1f after the other) */
	};
	uint8_t map[sizeof(cells)];
	uint32_t out = 0;

	for (unsigned i = 0; i < sizeof(cells) / 4; i++)
		for (unsigned b = 0; b < 4; b++)
			map[i * 4 + b] = (uint8_t)(cells[i] >> (24 - 8 * b));
	KASSERT_EQ(its_map_rid(map, sizeof(map), ~0u, 7, 0x05, &out), E_OK);
	KASSERT_EQ(out, 0x105);
	KASSERT_EQ(its_map_rid(map, sizeof(map), ~0u, 7, 0x12, &out), E_NOT_SUPPORTED);
	KASSERT_EQ(its_map_rid(map, sizeof(map), ~0u, 7, 0x1a, &out), E_OK);
	KASSERT_EQ(out, 0x5002);
	KASSERT_EQ(its_map_rid(map, sizeof(map), ~0u, 7, 0x37, &out), E_OK);
	KASSERT_EQ(out, 0x501f);
	KASSERT_EQ(its_map_rid(map, sizeof(map), ~0u, 7, 0x38, &out), E_NOT_SUPPORTED);
	KASSERT_EQ(its_map_rid(map, sizeof(map), ~0u, 9, 0x12, &out), E_OK);
	KASSERT_EQ(out, 0x02);
	KASSERT_EQ(its_map_rid(map, sizeof(map), 0x0f, 7, 0x1f5, &out), E_OK); /* masked: 0x05 */
	KASSERT_EQ(out, 0x105);
	/* Malformed: not whole entries, empty, a zero length, a range past 32 bits. */
	KASSERT_EQ(its_map_rid(map, sizeof(map) - 4, ~0u, 7, 0, &out), E_INVALID_PARAMETER);
	KASSERT_EQ(its_map_rid(map, 0, ~0u, 7, 0, &out), E_INVALID_PARAMETER);
	KASSERT_EQ(its_map_rid(NULL, 16, ~0u, 7, 0, &out), E_INVALID_PARAMETER);
	KASSERT_EQ(its_map_rid(map, 16, ~0u, 7, 0, NULL), E_INVALID_PARAMETER);
	uint8_t bad[16] = {0};
	bad[7] = 7;
	KASSERT_EQ(its_map_rid(bad, 16, ~0u, 7, 0, &out), E_INVALID_PARAMETER); /* length 0 */
	bad[8] = 0xff, bad[15] = 0x10; /* out-base 0xff000000, 16 IDs: fits */
	KASSERT_EQ(its_map_rid(bad, 16, ~0u, 7, 3, &out), E_OK);
	KASSERT_EQ(out, 0xff000003);
	bad[9] = bad[10] = bad[11] = 0xff; /* out-base 0xffffffff, 16 IDs: past 32 bits */
	KASSERT_EQ(its_map_rid(bad, 16, ~0u, 7, 0, &out), E_INVALID_PARAMETER);

	/* The tree's host bridge: QEMU virt maps every requester ID to itself. */
	uint32_t devid;
	unsigned first, count;
	if (!its_lpis(&first, &count))
		return;
	KASSERT_EQ(its_device_id(0x0000, &devid), E_OK);
	KASSERT_EQ(devid, 0);
	KASSERT_EQ(its_device_id(0x0108, &devid), E_OK); /* 01:01.0 */
	KASSERT_EQ(devid, 0x108);
}

/* Every ITT goes back with its device's last MSI; more devices than the ITS keeps are refused. */
KTEST(gic_msi_its_devices)
{
	static unsigned lines[64];
	unsigned first, count, n = 0;
	uint64_t address;
	uint32_t data;
	int err = E_OK;

	NEED_ITS(first, count);
	pmm_drain_caches();
	size_t before = memory_stats().free_frames;
	/* A function per devfn on bus 0: a DeviceID and an ITT each. */
	while (n < 64 && (err = arch_msi_alloc(n << 3, &lines[n], &address, &data)) == E_OK)
		n++;
	KASSERT_EQ(err, E_RESOURCE_EXHAUSTED);
	KASSERT_GE(n, 1);
	KASSERT_LT(n, count); /* the devices ran out, not the LPIs */
	KASSERT_LT(memory_stats().free_frames, before);
	/* A device already mapped still gets more. */
	unsigned extra;
	KASSERT_EQ(arch_msi_alloc(0, &extra, &address, &data), E_OK);
	arch_msi_free(extra);
	for (unsigned i = 0; i < n; i++)
		arch_msi_free(lines[i]);
	pmm_drain_caches();
	KASSERT_EQ_U(memory_stats().free_frames, before);
	KASSERT_EQ(arch_msi_alloc(n << 3, &lines[0], &address, &data), E_OK);
	arch_msi_free(lines[0]);
}

/*
 * A real device's MSI-X: the virtio-rng-pci ci/boot gives every machine
 * (modern: virtio 1.x, Virtual I/O Device spec 4.1), its BARs assigned
 * from the host bridge's 32-bit window (nobody does on virt booted with
 * -kernel), MSI-X entry 0 the message arch_msi_alloc gave for it, and one
 * request on its virtqueue: the device's answer arrives as that line.
 */
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_BAR0	   0x10
#define PCI_CAP_PTR	   0x34
#define PCI_CMD_MEM	   0x2
#define PCI_CMD_MASTER	   0x4
#define PCI_STATUS_CAPS	   0x10
#define PCI_CAP_MSIX	   0x11
#define PCI_CAP_VENDOR	   0x09
#define MSIX_ENABLE	   (1u << 15)
#define VIRTIO_RNG_ID	   0x10441af4u /* device 0x1044 << 16 | vendor 0x1af4 */
#define VIRTIO_CAP_COMMON  1
#define VIRTIO_CAP_NOTIFY  2
#define VIRTIO_ACKNOWLEDGE 1
#define VIRTIO_DRIVER	   2
#define VIRTIO_DRIVER_OK   4
#define VIRTIO_FEATURES_OK 8
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_SIZE	   8
#define VIRTIO_SPIN_LIMIT  100000
#define VIRTIO_WAITS	   1000 /* interrupts (ticks: 10 s) to wait for the answer */

/* virtio_pci_common_cfg offsets. */
#define VCC_DRIVER_FEATURE_SEL 0x08
#define VCC_DRIVER_FEATURE     0x0c
#define VCC_DEVICE_FEATURE_SEL 0x00
#define VCC_DEVICE_FEATURE     0x04
#define VCC_STATUS	       0x14
#define VCC_QUEUE_SELECT       0x16
#define VCC_QUEUE_SIZE	       0x18
#define VCC_QUEUE_MSIX_VECTOR  0x1a
#define VCC_QUEUE_ENABLE       0x1c
#define VCC_QUEUE_NOTIFY_OFF   0x1e
#define VCC_QUEUE_DESC	       0x20
#define VCC_QUEUE_DRIVER       0x28
#define VCC_QUEUE_DEVICE       0x30

static uint32_t cfg_rd(uint32_t sbdf, unsigned off, unsigned width)
{
	uint32_t v = ~0u;
	pci_config(sbdf, off, width, &v, false);
	return v;
}

static void cfg_wr(uint32_t sbdf, unsigned off, unsigned width, uint32_t v)
{
	pci_config(sbdf, off, width, &v, true);
}

static struct {
	uint32_t sbdf;
	uint16_t command;
	uint32_t bar[6];
	unsigned msix; /* offset of the MSI-X capability */
	uint64_t ring_pa;
	volatile uint8_t *common;
} rng;

/* Put the device back as it was: reset, MSI-X off, BARs and command restored. */
static void rng_restore(void)
{
	if (rng.common)
		rng.common[VCC_STATUS] = 0;
	if (rng.msix)
		cfg_wr(rng.sbdf, rng.msix + 2, 2, 0);
	cfg_wr(rng.sbdf, PCI_COMMAND, 2, rng.command & ~(PCI_CMD_MEM | PCI_CMD_MASTER));
	for (unsigned i = 0; i < 6; i++)
		cfg_wr(rng.sbdf, PCI_BAR0 + 4 * i, 4, rng.bar[i]);
	cfg_wr(rng.sbdf, PCI_COMMAND, 2, rng.command);
	if (rng.ring_pa)
		free_frames(rng.ring_pa / FRAME_SIZE, 1);
	rng.common = NULL;
	rng.msix = 0;
	rng.ring_pa = 0;
}

/*
 * Give every memory BAR of the device an address in the 32-bit window
 * from its start (memory decoding off meanwhile); the CPU address of each
 * into cpu[] (0: none). False when the window has no room.
 */
static bool rng_assign_bars(const struct hw_rec_pci_host *h, uint64_t cpu[6])
{
	uint64_t pci = 0, end = 0, delta = 0;
	for (unsigned w = 0; w < h->window_count; w++)
		if ((h->window[w].type & 0xff) == HW_WINDOW_MEM32 && !pci) {
			pci = h->window[w].pci_addr;
			end = pci + h->window[w].size;
			delta = h->window[w].cpu_addr - pci;
		}
	if (!pci)
		return false;
	for (unsigned i = 0; i < 6; i++) {
		unsigned off = PCI_BAR0 + 4 * i;
		uint32_t bar = rng.bar[i];
		cpu[i] = 0;
		if (bar & 1)
			continue; /* I/O */
		bool is64 = (bar & 6) == 4 && i < 5;
		cfg_wr(rng.sbdf, off, 4, ~0u);
		uint32_t mask = cfg_rd(rng.sbdf, off, 4) & ~0xfu;
		if (mask) {
			uint64_t size = (uint64_t)~mask + 1;
			pci = (pci + size - 1) & ~(size - 1);
			if (pci + size > end)
				return false;
			cfg_wr(rng.sbdf, off, 4, (uint32_t)pci | (bar & 0xf));
			cpu[i] = pci + delta;
			pci += size;
		} else {
			cfg_wr(rng.sbdf, off, 4, bar);
		}
		if (is64) {
			cfg_wr(rng.sbdf, off + 4, 4, 0);
			cpu[++i] = 0;
		}
	}
	return true;
}

/* The capability `id` from `from` on (0: the first), with cfg_type `type` if vendor-specific. */
static unsigned cap_find(unsigned id, unsigned type, unsigned from)
{
	unsigned off = from ? cfg_rd(rng.sbdf, from + 1, 1) : cfg_rd(rng.sbdf, PCI_CAP_PTR, 1);
	for (unsigned n = 0; n < 48 && off >= 0x40 && off < 0x100; n++) {
		if (cfg_rd(rng.sbdf, off, 1) == id &&
		    (id != PCI_CAP_VENDOR || cfg_rd(rng.sbdf, off + 3, 1) == type))
			return off;
		off = cfg_rd(rng.sbdf, off + 1, 1) & ~3u;
	}
	return 0;
}

/* The mapped registers a vendor capability points at; NULL without it. */
static volatile uint8_t *vcap_map(unsigned cap, const uint64_t cpu[6], uint32_t extra)
{
	unsigned bar = cfg_rd(rng.sbdf, cap + 4, 1);
	if (!cap || bar > 5 || !cpu[bar])
		return NULL;
	uint32_t off = cfg_rd(rng.sbdf, cap + 8, 4), len = cfg_rd(rng.sbdf, cap + 12, 4);
	uint64_t pa = cpu[bar] + off + extra, page = pa & ~(FRAME_SIZE - 1);
	volatile uint8_t *v = kvm_map_device(page, pa - page + len - extra + FRAME_SIZE);
	return v ? v + (pa - page) : NULL;
}

/*
 * Wait for the device's interrupt with interrupts on: the rng answers
 * once QEMU's main loop read the host's entropy, which a busy host
 * delays, so each wait is for an interrupt (WFI: the timer's tick or the
 * device's), a bounded number of them.
 */
static bool device_answered(void)
{
	irqflags_t flags = arch_irq_save();
	arch_irq_enable();
	for (unsigned i = 0; i < VIRTIO_WAITS && !seen.count; i++)
		__asm__ volatile("wfi" ::: "memory");
	arch_irq_restore(flags);
	return seen.count;
}

KTEST(gic_msix_virtio_rng)
{
	const struct hw_rec_pci_host *h = machine_pci_host(0);
	uint64_t cpu[6], address;
	unsigned irq;
	uint32_t data;

	KASSERT(h);
	rng.sbdf = ~0u;
	for (uint32_t dev = 0; dev < 32 && rng.sbdf == ~0u; dev++) {
		uint32_t sbdf = (uint32_t)h->segment << 16 | (uint32_t)h->bus_start << 8 | dev << 3;
		if (cfg_rd(sbdf, 0, 4) == VIRTIO_RNG_ID)
			rng.sbdf = sbdf;
	}
	KASSERT(rng.sbdf != ~0u && "ci/boot gives -device virtio-rng-pci");
	KASSERT(cfg_rd(rng.sbdf, PCI_STATUS, 2) & PCI_STATUS_CAPS);
	int err = arch_msi_alloc(rng.sbdf, &irq, &address, &data);
	if (err == E_NOT_SUPPORTED)
		return; /* no MSI controller: gic_msi_v2m / gic_msi_its assert when there must be */
	KASSERT_EQ(err, E_OK);

	rng.command = (uint16_t)cfg_rd(rng.sbdf, PCI_COMMAND, 2);
	for (unsigned i = 0; i < 6; i++)
		rng.bar[i] = cfg_rd(rng.sbdf, PCI_BAR0 + 4 * i, 4);
	cfg_wr(rng.sbdf, PCI_COMMAND, 2, rng.command & ~(PCI_CMD_MEM | PCI_CMD_MASTER));
	bool assigned = rng_assign_bars(h, cpu);
	cfg_wr(rng.sbdf, PCI_COMMAND, 2, rng.command | PCI_CMD_MEM | PCI_CMD_MASTER);
	rng.msix = cap_find(PCI_CAP_MSIX, 0, 0);
	unsigned common = cap_find(PCI_CAP_VENDOR, VIRTIO_CAP_COMMON, 0);
	unsigned notify = cap_find(PCI_CAP_VENDOR, VIRTIO_CAP_NOTIFY, 0);
	uint32_t table = rng.msix ? cfg_rd(rng.sbdf, rng.msix + 4, 4) : 0;
	volatile uint32_t *entry = NULL;
	if (rng.msix && (table & 7) < 6 && cpu[table & 7])
		entry = kvm_map_device(cpu[table & 7] + (table & ~7u), 16);
	rng.common = vcap_map(common, cpu, 0);
	uint64_t frame = 0;
	err = allocate_frames(1, ZONE_NORMAL, &frame);
	rng.ring_pa = err == E_OK ? frame * FRAME_SIZE : 0;
	if (!assigned || !entry || !rng.common || !notify || !rng.ring_pa) {
		rng_restore();
		arch_msi_free(irq);
		KASSERT(assigned && "room for the BARs in the 32-bit window");
		KASSERT(entry && "an MSI-X table in a memory BAR");
		KASSERT(rng.common && notify && "virtio common and notify capabilities");
		KASSERT_EQ(err, E_OK);
	}

	/* MSI-X entry 0: the message, unmasked; MSI-X on, the function unmasked. */
	entry[0] = (uint32_t)address;
	entry[1] = (uint32_t)(address >> 32);
	entry[2] = data;
	entry[3] = 0;
	cfg_wr(rng.sbdf, rng.msix + 2, 2, MSIX_ENABLE);
	seen.count = 0;
	seen.irq = IRQ_NONE;
	seen.quieten = false;
	KASSERT_EQ(irq_register(irq, on_line, NULL), E_OK);

	/* virtio: reset, features (VERSION_1 only), queue 0 on vector 0, one buffer. */
	volatile uint8_t *c = rng.common;
	c[VCC_STATUS] = 0;
	for (unsigned i = 0; i < VIRTIO_SPIN_LIMIT && c[VCC_STATUS]; i++)
		;
	c[VCC_STATUS] = VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER;
	*(volatile uint32_t *)(c + VCC_DEVICE_FEATURE_SEL) = 1;
	bool v1 = *(volatile uint32_t *)(c + VCC_DEVICE_FEATURE) & 1;
	*(volatile uint32_t *)(c + VCC_DRIVER_FEATURE_SEL) = 0;
	*(volatile uint32_t *)(c + VCC_DRIVER_FEATURE) = 0;
	*(volatile uint32_t *)(c + VCC_DRIVER_FEATURE_SEL) = 1;
	*(volatile uint32_t *)(c + VCC_DRIVER_FEATURE) = 1;
	c[VCC_STATUS] = VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER | VIRTIO_FEATURES_OK;
	bool features_ok = c[VCC_STATUS] & VIRTIO_FEATURES_OK;
	*(volatile uint16_t *)(c + VCC_QUEUE_SELECT) = 0;
	uint16_t qsize = *(volatile uint16_t *)(c + VCC_QUEUE_SIZE);
	if (qsize > VIRTQ_SIZE)
		*(volatile uint16_t *)(c + VCC_QUEUE_SIZE) = qsize = VIRTQ_SIZE;
	*(volatile uint16_t *)(c + VCC_QUEUE_MSIX_VECTOR) = 0;
	bool vector_ok = *(volatile uint16_t *)(c + VCC_QUEUE_MSIX_VECTOR) == 0;
	uint8_t *ring = phys_to_virt(rng.ring_pa);
	memset(ring, 0, FRAME_SIZE);
	uint64_t desc = rng.ring_pa, avail = desc + 0x100, used = desc + 0x200, buf = desc + 0x800;
	*(volatile uint64_t *)(c + VCC_QUEUE_DESC) = desc;
	*(volatile uint64_t *)(c + VCC_QUEUE_DRIVER) = avail;
	*(volatile uint64_t *)(c + VCC_QUEUE_DEVICE) = used;
	*(volatile uint16_t *)(c + VCC_QUEUE_ENABLE) = 1;
	uint32_t notify_off =
	    *(volatile uint16_t *)(c + VCC_QUEUE_NOTIFY_OFF) * cfg_rd(rng.sbdf, notify + 16, 4);
	volatile uint16_t *doorbell = (volatile uint16_t *)vcap_map(notify, cpu, notify_off);
	c[VCC_STATUS] = VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER | VIRTIO_FEATURES_OK | VIRTIO_DRIVER_OK;

	/* Descriptor 0: 16 bytes the device writes; avail ring: it, once. */
	*(uint64_t *)(ring + 0) = buf;
	*(uint32_t *)(ring + 8) = 16;
	*(uint16_t *)(ring + 12) = VIRTQ_DESC_F_WRITE;
	*(uint16_t *)(ring + 0x100 + 4) = 0; /* ring[0]: descriptor 0 */
	__asm__ volatile("dsb sy" ::: "memory");
	*(volatile uint16_t *)(ring + 0x100 + 2) = 1; /* idx */
	__asm__ volatile("dsb sy" ::: "memory");
	bool ready = v1 && features_ok && vector_ok && qsize && doorbell;
	if (ready)
		*doorbell = 0;
	bool delivered = ready && device_answered();
	uint16_t used_idx = *(volatile uint16_t *)(ring + 0x200 + 2);
	unsigned got = seen.irq;

	irq_unregister(irq);
	rng_restore();
	arch_msi_free(irq);
	KASSERT(v1 && features_ok && "virtio 1.x features accepted");
	KASSERT(vector_ok && "queue 0 takes MSI-X vector 0");
	KASSERT(doorbell && qsize);
	KASSERT(delivered);
	KASSERT_EQ(got, irq);
	KASSERT_EQ(used_idx, 1);
	KASSERT_EQ(seen.count, 1);
}

KTEST(gic_kernel_mmio)
{
	const struct boot_info *bi = ktest_boot_info();
	uint64_t base, size, gic_base, gic_size;
	bool console = false;
	unsigned n = 0;

	KASSERT(gic_mmio(0, &gic_base, &gic_size)); /* the distributor */
	while (arch_kernel_mmio(n, &base, &size)) {
		KASSERT_GT_U(size, 0);
		if (n == 0)
			KASSERT(base == gic_base && size == gic_size);
		console |= bi->console.kind == CONSOLE_PL011 && base == bi->console.base;
		n++;
	}
	KASSERT_GE(n, 3); /* distributor, CPU interface or redistributors, console */
	KASSERT(console);
	KASSERT(!arch_kernel_mmio(n + 1, &base, &size));
	uint64_t setspi;
	unsigned first, count;
	if (gic_v2m(&setspi, &first, &count)) {
		bool frame = false;
		for (unsigned i = 0; arch_kernel_mmio(i, &base, &size); i++)
			frame |= setspi >= base && setspi < base + size;
		KASSERT(frame);
	}
	uint64_t its_pa, its_size;
	uint32_t phandle;
	if (gic_its(&its_pa, &its_size, &phandle)) {
		bool frame = false; /* control and translation frames both */
		for (unsigned i = 0; arch_kernel_mmio(i, &base, &size); i++)
			frame |= its_pa >= base && its_pa + 0x20000 <= base + size;
		KASSERT(frame);
	}
}

/* Each SPI of the tree's PrimeCells triggers as the tree says (flags 1, 2: edge; 4, 8: level). */
KTEST(gic_dt_triggers)
{
	static const char *const compats[] = {"arm,pl011", "arm,pl031"};
	const struct boot_info *bi = ktest_boot_info();
	struct fdt f;
	unsigned checked = 0;

	KASSERT(bi->dtb);
	KASSERT_EQ(fdt_open(&f, phys_to_virt(bi->dtb), bi->dtb_size), 0);
	for (unsigned c = 0; c < sizeof(compats) / sizeof(compats[0]); c++) {
		for (int n = fdt_find_compatible(&f, -1, compats[c]); n >= 0;
		     n = fdt_find_compatible(&f, n, compats[c])) {
			int len;
			const uint8_t *p = fdt_prop(&f, n, "interrupts", &len);
			if (!p || len < 12 || fdt_be32(p) != 0 || !fdt_is_enabled(&f, n))
				continue;
			unsigned irq = 32 + fdt_be32(p + 4), trig = fdt_be32(p + 8) & 0xf;
			KASSERT(arch_irq_valid(irq));
			KASSERT_EQ(arch_irq_flags(irq), (trig & 3) ? 0 : IRQ_LEVEL);
			checked++;
		}
	}
	KASSERT_GE(checked, 1);
}

/* The PL031 RTC (ARM DDI 0224), a device whose interrupt is a level the handler clears. */
#define RTC_DR	 0x00 /* seconds, counting */
#define RTC_MR	 0x04 /* match: the interrupt is raised when DR reaches it */
#define RTC_IMSC 0x10 /* bit 0: the interrupt reaches the line */
#define RTC_RIS	 0x14 /* bit 0: raised (whether or not it reaches the line) */
#define RTC_ICR	 0x1c /* write 1: lower it */

static volatile uint32_t *rtc;
static unsigned rtc_lower_at; /* the delivery at which the handler quietens the RTC */

static uint32_t rtc_rd(unsigned reg)
{
	return rtc[reg / 4];
}

static void rtc_wr(unsigned reg, uint32_t v)
{
	rtc[reg / 4] = v;
	__asm__ volatile("dsb sy" ::: "memory");
}

static void on_rtc(unsigned irq, void *arg)
{
	(void)arg;
	seen.irq = irq;
	if (++seen.count >= rtc_lower_at)
		rtc_wr(RTC_ICR, 1);
}

/* The tree's PL031 and its SPI, mapped; IRQ_NONE without one. */
static unsigned rtc_find(void)
{
	const struct boot_info *bi = ktest_boot_info();
	struct fdt f;
	uint64_t base, size;
	int len;

	if (!bi->dtb || fdt_open(&f, phys_to_virt(bi->dtb), bi->dtb_size) < 0)
		return IRQ_NONE;
	int n = fdt_find_compatible(&f, -1, "arm,pl031");
	const uint8_t *p = n >= 0 ? fdt_prop(&f, n, "interrupts", &len) : NULL;
	if (!p || len < 12 || fdt_be32(p) != 0 || fdt_reg(&f, n, 0, &base, &size) < 0)
		return IRQ_NONE;
	rtc = kvm_map_device(base, size); /* into the direct map, as Device memory */
	return rtc ? 32 + fdt_be32(p + 4) : IRQ_NONE;
}

/*
 * Raise the RTC's interrupt (masked at the RTC): a match equal to the count
 * raises it at once. Tried again if the second turned over in between.
 */
static bool rtc_raise(void)
{
	rtc_wr(RTC_IMSC, 0);
	rtc_wr(RTC_ICR, 1);
	for (unsigned i = 0; i < 8 && !(rtc_rd(RTC_RIS) & 1); i++)
		rtc_wr(RTC_MR, rtc_rd(RTC_DR));
	return rtc_rd(RTC_RIS) & 1;
}

/* A real device's level line: delivered again after each end while it is up, once per rise as edge. */
KTEST(gic_rtc_level_and_edge)
{
	unsigned irq = rtc_find();
	if (irq == IRQ_NONE)
		KTEST_SKIP("no PL031 in the device tree");
	KASSERT(arch_irq_valid(irq));
	KASSERT_EQ(arch_irq_flags(irq), IRQ_LEVEL);
	seen.count = 0;
	seen.irq = IRQ_NONE;
	rtc_lower_at = 3;
	KASSERT_EQ(irq_register(irq, on_rtc, NULL), E_OK);
	KASSERT_EQ(arch_irq_mask(irq), E_OK);

	/* Up at the line but masked at the GIC: pending, not delivered. */
	KASSERT(rtc_raise());
	rtc_wr(RTC_IMSC, 1);
	KASSERT(!reached(1));
	KASSERT(gic_spi_pending(irq));
	/* Unmasked, level: taken again after every end until the handler lowers it, the third time. */
	KASSERT_EQ(arch_irq_unmask(irq), E_OK);
	KASSERT(reached(3));
	KASSERT_EQ(seen.irq, irq);
	KASSERT(!reached(4));
	KASSERT(!(rtc_rd(RTC_RIS) & 1));
	KASSERT(!gic_spi_pending(irq));

	/* Edge: the same device held up is one interrupt, however long the handler leaves it. */
	KASSERT_EQ(arch_irq_configure(irq, 0), E_OK);
	seen.count = 0;
	rtc_lower_at = ~0u;
	KASSERT(rtc_raise());
	rtc_wr(RTC_IMSC, 1);
	KASSERT(reached(1));
	KASSERT(!reached(2));
	KASSERT(rtc_rd(RTC_RIS) & 1); /* still up */

	rtc_wr(RTC_IMSC, 0);
	rtc_wr(RTC_ICR, 1);
	KASSERT_EQ(arch_irq_configure(irq, IRQ_LEVEL), E_OK);
	KASSERT_EQ(irq_unregister(irq), E_OK);
	KASSERT(!gic_spi_pending(irq));
}
