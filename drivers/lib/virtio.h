/*
 * A small virtio 1.x driver library for user space, through the hardware
 * capabilities alone (include/abi/hw.h): the virtio-pci modern and the
 * virtio-mmio transports, the device status handshake and feature
 * negotiation, and split virtqueues in DMA memory.
 */
#ifndef DRIVERS_LIB_VIRTIO_H
#define DRIVERS_LIB_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_VENDOR	     0x1af4
#define VIRTIO_PCI_MODERN    0x1040 /* + the device id */
#define VIRTIO_ID_ENTROPY    4
#define VIRTIO_F_VERSION_1   (1ull << 32)
#define VIRTQ_MAX	     8 /* descriptors per queue: the library's own limit */
#define VIRTIO_ISR_QUEUE     1u
#define VIRTIO_ISR_CONFIG    2u
#define VIRTIO_S_NEEDS_RESET 64u
#define VIRTIO_S_FAILED	     128u

/* PCI configuration registers the library touches. */
#define PCI_COMMAND	 0x04
#define PCI_CMD_MEMORY	 0x2u
#define PCI_CMD_MASTER	 0x4u
#define PCI_CMD_INTX_OFF 0x400u

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq {
	unsigned size; /* 0: not set up */
	void *mem;     /* DMA memory: descriptors, available ring, then used ring a page on */
	uint64_t phys;
	volatile struct virtq_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size] */
	volatile uint8_t *used;	  /* flags, idx, ring[size] of {id, len} */
	uint16_t next_avail, last_used;
	unsigned free_head;
};

enum virtio_transport { VIRTIO_PCI = 1, VIRTIO_MMIO = 2 };

struct virtio {
	enum virtio_transport transport;
	unsigned version; /* virtio-mmio: 1 legacy, 2 virtio 1.x; virtio-pci modern: 2 */
	/* virtio-pci: its config through `dev` (a function or bus capability), its structures. */
	uint64_t dev;
	uint32_t sbdf;
	volatile uint8_t *common, *notify, *isr, *config;
	uint32_t notify_mult;
	uint64_t regs_lo, regs_hi; /* the pages its structures are in (physical) */
	/* virtio-mmio: its registers. */
	volatile uint8_t *regs;
	uint32_t device_id;
	uint64_t features;	   /* what was negotiated */
	unsigned line, line_flags; /* where its interrupt arrives (IRQ_FLAG_*) */
	struct virtq q;
};

/*
 * The first virtio-pci modern function with `device_id` (VIRTIO_ID_*) on
 * the first bus of PCI bus capability `bus`: its segment << 16 | bdf.
 * E_NOT_FOUND if there is none.
 */
long virtio_pci_find(uint64_t bus, unsigned device_id, uint32_t *sbdf);

/*
 * Give the function's unassigned memory BARs addresses in its host
 * bridge's memory window (machine description `desc`: firmware assigns
 * none on virt booted with -kernel), then turn memory decoding on. Needs
 * the bus capability: BARs are not a function capability's.
 */
long virtio_pci_place(uint64_t bus, uint32_t sbdf, const void *desc);

/*
 * Open a virtio-pci modern function through `dev` (function or bus
 * capability): find its common, notify, ISR and device structures, map
 * their BARs with MMIO capability `mmio` (translated through `desc`'s host
 * windows; desc may be NULL: PCI and CPU addresses are the same) and find
 * where its INTx arrives.
 */
long virtio_pci_open(struct virtio *v, uint64_t dev, uint32_t sbdf, uint64_t mmio,
		     const void *desc);

/* Where BAR `bar` is for the CPU (after virtio_pci_place); false if unassigned. */
bool virtio_pci_bar(uint64_t dev, uint32_t sbdf, unsigned bar, const void *desc, uint64_t *cpu);

/*
 * Open the virtio-mmio transport of `desc` whose DeviceID is `device_id`
 * (the device tree's "virtio,mmio" nodes: most of QEMU's are empty).
 */
long virtio_mmio_find(struct virtio *v, const void *desc, uint64_t mmio, unsigned device_id);

/*
 * Reset the device, acknowledge it, negotiate `want` (VERSION_1 is always
 * required of a virtio 1.x device) and set up queue 0 in DMA memory made
 * with `dma`, then DRIVER_OK. E_NOT_SUPPORTED if the device refuses.
 */
long virtio_start(struct virtio *v, uint64_t dma, uint64_t want);

/* Post one buffer (device-writable if `writable`) on queue 0 and notify; its descriptor. */
long virtio_post(struct virtio *v, uint64_t phys, uint32_t len, bool writable);

/* A used element of queue 0: true and its length, the descriptor made free again. */
bool virtio_used(struct virtio *v, uint32_t *len);

/* Read (and on virtio-mmio acknowledge) the interrupt status: VIRTIO_ISR_* bits. */
unsigned virtio_isr(struct virtio *v);

uint8_t virtio_status(struct virtio *v);

/* Reset the device (it stops using the queue) and free the queue's DMA memory. */
void virtio_stop(struct virtio *v);

#endif
