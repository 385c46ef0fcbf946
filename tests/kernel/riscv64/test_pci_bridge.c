/*
 * INTx routing through a PCI-PCI bridge, on the bridge and virtio-rng-pci
 * behind it that ci/boot puts on riscv64's virt: the function's pin is
 * swizzled by its device number before the host's interrupt-map is looked
 * up with the bridge's. Nobody numbers the buses on a direct boot
 * (OpenSBI), so the test gives the bridge bus 1 itself when it has none
 * (U-Boot numbers them) and takes it back afterwards.
 */
#include "core/pci.h"
#include "include/abi/hw.h"
#include "include/abi/error.h"
#include "tests/kernel/ktest.h"

#define VIRTIO_RNG_ID	    0x10441af4u
#define PCI_HEADER_TYPE	    0x0e
#define PCI_PRIMARY_BUS	    0x18
#define PCI_SECONDARY_BUS   0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_INTERRUPT_PIN   0x3d
#define VIRT_PCI_IRQ_BASE   32 /* QEMU virt: slot s, pin p -> PLIC 32 + (s + p - 1) % 4 */

static uint32_t rd(uint32_t sbdf, unsigned off, unsigned width)
{
	uint32_t v = ~0u;
	(void)pci_config(sbdf, off, width, &v, false);
	return v;
}

static void wr8(uint32_t sbdf, unsigned off, uint32_t v)
{
	(void)pci_config(sbdf, off, 1, &v, true);
}

KTEST(pci_intx_swizzle_via_bridge)
{
	uint16_t seg;
	uint8_t bs, be;
	KASSERT(pci_bus_range(0, &seg, &bs, &be));
	uint32_t root = (uint32_t)seg << 16 | (uint32_t)bs << 8, bridge = ~0u;
	for (uint32_t dev = 0; dev < 32 && bridge == ~0u; dev++)
		if ((rd(root | dev << 3, 0, 2) & 0xffff) != 0xffff &&
		    (rd(root | dev << 3, PCI_HEADER_TYPE, 1) & 0x7f) == 1)
			bridge = root | dev << 3;
	KASSERT(bridge != ~0u && "ci/boot gives riscv64 -device pci-bridge");
	unsigned sec = rd(bridge, PCI_SECONDARY_BUS, 1);
	bool numbered = false;
	if (sec == 0) {
		sec = bs + 1u;
		wr8(bridge, PCI_PRIMARY_BUS, bs);
		wr8(bridge, PCI_SECONDARY_BUS, sec);
		wr8(bridge, PCI_SUBORDINATE_BUS, sec);
		numbered = true;
	}
	uint32_t rng = ~0u;
	for (uint32_t dev = 0; dev < 32 && rng == ~0u; dev++) {
		uint32_t sbdf = (uint32_t)seg << 16 | sec << 8 | dev << 3;
		if (rd(sbdf, 0, 4) == VIRTIO_RNG_ID)
			rng = sbdf;
	}
	unsigned pin = rng != ~0u ? rd(rng, PCI_INTERRUPT_PIN, 1) : 0;
	unsigned line = ~0u, flags = 0;
	int err = rng != ~0u ? pci_intx_route(rng, &line, &flags) : E_NOT_FOUND;
	/* A bus inside the host's range that no bridge leads to. */
	uint32_t lost = (uint32_t)seg << 16 | (sec + 1) << 8 | 3 << 3;
	uint32_t lost_id = rd(lost, 0, 4);
	unsigned lost_line, lost_flags;
	int lost_err = pci_intx_route(lost, &lost_line, &lost_flags);
	if (numbered) {
		wr8(bridge, PCI_SUBORDINATE_BUS, 0);
		wr8(bridge, PCI_SECONDARY_BUS, 0);
		wr8(bridge, PCI_PRIMARY_BUS, 0);
	}
	KASSERT(rng != ~0u && "ci/boot puts a virtio-rng-pci behind the bridge");
	KASSERT_EQ(pin, 1);
	KASSERT_EQ(err, E_OK);
	unsigned swizzled = (pin - 1 + (rng >> 3 & 0x1f)) % 4 + 1;
	KASSERT_EQ(line, VIRT_PCI_IRQ_BASE + ((bridge >> 3 & 0x1f) + swizzled - 1) % 4);
	KASSERT_EQ(flags, IRQ_FLAG_LEVEL);
	KASSERT_EQ_U(lost_id, 0xffffffffu);
	KASSERT_EQ(lost_err, E_NOT_FOUND);
}
