/*
 * A small virtio 1.x driver library for user space, through the hardware
 * capabilities alone (include/abi/hw.h): the virtio-pci modern and the
 * virtio-mmio transports, the device status handshake and feature
 * negotiation, device configuration reads, and split virtqueue 0 in DMA
 * memory, of a size the driver picks, with descriptor chains (through a
 * per-entry indirect table when VIRTIO_F_INDIRECT_DESC is negotiated, or
 * plain chains from a free list) and a token per request.
 *
 * Two ways to open a device: a test holding root capabilities finds it
 * (virtio_pci_find, virtio_pci_place, virtio_pci_open, virtio_mmio_find);
 * a driver opens exactly what its manager gave it (virtio_open_hw).
 * Then either virtio_start (the whole handshake, a queue of VIRTQ_MAX
 * plain descriptors: virtio_post and virtio_used on it) or the steps
 * virtio_negotiate, virtio_queue_setup, virtio_ready and then
 * virtio_add, virtio_kick and virtio_get.
 */
#ifndef DRIVERS_LIB_VIRTIO_H
#define DRIVERS_LIB_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_VENDOR	       0x1af4
#define VIRTIO_PCI_MODERN      0x1040 /* + the device id */
#define VIRTIO_ID_BLOCK	       2
#define VIRTIO_ID_ENTROPY      4
#define VIRTIO_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_VERSION_1     (1ull << 32)
#define VIRTQ_MAX	       8   /* virtio_start's queue size */
#define VIRTQ_SIZE_MAX	       256 /* the largest queue virtio_queue_setup makes */
#define VIRTQ_INDIRECT_MAX     128 /* descriptors in one indirect table */
#define VIRTIO_ISR_QUEUE       1u
#define VIRTIO_ISR_CONFIG      2u
#define VIRTIO_S_NEEDS_RESET   64u
#define VIRTIO_S_FAILED	       128u

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

/* What the library keeps for each descriptor that heads a chain in the ring. */
struct virtq_head {
	void *token;	/* the caller's, handed back by virtio_get */
	uint32_t wlen;	/* device-writable bytes of the chain: the most the device may use */
	uint16_t ndesc; /* ring descriptors the chain holds (0: free) */
	uint16_t pad;
};

struct virtq {
	unsigned size; /* 0: not set up */
	void *mem;     /* DMA memory: descriptors, available ring, used ring, tables, heads */
	uint64_t phys;
	volatile struct virtq_desc *desc;
	volatile uint16_t *avail;	 /* flags, idx, ring[size] */
	volatile uint8_t *used;		 /* flags, idx, ring[size] of {id, len} */
	struct virtq_head *head;	 /* [size], in mem too (the device is never told of it) */
	volatile struct virtq_desc *ind; /* [size][indirect] tables, or NULL */
	uint64_t ind_phys;
	unsigned indirect; /* descriptors per table (0: plain chains only) */
	uint16_t next_avail, last_used;
	unsigned free_head, num_free;
	unsigned chains;     /* chains the device holds */
	uint32_t notify_off; /* virtio-pci: queue_notify_off * notify_off_multiplier */
};

enum virtio_transport { VIRTIO_PCI = 1, VIRTIO_MMIO = 2 };

struct virtio {
	enum virtio_transport transport;
	unsigned version; /* virtio-mmio: 1 legacy, 2 virtio 1.x; virtio-pci modern: 2 */
	/* virtio-pci: its config through `dev` (a function or bus capability), its structures. */
	uint64_t dev;
	uint32_t sbdf;
	volatile uint8_t *common, *notify, *isr, *config;
	uint32_t notify_mult, notify_len, config_len;
	uint64_t regs_lo, regs_hi; /* the pages its structures are in (physical) */
	/* virtio-mmio: its registers. */
	volatile uint8_t *regs;
	uint32_t device_id;
	uint64_t features;	   /* what was negotiated */
	unsigned line, line_flags; /* where its interrupt arrives (IRQ_FLAG_*) */
	struct virtq q;
};

/* One buffer of a chain: device-readable, or device-writable if `writable`. */
struct virtq_buf {
	uint64_t addr;
	uint32_t len;
	bool writable;
};

/*
 * The first virtio-pci modern function with `device_id` (VIRTIO_ID_*) on
 * the first bus of PCI bus capability `bus`: its segment << 16 | bdf.
 * E_NOT_FOUND if there is none. virtio_pci_find_next: the next after
 * *sbdf (a function on the same bus), to find a second one.
 */
long virtio_pci_find(uint64_t bus, unsigned device_id, uint32_t *sbdf);
long virtio_pci_find_next(uint64_t bus, unsigned device_id, uint32_t *sbdf);

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

/*
 * The function's six BARs as a manager hands them to a driver (driver.h's
 * struct pci_bar: PCI and CPU address, size, kind), each memory BAR sized
 * with memory decoding off for the moment. Needs the bus capability.
 */
struct pci_bar;
long virtio_pci_describe(uint64_t bus, uint32_t sbdf, const void *desc, struct pci_bar *bars);

/* Where BAR `bar` is for the CPU (after virtio_pci_place); false if unassigned. */
bool virtio_pci_bar(uint64_t dev, uint32_t sbdf, unsigned bar, const void *desc, uint64_t *cpu);

/*
 * Open the virtio-mmio transport of `desc` whose DeviceID is `device_id`
 * (the device tree's "virtio,mmio" nodes: most of QEMU's are empty).
 */
long virtio_mmio_find(struct virtio *v, const void *desc, uint64_t mmio, unsigned device_id);

/*
 * Open a device with a driver's hardware capabilities (drivers/lib/driver.h)
 * and nothing else. hw->pci set: a virtio-pci modern function, hw->sbdf,
 * each structure found in hw->bars[] (cpu_base, size) and mapped through
 * the mmio_regions[] capability that covers it; its interrupt is
 * interrupts[0] (else its INTx as hw_pci_interrupt says). hw->pci 0:
 * virtio-mmio, mmio_regions[0] its register page, interrupts[0] its line.
 * E_PERMISSION_DENIED when a structure is outside every region given,
 * E_NOT_FOUND when it is not a virtio device (or its BAR is unassigned).
 */
struct hardware_caps;
long virtio_open_hw(struct virtio *v, const struct hardware_caps *hw);

/*
 * Reset the device, acknowledge it, negotiate `want` (VERSION_1 is always
 * required of a virtio 1.x device) and set up queue 0 of VIRTQ_MAX plain
 * descriptors in DMA memory made with `dma`, then DRIVER_OK.
 * E_NOT_SUPPORTED if the device refuses.
 */
long virtio_start(struct virtio *v, uint64_t dma, uint64_t want);

/*
 * The same in steps. negotiate: reset, ACKNOWLEDGE, DRIVER, the features
 * offered & want (plus VERSION_1) in v->features, FEATURES_OK.
 * queue_setup: queue 0 of `size` entries (a power of two: rounded down,
 * and to the device's maximum), with an indirect table of `indirect`
 * descriptors (at most VIRTQ_INDIRECT_MAX) per entry when INDIRECT_DESC
 * was negotiated (0: none). ready: bus mastering (PCI), DRIVER_OK.
 */
long virtio_negotiate(struct virtio *v, uint64_t want);
long virtio_queue_setup(struct virtio *v, uint64_t dma, unsigned size, unsigned indirect);
long virtio_ready(struct virtio *v);

/*
 * Device configuration (the device-specific structure) at `off`: a field
 * of 1, 2, 4 or 8 bytes, read at its own width (8: as two 4s), again until
 * the configuration generation is the same before and after.
 */
uint64_t virtio_config(struct virtio *v, unsigned off, unsigned width);

/*
 * Make a chain of the n buffers available on queue 0 (not yet told to
 * the device: virtio_kick). It takes one ring descriptor through an
 * indirect table when there are any and n fits, else n from the free
 * list. E_INVALID_PARAMETER (no queue, n 0, a buffer of length 0),
 * E_RESOURCE_EXHAUSTED (no room: try again once something is used).
 */
long virtio_add(struct virtio *v, const struct virtq_buf *b, unsigned n, void *token);
/* Tell the device queue 0 has new buffers. */
void virtio_kick(struct virtio *v);

/* What virtio_get found. */
enum virtq_got {
	VIRTQ_EMPTY = 0,   /* nothing used */
	VIRTQ_USED = 1,	   /* *token and *len of a chain, its descriptors free again */
	VIRTQ_OVERRUN = 2, /* the same, but the device said it wrote more than it could */
	VIRTQ_BROKEN = 3,  /* a used id that heads no chain: the device is not to be believed */
};
/* The next used element of queue 0, checked before it is believed. */
enum virtq_got virtio_get(struct virtio *v, void **token, uint32_t *len);

/* Chains in the ring the device has not given back. */
unsigned virtio_in_flight(const struct virtio *v);

/* Post one buffer (device-writable if `writable`) on queue 0 and notify. */
long virtio_post(struct virtio *v, uint64_t phys, uint32_t len, bool writable);

/* A used element of queue 0: true and its length, the descriptor made free again. */
bool virtio_used(struct virtio *v, uint32_t *len);

/* Read (and on virtio-mmio acknowledge) the interrupt status: VIRTIO_ISR_* bits. */
unsigned virtio_isr(struct virtio *v);

uint8_t virtio_status(struct virtio *v);

/* Reset the device (it stops using the queue) and free the queue's DMA memory. */
void virtio_stop(struct virtio *v);

#endif
