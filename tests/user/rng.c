/* The virtio-rng devices for the tests and benchmarks (rng.h). */
#include "rng.h"

#include "hw.h"
#include "ipc.h"
#include "utest.h"

#define SPURIOUS_MAX 16 /* interrupts without a used buffer before rng_read gives up */

const void *rng_machine(void)
{
	/* Read once into pages of its own (it does not change after boot): no .bss every child zeroes. */
	static void *desc;
	uint64_t need, got, root = hw_find_cap(OBJ_DEVICE, HW_DEV_ROOT);
	void *buf;
	if (desc)
		return desc;
	if (!root || hw_machine_info(root, NULL, 0, &need) ||
	    sys_mmap(NULL, need, PROT_READ | PROT_WRITE, &buf, NULL))
		return NULL;
	if (hw_machine_info(root, buf, need, &got) || got != need) {
		sys_munmap(buf, need);
		return NULL;
	}
	return desc = buf;
}

long rng_bind(struct rng *r, uint64_t irq, uint64_t dma)
{
	r->irq = irq;
	long err = notification_create(&r->notify);
	if (err)
		return err;
	err = hw_dma_alloc(dma, 4096, DMA_ZONE_ANY, (void **)&r->buf, &r->buf_phys);
	if (!err)
		err = hw_irq_bind(irq, r->v.line, r->notify, RNG_BIT, r->v.line_flags);
	return err;
}

static long start(struct rng *r)
{
	uint64_t dma = hw_find_cap(OBJ_DMA, 0), irq = hw_find_cap(OBJ_INTERRUPT, 0);
	long err = virtio_start(&r->v, dma, 0);
	return err ? err : rng_bind(r, irq, dma);
}

long rng_open_pci(struct rng *r, uint32_t *sbdf)
{
	uint64_t bus = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS), mmio = hw_find_cap(OBJ_MMIO, 0);
	const void *desc = rng_machine();
	uint32_t f;
	*r = (struct rng){0};
	if (!bus || !desc)
		return E_NOT_FOUND;
	long err = virtio_pci_find(bus, VIRTIO_ID_ENTROPY, &f);
	if (!err)
		err = virtio_pci_place(bus, f, desc);
	if (!err)
		err = virtio_pci_open(&r->v, bus, f, mmio, desc);
	if (!err && sbdf)
		*sbdf = f;
	return err ? err : start(r);
}

long rng_open_mmio(struct rng *r)
{
	const void *desc = rng_machine();
	*r = (struct rng){0};
	if (!desc)
		return E_NOT_FOUND;
	long err = virtio_mmio_find(&r->v, desc, hw_find_cap(OBJ_MMIO, 0), VIRTIO_ID_ENTROPY);
	return err ? err : start(r);
}

long rng_read(struct rng *r, uint32_t len, uint32_t *got, uint64_t *since)
{
	if (len > 4096)
		return E_INVALID_PARAMETER;
	memset(r->buf, 0, len);
	long err = virtio_post(&r->v, r->buf_phys, len, true);
	for (unsigned i = 0; !err && i < SPURIOUS_MAX; i++) {
		uint64_t bits = 0;
		err = notification_wait(r->notify, UTEST_PATIENCE_NS, &bits);
		if (err)
			return err;
		if (!(bits & 1ull << RNG_BIT))
			return E_INVALID_PARAMETER; /* a bit nobody sets */
		virtio_isr(&r->v);		    /* the device lowers its line */
		err = hw_irq_ack(r->irq, r->v.line, since);
		if (!err && virtio_used(&r->v, got))
			return E_OK;
	}
	return err ? err : E_TIMEOUT;
}

void rng_close(struct rng *r)
{
	if (r->irq)
		hw_irq_unbind(r->irq, r->v.line);
	virtio_stop(&r->v);
	if (r->buf)
		hw_dma_release(r->buf);
	if (r->notify)
		sys_cap_revoke(r->notify);
	*r = (struct rng){0};
}
