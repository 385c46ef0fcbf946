/*
 * The machine description (core/machine.h): one buffer filled at boot and
 * read-only afterwards, so readers need no lock.
 */
#include "core/machine.h"
#include "arch/hal/io.h"
#include "arch/hal/irq.h"
#include "core/boot_info.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "core/machine_fdt.h"
#include "include/abi/error.h"
#include "mm/phys.h"

#define DESC_MAX (48u << 10)

static union {
	struct hw_desc_header h;
	uint64_t align;
	uint8_t bytes[DESC_MAX];
} desc;

int machine_add(const struct hw_rec *rec)
{
	if (rec->size < sizeof(*rec) || rec->size % 8 || desc.h.size + rec->size > DESC_MAX)
		return E_RESOURCE_EXHAUSTED;
	memcpy(desc.bytes + desc.h.size, rec, rec->size);
	desc.h.size += rec->size;
	desc.h.count++;
	return E_OK;
}

const void *machine_desc(size_t *size)
{
	*size = desc.h.size;
	return desc.bytes;
}

const struct hw_rec_device *machine_find_compatible(const char *compat)
{
	size_t want = strlen(compat);
	for (uint32_t off = sizeof(desc.h); off < desc.h.size;) {
		const struct hw_rec *r = (const void *)(desc.bytes + off);
		const struct hw_rec_device *d = (const void *)r;
		for (size_t i = 0; r->type == HW_REC_DEVICE && i < HW_COMPAT_MAX;) {
			size_t n = strnlen(d->compatible + i, HW_COMPAT_MAX - i);
			if (!n)
				break;
			if (n == want && !memcmp(d->compatible + i, compat, n))
				return d;
			i += n + 1;
		}
		off += r->size;
	}
	return NULL;
}

const struct hw_rec_pci_host *machine_pci_host(unsigned idx)
{
	for (uint32_t off = sizeof(desc.h); off < desc.h.size;) {
		const struct hw_rec *r = (const void *)(desc.bytes + off);
		if (r->type == HW_REC_PCI_HOST && !idx--)
			return (const void *)r;
		off += r->size;
	}
	return NULL;
}

bool machine_line_is_kernel(unsigned line)
{
	for (uint32_t off = sizeof(desc.h); off < desc.h.size;) {
		const struct hw_rec *r = (const void *)(desc.bytes + off);
		const struct hw_rec_device *d = (const void *)r;
		if (r->type == HW_REC_DEVICE && r->flags & HW_REC_KERNEL)
			for (uint32_t i = 0; i < d->irq_count && i < HW_MAX_IRQ; i++)
				if (d->irq[i].line == line)
					return true;
		off += r->size;
	}
	return false;
}

bool machine_kernel_mmio(uint64_t base, uint64_t size)
{
	uint64_t b, s;
	for (unsigned i = 0; arch_kernel_mmio(i, &b, &s); i++)
		if (size && s &&
		    (base >= b ? base - b < s : b - base < size)) /* no end that wraps */
			return true;
	return false;
}

static int add_marked(const struct hw_rec *rec)
{
	if (rec->type == HW_REC_DEVICE) {
		struct hw_rec_device d;
		memcpy(&d, rec, sizeof(d));
		for (uint32_t i = 0; i < d.reg_count && i < HW_MAX_REG; i++)
			if (!(d.rec.flags & HW_REC_PORTS) &&
			    machine_kernel_mmio(d.reg[i].base, d.reg[i].size))
				d.rec.flags |= HW_REC_KERNEL;
		return machine_add(&d.rec);
	}
	return machine_add(rec);
}

void machine_init(const struct boot_info *bi)
{
	desc.h = (struct hw_desc_header){.magic = HW_DESC_MAGIC, .size = sizeof(desc.h)};
	if (bi->dtb) {
		int err = machine_fdt_describe(phys_to_virt(bi->dtb), bi->dtb_size, add_marked);
		if (err)
			pr_warn("machine: the device tree's description is incomplete (%d)", err);
	}
	arch_machine_describe(bi);
	pr_info("machine: %u records, %u bytes", desc.h.count, desc.h.size);
}
