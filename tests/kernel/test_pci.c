/*
 * PCI configuration access and INTx routing on every arch, against the
 * modern virtio-rng-pci ci/boot puts on every machine: found on the root
 * bus through pci_config, its BARs sized, its INTx routed to a line the
 * machine description's host record maps (device tree machines), and bad
 * offsets, widths and buses refused.
 */
#include "arch/hal/irq.h"
#include "core/boot_info.h"
#include "core/machine.h"
#include "core/pci.h"
#include "include/abi/error.h"
#include "tests/kernel/ktest.h"

#define VIRTIO_RNG_ID 0x10441af4u /* device 0x1044 << 16 | vendor 0x1af4 */
#define PCI_COMMAND   0x04
#define PCI_BAR0      0x10
#define PCI_CMD_MEM   0x2

static unsigned cfg_errors; /* accesses below that failed: each test asserts none did */

static uint32_t rd(uint32_t sbdf, unsigned off, unsigned width)
{
	uint32_t v = 0;
	cfg_errors += pci_config(sbdf, off, width, &v, false) != E_OK;
	return v;
}

static void wr(uint32_t sbdf, unsigned off, unsigned width, uint32_t v)
{
	cfg_errors += pci_config(sbdf, off, width, &v, true) != E_OK;
}

/* The virtio-rng on the root bus `bus` of segment `seg`, or ~0u. */
static uint32_t find_rng(uint16_t seg, uint8_t bus)
{
	for (uint32_t dev = 0; dev < 32; dev++) {
		uint32_t sbdf = (uint32_t)seg << 16 | (uint32_t)bus << 8 | dev << 3;
		if (rd(sbdf, 0, 4) == VIRTIO_RNG_ID)
			return sbdf;
	}
	return ~0u;
}

/*
 * The first host bridge and the virtio-rng on its root bus. A machine
 * without a device tree gets its host bridges from the arch
 * (arch_machine_describe, x86_64's port): skipped until it has one.
 */
#define SETUP(seg, bs, be, rng)                                                             \
	uint16_t seg;                                                                       \
	uint8_t bs, be;                                                                     \
	cfg_errors = 0;                                                                     \
	if (!pci_bus_range(0, &seg, &bs, &be) && !ktest_boot_info()->dtb)                   \
		KTEST_SKIP("no PCI host bridge described (x86_64: arch_machine_describe)"); \
	KASSERT(pci_bus_range(0, &seg, &bs, &be));                                          \
	uint32_t rng = find_rng(seg, bs);                                                   \
	KASSERT(rng != ~0u && "ci/boot gives -device virtio-rng-pci")

KTEST(pci_finds_virtio_rng_bars)
{
	SETUP(seg, bs, be, rng);
	KASSERT_EQ(rd(rng, 0, 2), 0x1af4);
	KASSERT_EQ(rd(rng, 2, 2), 0x1044);
	KASSERT_EQ(rd(rng, 1, 1), 0x1a);
	/*
	 * Modern virtio-pci puts its capabilities' structures in a 64-bit
	 * memory BAR: size every BAR (memory decoding off meanwhile) and find it.
	 */
	uint32_t cmd = rd(rng, PCI_COMMAND, 2);
	wr(rng, PCI_COMMAND, 2, cmd & ~PCI_CMD_MEM);
	uint64_t mem64_size = 0;
	for (unsigned i = 0; i < 6; i++) {
		unsigned off = PCI_BAR0 + 4 * i;
		uint32_t bar = rd(rng, off, 4);
		if (bar & 1)
			continue; /* I/O */
		bool is64 = (bar & 6) == 4 && i < 5;
		uint32_t hi = is64 ? rd(rng, off + 4, 4) : 0;
		wr(rng, off, 4, ~0u);
		uint64_t mask = rd(rng, off, 4) & ~0xfu;
		if (is64) {
			wr(rng, off + 4, 4, ~0u);
			mask |= (uint64_t)rd(rng, off + 4, 4) << 32;
			wr(rng, off + 4, 4, hi);
		}
		wr(rng, off, 4, bar);
		KASSERT_EQ_U(rd(rng, off, 4), bar);
		if (is64 && mask) {
			mem64_size = ~mask + 1;
			break;
		}
	}
	wr(rng, PCI_COMMAND, 2, cmd);
	KASSERT_EQ(cfg_errors, 0);
	KASSERT_GE_U(mem64_size, 0x1000);
	KASSERT_EQ(mem64_size & (mem64_size - 1), 0);
}

KTEST(pci_intx_route_matches_map)
{
	SETUP(seg, bs, be, rng);
	unsigned line = IRQ_NONE, flags = ~0u;
	int err = pci_intx_route(rng, &line, &flags);
	const struct hw_rec_pci_host *h = NULL;
	for (unsigned i = 0; (h = machine_pci_host(i)); i++)
		if (h->segment == seg && h->bus_start == bs)
			break;
	KASSERT(h != NULL);
	if (!h->intx_count && err == E_NOT_FOUND)
		KTEST_SKIP("no interrupt-map: the arch's arch_pci_intx gave no line");
	KASSERT_EQ(err, E_OK);
	KASSERT(arch_irq_valid(line));
	KASSERT_EQ(flags & ~(IRQ_FLAG_LEVEL | IRQ_FLAG_ACTIVE_LOW), 0);
	if (h->intx_count) {
		/* INTx is level-triggered: the map's line, with the map's flags. */
		bool mapped = false;
		for (uint32_t i = 0; i < h->intx_count; i++)
			mapped |= h->intx[i].line == line && h->intx[i].flags == flags;
		KASSERT(mapped);
		KASSERT(flags & IRQ_FLAG_LEVEL);
	}
	/* The host bridge itself (00.0) raises no INTx; a missing function has none either. */
	uint32_t host = (uint32_t)seg << 16 | (uint32_t)bs << 8;
	if (rd(host, 0x3d, 1) == 0)
		KASSERT_EQ(pci_intx_route(host, &line, &flags), E_NOT_FOUND);
	uint32_t none = host | 31u << 3 | 7;
	KASSERT_EQ(rd(none, 0, 4), 0xffffffffu);
	KASSERT_EQ(pci_intx_route(none, &line, &flags), E_NOT_FOUND);
	KASSERT_EQ(cfg_errors, 0);
}

KTEST(pci_config_refuses_bad_input)
{
	SETUP(seg, bs, be, rng);
	KASSERT_EQ(cfg_errors, 0);
	uint32_t v = 0;
	const unsigned widths[] = {0, 3, 5, 8, 0xffffffffu};
	for (unsigned i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		KASSERT_EQ(pci_config(rng, 0, widths[i], &v, false), E_INVALID_PARAMETER);
	KASSERT_EQ(pci_config(rng, 2, 4, &v, false), E_INVALID_PARAMETER);
	KASSERT_EQ(pci_config(rng, 1, 2, &v, false), E_INVALID_PARAMETER);
	KASSERT_EQ(pci_config(rng, 4096, 4, &v, false), E_INVALID_PARAMETER);
	KASSERT_EQ(pci_config(rng, 0xfffffffcu, 4, &v, false), E_INVALID_PARAMETER);
	KASSERT_EQ(pci_config(rng, 0, 4, NULL, false), E_INVALID_PARAMETER);
	KASSERT_EQ(pci_config(rng, 0, 4, NULL, true), E_INVALID_PARAMETER);
	/* The last dword of the space: 4 KiB with ECAM, 256 bytes through the ports. */
	const struct hw_rec_pci_host *h = machine_pci_host(0);
	unsigned space = h && h->ecam_base ? 4096 : 256;
	KASSERT_EQ(pci_config(rng, space - 4, 4, &v, false), E_OK);
	KASSERT_EQ(pci_config(rng, space, 1, &v, false), E_INVALID_PARAMETER);
	/* Buses and segments no host bridge has. */
	uint16_t s2;
	uint8_t b2, e2;
	bool seg_ffff = false;
	for (unsigned i = 0; pci_bus_range(i, &s2, &b2, &e2); i++)
		seg_ffff |= s2 == 0xffff;
	if (!seg_ffff)
		KASSERT_EQ(pci_config(0xffffu << 16, 0, 4, &v, false), E_NOT_FOUND);
	if (be < 255) {
		uint32_t past = (uint32_t)seg << 16 | (uint32_t)(be + 1) << 8;
		if (!pci_bus_range(1, &s2, &b2, &e2)) /* another bridge may have the bus */
			KASSERT_EQ(pci_config(past, 0, 4, &v, false), E_NOT_FOUND);
	}
	KASSERT(!pci_bus_range(1000, &s2, &b2, &e2));
	if (!seg_ffff)
		KASSERT_EQ(pci_intx_route(0xffffu << 16, &v, &v), E_NOT_FOUND);
}
