/*
 * Real devices through the hardware capabilities alone: the virtio-rng
 * ci/boot puts on every machine, on virtio-pci (every arch) and on
 * virtio-mmio (virt), driven with drivers/lib/virtio.h. A request is
 * answered with bytes and an interrupt; a driver killed with a request
 * outstanding leaves the function with bus mastering off; a level line
 * left unacknowledged stays masked. A machine without the device fails.
 */
#include "hw.h"
#include "ipc.h"
#include "rng.h"
#include "utest.h"

#define REQUESTS 4
#define BYTES	 64

/*
 * REQUESTS reads of BYTES: each answered with 1 to BYTES bytes (the device
 * may use less than the buffer: virtio 1.x, Entropy Device, Device Operation),
 * not only zeros among them.
 */
static int entropy_flows(struct rng *r)
{
	uint64_t seen = 0;
	for (unsigned i = 0; i < REQUESTS; i++) {
		uint32_t got = 0;
		UASSERT_EQ(rng_read(r, BYTES, &got, NULL), E_OK);
		UASSERT(got >= 1 && got <= BYTES);
		for (unsigned b = 0; b < got; b++)
			seen |= r->buf[b];
		for (unsigned b = BYTES; b < 4096; b++)
			UASSERT_EQ(r->buf[b], 0); /* nothing beyond the buffer posted */
	}
	UASSERT(seen != 0);
	return 0;
}

UTEST(virtio_rng_pci_gives_entropy_with_an_interrupt)
{
	struct rng r;
	uint32_t sbdf;
	long err = rng_open_pci(&r, &sbdf);
	if (err)
		rng_close(&r);
	UASSERT_EQ(err, E_OK); /* ci/boot gives every machine -device virtio-rng-pci */
	UASSERT(r.v.features & VIRTIO_F_VERSION_1);
	int fail = entropy_flows(&r);
	rng_close(&r);
	if (fail)
		return fail;
	/* Closed (reset, queue freed): it starts again from scratch. */
	UASSERT_EQ(rng_open_pci(&r, NULL), E_OK);
	fail = entropy_flows(&r);
	rng_close(&r);
	return fail;
}

#if defined(__aarch64__) || defined(__riscv)
UTEST(virtio_rng_mmio_gives_entropy_with_an_interrupt)
{
	struct rng r;
	long err = rng_open_mmio(&r);
	if (err)
		rng_close(&r);
	UASSERT_EQ(err, E_OK); /* ci/boot gives virt -device virtio-rng-device */
	UASSERT(r.v.version == 1 || (r.v.features & VIRTIO_F_VERSION_1));
	int fail = entropy_flows(&r);
	rng_close(&r);
	return fail;
}
#endif

/* What a started device refuses: the library checks before it touches the device. */
static int refused_on_a_started_device(struct rng *r)
{
	uint32_t len;
	UASSERT_EQ(virtio_start(&r->v, hw_find_cap(OBJ_DMA, 0), 0),
		   E_INVALID_PARAMETER); /* twice */
	UASSERT_EQ(virtio_post(&r->v, r->buf_phys, 0, true), E_INVALID_PARAMETER);
	UASSERT_EQ(rng_read(r, 4097, &len, NULL), E_INVALID_PARAMETER);
	/* Every descriptor in use: the next is refused. */
	for (unsigned i = 0; i < r->v.q.size; i++)
		UASSERT_EQ(virtio_post(&r->v, r->buf_phys, 1, true), E_OK);
	UASSERT_EQ(virtio_post(&r->v, r->buf_phys, 1, true), E_RESOURCE_EXHAUSTED);
	return 0;
}

UTEST(virtio_library_refuses_bad_input)
{
	struct virtio v = {0};
	uint32_t sbdf, len;
	const void *desc = rng_machine();
	uint64_t bus = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS), mmio = hw_find_cap(OBJ_MMIO, 0);
	UASSERT(desc != NULL);
	UASSERT_EQ(virtio_pci_find(mmio, VIRTIO_ID_ENTROPY, &sbdf), E_INVALID_CAPABILITY);
	UASSERT_EQ(virtio_pci_find(bus, 0x3f, &sbdf), E_NOT_FOUND); /* no such device */
	UASSERT_EQ(virtio_mmio_find(&v, desc, mmio, 0x3f), E_NOT_FOUND);
	UASSERT_EQ(virtio_pci_find(bus, VIRTIO_ID_ENTROPY, &sbdf), E_OK);
	UASSERT_EQ(virtio_pci_open(&v, bus, sbdf & ~0xffu, mmio, desc), E_NOT_FOUND); /* 00.0 */
	UASSERT_EQ(virtio_pci_open(&v, bus, sbdf | 7, mmio, desc), E_NOT_FOUND); /* no function */
	v = (struct virtio){0};
	UASSERT_EQ(virtio_post(&v, 0x1000, 16, true), E_INVALID_PARAMETER); /* not started */
	UASSERT(!virtio_used(&v, &len));
	struct virtio none = {0};
	UASSERT_EQ(virtio_start(&none, hw_find_cap(OBJ_DMA, 0), 0), E_INVALID_PARAMETER);
	struct rng r;
	long err = rng_open_pci(&r, &sbdf);
	int fail = err ? 0 : refused_on_a_started_device(&r);
	rng_close(&r);
	UASSERT_EQ(err, E_OK);
	if (fail)
		return fail;
	/* A function capability places nothing (they are placed) and may not move a BAR. */
	uint64_t fn;
	UASSERT_EQ(
	    hw_derive_range(bus, RIGHT_READ | RIGHT_WRITE, HW_DEV_ID(HW_DEV_PCI_BUS, sbdf), 1, &fn),
	    E_OK);
	UASSERT_EQ(virtio_pci_place(fn, sbdf, desc), E_OK); /* placed already: nothing to write */
	UASSERT_EQ(hw_pci_write(fn, sbdf, 0x20, 4, 0), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_cap_revoke(fn), E_OK);
	return 0;
}

/*
 * A driver holding only what it was granted: the function's capability,
 * its registers' pages, DMA and its interrupt line. It starts the device
 * (bus mastering on), posts a request, says so and waits to be killed.
 */
UCHILD(rng_victim)
{
	uint64_t fn = utest_cap(0), mmio = utest_cap(1), dma = utest_cap(2), irq = utest_cap(3);
	uint64_t told = utest_cap(4), bits;
	struct rng r = {0};
	uint32_t sbdf = (uint32_t)strtoul(utest_child_arg, NULL, 0);
	if (hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS) || hw_find_cap(OBJ_DEVICE, HW_DEV_ROOT))
		return 1; /* more than it was granted */
	/* Its PCI and CPU addresses are the same on QEMU's machines (the parent checked). */
	if (virtio_pci_open(&r.v, fn, sbdf, mmio, NULL) || virtio_start(&r.v, dma, 0) ||
	    rng_bind(&r, irq, dma))
		return 2;
	if (virtio_post(&r.v, r.buf_phys, 4096, true) || notification_signal(told, 1))
		return 3;
	uint64_t never;
	if (notification_create(&never))
		return 4;
	for (;;) /* until killed */
		notification_wait(never, 0, &bits);
}

static uint32_t command(uint64_t bus, uint32_t sbdf)
{
	uint32_t v = ~0u;
	hw_pci_read(bus, sbdf, PCI_COMMAND, 2, &v);
	return v;
}

/* The victim started with `caps`, killed once its request is posted; the function checked. */
static int kill_the_driver(uint64_t bus, uint32_t sbdf, uint64_t *caps)
{
	char arg[16];
	uint64_t child, bits;
	struct process_exit_info info;
	snprintf(arg, sizeof(arg), "0x%x", sbdf);
	UASSERT_EQ(utest_start_caps("rng_victim", arg, 0, caps, 5, &child), E_OK);
	long err = notification_wait(caps[4], UTEST_PATIENCE_NS, &bits);
	if (err) { /* it failed (its exit code says where) or hangs */
		if (sys_process_wait(child, UTEST_PATIENCE_NS, &info)) {
			sys_process_terminate(child, 9);
			sys_process_wait(child, 0, &info);
		}
		UASSERT_EQ(info.exit_code, 0);
	}
	UASSERT_EQ(err, E_OK);
	bool master = command(bus, sbdf) & PCI_CMD_MASTER; /* its doing */
	UASSERT_EQ(sys_process_terminate(child, 9), E_OK);
	UASSERT_EQ(sys_process_wait(child, 0, &info), E_OK);
	UASSERT(master);
	UASSERT_EQ(info.exit_reason, EXIT_TERMINATED);
	/* The kernel turned bus mastering off (before its DMA frames went back). */
	UASSERT(!(command(bus, sbdf) & PCI_CMD_MASTER));
	UASSERT(command(bus, sbdf) & PCI_CMD_MEMORY);
	return 0;
}

UTEST(virtio_rng_driver_killed_with_a_request_outstanding_stops_its_device)
{
	uint64_t bus = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS), mmio = hw_find_cap(OBJ_MMIO, 0);
	uint64_t dma = hw_find_cap(OBJ_DMA, 0), irq = hw_find_cap(OBJ_INTERRUPT, 0);
	const void *desc = rng_machine();
	struct rng r = {0};
	uint32_t sbdf;
	UASSERT(desc != NULL);
	UASSERT_EQ(virtio_pci_find(bus, VIRTIO_ID_ENTROPY, &sbdf), E_OK);
	UASSERT_EQ(virtio_pci_place(bus, sbdf, desc), E_OK);
	UASSERT_EQ(virtio_pci_open(&r.v, bus, sbdf, mmio, desc), E_OK);
	for (unsigned bar = 0; bar < 6; bar++) {
		uint64_t cpu, pci;
		if (virtio_pci_bar(bus, sbdf, bar, NULL, &pci) &&
		    virtio_pci_bar(bus, sbdf, bar, desc, &cpu))
			UASSERT_EQ(cpu, pci); /* the child maps without the description */
	}
	/* Its capabilities, each narrowed to this device, and one to tell us. */
	uint64_t caps[5];
	uint32_t all = RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT;
	UASSERT_EQ(hw_derive_range(bus, all, HW_DEV_ID(HW_DEV_PCI_BUS, sbdf), 1, &caps[0]), E_OK);
	UASSERT_EQ(hw_derive_range(mmio, all | RIGHT_MAP, r.v.regs_lo, r.v.regs_hi - r.v.regs_lo,
				   &caps[1]),
		   E_OK);
	UASSERT_EQ(sys_cap_derive(dma, all, &caps[2]), E_OK);
	UASSERT_EQ(hw_derive_range(irq, all, r.v.line, 1, &caps[3]), E_OK);
	UASSERT_EQ(notification_create(&caps[4]), E_OK);
	int fail = kill_the_driver(bus, sbdf, caps);
	for (unsigned i = 0; i < 5; i++)
		UASSERT_EQ(sys_cap_revoke(caps[i]), E_OK);
	if (fail)
		return fail;
	/*
	 * Its line is free again and the device can be reset and driven
	 * anew; its DMA frames are back (user_suite counts every frame).
	 */
	long err = rng_open_pci(&r, NULL);
	fail = err ? 0 : entropy_flows(&r);
	rng_close(&r);
	UASSERT_EQ(err, E_OK);
	return fail;
}

/* The line fired and is not acknowledged: one signal, then quiet while the device holds it. */
static int masked_until_acknowledged(struct rng *r)
{
	struct kernel_metrics m0, m1;
	uint64_t bits = 0;
	uint32_t got;
	UASSERT(r->v.line_flags & IRQ_FLAG_LEVEL); /* PCI INTx is level-triggered */
	/* Fired and not acknowledged: the device keeps its line asserted (its ISR unread). */
	UASSERT_EQ(virtio_post(&r->v, r->buf_phys, BYTES, true), E_OK);
	UASSERT_EQ(notification_wait(r->notify, UTEST_PATIENCE_NS, &bits), E_OK);
	UASSERT_EQ(bits, 1ull << RNG_BIT);
	UASSERT_EQ(sys_kernel_metrics(&m0), E_OK);
	uint64_t t0 = sys_clock();
	for (unsigned i = 0; i < 5; i++)
		UASSERT_EQ(sys_sleep(20000000), E_OK); /* 20 ms */
	uint64_t ms = (sys_clock() - t0) / 1000000;
	UASSERT_EQ(sys_kernel_metrics(&m1), E_OK);
	UASSERT(ms >= 100); /* time went on */
	UASSERT_EQ(notification_poll(r->notify, &bits), E_OK);
	UASSERT_EQ(bits, 0); /* one signal, no more */
	/*
	 * No storm: at most the timer's ticks (10 ms, up to 4 CPUs) and a few
	 * more, where an unmasked asserted line would be taken thousands of times.
	 */
	uint64_t handled = m1.interrupts_handled - m0.interrupts_handled;
	if (handled > 8 * (ms / 10 + 1) + 64)
		return utest_fail(__FILE__, __LINE__, "%llu interrupts in %llu ms",
				  (unsigned long long)handled, (unsigned long long)ms);
	UASSERT(virtio_used(&r->v, &got));
	UASSERT(got >= 1 && got <= BYTES);
	/* Acknowledged (device first, then the line): the next one comes. */
	UASSERT(virtio_isr(&r->v) & VIRTIO_ISR_QUEUE);
	UASSERT_EQ(hw_irq_ack(r->irq, r->v.line, NULL), E_OK);
	UASSERT_EQ(rng_read(r, BYTES, &got, NULL), E_OK);
	UASSERT(got >= 1 && got <= BYTES);
	return 0;
}

UTEST(virtio_rng_unacknowledged_level_line_stays_masked)
{
	struct rng r;
	long err = rng_open_pci(&r, NULL);
	int fail = err ? 0 : masked_until_acknowledged(&r);
	rng_close(&r);
	UASSERT_EQ(err, E_OK);
	return fail;
}
