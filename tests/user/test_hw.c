/*
 * Hardware capabilities (include/abi/hw.h) through the root ones init
 * holds: the machine description, MMIO refused over what the kernel
 * keeps, DMA memory, narrowing, interrupt binding and PCI configuration
 * space, each bad input a clear error that changes nothing.
 */
#include "hw.h"
#include "ipc.h"
#include "rng.h"
#include "utest.h"

static uint64_t root_of(unsigned type, unsigned kind)
{
	return hw_find_cap(type, kind);
}

static const void *machine(void)
{
	return rng_machine();
}

UTEST(hw_init_holds_the_root_capabilities)
{
	uint64_t extent;
	UASSERT(root_of(OBJ_MMIO, 0) != 0);
	UASSERT(root_of(OBJ_INTERRUPT, 0) != 0);
	UASSERT(root_of(OBJ_DMA, 0) != 0);
	UASSERT(root_of(OBJ_IO_PORTS, 0) != 0);
	UASSERT(root_of(OBJ_DEVICE, HW_DEV_ROOT) != 0);
	UASSERT_EQ(sys_cap_extent(root_of(OBJ_INTERRUPT, 0), &extent), E_OK);
	UASSERT(extent > 0);
	uint64_t cursor = 0, token;
	UASSERT_EQ(sys_cap_next(OBJ_TYPE_COUNT, &cursor, &token, NULL, NULL), E_INVALID_PARAMETER);
	cursor = 1u << 30;
	UASSERT_EQ(sys_cap_next(OBJ_MMIO, &cursor, &token, NULL, NULL), E_INVALID_PARAMETER);
	return 0;
}

UTEST(hw_machine_description_reads_whole)
{
	uint64_t root = root_of(OBJ_DEVICE, HW_DEV_ROOT), need, small[2];
	UASSERT_EQ(hw_machine_info(root, NULL, 0, &need), E_OK);
	UASSERT(need >= sizeof(struct hw_desc_header));
	/* Too small a buffer: the size, nothing copied. */
	small[0] = small[1] = 0x1234;
	uint64_t want = need;
	UASSERT_EQ(hw_machine_info(root, small, need - 8, &need), E_OK);
	UASSERT_EQ(need, want);
	UASSERT_EQ(small[0], 0x1234);
	UASSERT(hw_machine_info(root, (void *)8, need, &need) != E_OK);
	UASSERT_EQ(hw_machine_info(root_of(OBJ_MMIO, 0), NULL, 0, &need), E_INVALID_CAPABILITY);
	const struct hw_desc_header *h = machine();
	UASSERT(h != NULL);
	UASSERT_EQ(h->magic, HW_DESC_MAGIC);
	unsigned n = 0;
	for (const struct hw_rec *r = hw_next_rec(h, NULL); r; r = hw_next_rec(h, r))
		n++;
	UASSERT_EQ(n, h->count);
	return 0;
}

/* The physical address of a fresh DMA page: RAM, which is the kernel's. */
static uint64_t ram_page(void **va)
{
	uint64_t pa;
	if (hw_dma_alloc(root_of(OBJ_DMA, 0), 4096, DMA_ZONE_ANY, va, &pa))
		return 0;
	return pa;
}

UTEST(hw_mmio_over_kernel_ram_is_refused_to_the_root_too)
{
	uint64_t mmio = root_of(OBJ_MMIO, 0);
	void *va, *at = NULL;
	uint64_t pa = ram_page(&va);
	UASSERT(pa != 0);
	UASSERT_EQ(hw_mmio_map(mmio, pa, 4096, &at), E_PERMISSION_DENIED);
	UASSERT_EQ(xous_memory_allocate(pa, 0, 4096, 0, &at), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_dma_release(va), E_OK);
	/* Bad input first: alignment, size, capability. */
	UASSERT_EQ(hw_mmio_map(mmio, pa + 1, 4096, &at), E_BAD_ALIGNMENT);
	UASSERT_EQ(hw_mmio_map(mmio, pa, 0, &at), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_mmio_map(mmio ^ 1, pa, 4096, &at), E_INVALID_CAPABILITY);
	UASSERT_EQ(hw_mmio_map(root_of(OBJ_DMA, 0), pa, 4096, &at), E_INVALID_CAPABILITY);
	return 0;
}

UTEST(hw_devices_the_kernel_keeps_are_refused)
{
	const void *h = machine();
	uint64_t mmio = root_of(OBJ_MMIO, 0), ports = root_of(OBJ_IO_PORTS, 0);
	unsigned kept = 0;
	UASSERT(h != NULL);
	for (const struct hw_rec *r = hw_next_rec(h, NULL); r; r = hw_next_rec(h, r)) {
		const struct hw_rec_device *d = (const void *)r;
		if (r->type != HW_REC_DEVICE || !(r->flags & HW_REC_KERNEL) || !d->reg_count)
			continue;
		kept++;
		if (r->flags & HW_REC_PORTS) {
			uint32_t v;
			UASSERT_EQ(hw_port_in(ports, (unsigned)d->reg[0].base, 1, &v),
				   E_PERMISSION_DENIED);
		} else {
			void *at = NULL;
			uint64_t base = d->reg[0].base & ~4095ull;
			UASSERT_EQ(hw_mmio_map(mmio, base, 4096, &at), E_PERMISSION_DENIED);
		}
	}
	UASSERT(kept > 0); /* the console and the interrupt controller at least */
	return 0;
}

/* A page of device registers nobody keeps (its first non-kernel MMIO record), or 0. */
static uint64_t device_page(void)
{
	const void *h = machine();
	for (const struct hw_rec *r = h ? hw_next_rec(h, NULL) : NULL; r; r = hw_next_rec(h, r)) {
		const struct hw_rec_device *d = (const void *)r;
		if (r->type == HW_REC_DEVICE && !(r->flags & (HW_REC_KERNEL | HW_REC_PORTS)) &&
		    d->reg_count && d->reg[0].size >= 4096 && !(d->reg[0].base & 4095))
			return d->reg[0].base;
	}
	return 0;
}

UTEST(hw_mmio_maps_a_device_through_a_narrowed_capability)
{
	uint64_t pa = device_page(), page, child;
	void *at = NULL;
	if (!pa)
		return 0; /* a machine that describes no MMIO device (checked elsewhere per arch) */
	UASSERT_EQ(hw_derive_range(root_of(OBJ_MMIO, 0), RIGHT_MAP | RIGHT_READ, pa, 4096, &page),
		   E_OK);
	UASSERT_EQ(hw_mmio_map(page, pa + 4096, 4096, &at), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_mmio_map(page, pa, 8192, &at), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_mmio_map(page, pa, 4096, &at), E_OK);
	UASSERT_EQ(sys_munmap(at, 4096), E_OK);
	/* Narrowing only narrows. */
	UASSERT_EQ(hw_derive_range(page, RIGHT_MAP | RIGHT_READ, pa, 8192, &child),
		   E_PERMISSION_DENIED);
	UASSERT_EQ(hw_derive_range(page, RIGHT_MAP | RIGHT_READ | RIGHT_WRITE, pa, 4096, &child),
		   E_PERMISSION_DENIED);
	UASSERT_EQ(hw_derive_range(page, RIGHT_MAP, pa + 1, 4095, &child), E_BAD_ALIGNMENT);
	/* Xous's call finds the covering capability itself. */
	UASSERT_EQ(xous_memory_allocate(pa, 0, 4096, 0, &at), E_OK);
	UASSERT_EQ(sys_munmap(at, 4096), E_OK);
	UASSERT_EQ(sys_cap_revoke(page), E_OK);
	UASSERT_EQ(hw_mmio_map(page, pa, 4096, &at), E_INVALID_CAPABILITY);
	/* A child holds no MMIO capability. */
	char arg[24];
	struct process_exit_info info;
	snprintf(arg, sizeof(arg), "%#llx", (unsigned long long)pa);
	UASSERT_EQ(utest_spawn("hw_phys_child", arg, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, E_PERMISSION_DENIED);
	return 0;
}

UCHILD(hw_phys_child)
{
	void *p;
	return (int)xous_memory_allocate(strtoul(utest_child_arg, NULL, 0), 0, 4096, 0, &p);
}

UTEST(hw_dma_memory_is_zeroed_contiguous_and_released)
{
	uint64_t dma = root_of(OBJ_DMA, 0), pa;
	uint8_t *va;
	UASSERT_EQ(hw_dma_alloc(dma, 3 * 4096, DMA_ZONE_32BIT, (void **)&va, &pa), E_OK);
	UASSERT(pa && !(pa & 4095) && pa + 3 * 4096 <= 1ull << 32);
	for (unsigned i = 0; i < 3 * 4096; i++)
		UASSERT_EQ(va[i], 0);
	va[0] = 1, va[3 * 4096 - 1] = 2;
	UASSERT_EQ(sys_munmap(va, 3 * 4096), E_BUSY); /* DMA_RELEASE gives it back, not munmap */
	UASSERT_EQ(hw_dma_release(va), E_OK);
	UASSERT_EQ(hw_dma_release(va), E_NOT_FOUND);
	/* Below 16 MiB where the machine has RAM there (the PC), else none. */
	long isa = hw_dma_alloc(dma, 4096, DMA_ZONE_ISA, (void **)&va, &pa);
#if defined(__x86_64__)
	UASSERT_EQ(isa, E_OK);
#endif
	if (!isa) {
		UASSERT(pa + 4096 <= 16u << 20);
		UASSERT_EQ(hw_dma_release(va), E_OK);
	} else {
		UASSERT_EQ(isa, E_OUT_OF_MEMORY);
	}
	/* Bad input. */
	UASSERT_EQ(hw_dma_alloc(dma, 0, DMA_ZONE_ANY, (void **)&va, &pa), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_dma_alloc(dma, 4096, 3, (void **)&va, &pa), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_dma_alloc(dma, (16u << 20) + 1, DMA_ZONE_ANY, (void **)&va, &pa),
		   E_INVALID_PARAMETER);
	UASSERT_EQ(hw_dma_alloc(root_of(OBJ_MMIO, 0), 4096, 0, (void **)&va, &pa),
		   E_INVALID_CAPABILITY);
	return 0;
}

UTEST(hw_dma_exhausted_is_out_of_memory_and_leaks_nothing)
{
	/* The ISA zone (below 16 MiB) runs out first: take it all in 1 MiB pieces. */
	uint64_t dma = root_of(OBJ_DMA, 0), pa;
	void *va[16];
	unsigned n = 0;
	long err = E_OK;
	while (n < 16 && !(err = hw_dma_alloc(dma, 1u << 20, DMA_ZONE_ISA, &va[n], &pa)))
		n++;
	UASSERT_EQ(err, E_OUT_OF_MEMORY);
	while (n)
		UASSERT_EQ(hw_dma_release(va[--n]), E_OK);
	/* All of it back: the same again gets as far. (The suite's end checks frames exactly.) */
	return 0;
}

UTEST(hw_dma_pin_gives_physical_addresses_and_holds_the_pages)
{
	uint64_t dma = root_of(OBJ_DMA, 0), phys[4] = {0};
	uint8_t *buf;
	UASSERT_EQ(sys_mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, (void **)&buf, NULL), E_OK);
	UASSERT_EQ(hw_dma_pin(dma, buf + 4096, 2 * 4096, (uint64_t *)8), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_munmap(buf, 4 * 4096), E_OK); /* that failure pinned nothing */
	UASSERT_EQ(sys_mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, (void **)&buf, NULL), E_OK);
	UASSERT_EQ(hw_dma_pin(dma, buf + 4096, 2 * 4096, phys), E_OK);
	UASSERT(phys[0] && !(phys[0] & 4095) && phys[1] && phys[1] != phys[0]);
	UASSERT_EQ(phys[2], 0);
	UASSERT_EQ(hw_dma_pin(dma, buf + 4096, 4096, phys), E_BUSY); /* one record an address */
	UASSERT_EQ(sys_munmap(buf, 4 * 4096), E_BUSY);
	UASSERT_EQ(hw_dma_release(buf + 4096), E_OK);
	UASSERT_EQ(sys_munmap(buf, 4 * 4096), E_OK);
	UASSERT_EQ(hw_dma_pin(dma, buf, 4096, phys), E_MEM_NOT_MAPPED);
	UASSERT_EQ(hw_dma_pin(dma, buf + 1, 4096, phys), E_BAD_ALIGNMENT);
	return 0;
}

UTEST(hw_dma_pin_takes_a_shared_region_and_holds_off_copy_on_write)
{
	uint64_t dma = root_of(OBJ_DMA, 0), region, phys[4] = {0}, copy, self;
	uint8_t *at;
	struct thread_info ti;
	UASSERT_EQ(sys_shared_region_create(4 * 4096, PROT_READ | PROT_WRITE, NULL, &region), E_OK);
	UASSERT_EQ(sys_shared_region_map(region, NULL, 0, (void **)&at), E_OK);
	UASSERT_EQ(hw_dma_pin(dma, at, 4 * 4096, phys), E_OK);
	UASSERT(phys[0] && phys[3] && !(phys[2] & 4095));
	/* A copy-on-write transfer would leave the device with the copy's frames: refused. */
	UASSERT_EQ(sys_thread_info(0, &ti), E_OK);
	UASSERT_EQ(sys_cap_create(OBJ_PROCESS, ti.process_id, RIGHT_READ | RIGHT_GRANT, &self),
		   E_OK);
	UASSERT_EQ(sys_shared_region_transfer(region, self, SHM_COPY_ON_WRITE, &copy), E_BUSY);
	UASSERT_EQ(sys_munmap(at, 4 * 4096), E_BUSY);
	UASSERT_EQ(hw_dma_release(at), E_OK);
	UASSERT_EQ(sys_shared_region_transfer(region, self, SHM_COPY_ON_WRITE, &copy), E_OK);
	/* Now its pages are shared copy-on-write: not pinned until a write makes them its own. */
	UASSERT_EQ(hw_dma_pin(dma, at, 4096, phys), E_BUSY);
	at[0] = 1;
	UASSERT_EQ(hw_dma_pin(dma, at, 4096, phys), E_OK);
	UASSERT_EQ(hw_dma_release(at), E_OK);
	UASSERT_EQ(sys_munmap(at, 4 * 4096), E_OK);
	UASSERT_EQ(sys_cap_revoke(copy), E_OK);
	UASSERT_EQ(sys_cap_revoke(region), E_OK);
	UASSERT_EQ(sys_cap_revoke(self), E_OK);
	return 0;
}

UTEST(hw_power_calls_need_the_root_with_write)
{
	uint64_t root = root_of(OBJ_DEVICE, HW_DEV_ROOT), reader, note, dma = root_of(OBJ_DMA, 0);
	UASSERT_EQ(sys_cap_derive(root, RIGHT_READ, &reader), E_OK);
	UASSERT_EQ(notification_create(&note), E_OK);
	UASSERT_EQ(sys_power_off(reader, 0), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_power_off(dma, 0), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_power_watch(reader, note, 1), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_power_watch(root, dma, 1), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_power_watch(root, note, 64), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_cap_revoke(note), E_OK);
	UASSERT_EQ(sys_cap_revoke(reader), E_OK);
	return 0;
}

/* A device line nobody uses: the first interrupt of a non-kernel device, or ~0u. */
static unsigned free_line(void)
{
	const void *h = machine();
	for (const struct hw_rec *r = h ? hw_next_rec(h, NULL) : NULL; r; r = hw_next_rec(h, r)) {
		const struct hw_rec_device *d = (const void *)r;
		if (r->type == HW_REC_DEVICE && !(r->flags & HW_REC_KERNEL) && d->irq_count)
			return d->irq[0].line;
	}
	return ~0u;
}

UTEST(hw_interrupt_binding_checks_everything)
{
	uint64_t irq = root_of(OBJ_INTERRUPT, 0), note, one, extent;
	unsigned line = free_line();
	UASSERT(line != ~0u);
	UASSERT_EQ(notification_create(&note), E_OK);
	UASSERT_EQ(sys_cap_extent(irq, &extent), E_OK);
	UASSERT_EQ(hw_derive_range(irq, RIGHT_WRITE, line, 1, &one), E_OK);
	UASSERT_EQ(hw_irq_bind(one, line + 1, note, 0, 0), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_irq_bind(one ^ 1, line, note, 0, 0), E_INVALID_CAPABILITY);
	UASSERT_EQ(hw_irq_bind(one, line, one, 0, 0), E_INVALID_CAPABILITY);
	UASSERT_EQ(hw_irq_bind(one, line, note, 64, 0), E_INVALID_PARAMETER);
	UASSERT_EQ(SYS4(SYS_INTERRUPT_BIND, one, line, note, 64, NULL), E_INVALID_PARAMETER);
	UASSERT_EQ(SYS4(SYS_INTERRUPT_BIND, one, line, note, 1u << 16, NULL), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_irq_bind(one, line, note, 0, 4), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_irq_ack(one, line, NULL), E_NOT_FOUND);
	UASSERT_EQ(hw_irq_bind(one, line, note, 5, 0), E_OK);
	UASSERT_EQ(hw_irq_bind(irq, line, note, 6, 0), E_BUSY);
	UASSERT_EQ(hw_irq_ack(one, line, NULL), E_OK);
	UASSERT_EQ(hw_irq_unbind(one, line), E_OK);
	UASSERT_EQ(hw_irq_unbind(one, line), E_NOT_FOUND);
	/* Revoked: the capability is gone, the line free. */
	UASSERT_EQ(hw_irq_bind(one, line, note, 5, 0), E_OK);
	UASSERT_EQ(hw_irq_unbind(one, line), E_OK);
	UASSERT_EQ(sys_cap_revoke(one), E_OK);
	UASSERT_EQ(hw_irq_bind(one, line, note, 5, 0), E_INVALID_CAPABILITY);
	UASSERT_EQ(hw_irq_bind(irq, (unsigned)extent, note, 0, 0), E_PERMISSION_DENIED);
	/*
	 * Another process's binding: not ours to acknowledge or unbind, even
	 * with a capability for the line; free again when the binder dies.
	 */
	struct process_exit_info info;
	char arg[16];
	snprintf(arg, sizeof(arg), "%u", line);
	uint64_t child, caps[2] = {irq, note};
	UASSERT_EQ(utest_start_caps("hw_irq_binder", arg, 0, caps, 2, &child), E_OK);
	long err = E_OK;
	for (unsigned i = 0; i < UTEST_PATIENCE_MS / 10; i++) {
		err = hw_irq_bind(irq, line, note, 1, 0);
		if (err == E_BUSY)
			break;
		if (!err)
			hw_irq_unbind(irq, line); /* before the child's bind: let it go first */
		sys_sleep(10000000);
	}
	UASSERT_EQ(err, E_BUSY);
	UASSERT_EQ(hw_irq_ack(irq, line, NULL), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_irq_unbind(irq, line), E_PERMISSION_DENIED);
	UASSERT_EQ(notification_signal(note, 1), E_OK); /* the child's cue to go */
	UASSERT_EQ(sys_process_wait(child, UTEST_PATIENCE_NS, &info), E_OK);
	UASSERT_EQ(info.exit_code, 7);
	UASSERT_EQ(hw_irq_bind(irq, line, note, 1, 0), E_OK);
	UASSERT_EQ(hw_irq_unbind(irq, line), E_OK);
	UASSERT_EQ(sys_cap_revoke(note), E_OK);
	return 0;
}

/* Binds the line to a notification of its own, waits for the parent's cue, and dies bound. */
UCHILD(hw_irq_binder)
{
	uint64_t note, irq = utest_cap(0), cue = utest_cap(1), bits;
	unsigned line = (unsigned)strtoul(utest_child_arg, NULL, 0);
	if (notification_create(&note))
		return 1;
	for (unsigned i = 0; hw_irq_bind(irq, line, note, 0, 0); i++)
		if (i > UTEST_PATIENCE_MS / 10 || sys_sleep(10000000))
			return 2;
	/* A capability it does not hold: the parent's token numbers mean nothing here. */
	if (notification_wait(cue ^ 1, 1000, &bits) != E_INVALID_CAPABILITY)
		return 3;
	return notification_wait(cue, 0, &bits) ? 4 : 7;
}

UTEST(hw_kernel_lines_are_busy)
{
	const void *h = machine();
	uint64_t irq = root_of(OBJ_INTERRUPT, 0), note;
	unsigned tried = 0, busy = 0;
	UASSERT_EQ(notification_create(&note), E_OK);
	for (const struct hw_rec *r = h ? hw_next_rec(h, NULL) : NULL; r; r = hw_next_rec(h, r)) {
		const struct hw_rec_device *d = (const void *)r;
		if (r->type != HW_REC_DEVICE || !(r->flags & HW_REC_KERNEL))
			continue;
		for (uint32_t i = 0; i < d->irq_count && i < HW_MAX_IRQ; i++) {
			long err = hw_irq_bind(irq, d->irq[i].line, note, 0, 0);
			/* The kernel's devices' lines are busy (a CPU's private one is no device line). */
			UASSERT(err == E_BUSY || err == E_INVALID_PARAMETER);
			tried++;
			busy += err == E_BUSY;
		}
	}
	UASSERT(tried > 0);
	UASSERT(busy > 0); /* the console's line at least is a device line, and busy */
	UASSERT_EQ(sys_cap_revoke(note), E_OK);
	return 0;
}

/* The first PCI function on the first bus, through the bus capability; ~0u if none. */
static uint32_t first_function(uint64_t bus)
{
	uint64_t object, extent, cursor = 0, token;
	while (!sys_cap_next(OBJ_DEVICE, &cursor, &token, &object, &extent)) {
		if (token != bus)
			continue;
		uint32_t first = (uint32_t)object;
		for (uint32_t f = first; f < first + 32 * 8; f += 8) {
			uint32_t id;
			if (!hw_pci_read(bus, f, 0, 4, &id) && (id & 0xffff) != 0xffff)
				return f;
		}
	}
	return ~0u;
}

UTEST(hw_pci_function_capability_may_not_move_bars)
{
	uint64_t bus = root_of(OBJ_DEVICE, HW_DEV_PCI_BUS), fn;
	uint32_t bar, v;
	if (!bus)
		return 0; /* no PCI host on this machine */
	uint32_t f = first_function(bus);
	UASSERT(f != ~0u);
	UASSERT_EQ(
	    hw_derive_range(bus, RIGHT_READ | RIGHT_WRITE, HW_DEV_ID(HW_DEV_PCI_BUS, f), 1, &fn),
	    E_OK);
	UASSERT_EQ(hw_pci_read(fn, f, 0x10, 4, &bar), E_OK);
	UASSERT_EQ(hw_pci_write(fn, f, 0x10, 4, bar), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_pci_write(fn, f, 0x12, 2, bar >> 16), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_pci_write(fn, f, 0x30, 4, 0), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_pci_write(fn, f, 0x100, 4, 0), E_PERMISSION_DENIED); /* extended space */
	/* Bad widths and alignment change nothing (no bus mastering recorded either). */
	UASSERT_EQ(hw_pci_write(fn, f, 4, 3, 0), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_pci_write(fn, f, 2, 4, 0), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_pci_write(bus, f, 0x10, 4, bar), E_OK); /* the bus's holder may */
	UASSERT_EQ(hw_pci_read(fn, f, 0x10, 4, &v), E_OK);
	UASSERT_EQ(v, bar);
	/* Other functions, bad offsets and widths. */
	UASSERT_EQ(hw_pci_read(fn, f + 8, 0, 4, &v), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_pci_read(fn, f, 0x1000, 4, &v), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_pci_read(fn, f, 2, 4, &v), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_pci_read(fn, f, 0, 3, &v), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_pci_write(fn, f, 0x3c, 1, 0x100), E_INVALID_PARAMETER);
	uint64_t sub;
	UASSERT_EQ(hw_derive_range(fn, RIGHT_READ, HW_DEV_ID(HW_DEV_PCI_BUS, f), 1, &sub),
		   E_INVALID_PARAMETER);
	/* Bus-wide authority narrows to whole buses or to one function, nothing between. */
	UASSERT_EQ(hw_derive_range(bus, RIGHT_READ, HW_DEV_ID(HW_DEV_PCI_BUS, f), 2, &sub),
		   E_INVALID_PARAMETER);
	UASSERT_EQ(
	    hw_derive_range(bus, RIGHT_READ, HW_DEV_ID(HW_DEV_PCI_BUS, f & ~0xffu), 256, &sub),
	    E_OK);
	UASSERT_EQ(sys_cap_revoke(sub), E_OK);
	UASSERT_EQ(sys_cap_revoke(fn), E_OK);
	return 0;
}

UTEST(hw_ports_the_kernel_keeps_are_refused)
{
	uint64_t ports = root_of(OBJ_IO_PORTS, 0), narrow;
	uint32_t v;
	UASSERT_EQ(hw_port_in(ports, 0x80, 3, &v), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_port_in(ports, 0xffff, 2, &v), E_INVALID_PARAMETER);
	UASSERT_EQ(hw_derive_range(ports, RIGHT_READ, 0x70, 2, &narrow), E_OK);
	UASSERT_EQ(hw_port_in(narrow, 0x72, 1, &v), E_PERMISSION_DENIED);
	UASSERT_EQ(hw_port_out(narrow, 0x70, 1, 0), E_PERMISSION_DENIED); /* READ only */
	UASSERT_EQ(hw_port_out(ports, 0x70, 1, 0x100), E_INVALID_PARAMETER);
#if defined(__x86_64__)
	UASSERT_EQ(hw_port_in(ports, 0x3f8, 1, &v), E_PERMISSION_DENIED); /* the console */
	UASSERT_EQ(hw_port_in(ports, 0x20, 1, &v), E_PERMISSION_DENIED);  /* the 8259 */
	UASSERT_EQ(hw_port_in(narrow, 0x71, 1, &v), E_OK);
#else
	UASSERT_EQ(hw_port_in(narrow, 0x71, 1, &v), E_NOT_SUPPORTED);
#endif
	UASSERT_EQ(sys_cap_revoke(narrow), E_OK);
	return 0;
}
