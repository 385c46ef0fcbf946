/*
 * The virtio-rng devices ci/boot puts on every machine, driven through
 * drivers/lib/virtio.h with the root hardware capabilities init holds:
 * what the virtio-rng tests and the irq_latency benchmark share.
 */
#ifndef TESTS_USER_RNG_H
#define TESTS_USER_RNG_H

#include "drivers/lib/virtio.h"

#define RNG_BIT 3 /* the notification bit its interrupt sets */

struct rng {
	struct virtio v;
	uint64_t irq;	 /* an interrupt capability covering v.line */
	uint64_t notify; /* the notification v.line is bound to (RNG_BIT) */
	uint8_t *buf;	 /* a DMA page the device writes */
	uint64_t buf_phys;
};

/* The machine description (read once, kept), NULL if unreadable. */
const void *rng_machine(void);

/*
 * The virtio-rng-pci function: found on the first PCI bus, its BARs
 * placed, opened and started, its INTx bound. *sbdf (may be NULL): where.
 */
long rng_open_pci(struct rng *r, uint32_t *sbdf);

/* The virtio-rng-device on virtio-mmio (virt machines), opened, started and bound. */
long rng_open_mmio(struct rng *r);

/* Bind r->v.line to a new notification (RNG_BIT) and make the DMA page; after virtio_start. */
long rng_bind(struct rng *r, uint64_t irq, uint64_t dma);

/*
 * One request for `len` bytes into r->buf (zeroed first): posted, the
 * interrupt waited for (UTEST_PATIENCE_NS), the device's status read and
 * the line acknowledged. *got: the used length; *since (may be NULL):
 * what hw_irq_ack said (ns since the line fired).
 */
long rng_read(struct rng *r, uint32_t len, uint32_t *got, uint64_t *since);

/* Unbind, reset the device, free the queue, the page and the notification. */
void rng_close(struct rng *r);

#endif
