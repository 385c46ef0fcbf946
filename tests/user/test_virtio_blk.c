/*
 * The virtio-blk driver (drivers/virtio-blk/) on the disks ci/boot gives
 * the test machines, told apart by size: a read-write one (8 MiB) and a
 * read-only one (2 MiB) on virtio-pci, on virt a read-write one (4 MiB)
 * on virtio-mmio.
 *
 * Without the manager or driver_main: the test finds a disk with init's
 * root capabilities, places its BARs, builds the driver's hardware_caps
 * from capabilities narrowed to that device (its function, one MMIO
 * capability per BAR or its register page, its interrupt line, DMA),
 * and runs the driver in a child process (`vblk_driver`) that holds only
 * those, handed over as the manager would (hwcaps text, here in a shared
 * page). The child calls the driver's operations itself with struct
 * blk_io requests over its own pinned memory (the client's pages the
 * device DMAs to and from), waits on driver_notification() and runs
 * driver_run_interrupts. A child per driver start: its end takes the
 * interrupt binding, the mappings and the DMA with it.
 *
 * The virtio library's checks of what a device gives back are tested
 * here too, on a queue the device never runs (no DRIVER_OK).
 */
#include "drivers/virtio-blk/virtio_blk.h"
#include "hw.h"
#include "ipc.h"
#include "rng.h"
#include "utest.h"

#include <stdarg.h>
#include "core/kprintf.h"

#define RW_SECTORS   16384 /* ci/boot: vblk.img, 8 MiB, serial kestrel-rw */
#define RO_SECTORS   4096  /* vblkro.img, 2 MiB, read-only, serial kestrel-ro */
#define MMIO_SECTORS 8192  /* vblk1.img, 4 MiB, serial kestrel-mmio */
#define ALL	     (RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT)

/* ---- The parent: a disk found and its capabilities made ---- */

struct disk {
	struct hardware_caps hw;
	uint64_t derived[HWCAPS_MAX_MMIO + 3]; /* revoked when done */
	unsigned nderived;
};

static long derive(struct disk *d, uint64_t cap, uint32_t rights, uint64_t first, uint64_t extent,
		   uint64_t *out)
{
	long err = extent ? hw_derive_range(cap, rights, first, extent, out)
			  : sys_cap_derive(cap, rights, out);
	if (!err)
		d->derived[d->nderived++] = *out;
	return err;
}

static void disk_release(struct disk *d)
{
	for (unsigned i = 0; i < d->nderived; i++)
		sys_cap_revoke(d->derived[i]);
	*d = (struct disk){0};
}

/* The virtio-blk-pci function of `sectors`: its function, BARs, line and DMA, narrowed. */
static long find_pci_disk(uint64_t sectors, struct disk *d)
{
	uint64_t bus = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS), mmio = hw_find_cap(OBJ_MMIO, 0);
	uint64_t irq = hw_find_cap(OBJ_INTERRUPT, 0), dma = hw_find_cap(OBJ_DMA, 0);
	const void *desc = rng_machine();
	struct virtio v;
	uint32_t sbdf;
	*d = (struct disk){0};
	if (!bus || !mmio || !irq || !dma || !desc)
		return E_NOT_FOUND;
	long err = virtio_pci_find(bus, VIRTIO_ID_BLOCK, &sbdf);
	for (; !err; err = virtio_pci_find_next(bus, VIRTIO_ID_BLOCK, &sbdf))
		if (!virtio_pci_place(bus, sbdf, desc) &&
		    !virtio_pci_open(&v, bus, sbdf, mmio, desc) &&
		    virtio_config(&v, 0, 8) == sectors)
			break;
	if (err)
		return err;
	struct hardware_caps *hw = &d->hw;
	memcpy(hw->device, "blk0", 5);
	hw->sbdf = sbdf;
	if ((err = virtio_pci_describe(bus, sbdf, desc, hw->bars)) ||
	    (err = derive(d, bus, ALL, HW_DEV_ID(HW_DEV_PCI_BUS, sbdf), 1, &hw->pci)) ||
	    (err = derive(d, dma, ALL, 0, 0, &hw->dma)))
		return err;
	for (unsigned i = 0; i < 6; i++) {
		const struct pci_bar *b = &hw->bars[i];
		if (!b->size || b->io)
			continue;
		struct mmio_region *m = &hw->mmio_regions[hw->mmio_count];
		*m = (struct mmio_region){.base = b->cpu_base, .size = b->size, .writable = true};
		if ((err = derive(d, mmio, ALL | RIGHT_MAP, b->cpu_base, b->size, &m->cap)))
			return err;
		hw->mmio_count++;
	}
	struct interrupt_line *l = &hw->interrupts[0];
	l->line = v.line;
	l->flags = v.line_flags;
	hw->interrupt_count = 1;
	return derive(d, irq, ALL, v.line, 1, &l->cap);
}

#if defined(__aarch64__) || defined(__riscv)
static bool is_virtio_mmio(const struct hw_rec_device *dev)
{
	for (unsigned i = 0; i < HW_COMPAT_MAX && dev->compatible[i];
	     i += strlen(&dev->compatible[i]) + 1)
		if (!strcmp(&dev->compatible[i], "virtio,mmio"))
			return true;
	return false;
}

/* The virtio-mmio block device of `sectors`: its register page, line and DMA, narrowed. */
static long find_mmio_disk(uint64_t sectors, struct disk *d)
{
	uint64_t mmio = hw_find_cap(OBJ_MMIO, 0), irq = hw_find_cap(OBJ_INTERRUPT, 0);
	uint64_t dma = hw_find_cap(OBJ_DMA, 0);
	const void *desc = rng_machine();
	*d = (struct disk){0};
	if (!mmio || !irq || !dma || !desc)
		return E_NOT_FOUND;
	for (const struct hw_rec *r = hw_next_rec(desc, NULL); r; r = hw_next_rec(desc, r)) {
		const struct hw_rec_device *dev = (const void *)r;
		if (r->type != HW_REC_DEVICE || r->size < sizeof(*dev) || !dev->reg_count ||
		    !dev->irq_count || (r->flags & (HW_REC_KERNEL | HW_REC_PORTS)) ||
		    !is_virtio_mmio(dev))
			continue;
		struct hardware_caps *hw = &d->hw;
		*hw = (struct hardware_caps){.mmio_count = 1, .interrupt_count = 1};
		hw->mmio_regions[0] = (struct mmio_region){.base = dev->reg[0].base,
							   .size = dev->reg[0].size,
							   .cap = mmio,
							   .writable = true};
		hw->interrupts[0] = (struct interrupt_line){
		    .line = dev->irq[0].line, .flags = dev->irq[0].flags, .cap = irq};
		struct virtio v;
		if (virtio_open_hw(&v, hw) || v.device_id != VIRTIO_ID_BLOCK ||
		    virtio_config(&v, 0, 8) != sectors)
			continue;
		memcpy(hw->device, "blk1", 5);
		uint64_t page = dev->reg[0].base & ~4095ull;
		long err = derive(d, mmio, ALL | RIGHT_MAP, page, 4096, &hw->mmio_regions[0].cap);
		if (!err)
			err = derive(d, irq, ALL, dev->irq[0].line, 1, &hw->interrupts[0].cap);
		if (!err)
			err = derive(d, dma, ALL, 0, 0, &hw->dma);
		return err;
	}
	return E_NOT_FOUND;
}

#endif

/*
 * `init child vblk_driver "MODE SECTORS IDX"` with the disk's capabilities
 * and, at IDX, a shared page holding its hwcaps text; its exit code 0.
 */
static int run_driver(struct disk *d, const char *mode, uint64_t sectors)
{
	uint64_t caps[HWCAPS_MAX_MMIO + 8], region, child;
	struct process_exit_info info = {0};
	char *page, arg[48];
	unsigned n = hwcaps_cap_list(&d->hw, caps, HWCAPS_MAX_MMIO + 6);
	UASSERT_EQ(sys_shared_region_create(4096, PROT_READ | PROT_WRITE, NULL, &region), E_OK);
	UASSERT_EQ(sys_shared_region_map(region, NULL, 0, (void **)&page), E_OK);
	UASSERT_EQ(hwcaps_format(&d->hw, NULL, page, 4096), E_OK);
	caps[n] = region;
	snprintf(arg, sizeof(arg), "%s %llu %u", mode, (unsigned long long)sectors, n);
	long err = utest_start_caps("vblk_driver", arg, 0, caps, n + 1, &child);
	if (!err && sys_process_wait(child, 4 * UTEST_PATIENCE_NS, &info)) {
		sys_process_terminate(child, 9);
		sys_process_wait(child, 0, &info);
		err = E_TIMEOUT;
	}
	int fail = 0;
	if (!err && info.exit_reason == EXIT_NORMAL && info.exit_code && page[2048])
		fail = utest_fail(__FILE__, __LINE__, "%s: %s", mode, page + 2048);
	sys_munmap(page, 4096);
	sys_cap_revoke(region);
	if (fail)
		return fail;
	UASSERT_EQ(err, E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT_EQ(info.exit_code, 0);
	return 0;
}

UTEST(virtio_blk_pci_writes_reads_back_and_flushes_with_many_in_flight)
{
	struct disk d;
	long err = find_pci_disk(RW_SECTORS, &d);
	int fail = err ? 0 : run_driver(&d, "rw", RW_SECTORS);
	/* A second start of the driver reads what the first wrote. */
	if (!err && !fail)
		fail = run_driver(&d, "verify", RW_SECTORS);
	disk_release(&d);
	UASSERT_EQ(err, E_OK); /* ci/boot gives every machine the 8 MiB disk */
	return fail;
}

UTEST(virtio_blk_read_only_disk_refuses_writes)
{
	struct disk d;
	long err = find_pci_disk(RO_SECTORS, &d);
	int fail = err ? 0 : run_driver(&d, "ro", RO_SECTORS);
	disk_release(&d);
	UASSERT_EQ(err, E_OK);
	return fail;
}

#if defined(__aarch64__) || defined(__riscv)
UTEST(virtio_blk_mmio_writes_reads_back_and_flushes_with_many_in_flight)
{
	struct disk d;
	long err = find_mmio_disk(MMIO_SECTORS, &d);
	int fail = err ? 0 : run_driver(&d, "rw", MMIO_SECTORS);
	if (!err && !fail)
		fail = run_driver(&d, "verify", MMIO_SECTORS);
	disk_release(&d);
	UASSERT_EQ(err, E_OK); /* ci/boot gives virt the 4 MiB disk on virtio-mmio */
	return fail;
}
#endif

/* What init refuses before it touches a device (no interrupt is bound on these paths). */
UTEST(virtio_blk_init_refuses_what_it_was_not_given)
{
	static struct virtio_blk b;
	struct disk d;
	UASSERT_EQ(find_pci_disk(RW_SECTORS, &d), E_OK);
	struct hardware_caps hw = d.hw;
	int r1, r2, r3, r4;
	hw.dma = 0;
	r1 = virtio_blk_ops.init(&b, &hw);
	hw = d.hw;
	hw.mmio_count = 0; /* its BARs not given */
	r2 = virtio_blk_ops.init(&b, &hw);
	hw = d.hw;
	hw.interrupt_count = 0;
	r3 = virtio_blk_ops.init(&b, &hw);
	disk_release(&d);
	/* Another virtio device (the rng) is not a block device. */
	struct rng r;
	uint32_t sbdf;
	long err = rng_open_pci(&r, &sbdf);
	rng_close(&r);
	UASSERT_EQ(err, E_OK);
	hw = (struct hardware_caps){.pci = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS), .sbdf = sbdf};
	hw.dma = hw_find_cap(OBJ_DMA, 0);
	hw.interrupts[0] = (struct interrupt_line){.cap = hw_find_cap(OBJ_INTERRUPT, 0)};
	hw.interrupt_count = 1;
	UASSERT_EQ(virtio_pci_describe(hw.pci, sbdf, rng_machine(), hw.bars), E_OK);
	for (unsigned i = 0; i < 6; i++)
		if (hw.bars[i].size)
			hw.mmio_regions[hw.mmio_count++] =
			    (struct mmio_region){.base = hw.bars[i].cpu_base,
						 .size = hw.bars[i].size,
						 .cap = hw_find_cap(OBJ_MMIO, 0)};
	r4 = virtio_blk_ops.init(&b, &hw);
	UASSERT_EQ(r1, DRIVER_INSUFFICIENT_CAPABILITIES);
	UASSERT_EQ(r2, DRIVER_INSUFFICIENT_CAPABILITIES);
	UASSERT_EQ(r3, DRIVER_INSUFFICIENT_CAPABILITIES);
	UASSERT_EQ(r4, DRIVER_HARDWARE_NOT_FOUND);
	UASSERT(!b.started && !b.req);
	return 0;
}

/*
 * The library's queue, and what it does with used elements a device makes
 * up: written here by hand on a queue the device never runs (it was never
 * told DRIVER_OK), so nothing but the test touches the rings.
 */
static int forged_used_elements(struct virtio *v, uint64_t dma)
{
	void *page, *token;
	uint64_t phys;
	uint32_t len;
	UASSERT_EQ(virtio_negotiate(v, VIRTIO_F_INDIRECT_DESC), E_OK);
	UASSERT(v->features & VIRTIO_F_INDIRECT_DESC); /* QEMU's virtio-blk offers it */
	UASSERT_EQ(virtio_queue_setup(v, dma, 24, 4), E_OK);
	struct virtq *q = &v->q;
	UASSERT_EQ(q->size, 16); /* a power of two */
	UASSERT_EQ(q->indirect, 4);
	UASSERT_EQ(virtio_queue_setup(v, dma, 16, 4), E_INVALID_PARAMETER); /* twice */
	UASSERT_EQ(hw_dma_alloc(dma, 4096, DMA_ZONE_ANY, &page, &phys), E_OK);
	struct virtq_buf b[6];
	for (unsigned i = 0; i < 6; i++)
		b[i] = (struct virtq_buf){.addr = phys + 512 * i, .len = 512, .writable = i & 1};
	int fail = 0;
	do {
		/* Three buffers: one ring descriptor (its table); six: a plain chain of six. */
		fail = 1;
		if (virtio_add(v, b, 3, (void *)0x11) || q->num_free != 15 ||
		    virtio_add(v, b, 6, (void *)0x22) || q->num_free != 9 ||
		    virtio_in_flight(v) != 2)
			break;
		if (virtio_add(v, b, 0, NULL) != E_INVALID_PARAMETER ||
		    virtio_add(v, b, 10, NULL) != E_RESOURCE_EXHAUSTED)
			break;
		b[2].len = 0;
		long zero = virtio_add(v, b, 3, NULL);
		b[2].len = 512;
		if (zero != E_INVALID_PARAMETER || virtio_get(v, &token, &len) != VIRTQ_EMPTY)
			break;
		volatile uint16_t *uidx = (volatile uint16_t *)(q->used + 2);
		volatile uint32_t *ue = (volatile uint32_t *)(q->used + 4);
		/* The first chain used, as much as it could take (512: its one writable buffer). */
		ue[0] = q->avail[2];
		ue[1] = 512;
		*uidx = 1;
		if (virtio_get(v, &token, &len) != VIRTQ_USED || token != (void *)0x11 ||
		    len != 512 || q->num_free != 10)
			break;
		/* The second, said to have written more than its three writable buffers hold. */
		ue[2] = q->avail[3];
		ue[3] = 3 * 512 + 1;
		*uidx = 2;
		if (virtio_get(v, &token, &len) != VIRTQ_OVERRUN || token != (void *)0x22 ||
		    q->num_free != 16 || virtio_in_flight(v) != 0)
			break;
		/* Used again (it is free), then an id out of range, then more than it was given. */
		if (virtio_add(v, b, 2, (void *)0x33))
			break;
		ue[4] = 5; /* free: a piece of the plain chain that was */
		*uidx = 3;
		if (virtio_get(v, &token, &len) != VIRTQ_BROKEN)
			break;
		ue[6] = 999;
		*uidx = 4;
		if (virtio_get(v, &token, &len) != VIRTQ_BROKEN)
			break;
		*uidx = 40;
		if (virtio_get(v, &token, &len) != VIRTQ_BROKEN || virtio_in_flight(v) != 1)
			break;
		fail = 0;
	} while (0);
	hw_dma_release(page);
	UASSERT_EQ(fail, 0);
	return 0;
}

UTEST(virtio_blk_library_checks_what_the_device_gives_back)
{
	uint64_t bus = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS), mmio = hw_find_cap(OBJ_MMIO, 0);
	uint64_t dma = hw_find_cap(OBJ_DMA, 0);
	struct disk d;
	struct virtio v;
	UASSERT_EQ(find_pci_disk(RW_SECTORS, &d), E_OK);
	uint32_t sbdf = d.hw.sbdf;
	disk_release(&d);
	UASSERT_EQ(virtio_pci_open(&v, bus, sbdf, mmio, rng_machine()), E_OK);
	UASSERT_EQ(v.device_id, VIRTIO_ID_BLOCK);
	UASSERT_EQ(virtio_config(&v, 0, 8), RW_SECTORS);
	UASSERT_EQ(virtio_config(&v, 1, 4), 0); /* unaligned */
	UASSERT_EQ(virtio_config(&v, 0, 3), 0);
	int fail = forged_used_elements(&v, dma);
	virtio_stop(&v);
	UASSERT_EQ(v.q.size, 0);
	return fail;
}

/* ---- The child: the driver, with only what it was given ---- */

/* Why the child failed, for the parent to say: in the shared page after the hwcaps text. */
#define REPORT_AT 2048
static char *report;

static int child_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int child_fail(const char *file, int line, const char *fmt, ...)
{
	if (report && !report[0]) {
		va_list ap;
		int n = snprintf(report, 4096 - REPORT_AT, "%s:%d: ", file, line);
		va_start(ap, fmt);
		kvsnprintf(report + n, 4096 - REPORT_AT - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return 1;
}

#undef UASSERT
#undef UASSERT_EQ
#define UASSERT(c)                                                                         \
	do {                                                                               \
		if (!(c))                                                                  \
			return child_fail(__FILE__, __LINE__, "assertion failed: %s", #c); \
	} while (0)
#define UASSERT_EQ(a, b)                                                                        \
	do {                                                                                    \
		long long ua_ = (long long)(a), ub_ = (long long)(b);                           \
		if (ua_ != ub_)                                                                 \
			return child_fail(__FILE__, __LINE__, "%s == %s: %lld vs %lld", #a, #b, \
					  ua_, ub_);                                            \
	} while (0)

#define POOL_PAGES 160 /* the client's memory: 640 KiB, pinned */
#define NREQ	   32  /* requests at once */
#define REQ_BLOCKS 8

struct req {
	struct blk_io io; /* first: done() finds its req */
	struct dma_buffer buf;
	int status;
	bool done;
};

static struct virtio_blk *const B = &virtio_blk_dev;
static const struct driver_ops *const OPS = &virtio_blk_ops;
static uint8_t *pool;
static uint64_t pool_phys[POOL_PAGES];
static struct req reqs[VBLK_SLOTS + 1];
static unsigned outstanding, seed;

static void req_done(struct blk_io *io, int status)
{
	struct req *r = (struct req *)io;
	r->status = status;
	r->done = true;
	outstanding--;
}

/* A dma_buffer over pool[off, off + len): one segment per page it touches (nothing merged). */
static void make_buf(struct dma_buffer *b, size_t off, size_t len, enum dma_direction dir)
{
	*b = (struct dma_buffer){.virt = pool + off, .size = len, .direction = dir};
	while (len && b->seg_count < DMA_MAX_SEGS) {
		size_t in = off & 4095, n = 4096 - in < len ? 4096 - in : len;
		b->seg[b->seg_count++] = (struct dma_seg){pool_phys[off >> 12] + in, (uint32_t)n};
		off += n;
		len -= n;
	}
}

/* Start one request; the driver's answer. */
static int issue(struct req *r, enum blk_op op, uint64_t lba, uint32_t count, size_t off)
{
	*r = (struct req){.io = {.op = op, .lba = lba, .count = count, .done = req_done}};
	if (op != BLK_OP_FLUSH) {
		make_buf(&r->buf, off, (size_t)count * 512,
			 op == BLK_OP_READ ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
		r->io.buf = &r->buf;
	}
	outstanding++;
	int err = op == BLK_OP_READ    ? OPS->block->read_blocks(B, &r->io)
		  : op == BLK_OP_WRITE ? OPS->block->write_blocks(B, &r->io)
				       : OPS->block->flush(B, &r->io);
	if (err && !r->done)
		outstanding--; /* refused: done is not called */
	return err;
}

/* Run the driver's interrupts until nothing is outstanding. */
static int wait_all(void)
{
	uint64_t note = driver_notification(), bits;
	while (outstanding) {
		long err = notification_wait(note, UTEST_PATIENCE_NS, &bits);
		if (err)
			return child_fail(__FILE__, __LINE__, "%u requests never completed (%ld)",
					  outstanding, err);
		driver_run_interrupts(bits);
	}
	return 0;
}

static uint32_t pattern(uint64_t lba, unsigned word)
{
	return (uint32_t)(lba * 0x9e3779b1u) ^ word ^ seed;
}

static void fill(size_t off, uint64_t lba, uint32_t count)
{
	for (uint32_t blk = 0; blk < count; blk++)
		for (unsigned w = 0; w < 128; w++)
			memcpy(pool + off + blk * 512 + w * 4, &(uint32_t){pattern(lba + blk, w)},
			       4);
}

static bool matches(size_t off, uint64_t lba, uint32_t count)
{
	for (uint32_t blk = 0; blk < count; blk++)
		for (unsigned w = 0; w < 128; w++) {
			uint32_t v;
			memcpy(&v, pool + off + blk * 512 + w * 4, 4);
			if (v != pattern(lba + blk, w))
				return false;
		}
	return true;
}

/* Request i's LBA: NREQ distinct places all over the disk. */
static uint64_t lba_of(unsigned i, uint64_t total)
{
	return (i * 509ull) % (total / REQ_BLOCKS) * REQ_BLOCKS;
}

/* Where request i's data is: every other one not page aligned (two segments). */
static size_t off_of(unsigned i, size_t base)
{
	return base + i * 8192 + (i & 1) * 512;
}

static int start_driver(const struct hardware_caps *hw, uint64_t sectors, uint32_t flags)
{
	struct block_geometry g;
	UASSERT_EQ(OPS->init(B, hw), DRIVER_OK);
	UASSERT_EQ(OPS->start(B), DRIVER_OK);
	OPS->block->geometry(B, &g);
	UASSERT_EQ(g.block_size, 512);
	UASSERT_EQ(g.total_blocks, sectors);
	UASSERT(g.max_transfer_blocks >= 16);
	UASSERT_EQ(g.alignment, 512);
	UASSERT_EQ(g.flags, flags);
	UASSERT(OPS->block->queue_depth >= 16);
	UASSERT_EQ(OPS->block->status(B), DEVICE_READY);
	const char *serial = flags ? "kestrel-ro" : hw->pci ? "kestrel-rw" : "kestrel-mmio";
	if (strcmp(B->serial, serial))
		return child_fail(__FILE__, __LINE__, "serial '%s', not '%s'", B->serial, serial);
	return 0;
}

/* Reads of request i's blocks into a fresh area, NREQ at once, compared. */
static int read_back(uint64_t total)
{
	memset(pool + 256 * 1024, 0, 320 * 1024);
	for (unsigned i = 0; i < NREQ; i++)
		UASSERT_EQ(issue(&reqs[i], BLK_OP_READ, lba_of(i, total), REQ_BLOCKS,
				 off_of(i, 256 * 1024) + 1024),
			   DRIVER_OK);
	UASSERT_EQ(outstanding, NREQ);
	if (wait_all())
		return 1;
	for (unsigned i = 0; i < NREQ; i++) {
		UASSERT_EQ(reqs[i].status, DRIVER_OK);
		if (!matches(off_of(i, 256 * 1024) + 1024, lba_of(i, total), REQ_BLOCKS))
			return child_fail(__FILE__, __LINE__, "request %u: not what was written",
					  i);
	}
	return 0;
}

/* Wait for the device to use something, then change its used element before the driver looks. */
static int forge_next_used(uint32_t id, uint32_t len, bool set_id)
{
	uint64_t note = driver_notification(), bits = 0, end = sys_clock() + UTEST_PATIENCE_NS;
	volatile uint16_t *uidx = (volatile uint16_t *)(B->v.q.used + 2);
	while (*uidx == B->v.q.last_used && sys_clock() < end)
		sys_sleep(1000000);
	UASSERT(*uidx != B->v.q.last_used);
	volatile uint32_t *e =
	    (volatile uint32_t *)(B->v.q.used + 4 + 8 * (B->v.q.last_used % B->v.q.size));
	if (set_id)
		e[0] = id;
	e[1] = len;
	notification_wait(note, UTEST_PATIENCE_NS, &bits); /* its interrupt */
	driver_run_interrupts(bits | 1);
	return 0;
}

static int rw_disk(const struct hardware_caps *hw, uint64_t total)
{
	if (start_driver(hw, total, 0))
		return 1;
	/* NREQ writes of REQ_BLOCKS at once, all over the disk, every other buffer unaligned. */
	for (unsigned i = 0; i < NREQ; i++) {
		fill(off_of(i, 0), lba_of(i, total), REQ_BLOCKS);
		UASSERT_EQ(
		    issue(&reqs[i], BLK_OP_WRITE, lba_of(i, total), REQ_BLOCKS, off_of(i, 0)),
		    DRIVER_OK);
	}
	UASSERT_EQ(outstanding, NREQ); /* all in flight: completions come from our interrupts */
	UASSERT_EQ(B->nfree, B->slots - NREQ);
	if (wait_all())
		return 1;
	for (unsigned i = 0; i < NREQ; i++)
		UASSERT_EQ(reqs[i].status, DRIVER_OK);
	UASSERT(B->v.features & VIRTIO_BLK_F_FLUSH); /* cache=writeback */
	UASSERT_EQ(issue(&reqs[0], BLK_OP_FLUSH, 0, 0, 0), DRIVER_OK);
	if (wait_all())
		return 1;
	UASSERT_EQ(reqs[0].status, DRIVER_OK);
	if (read_back(total))
		return 1;

	/* The largest transfer, not page aligned: 33 segments of the client's pages. */
	struct block_geometry g;
	OPS->block->geometry(B, &g);
	uint32_t big = g.max_transfer_blocks;
	UASSERT(big >= 256);
	big = 256;
	fill(512, total - big, big);
	UASSERT_EQ(issue(&reqs[0], BLK_OP_WRITE, total - big, big, 512), DRIVER_OK);
	UASSERT_EQ(reqs[0].buf.seg_count, 33);
	if (wait_all())
		return 1;
	UASSERT_EQ(reqs[0].status, DRIVER_OK);
	memset(pool + 256 * 1024, 0, 256 * 1024);
	UASSERT_EQ(issue(&reqs[1], BLK_OP_READ, total - big, big, 256 * 1024 + 2048), DRIVER_OK);
	if (wait_all())
		return 1;
	UASSERT_EQ(reqs[1].status, DRIVER_OK);
	UASSERT(matches(256 * 1024 + 2048, total - big, big));

	/* Past the end: the device says IOERR. */
	UASSERT_EQ(issue(&reqs[0], BLK_OP_READ, total, 1, 0), DRIVER_OK);
	UASSERT_EQ(issue(&reqs[1], BLK_OP_READ, total - 1, 2, 4096), DRIVER_OK);
	if (wait_all())
		return 1;
	UASSERT_EQ(reqs[0].status, DRIVER_HARDWARE_ERROR);
	UASSERT_EQ(reqs[1].status, DRIVER_HARDWARE_ERROR);

	/* Refused at once, the device never asked: a buffer that is not the request, and more. */
	UASSERT_EQ(issue(&reqs[0], BLK_OP_READ, 0, 0, 0), DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(issue(&reqs[0], BLK_OP_READ, 0, g.max_transfer_blocks + 1, 0),
		   DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(issue(&reqs[0], BLK_OP_READ, 0, 2, 0), DRIVER_OK);
	if (wait_all())
		return 1;
	reqs[0].buf.seg[0].len -= 512; /* one block short */
	UASSERT_EQ(OPS->block->read_blocks(B, &reqs[0].io), DRIVER_INVALID_PARAMETER);
	reqs[0].buf.seg[0].len += 512;
	reqs[0].buf.direction = DMA_FROM_DEVICE; /* a write from memory the device may only write */
	UASSERT_EQ(OPS->block->write_blocks(B, &reqs[0].io), DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(outstanding, 0);

	/* Every slot taken: the next is busy until one completes. */
	unsigned n = 0;
	int err;
	while ((err = issue(&reqs[n], BLK_OP_READ, n, 1, 8192 * (n % 16))) == DRIVER_OK &&
	       n < VBLK_SLOTS)
		n++;
	UASSERT_EQ(err, DRIVER_DEVICE_BUSY);
	UASSERT_EQ(n, B->slots);
	UASSERT(n >= 16);
	UASSERT_EQ(OPS->block->status(B), DEVICE_BUSY);
	if (wait_all())
		return 1;
	for (unsigned i = 0; i < n; i++)
		UASSERT_EQ(reqs[i].status, DRIVER_OK);

	/* A device that says it wrote more than the request holds: that request fails. */
	UASSERT_EQ(issue(&reqs[0], BLK_OP_READ, 0, 1, 0), DRIVER_OK);
	if (forge_next_used(0, 1u << 30, false))
		return 1;
	UASSERT(reqs[0].done);
	UASSERT_EQ(reqs[0].status, DRIVER_HARDWARE_ERROR);
	UASSERT_EQ(OPS->block->status(B), DEVICE_READY);
	/* One that gives back an id it was never given: not believed again, reset. */
	UASSERT_EQ(issue(&reqs[0], BLK_OP_READ, 0, 1, 0), DRIVER_OK);
	if (forge_next_used(B->v.q.size + 7, 1, true))
		return 1;
	UASSERT(reqs[0].done);
	UASSERT_EQ(reqs[0].status, DRIVER_HARDWARE_ERROR);
	UASSERT_EQ(OPS->block->status(B), DEVICE_ERROR);
	UASSERT_EQ(issue(&reqs[0], BLK_OP_READ, 0, 1, 0), DRIVER_HARDWARE_ERROR);
	UASSERT_EQ(OPS->stop(B), DRIVER_OK);
	UASSERT(!B->req);
	return 0;
}

/* A second start of the driver on the same disk: what the first wrote is there. */
static int verify_disk(const struct hardware_caps *hw, uint64_t total)
{
	if (start_driver(hw, total, 0) || read_back(total))
		return 1;
	UASSERT_EQ(OPS->stop(B), DRIVER_OK);
	UASSERT_EQ(OPS->block->status(B), DEVICE_OFFLINE);
	UASSERT_EQ(issue(&reqs[0], BLK_OP_READ, 0, 1, 0), DRIVER_HARDWARE_NOT_FOUND);
	return 0;
}

/* What the device itself answers a write to a read-only disk (the library, polled). */
static int device_refuses_write(const struct hardware_caps *hw)
{
	struct virtio v;
	void *page;
	uint64_t phys;
	UASSERT_EQ(virtio_open_hw(&v, hw), E_OK);
	UASSERT_EQ(virtio_negotiate(&v, 0), E_OK); /* RO not even negotiated */
	UASSERT_EQ(virtio_queue_setup(&v, hw->dma, 8, 0), E_OK);
	UASSERT_EQ(virtio_ready(&v), E_OK);
	UASSERT_EQ(hw_dma_alloc(hw->dma, 4096, DMA_ZONE_ANY, &page, &phys), E_OK);
	struct vblk_req *r = page;
	r->type = VIRTIO_BLK_T_OUT;
	r->status = 0xff;
	struct virtq_buf b[3] = {{phys, 16, false}, {phys + 512, 512, false}, {phys + 16, 1, true}};
	long err = virtio_add(&v, b, 3, (void *)1);
	virtio_kick(&v);
	void *token = NULL;
	uint32_t len;
	enum virtq_got got = VIRTQ_EMPTY;
	for (uint64_t end = sys_clock() + UTEST_PATIENCE_NS;
	     !err && got == VIRTQ_EMPTY && sys_clock() < end;)
		if ((got = virtio_get(&v, &token, &len)) == VIRTQ_EMPTY)
			sys_sleep(1000000);
	uint8_t status = r->status;
	virtio_isr(&v);
	virtio_stop(&v);
	hw_dma_release(page);
	UASSERT_EQ(err, E_OK);
	UASSERT_EQ(got, VIRTQ_USED);
	UASSERT(token == (void *)1);
	UASSERT_EQ(status, VIRTIO_BLK_S_IOERR);
	return 0;
}

static int ro_disk(const struct hardware_caps *hw, uint64_t total)
{
	if (device_refuses_write(hw) || start_driver(hw, total, BLK_FLAG_READ_ONLY))
		return 1;
	UASSERT(B->v.features & VIRTIO_BLK_F_RO);
	/* The driver refuses the write itself (the framework would have first). */
	UASSERT_EQ(issue(&reqs[0], BLK_OP_WRITE, 0, 1, 0), DRIVER_READ_ONLY);
	UASSERT(!reqs[0].done);
	memset(pool, 0xa5, 8192);
	UASSERT_EQ(issue(&reqs[0], BLK_OP_READ, 8, 8, 512), DRIVER_OK);
	UASSERT_EQ(issue(&reqs[1], BLK_OP_FLUSH, 0, 0, 0), DRIVER_OK);
	if (wait_all())
		return 1;
	UASSERT_EQ(reqs[0].status, DRIVER_OK);
	UASSERT_EQ(reqs[1].status, DRIVER_OK);
	for (unsigned i = 0; i < 4096; i++)
		UASSERT_EQ(pool[512 + i], 0); /* an empty image */
	UASSERT_EQ(OPS->stop(B), DRIVER_OK);
	return 0;
}

UCHILD(vblk_driver)
{
	char mode[8] = {0};
	const char *a = utest_child_arg;
	for (unsigned i = 0; *a && *a != ' ' && i < sizeof(mode) - 1; i++)
		mode[i] = *a++;
	char *end;
	uint64_t sectors = strtoul(*a ? a + 1 : a, &end, 0); /* this strtoul skips no spaces */
	unsigned idx = (unsigned)strtoul(*end ? end + 1 : end, NULL, 0);
	const char *text;
	struct hardware_caps hw;
	if (sys_shared_region_map(utest_cap(idx), NULL, 0, (void **)&text)) {
		printf("vblk_driver: no page at %u (%s)\n", idx, utest_child_arg);
		return 1;
	}
	report = (char *)text + REPORT_AT;
	if (hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS) || hw_find_cap(OBJ_DEVICE, HW_DEV_ROOT))
		return child_fail(__FILE__, __LINE__, "more than it was given");
	UASSERT_EQ(hwcaps_parse(text, getenv("KESTREL_CAPS"), &hw), E_OK);
	/* The client's memory, pinned: the device reads and writes it where it is. */
	UASSERT_EQ(sys_mmap(NULL, POOL_PAGES * 4096, PROT_READ | PROT_WRITE, (void **)&pool, NULL),
		   E_OK);
	memset(pool, 0, POOL_PAGES * 4096);
	UASSERT_EQ(hw_dma_pin(hw.dma, pool, POOL_PAGES * 4096, pool_phys), E_OK);
	seed = (uint32_t)sectors * 7919u;
	int fail = !strcmp(mode, "rw")	     ? rw_disk(&hw, sectors)
		   : !strcmp(mode, "verify") ? verify_disk(&hw, sectors)
		   : !strcmp(mode, "ro")     ? ro_disk(&hw, sectors)
					     : child_fail(__FILE__, __LINE__, "mode %s", mode);
	if (B->started || B->req)
		OPS->stop(B); /* a failure on the way: no more DMA into the pool */
	UASSERT_EQ(hw_dma_release(pool), E_OK);
	return fail;
}
