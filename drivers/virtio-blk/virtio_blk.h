/*
 * The virtio-blk driver (virtio 1.x, 5.2) as a BlockDevice of the Driver
 * API: over virtio-pci modern or virtio-mmio (legacy or 1.x), one
 * program for both (hw->pci set: PCI). Its state is here so that a test
 * can drive the operations directly, without driver_main.
 *
 * What it wants in its hardware_caps:
 *   PCI   pci (the function's capability) and sbdf; bars[] as placed
 *         (cpu_base, size); one mmio_regions[] entry, with its capability,
 *         covering each BAR that holds a virtio structure (any order: each
 *         structure is looked up by address); interrupts[0] its INTx line
 *         (or none: then hw_pci_interrupt says); dma.
 *   MMIO  mmio_regions[0] its registers (base as the device tree says,
 *         0x200 bytes or more; the capability covers their page),
 *         interrupts[0] its line, dma.
 */
#ifndef DRIVERS_VIRTIO_BLK_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_VIRTIO_BLK_H

#include "drivers/lib/blkserv.h"
#include "drivers/lib/virtio.h"

#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX  (1ull << 2)
#define VIRTIO_BLK_F_RO	      (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH    (1ull << 9)

#define VIRTIO_BLK_T_IN	    0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8

#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VBLK_SLOTS	  64 /* requests in flight (queue_depth) */
#define VBLK_DATA_DESC	  64 /* data descriptors of one request, at most */
#define VBLK_MAX_TRANSFER (128u << 10)
#define VBLK_ID_BYTES	  20

/* A request's header and status byte (5.2.6), one per slot, in DMA memory. */
struct vblk_req {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
	volatile uint8_t status;
	uint8_t pad[15];
};

struct virtio_blk {
	struct virtio v;
	struct interrupt_line irq;
	uint64_t dma;
	struct vblk_req *req; /* [VBLK_SLOTS + 1]: the last for GET_ID */
	uint64_t req_phys;
	char *id; /* GET_ID's answer in DMA memory (VBLK_ID_BYTES) */
	struct blk_io *io[VBLK_SLOTS];
	uint8_t free_slot[VBLK_SLOTS];
	unsigned slots, nfree;
	uint64_t capacity;	     /* 512-byte sectors */
	uint32_t block_size, shift;  /* block_size = 512 << shift */
	uint32_t size_max, data_max; /* bytes per descriptor (0: any), descriptors per request */
	struct block_geometry geo;
	char serial[VBLK_ID_BYTES + 1]; /* GET_ID (empty if the device has none) */
	bool started, broken, irq_bound;
	uint64_t errors; /* what the device gave back that could not be believed */
};

extern const struct driver_ops virtio_blk_ops;
extern struct virtio_blk virtio_blk_dev;

#endif
