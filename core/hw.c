/*
 * Hardware capabilities of the Driver API (include/abi/hw.h): interrupt
 * lines bound to notifications, MMIO mappings, I/O ports, DMA memory, PCI
 * configuration space and the machine description, each reached only
 * through a capability, and what a holder leaves behind when it dies.
 *
 * What the kernel keeps for itself is refused to everyone, the root
 * included: its RAM (every RAM and reserved range of the boot memory map:
 * the kernel image, page tables and heap live there), the device
 * registers arch_kernel_mmio() names, the PCI hosts' ECAM windows (config
 * space is reached through the kernel) and the ports arch_kernel_ports()
 * names. System calls run with interrupts off (arch/hal/user.h), which is
 * what makes the tables here consistent against the interrupt handler.
 */
#include "core/hw.h"
#include "arch/hal/cpu.h"
#include "arch/hal/io.h"
#include "arch/hal/irq.h"
#include "arch/hal/power.h"
#include "cap/cap.h"
#include "core/boot_info.h"
#include "core/irq.h"
#include "core/irqline.h"
#include "core/kprintf.h"
#include "core/kthread.h"
#include "core/kstring.h"
#include "core/machine.h"
#include "core/pci.h"
#include "core/process.h"
#include "core/syscall.h"
#include "include/abi/hw.h"
#include "include/abi/ipc.h"
#include "ipc/ipc.h"
#include "ipc/notify.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "mm/vmspace.h"

#define BOUND_MAX	32	    /* lines bound to user space at once */
#define MSI_MAX		32	    /* MSI lines handed out at once */
#define MASTERS_MAX	64	    /* functions whose bus mastering a process turned on */
#define DMA_MAX		(16u << 20) /* bytes in one DMA_ALLOC */
#define DMA_PROCESS_MAX (64u << 20) /* bytes of DMA_ALLOC one process holds at once */
#define PIN_PAGES	512u	    /* pages in one DMA_PIN */
#define MMIO_EXTENT	(1ull << 52)
#define PCI_COMMAND	0x04
#define PCI_CMD_MASTER	0x4u
#define PCI_HEADER	0x0e

/* RAM and reserved ranges of the boot memory map: the kernel's. */
static struct mem_range kernel_ram[BOOT_MAX_RAM + BOOT_MAX_RESERVED];
static unsigned kernel_ram_count;

/* A line bound to a notification (SYS_INTERRUPT_BIND) or claimed as Xous messages. */
static struct bound {
	unsigned line;
	struct irqline st;	 /* IRQL_FREE: the slot is free */
	struct ipc_endpoint *ep; /* Xous: the server the messages go to; NULL: a notification */
	uint64_t fired_at;	 /* arch_counter() when it last fired */
	unsigned flags;		 /* how it signalled before it was bound: restored at unbind */
} bound[BOUND_MAX];

static struct msi {
	unsigned line;
	const struct process *owner; /* NULL: free */
} msis[MSI_MAX];

/* Functions whose bus mastering `owner` turned on: turned off again when it dies. */
static struct master {
	uint32_t sbdf;
	const struct process *owner; /* NULL: free */
} masters[MASTERS_MAX];

/* DMA memory of a process: made by DMA_ALLOC (frames its own) or pinned by DMA_PIN. */
struct dma_region {
	struct dma_region *next;
	uintptr_t va;
	size_t pages;
	uint64_t phys; /* DMA_ALLOC: the first frame's address; 0 for pinned pages */
};

static uint64_t irq_stamp; /* arch_counter() when the last user-bound interrupt was taken */

void hw_init(const struct boot_info *bi)
{
	kernel_ram_count = 0;
	for (unsigned i = 0; i < bi->ram_count; i++)
		kernel_ram[kernel_ram_count++] = bi->ram[i];
	for (unsigned i = 0; i < bi->reserved_count; i++)
		kernel_ram[kernel_ram_count++] = bi->reserved[i];
}

/* Whether [a, a + alen) and [b, b + blen) meet, without ever computing an end that wraps. */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && (a >= b ? a - b < blen : b - a < alen);
}

bool hw_phys_is_kernel(uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < kernel_ram_count; i++)
		if (overlaps(base, size, kernel_ram[i].base, kernel_ram[i].size))
			return true;
	if (machine_kernel_mmio(base, size))
		return true;
	/* Configuration space goes through PCI_CONFIG_*, where function capabilities are checked. */
	const struct hw_rec_pci_host *h;
	for (unsigned i = 0; (h = machine_pci_host(i)); i++)
		if (h->ecam_base && overlaps(base, size, h->ecam_base, h->ecam_size))
			return true;
	return false;
}

bool hw_ports_are_kernel(uint32_t port, uint32_t count)
{
	uint16_t b, n;
	for (unsigned i = 0; arch_kernel_ports(i, &b, &n); i++)
		if (overlaps(port, count, b, n))
			return true;
	return false;
}

/* [first, first + n) inside the capability's range; n > 0. */
static bool in_range(const struct capability *c, uint64_t first, uint64_t n)
{
	return n && first >= c->object_id && first - c->object_id <= c->extent &&
	       n <= c->extent - (first - c->object_id);
}

/* An interrupt capability of `p` (`token`, WRITE) that covers `line`. */
static int line_authority(struct process *p, uint64_t token, uint64_t line)
{
	struct capability c;
	CHECK(cap_lookup(&p->caps, token, OBJ_INTERRUPT, RIGHT_WRITE, &c));
	return in_range(&c, line, 1) ? E_OK : E_PERMISSION_DENIED;
}

uint64_t hw_irq_stamp(void)
{
	return irq_stamp;
}

/* ---- Interrupt lines ---- */

static struct bound *bound_of(unsigned line)
{
	for (unsigned i = 0; i < BOUND_MAX; i++)
		if (bound[i].st.state != IRQL_FREE && bound[i].line == line)
			return &bound[i];
	return NULL;
}

/* The handler of a bound line (interrupts off, from trap_irq). */
static void bound_irq(unsigned line, void *arg)
{
	struct bound *b = arg;
	b->fired_at = irq_stamp = arch_counter();
	unsigned act = irqline_fire(&b->st);
	if (act & IRQL_MASK)
		arch_irq_mask(line);
	if (!(act & IRQL_SIGNAL))
		return;
	if (b->ep) {
		ipc_notify_irq(b->ep, line);
	} else if (notify_signal(b->st.target, 1ull << b->st.bit)) {
		/* The notification is gone: nobody will acknowledge, so the line stays quiet. */
		arch_irq_mask(line);
		b->st.state = IRQL_FIRED;
	}
}

/* Bind `line` for `p`: to notification `notify` bit `bit`, or (ep) as Xous messages. */
static int bind_line(struct process *p, unsigned line, unsigned flags, uint64_t notify,
		     unsigned bit, struct ipc_endpoint *ep)
{
	if (flags & ~(unsigned)(IRQ_FLAG_LEVEL | IRQ_FLAG_ACTIVE_LOW) || bit > 63)
		return E_INVALID_PARAMETER;
	if (bound_of(line) || machine_line_is_kernel(line))
		return E_BUSY;	       /* bound, or a line of a device the kernel keeps */
	CHECK(irq_can_register(line)); /* and those it has a handler for */
	struct bound *b = NULL;
	for (unsigned i = 0; i < BOUND_MAX && !b; i++)
		if (bound[i].st.state == IRQL_FREE)
			b = &bound[i];
	if (!b)
		return E_RESOURCE_EXHAUSTED;
	unsigned was = arch_irq_flags(line);
	if (flags && was != flags)
		CHECK(arch_irq_configure(line, flags));
	b->flags = was;
	bool level = arch_irq_flags(line) & IRQ_LEVEL;
	CHECK(irqline_bind(&b->st, p, notify, bit, level));
	b->line = line;
	b->ep = ep;
	b->fired_at = 0;			    /* not the slot's last binding's */
	int err = irq_register(line, bound_irq, b); /* checked above: a defence */
	if (err) {
		b->st = (struct irqline){0};
		arch_irq_configure(line, was);
	}
	return err;
}

static void unbind(struct bound *b)
{
	irq_unregister(b->line); /* masks it */
	if (arch_irq_flags(b->line) != b->flags)
		arch_irq_configure(b->line, b->flags);
	irqline_unbind(&b->st, b->st.owner);
	b->ep = NULL;
}

int sys_interrupt_bind(struct trap_frame *tf, struct process *p)
{
	uint64_t line = ARG(1), how = ARG(3);
	struct capability n;
	CHECK(line_authority(p, ARG(0), line));
	CHECK(cap_lookup(&p->caps, ARG(2), OBJ_NOTIFICATION, RIGHT_WRITE, &n));
	if (line >= arch_irq_limit() || how >> 16)
		return E_INVALID_PARAMETER;
	return bind_line(p, (unsigned)line, (unsigned)(how >> 8), n.object_id, how & 0xff, NULL);
}

int sys_interrupt_ack(struct trap_frame *tf, struct process *p)
{
	CHECK(line_authority(p, ARG(0), ARG(1)));
	struct bound *b = ARG(1) < arch_irq_limit() ? bound_of((unsigned)ARG(1)) : NULL;
	if (!b)
		return E_NOT_FOUND;
	bool unmask;
	CHECK(irqline_ack(&b->st, p, &unmask));
	if (unmask)
		arch_irq_unmask(b->line);
	/* How long since it fired, in ns (instructions under -icount shift=0): the benchmarks'. */
	uint64_t ticks = arch_counter() - b->fired_at, hz = arch_counter_hz();
	RESULT(0, !b->fired_at ? 0
		  : hz	       ? ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz
			       : ticks);
	return E_OK;
}

int sys_interrupt_unbind(struct trap_frame *tf, struct process *p)
{
	CHECK(line_authority(p, ARG(0), ARG(1)));
	struct bound *b = ARG(1) < arch_irq_limit() ? bound_of((unsigned)ARG(1)) : NULL;
	if (!b)
		return E_NOT_FOUND;
	if (b->st.owner != p)
		return E_PERMISSION_DENIED; /* the binder's alone */
	unbind(b);
	return E_OK;
}

bool hw_endpoint_has_line(const struct ipc_endpoint *ep)
{
	for (unsigned i = 0; i < BOUND_MAX; i++)
		if (bound[i].st.state != IRQL_FREE && bound[i].ep == ep)
			return true;
	return false;
}

int hw_xous_claim(struct process *p, uint64_t line, struct ipc_endpoint *ep)
{
	/* Xous numbers: IRQ_TICK (256) and above are not device lines. */
	if (line >= IRQ_TICK || line >= arch_irq_limit() || !arch_irq_valid((unsigned)line))
		return E_NOT_FOUND;
	/* Xous passes no capability: any interrupt capability with WRITE covering the line. */
	struct capability c;
	bool allowed = false;
	for (uint32_t cursor = 0;
	     !allowed && cap_next(&p->caps, OBJ_INTERRUPT, &cursor, &c) == E_OK;)
		allowed = c.rights & RIGHT_WRITE && in_range(&c, line, 1);
	if (!allowed)
		return E_PERMISSION_DENIED;
	struct bound *b = bound_of((unsigned)line);
	if (b)
		return b->ep == ep ? E_OK : E_INTERRUPT_IN_USE;
	if (hw_endpoint_has_line(ep))
		return E_BUSY; /* a server's pending interrupt names one line: one line a server */
	int err = bind_line(p, (unsigned)line, 0, 0, 0, ep);
	return err == E_BUSY ? E_INTERRUPT_IN_USE : err;
}

void hw_endpoint_gone(struct ipc_endpoint *ep)
{
	for (unsigned i = 0; i < BOUND_MAX; i++)
		if (bound[i].st.state != IRQL_FREE && bound[i].ep == ep)
			unbind(&bound[i]);
}

/* ---- MMIO and ports ---- */

int sys_mmio_map(struct trap_frame *tf, struct process *p)
{
	uint64_t phys = ARG(1), size = ARG(2);
	uintptr_t addr = ARG(3);
	struct capability c;
	CHECK(cap_lookup(&p->caps, ARG(0), OBJ_MMIO, RIGHT_MAP | RIGHT_READ, &c));
	if ((phys | size | addr) & (PAGE_SIZE - 1))
		return E_BAD_ALIGNMENT;
	if (!size || phys + size < phys)
		return E_INVALID_PARAMETER;
	if (!in_range(&c, phys, size) || hw_phys_is_kernel(phys, size))
		return E_PERMISSION_DENIED;
	if (!addr && !(addr = vmspace_find_free(&p->vs, USER_MMAP_BASE, size)))
		return E_OUT_OF_MEMORY;
	unsigned flags =
	    PTE_CACHE_DISABLE | PTE_NO_EXECUTE | (c.rights & RIGHT_WRITE ? PTE_WRITABLE : 0);
	CHECK(vmspace_map_phys(&p->vs, addr, phys, size, flags));
	RESULT(0, addr);
	return E_OK;
}

static int port_call(struct trap_frame *tf, struct process *p, uint32_t right, uint32_t *value)
{
	uint64_t port = ARG(1), width = ARG(2);
	struct capability c;
	CHECK(cap_lookup(&p->caps, ARG(0), OBJ_IO_PORTS, right, &c));
	if ((width != 1 && width != 2 && width != 4) || port > 0xffff || port + width > 0x10000)
		return E_INVALID_PARAMETER;
	if (right == RIGHT_WRITE && width < 4 && *value >> (8 * width))
		return E_INVALID_PARAMETER; /* more than the port takes */
	if (!in_range(&c, port, width) || hw_ports_are_kernel((uint32_t)port, (uint32_t)width))
		return E_PERMISSION_DENIED;
	return arch_port_io((uint16_t)port, (unsigned)width, value, right == RIGHT_WRITE);
}

int sys_port_in(struct trap_frame *tf, struct process *p)
{
	uint32_t v = 0;
	CHECK(port_call(tf, p, RIGHT_READ, &v));
	RESULT(0, v);
	return E_OK;
}

/*
 * What the PS/2 keyboard's driver read, for the kernel's takers of
 * scancodes: only from a holder of an interrupt capability (WRITE) for the
 * keyboard's line, which the manager derives for that driver alone (the
 * shell and what it runs hold port capabilities, never interrupt ones).
 */
int sys_keyboard_input(struct trap_frame *tf, struct process *p)
{
	unsigned line;
	uint64_t codes = ARG(1), n = ARG(2);
	CHECK(arch_keyboard_line(&line));
	CHECK(line_authority(p, ARG(0), line));
	if (!n || n > 8)
		return E_INVALID_PARAMETER;
	uint8_t sc[8];
	for (unsigned i = 0; i < n; i++)
		sc[i] = (uint8_t)(codes >> (8 * i));
	irqflags_t irq = arch_irq_save();
	arch_keyboard_input(sc, (unsigned)n);
	arch_irq_restore(irq);
	return E_OK;
}

int sys_port_out(struct trap_frame *tf, struct process *p)
{
	uint32_t v = (uint32_t)ARG(3);
	if (ARG(3) >> 32)
		return E_INVALID_PARAMETER;
	return port_call(tf, p, RIGHT_WRITE, &v);
}

/* ---- Narrowing ---- */

int sys_cap_derive_range(struct trap_frame *tf, struct process *p)
{
	uint64_t first = ARG(2), n = ARG(3);
	struct capability c, out;
	if (ARG(1) & ~(uintptr_t)RIGHTS_ALL)
		return E_INVALID_PARAMETER;
	CHECK(validate_capability(&p->caps, ARG(0), 0, &c));
	switch (c.object_type) {
	case OBJ_MMIO:
		if ((first | n) & (PAGE_SIZE - 1))
			return E_BAD_ALIGNMENT;
		break;
	case OBJ_IO_PORTS:
	case OBJ_INTERRUPT:
		break;
	case OBJ_DEVICE:
		if (HW_DEV_KIND(c.object_id) != HW_DEV_PCI_BUS ||
		    HW_DEV_KIND(first) != HW_DEV_PCI_BUS)
			return E_INVALID_PARAMETER; /* only a bus narrows to functions */
		break;
	default:
		return E_INVALID_PARAMETER;
	}
	if (!in_range(&c, first, n))
		return E_PERMISSION_DENIED;
	if (c.object_type == OBJ_DEVICE &&
	    n == 1) /* one function of a bus: its BARs are not its own */
		first = HW_DEV_ID(HW_DEV_PCI_FUNCTION, (uint32_t)first);
	else if (c.object_type == OBJ_DEVICE && (first & 0xff || n % 256))
		return E_INVALID_PARAMETER; /* bus-wide authority only over whole buses */
	CHECK(derive_capability_range(&p->caps, ARG(0), (uint32_t)ARG(1), first, n, &out));
	RESULT(0, out.token);
	return E_OK;
}

/* ---- DMA ---- */

static struct dma_region *dma_find(struct process *p, uintptr_t va, struct dma_region ***link)
{
	for (struct dma_region **l = &p->dma; *l; l = &(*l)->next)
		if ((*l)->va == va) {
			*link = l;
			return *l;
		}
	return NULL;
}

/* Frames below the zone's limit, trying the highest zone first. */
static int dma_frames(size_t pages, uint64_t zone, uint64_t *frame)
{
	static const enum zone order[] = {ZONE_HIGH, ZONE_NORMAL, ZONE_DMA};
	uint64_t limit = zone == DMA_ZONE_ISA	  ? ZONE_DMA_LIMIT
			 : zone == DMA_ZONE_32BIT ? 1ull << 32
						  : UINT64_MAX;
	int err = E_OUT_OF_MEMORY;
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]) && err; i++)
		if (zone != DMA_ZONE_ISA || order[i] == ZONE_DMA)
			err = limit == UINT64_MAX
				  ? allocate_frames(pages, order[i], frame)
				  : allocate_frames_below(pages, order[i], limit, frame);
	return err ? E_OUT_OF_MEMORY : E_OK;
}

int sys_dma_alloc(struct trap_frame *tf, struct process *p)
{
	uint64_t size = ARG(1), zone = ARG(2);
	struct capability c;
	CHECK(cap_lookup(&p->caps, ARG(0), OBJ_DMA, RIGHT_WRITE, &c));
	if (!size || size > DMA_MAX || zone > DMA_ZONE_ISA)
		return E_INVALID_PARAMETER;
	size_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	size_t held = 0;
	for (const struct dma_region *r = p->dma; r; r = r->next)
		held += r->phys ? r->pages * PAGE_SIZE : 0;
	if (held + pages * PAGE_SIZE > DMA_PROCESS_MAX)
		return E_RESOURCE_EXHAUSTED; /* the frames are everyone's */
	uintptr_t va = vmspace_find_free(&p->vs, USER_MMAP_BASE, pages * PAGE_SIZE);
	struct dma_region *d = va ? kmalloc(sizeof(*d)) : NULL;
	uint64_t frame;
	if (!d)
		return E_OUT_OF_MEMORY;
	if (dma_frames(pages, zone, &frame)) {
		kfree(d);
		return E_OUT_OF_MEMORY;
	}
	uint64_t pa = frame * FRAME_SIZE;
	memset(phys_to_virt(pa), 0, pages * PAGE_SIZE);
	int err =
	    vmspace_map_phys(&p->vs, va, pa, pages * PAGE_SIZE, PTE_WRITABLE | PTE_NO_EXECUTE);
	if (!err)
		err = vmspace_pin(&p->vs, va, true); /* DMA_RELEASE, not munmap, gives it back */
	if (err) {
		vmspace_unmap(&p->vs, va, pages * PAGE_SIZE);
		free_frames(frame, pages);
		kfree(d);
		return err;
	}
	*d = (struct dma_region){.next = p->dma, .va = va, .pages = pages, .phys = pa};
	p->dma = d;
	RESULT(0, va);
	RESULT(1, pa);
	return E_OK;
}

int sys_dma_pin(struct trap_frame *tf, struct process *p)
{
	uintptr_t va = ARG(1), out = ARG(3);
	uint64_t size = ARG(2);
	struct capability c;
	struct dma_region **link;
	CHECK(cap_lookup(&p->caps, ARG(0), OBJ_DMA, RIGHT_WRITE, &c));
	if ((va | size) & (PAGE_SIZE - 1))
		return E_BAD_ALIGNMENT;
	size_t pages = size / PAGE_SIZE;
	if (!pages || pages > PIN_PAGES)
		return E_INVALID_PARAMETER;
	if (dma_find(p, va, &link))
		return E_BUSY; /* one record per address: DMA_RELEASE names it */
	CHECK(user_range_ok(&p->vs, out, pages * sizeof(uint64_t), true));
	uint64_t *pa = kmalloc(pages * sizeof(uint64_t));
	struct dma_region *d = kmalloc(sizeof(*d));
	int err = pa && d ? vmspace_dma_pin(&p->vs, va, size, pa) : E_OUT_OF_MEMORY;
	if (!err) {
		err = copy_to_user(&p->vs, out, pa, pages * sizeof(uint64_t));
		if (err)
			vmspace_dma_unpin(&p->vs, va);
	}
	kfree(pa);
	if (err) {
		kfree(d);
		return err;
	}
	*d = (struct dma_region){.next = p->dma, .va = va, .pages = pages};
	p->dma = d;
	RESULT(0, pages);
	return E_OK;
}

static void dma_free(struct process *p, struct dma_region *d, bool unmap)
{
	if (!d->phys) {
		if (unmap)
			vmspace_dma_unpin(&p->vs, d->va);
	} else {
		if (unmap) {
			vmspace_pin(&p->vs, d->va, false);
			vmspace_unmap(&p->vs, d->va, d->pages * PAGE_SIZE);
		}
		free_frames(d->phys / FRAME_SIZE, d->pages);
	}
	kfree(d);
}

int sys_dma_release(struct trap_frame *tf, struct process *p)
{
	struct dma_region **link, *d = dma_find(p, ARG(0), &link);
	if (!d)
		return E_NOT_FOUND;
	*link = d->next;
	dma_free(p, d, true);
	return E_OK;
}

/* ---- PCI ---- */

/* The function `sbdf` through device capability `token` with `right`; *bus: a bus-wide one. */
static int pci_authority(struct process *p, uint64_t token, uint64_t sbdf, uint32_t right,
			 bool *bus)
{
	struct capability c;
	CHECK(cap_lookup(&p->caps, token, OBJ_DEVICE, right, &c));
	uint32_t kind = HW_DEV_KIND(c.object_id);
	if (sbdf >> 32)
		return E_INVALID_PARAMETER;
	*bus = kind == HW_DEV_PCI_BUS;
	if (kind == HW_DEV_PCI_FUNCTION)
		return (uint32_t)c.object_id == sbdf ? E_OK : E_PERMISSION_DENIED;
	if (kind == HW_DEV_PCI_BUS) {
		struct capability r = c;
		r.object_id = (uint32_t)c.object_id;
		return in_range(&r, sbdf, 1) ? E_OK : E_PERMISSION_DENIED;
	}
	return E_INVALID_CAPABILITY; /* the root: not a PCI capability */
}

int sys_pci_config_read(struct trap_frame *tf, struct process *p)
{
	bool bus;
	uint32_t v;
	CHECK(pci_authority(p, ARG(0), ARG(1), RIGHT_READ, &bus));
	if (ARG(2) > 0xfff || ARG(3) > 4)
		return E_INVALID_PARAMETER;
	CHECK(pci_config((uint32_t)ARG(1), (unsigned)ARG(2), (unsigned)ARG(3), &v, false));
	RESULT(0, v);
	return E_OK;
}

/*
 * Whether [off, off + width) of a function with header type `type` touches
 * what places or resets it: BARs and the expansion ROM; a bridge's bus
 * numbers, windows (and their upper halves) and bridge control (secondary
 * reset, VGA/ISA decoding); all of a CardBus or unknown header past the
 * ID registers; and extended configuration space (SR-IOV and resizable
 * BARs live there).
 */
static bool touches_placement(unsigned off, unsigned width, uint32_t type)
{
	if (off + width > 0x100)
		return true;
	switch (type & 0x7f) {
	case 0:
		return overlaps(off, width, 0x10, 0x18) || overlaps(off, width, 0x30, 4);
	case 1:
		return overlaps(off, width, 0x10, 0x24) || overlaps(off, width, 0x38, 4) ||
		       overlaps(off, width, 0x3e, 2);
	default:
		return overlaps(off, width, 0x10, 0x30);
	}
}

/* p's record of turning bus mastering on for `sbdf`, or NULL; *free: a free slot, or NULL. */
static struct master *master_of(const struct process *p, uint32_t sbdf, struct master **free)
{
	*free = NULL;
	for (unsigned i = 0; i < MASTERS_MAX; i++) {
		if (masters[i].owner == p && masters[i].sbdf == sbdf)
			return &masters[i];
		if (!masters[i].owner && !*free)
			*free = &masters[i];
	}
	return NULL;
}

int sys_pci_config_write(struct trap_frame *tf, struct process *p)
{
	bool bus;
	uint32_t sbdf = (uint32_t)ARG(1), type;
	unsigned off = (unsigned)ARG(2), width = (unsigned)ARG(3);
	uint32_t v = (uint32_t)ARG(4);
	CHECK(pci_authority(p, ARG(0), ARG(1), RIGHT_WRITE, &bus));
	if (ARG(2) > 0xfff || (width != 1 && width != 2 && width != 4) || off % width ||
	    (width < 4 && ARG(4) >> (8 * width)) || ARG(4) >> 32)
		return E_INVALID_PARAMETER;
	CHECK(pci_config(sbdf, PCI_HEADER, 1, &type, false));
	if (!bus && touches_placement(off, width, type))
		return E_PERMISSION_DENIED; /* only the bus's holder moves or resets it */
	/*
	 * Bus mastering turned on is recorded before the write, and a full
	 * table refuses it: a dying process's devices must all be stopped.
	 */
	bool master_known = overlaps(off, width, PCI_COMMAND, 1);
	bool master = master_known && (v >> (8 * (PCI_COMMAND - off))) & PCI_CMD_MASTER;
	struct master *free, *m = master_known ? master_of(p, sbdf, &free) : NULL;
	if (master && !m && !free)
		return E_RESOURCE_EXHAUSTED;
	CHECK(pci_config(sbdf, off, width, &v, true));
	if (master && !m)
		*free = (struct master){.sbdf = sbdf, .owner = p};
	else if (master_known && !master && m)
		m->owner = NULL;
	return E_OK;
}

int sys_pci_interrupt(struct trap_frame *tf, struct process *p)
{
	bool bus;
	unsigned line, flags;
	CHECK(pci_authority(p, ARG(0), ARG(1), RIGHT_READ, &bus));
	CHECK(pci_intx_route((uint32_t)ARG(1), &line, &flags));
	RESULT(0, line);
	RESULT(1, flags);
	return E_OK;
}

int sys_pci_msi_alloc(struct trap_frame *tf, struct process *p)
{
	bool bus;
	CHECK(pci_authority(p, ARG(0), ARG(1), RIGHT_WRITE, &bus));
	CHECK(cap_space_room(&p->caps, 1, 1));
	struct msi *m = NULL;
	for (unsigned i = 0; i < MSI_MAX && !m; i++)
		if (!msis[i].owner)
			m = &msis[i];
	if (!m)
		return E_RESOURCE_EXHAUSTED;
	unsigned line;
	uint64_t address;
	uint32_t data;
	CHECK(arch_msi_alloc((uint32_t)ARG(1), &line, &address, &data));
	struct capability c;
	int err = create_capability_range(&p->caps, OBJ_INTERRUPT, line, 1,
					  RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, &c);
	if (err) { /* the room was checked: a defence */
		arch_msi_free(line);
		return err;
	}
	*m = (struct msi){.line = line, .owner = p};
	RESULT(0, line);
	RESULT(1, c.token);
	RESULT(2, address);
	RESULT(3, data);
	return E_OK;
}

/* ---- The machine ---- */

int sys_machine_info(struct trap_frame *tf, struct process *p)
{
	struct capability c;
	size_t size;
	CHECK(cap_lookup(&p->caps, ARG(0), OBJ_DEVICE, RIGHT_READ, &c));
	if (HW_DEV_KIND(c.object_id) != HW_DEV_ROOT)
		return E_INVALID_CAPABILITY;
	const void *d = machine_desc(&size);
	if (ARG(2) >= size)
		CHECK(copy_to_user(&p->vs, ARG(1), d, size));
	RESULT(0, size);
	return E_OK;
}

int hw_root_caps(struct cap_space *cs)
{
	uint32_t all = RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT;
	unsigned hosts = 0;
	uint16_t seg;
	uint8_t b0, b1;
	while (pci_bus_range(hosts, &seg, &b0, &b1))
		hosts++;
	CHECK(cap_space_room(cs, 5 + hosts, 5 + hosts));
	CHECK(create_capability_range(cs, OBJ_MMIO, 0, MMIO_EXTENT, all | RIGHT_MAP, NULL));
	CHECK(create_capability_range(cs, OBJ_INTERRUPT, 0, arch_irq_limit(), all, NULL));
	CHECK(create_capability_range(cs, OBJ_DMA, 0, 0, all, NULL));
	CHECK(create_capability_range(cs, OBJ_DEVICE, HW_DEV_ID(HW_DEV_ROOT, 0), 0, all, NULL));
	for (unsigned i = 0; pci_bus_range(i, &seg, &b0, &b1); i++)
		CHECK(create_capability_range(
		    cs, OBJ_DEVICE, HW_DEV_ID(HW_DEV_PCI_BUS, (uint32_t)seg << 16 | b0 << 8),
		    (uint64_t)(b1 - b0 + 1) * 256, all, NULL));
	return E_OK;
}

/* ---- Power ---- */

#define POWER_GRACE_MS 20000u /* for the watcher to stop every driver */

static struct {
	struct process *p; /* the watcher, NULL: none */
	uint64_t notification;
	unsigned bit;
} power_watcher;

static int power_cap(struct process *p, uint64_t token)
{
	struct capability c;
	CHECK(cap_lookup(&p->caps, token, OBJ_DEVICE, RIGHT_WRITE, &c));
	return HW_DEV_KIND(c.object_id) == HW_DEV_ROOT ? E_OK : E_INVALID_CAPABILITY;
}

bool hw_holds_root(const struct process *p)
{
	struct capability c;
	for (uint32_t cursor = 0; p && cap_next(&p->caps, OBJ_DEVICE, &cursor, &c) == E_OK;)
		if (HW_DEV_KIND(c.object_id) == HW_DEV_ROOT && c.rights & RIGHT_WRITE)
			return true;
	return false;
}

int sys_power_off(struct trap_frame *tf, struct process *p)
{
	CHECK(power_cap(p, ARG(0)));
	if (!power_watcher.p || power_watcher.p == p) {
		kprintf("powering off (status %d, asked by process %llu)\n", (int)ARG(1),
			(unsigned long long)p->pid);
		arch_power_off((int)ARG(1));
	}
	if (notify_signal(power_watcher.notification, 1ull << power_watcher.bit)) {
		power_watcher.p = NULL; /* its notification is gone: nobody to wait for */
		arch_power_off((int)ARG(1));
	}
	return E_OK;
}

int sys_power_watch(struct trap_frame *tf, struct process *p)
{
	struct capability n;
	CHECK(power_cap(p, ARG(0)));
	CHECK(cap_lookup(&p->caps, ARG(1), OBJ_NOTIFICATION, RIGHT_WRITE, &n));
	if (ARG(2) > 63)
		return E_INVALID_PARAMETER;
	if (power_watcher.p && power_watcher.p != p)
		return E_BUSY;
	power_watcher.p = p;
	power_watcher.notification = n.object_id;
	power_watcher.bit = (unsigned)ARG(2);
	return E_OK;
}

void hw_power_off_request(int status)
{
	if (power_watcher.p &&
	    !notify_signal(power_watcher.notification, 1ull << power_watcher.bit)) {
		kprintf("power-off: the watcher (process %llu) stops the drivers\n",
			(unsigned long long)power_watcher.p->pid);
		for (unsigned ms = 0; ms < POWER_GRACE_MS && power_watcher.p; ms += 10) {
			irqflags_t irq = arch_irq_save();
			kthread_block(BLOCK_SLEEP, 10000000ull);
			arch_irq_restore(irq);
		}
		if (power_watcher.p)
			kprintf("power-off: the watcher did not finish in %u ms\n", POWER_GRACE_MS);
	}
	arch_power_off(status);
}

/* ---- A holder dies ---- */

void hw_process_exit(struct process *p)
{
	if (power_watcher.p == p)
		power_watcher.p = NULL;
	for (unsigned i = 0; i < BOUND_MAX; i++)
		if (bound[i].st.state != IRQL_FREE && bound[i].st.owner == p)
			unbind(&bound[i]);
	for (unsigned i = 0; i < MSI_MAX; i++)
		if (msis[i].owner == p) {
			/* Whoever bound it (its capability may have been granted on): the line goes. */
			struct bound *b = bound_of(msis[i].line);
			if (b)
				unbind(b);
			arch_msi_free(msis[i].line);
			msis[i].owner = NULL;
		}
	/*
	 * Bus mastering off on every function it turned it on for and every
	 * function capability it holds, before any of its frames can be
	 * reused: a dead driver's device must not write into someone else's.
	 */
	for (unsigned i = 0; i < MASTERS_MAX; i++)
		if (masters[i].owner == p) {
			uint32_t cmd;
			if (!pci_config(masters[i].sbdf, PCI_COMMAND, 2, &cmd, false)) {
				cmd &= ~PCI_CMD_MASTER;
				pci_config(masters[i].sbdf, PCI_COMMAND, 2, &cmd, true);
			}
			masters[i].owner = NULL;
		}
	struct capability c;
	for (uint32_t cursor = 0; cap_next(&p->caps, OBJ_DEVICE, &cursor, &c) == E_OK;) {
		uint32_t cmd;
		if (HW_DEV_KIND(c.object_id) != HW_DEV_PCI_FUNCTION ||
		    pci_config((uint32_t)c.object_id, PCI_COMMAND, 2, &cmd, false))
			continue;
		if (cmd & PCI_CMD_MASTER && cmd != 0xffff) {
			cmd &= ~PCI_CMD_MASTER;
			pci_config((uint32_t)c.object_id, PCI_COMMAND, 2, &cmd, true);
		}
	}
}

void hw_process_freed(struct process *p)
{
	while (p->dma) {
		struct dma_region *d = p->dma;
		p->dma = d->next;
		dma_free(p, d, false); /* its space is gone: just the frames it made */
	}
}
