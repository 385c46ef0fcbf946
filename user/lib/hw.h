/*
 * Hardware capabilities of the Driver API from user space (the calls are
 * described in include/abi/hw.h), and a walk over the machine description.
 */
#ifndef USER_HW_H
#define USER_HW_H

#include "include/abi/cap.h"
#include "include/abi/hw.h"
#include "kestrel.h"

#define SYS4(nr, a, b, c, d, r) \
	sys(nr, (uintptr_t)(a), (uintptr_t)(b), (uintptr_t)(c), (uintptr_t)(d), 0, 0, 0, r)
#define SYS5(nr, a, b, c, d, e, r)                                                                 \
	sys(nr, (uintptr_t)(a), (uintptr_t)(b), (uintptr_t)(c), (uintptr_t)(d), (uintptr_t)(e), 0, \
	    0, r)

/* Bind `line` (covered by irq_cap) to `bit` of a notification; flags IRQ_FLAG_* or 0. */
static inline long hw_irq_bind(uint64_t irq_cap, unsigned line, uint64_t notification, unsigned bit,
			       unsigned flags)
{
	if (bit > 63 || flags > 0xff)
		return E_INVALID_PARAMETER; /* they share one argument: bit | flags << 8 */
	return SYS4(SYS_INTERRUPT_BIND, irq_cap, line, notification, bit | flags << 8, NULL);
}

/* Acknowledge an interrupt on `line`; *since (may be NULL): ns since it fired. */
static inline long hw_irq_ack(uint64_t irq_cap, unsigned line, uint64_t *since)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_INTERRUPT_ACK, irq_cap, line, r);
	if (!tag && since)
		*since = r[0];
	return tag;
}

static inline long hw_irq_unbind(uint64_t irq_cap, unsigned line)
{
	return SYS2(SYS_INTERRUPT_UNBIND, irq_cap, line, NULL);
}

/* Map [phys, phys + size) of an MMIO capability as device memory (addr 0: anywhere). */
static inline long hw_mmio_map(uint64_t cap, uint64_t phys, uint64_t size, void **addr)
{
	uintptr_t r[7];
	long tag = SYS4(SYS_MMIO_MAP, cap, phys, size, *addr, r);
	if (!tag)
		*addr = (void *)r[0];
	return tag;
}

static inline long hw_port_in(uint64_t cap, unsigned port, unsigned width, uint32_t *value)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_PORT_IN, cap, port, width, r);
	if (!tag)
		*value = (uint32_t)r[0];
	return tag;
}

static inline long hw_port_out(uint64_t cap, unsigned port, unsigned width, uint32_t value)
{
	return SYS4(SYS_PORT_OUT, cap, port, width, value, NULL);
}

/* A capability for [first, first + extent) of `cap`'s range, with `rights`. */
static inline long hw_derive_range(uint64_t cap, uint32_t rights, uint64_t first, uint64_t extent,
				   uint64_t *out)
{
	uintptr_t r[7];
	long tag = SYS4(SYS_CAPABILITY_DERIVE_RANGE, cap, rights, first, extent, r);
	if (!tag)
		*out = r[0];
	return tag;
}

/* DmaBuffer::alloc_coherent: zeroed, contiguous, mapped; its address and physical address. */
static inline long hw_dma_alloc(uint64_t cap, uint64_t size, unsigned zone, void **addr,
				uint64_t *phys)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_DMA_ALLOC, cap, size, zone, r);
	if (!tag) {
		*addr = (void *)r[0];
		*phys = r[1];
	}
	return tag;
}

/* DmaBuffer::map_memory: pin the caller's pages, their physical addresses into phys[]. */
static inline long hw_dma_pin(uint64_t cap, void *addr, uint64_t size, uint64_t *phys)
{
	return SYS4(SYS_DMA_PIN, cap, addr, size, phys, NULL);
}

static inline long hw_dma_release(void *addr)
{
	return SYS1(SYS_DMA_RELEASE, addr, NULL);
}

static inline long hw_pci_read(uint64_t cap, uint32_t sbdf, unsigned offset, unsigned width,
			       uint32_t *value)
{
	uintptr_t r[7];
	long tag = SYS4(SYS_PCI_CONFIG_READ, cap, sbdf, offset, width, r);
	if (!tag)
		*value = (uint32_t)r[0];
	return tag;
}

static inline long hw_pci_write(uint64_t cap, uint32_t sbdf, unsigned offset, unsigned width,
				uint32_t value)
{
	return SYS5(SYS_PCI_CONFIG_WRITE, cap, sbdf, offset, width, value, NULL);
}

/* Where the function's INTx arrives: the line and IRQ_FLAG_*. */
static inline long hw_pci_interrupt(uint64_t cap, uint32_t sbdf, unsigned *line, unsigned *flags)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_PCI_INTERRUPT, cap, sbdf, r);
	if (!tag) {
		*line = (unsigned)r[0];
		*flags = (unsigned)r[1];
	}
	return tag;
}

/* A new MSI line for the function: the line, its interrupt capability, what to write where. */
static inline long hw_pci_msi_alloc(uint64_t cap, uint32_t sbdf, unsigned *line, uint64_t *irq_cap,
				    uint64_t *address, uint32_t *data)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_PCI_MSI_ALLOC, cap, sbdf, r);
	if (!tag) {
		*line = (unsigned)r[0];
		*irq_cap = r[1];
		*address = r[2];
		*data = (uint32_t)r[3];
	}
	return tag;
}

/* The machine description into buf (size bytes); *need: its size (copied only if it fits). */
static inline long hw_machine_info(uint64_t root, void *buf, uint64_t size, uint64_t *need)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_MACHINE_INFO, root, buf, size, r);
	if (!tag)
		*need = r[0];
	return tag;
}

/* The next record of a description after `rec` (NULL: the first), or NULL at its end. */
static inline const struct hw_rec *hw_next_rec(const void *desc, const struct hw_rec *rec)
{
	const struct hw_desc_header *h = desc;
	const char *end = (const char *)desc + h->size;
	const char *at = rec ? (const char *)rec + rec->size : (const char *)(h + 1);
	if (at + sizeof(struct hw_rec) > end)
		return NULL;
	const struct hw_rec *r = (const void *)at;
	return r->size < sizeof(*r) || at + r->size > end ? NULL : r;
}

/* Power off (root device capability with WRITE): at once from the watcher, else through it. */
static inline long sys_power_off(uint64_t root, int status)
{
	return SYS2(SYS_POWER_OFF, root, status, NULL);
}

/* Be the power watcher: `bit` of `notification` is signalled when a power-off is asked for. */
static inline long sys_power_watch(uint64_t root, uint64_t notification, unsigned bit)
{
	return SYS3(SYS_POWER_WATCH, root, notification, bit, NULL);
}

/* One of the caller's own capabilities of `type`, from *cursor (0: the first) on. */
static inline long sys_cap_next(unsigned type, uint64_t *cursor, uint64_t *token, uint64_t *object,
				uint64_t *extent)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_CAPABILITY_NEXT, type, *cursor, r);
	if (!tag) {
		*token = r[0];
		*cursor = r[1];
		if (object)
			*object = r[2];
		if (extent)
			*extent = r[3];
	}
	return tag;
}

/*
 * The caller's first capability of `type` (for OBJ_DEVICE: of kind `kind`,
 * HW_DEV_*), as init holds the root ones; 0 when it has none.
 */
static inline uint64_t hw_find_cap(unsigned type, unsigned kind)
{
	uint64_t cursor = 0, token, object;
	while (!sys_cap_next(type, &cursor, &token, &object, NULL))
		if (type != OBJ_DEVICE || HW_DEV_KIND(object) == kind)
			return token;
	return 0;
}

#endif
