/*
 * The virtio-blk driver (virtio_blk.h): a BlockDevice on virtqueue 0 of a
 * virtio block device (virtio 1.x, 5.2), over either transport.
 *
 * Each request takes a slot: its header (type, sector) and status byte in
 * the driver's DMA memory, and one chain on the queue: the header
 * (device-readable), the client's own segments (io->buf->seg[], split
 * at size_max if the device has one: the data is never copied), the
 * status byte (device-writable). With INDIRECT_DESC the chain is one ring
 * descriptor pointing at the slot's indirect table, so VBLK_SLOTS
 * requests fit in a queue of VBLK_SLOTS; without it, plain chains in a
 * bigger queue, and DRIVER_DEVICE_BUSY when they do not fit.
 *
 * Completion is the interrupt handler's (on the framework's I/O thread):
 * the device's interrupt status read (which lowers its line), then every
 * used element harvested, checked (an id the driver did not give, a
 * length beyond what it may write, a status it does not know) and
 * completed with blk_complete. A device that gives back what it was not
 * given is not believed again: it is reset (no more DMA), everything in
 * flight fails with DRIVER_HARDWARE_ERROR and so does every request
 * after.
 */
#include "drivers/virtio-blk/virtio_blk.h"

#include "hw.h"
#include "kestrel.h"

#define ID_TOKEN    ((void *)(uintptr_t)(VBLK_SLOTS + 1)) /* the GET_ID request's */
#define ID_WAIT_NS  2000000000ull			  /* for GET_ID at init, polled */
#define STATUS_NONE 0xff /* the status byte before the device writes it */

/* Device configuration (5.2.4). */
#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX  12
#define CFG_BLK_SIZE 20

struct virtio_blk virtio_blk_dev;

static int status_of(uint8_t s)
{
	switch (s) {
	case VIRTIO_BLK_S_OK:
		return DRIVER_OK;
	case VIRTIO_BLK_S_UNSUPP:
		return DRIVER_INVALID_PARAMETER;
	default: /* IOERR, or nothing the device should write */
		return DRIVER_HARDWARE_ERROR;
	}
}

/* The device broke the protocol, or went away: reset it and fail everything it held. */
static void give_up(struct virtio_blk *b, int status)
{
	b->broken = status == DRIVER_HARDWARE_ERROR;
	b->started = false;
	virtio_stop(&b->v); /* reset first: no more DMA into what we complete */
	for (unsigned s = 0; s < b->slots; s++) {
		struct blk_io *io = b->io[s];
		if (!io)
			continue;
		b->io[s] = NULL;
		b->free_slot[b->nfree++] = (uint8_t)s;
		blk_complete(io, status);
	}
}

/* The used elements the device gave back, each completed. */
static void harvest(struct virtio_blk *b)
{
	for (;;) {
		void *token;
		uint32_t len;
		enum virtq_got got = virtio_get(&b->v, &token, &len);
		if (got == VIRTQ_EMPTY)
			return;
		if (got == VIRTQ_BROKEN) {
			b->errors++;
			give_up(b, DRIVER_HARDWARE_ERROR);
			return;
		}
		if (token == ID_TOKEN) {
			uint8_t st = b->req[VBLK_SLOTS].status;
			if (got == VIRTQ_USED && st == VIRTIO_BLK_S_OK) {
				memcpy(b->serial, b->id, VBLK_ID_BYTES);
				b->serial[VBLK_ID_BYTES] = 0;
			}
			continue;
		}
		uintptr_t s = (uintptr_t)token - 1;
		if (s >= b->slots || !b->io[s]) { /* the library's record says what we never gave */
			b->errors++;
			give_up(b, DRIVER_HARDWARE_ERROR);
			return;
		}
		struct blk_io *io = b->io[s];
		int status = status_of(b->req[s].status);
		if (got == VIRTQ_OVERRUN) {
			b->errors++;
			status = DRIVER_HARDWARE_ERROR; /* it wrote beyond the request */
		}
		b->io[s] = NULL;
		b->free_slot[b->nfree++] = (uint8_t)s;
		blk_complete(io, status); /* may start the next request */
	}
}

static void interrupt(void *ctx, uint32_t line)
{
	struct virtio_blk *b = ctx;
	(void)line;
	if (!b->started)
		return;
	unsigned isr = virtio_isr(&b->v); /* lowers the line */
	if (isr & VIRTIO_ISR_CONFIG) {
		if (virtio_status(&b->v) & (VIRTIO_S_NEEDS_RESET | VIRTIO_S_FAILED)) {
			b->errors++;
			give_up(b, DRIVER_HARDWARE_ERROR);
			return;
		}
		/* A resized disk: its new capacity. */
		b->capacity = virtio_config(&b->v, CFG_CAPACITY, 8);
		b->geo.total_blocks = b->capacity >> b->shift;
	}
	harvest(b);
}

/* A chain for slot `s`: header, the data (split at size_max), status. 0 or a DriverError. */
static int chain(struct virtio_blk *b, unsigned s, const struct dma_buffer *buf, bool to_device,
		 struct virtq_buf *d, unsigned *n)
{
	unsigned k = 0;
	d[k++] = (struct virtq_buf){.addr = b->req_phys + s * sizeof(struct vblk_req), .len = 16};
	for (unsigned i = 0; buf && i < buf->seg_count; i++) {
		uint64_t phys = buf->seg[i].phys;
		uint32_t left = buf->seg[i].len;
		while (left) {
			uint32_t len = b->size_max && left > b->size_max ? b->size_max : left;
			if (k > b->data_max)
				return DRIVER_INVALID_PARAMETER; /* more pieces than the device takes */
			d[k++] =
			    (struct virtq_buf){.addr = phys, .len = len, .writable = !to_device};
			phys += len;
			left -= len;
		}
	}
	d[k++] = (struct virtq_buf){
	    .addr = b->req_phys + s * sizeof(struct vblk_req) + 16, .len = 1, .writable = true};
	*n = k;
	return DRIVER_OK;
}

static int submit(struct virtio_blk *b, struct blk_io *io, uint32_t type)
{
	if (!io || !io->done)
		return DRIVER_INVALID_PARAMETER;
	if (b->broken)
		return DRIVER_HARDWARE_ERROR;
	if (!b->started)
		return DRIVER_HARDWARE_NOT_FOUND;
	const struct dma_buffer *buf = NULL;
	uint64_t sector = 0;
	if (type != VIRTIO_BLK_T_FLUSH) {
		buf = io->buf;
		if (!buf || !io->count || io->count > b->geo.max_transfer_blocks ||
		    !buf->seg_count || buf->seg_count > DMA_MAX_SEGS ||
		    io->lba > UINT64_MAX >> (b->shift + 9))
			return DRIVER_INVALID_PARAMETER;
		uint64_t bytes = 0;
		for (unsigned i = 0; i < buf->seg_count; i++) {
			if (!buf->seg[i].len)
				return DRIVER_INVALID_PARAMETER;
			bytes += buf->seg[i].len;
		}
		if (bytes != (uint64_t)io->count * b->block_size)
			return DRIVER_INVALID_PARAMETER; /* the buffer is not the request */
		if (type == VIRTIO_BLK_T_OUT &&
		    (b->geo.flags & BLK_FLAG_READ_ONLY || buf->direction == DMA_FROM_DEVICE))
			return b->geo.flags & BLK_FLAG_READ_ONLY ? DRIVER_READ_ONLY
								 : DRIVER_INVALID_PARAMETER;
		if (type == VIRTIO_BLK_T_IN && buf->direction == DMA_TO_DEVICE)
			return DRIVER_INVALID_PARAMETER;
		sector = io->lba << b->shift;
	}
	if (!b->nfree)
		return DRIVER_DEVICE_BUSY;
	unsigned s = b->free_slot[b->nfree - 1], n;
	struct virtq_buf d[VBLK_DATA_DESC + 2];
	int err = chain(b, s, buf, type == VIRTIO_BLK_T_OUT, d, &n);
	if (err)
		return err;
	b->req[s] = (struct vblk_req){.type = type, .sector = sector, .status = STATUS_NONE};
	long e = virtio_add(&b->v, d, n, (void *)(uintptr_t)(s + 1));
	if (e)
		return e == E_RESOURCE_EXHAUSTED ? DRIVER_DEVICE_BUSY : DRIVER_INVALID_PARAMETER;
	b->nfree--;
	b->io[s] = io;
	virtio_kick(&b->v);
	return DRIVER_OK;
}

static int read_blocks(void *dev, struct blk_io *io)
{
	return submit(dev, io, VIRTIO_BLK_T_IN);
}

static int write_blocks(void *dev, struct blk_io *io)
{
	return submit(dev, io, VIRTIO_BLK_T_OUT);
}

static int flush_blocks(void *dev, struct blk_io *io)
{
	struct virtio_blk *b = dev;
	if (b->started && !b->broken && !(b->v.features & VIRTIO_BLK_F_FLUSH)) {
		if (!io || !io->done)
			return DRIVER_INVALID_PARAMETER;
		blk_complete(io, DRIVER_OK); /* nothing to flush: it writes through */
		return DRIVER_OK;
	}
	return submit(b, io, VIRTIO_BLK_T_FLUSH);
}

static void geometry(void *dev, struct block_geometry *g)
{
	*g = ((struct virtio_blk *)dev)->geo;
}

static enum device_status device_status(void *dev)
{
	struct virtio_blk *b = dev;
	if (b->broken)
		return DEVICE_ERROR;
	if (!b->started)
		return DEVICE_OFFLINE;
	if (virtio_status(&b->v) & (VIRTIO_S_NEEDS_RESET | VIRTIO_S_FAILED))
		return DEVICE_ERROR;
	return b->nfree ? DEVICE_READY : DEVICE_BUSY;
}

/* The device's serial (GET_ID), asked before interrupts are bound: polled. */
static void get_id(struct virtio_blk *b)
{
	unsigned s = VBLK_SLOTS;
	b->req[s] = (struct vblk_req){.type = VIRTIO_BLK_T_GET_ID, .status = STATUS_NONE};
	struct virtq_buf d[3] = {
	    {.addr = b->req_phys + s * sizeof(struct vblk_req), .len = 16},
	    {.addr = b->req_phys + (uint64_t)((char *)b->id - (char *)b->req),
	     .len = VBLK_ID_BYTES,
	     .writable = true},
	    {.addr = b->req_phys + s * sizeof(struct vblk_req) + 16, .len = 1, .writable = true},
	};
	if (virtio_add(&b->v, d, 3, ID_TOKEN))
		return;
	virtio_kick(&b->v);
	/* Answered at once by every device we know; if not, the interrupt handler takes it. */
	for (uint64_t end = sys_clock() + ID_WAIT_NS;
	     virtio_in_flight(&b->v) && sys_clock() < end;) {
		harvest(b);
		if (virtio_in_flight(&b->v))
			sys_sleep(100000);
	}
}

static int fail_init(struct virtio_blk *b, int err)
{
	virtio_stop(&b->v);
	if (b->req)
		hw_dma_release(b->req);
	b->req = NULL;
	b->started = false;
	return err;
}

static int init(void *dev, const struct hardware_caps *hw)
{
	struct virtio_blk *b = dev;
	if (b->started || b->req)
		return DRIVER_INITIALIZATION_FAILED; /* stop first */
	*b = (struct virtio_blk){0};
	if (!hw || !hw->dma || !hw->interrupt_count || !hw->interrupts[0].cap ||
	    (!hw->pci && !hw->mmio_count))
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	long e = virtio_open_hw(&b->v, hw);
	if (e)
		return e == E_PERMISSION_DENIED ? DRIVER_INSUFFICIENT_CAPABILITIES
		       : e == E_NOT_FOUND	? DRIVER_HARDWARE_NOT_FOUND
						: DRIVER_INITIALIZATION_FAILED;
	if (b->v.device_id != VIRTIO_ID_BLOCK)
		return DRIVER_HARDWARE_NOT_FOUND;
	b->irq = hw->interrupts[0];
	b->irq.line = b->v.line;
	b->dma = hw->dma;
	uint64_t want = VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_RO |
			VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | VIRTIO_F_INDIRECT_DESC;
	if (virtio_negotiate(&b->v, want))
		return fail_init(b, DRIVER_INITIALIZATION_FAILED);
	uint64_t f = b->v.features;

	/* Geometry: the device's logical block size if it says one (a power of two, 512-64K). */
	b->capacity = virtio_config(&b->v, CFG_CAPACITY, 8);
	uint32_t bs =
	    f & VIRTIO_BLK_F_BLK_SIZE ? (uint32_t)virtio_config(&b->v, CFG_BLK_SIZE, 4) : 0;
	b->shift = 0;
	if (bs >= 512 && bs <= 65536 && !(bs & (bs - 1)))
		while ((512u << b->shift) < bs)
			b->shift++;
	b->block_size = 512u << b->shift;
	b->size_max =
	    f & VIRTIO_BLK_F_SIZE_MAX ? (uint32_t)virtio_config(&b->v, CFG_SIZE_MAX, 4) : 0;
	uint32_t seg_max =
	    f & VIRTIO_BLK_F_SEG_MAX ? (uint32_t)virtio_config(&b->v, CFG_SEG_MAX, 4) : 0;
	bool indirect = f & VIRTIO_F_INDIRECT_DESC;

	/* The queue: one descriptor a request through its table, else plain chains. */
	e = virtio_queue_setup(&b->v, b->dma, indirect ? VBLK_SLOTS : VIRTQ_SIZE_MAX,
			       indirect ? VBLK_DATA_DESC + 2 : 0);
	if (e)
		return fail_init(b, e == E_OUT_OF_MEMORY || e == E_RESOURCE_EXHAUSTED
					? DRIVER_OUT_OF_RESOURCES
					: DRIVER_INITIALIZATION_FAILED);
	unsigned qsize = b->v.q.size;
	b->data_max = b->v.q.indirect ? b->v.q.indirect - 2 : (qsize > 2 ? qsize - 2 : 0);
	if (b->data_max > VBLK_DATA_DESC)
		b->data_max = VBLK_DATA_DESC;
	if (seg_max && seg_max < b->data_max)
		b->data_max = seg_max;
	b->slots = b->v.q.indirect ? qsize : qsize / 3;
	b->slots = b->slots > VBLK_SLOTS ? VBLK_SLOTS : b->slots;
	/*
	 * The largest transfer that fits whatever the client's pages: a buffer
	 * not page aligned spans one page more than its size, and each page
	 * is split into pieces of size_max.
	 */
	uint32_t pieces =
	    b->size_max && b->size_max < 4096 ? (4096 + b->size_max - 1) / b->size_max : 1;
	uint64_t pages = b->data_max / pieces, max = VBLK_MAX_TRANSFER;
	if (pages < 2 || !b->slots)
		return fail_init(b, DRIVER_INITIALIZATION_FAILED);
	if ((pages - 1) * 4096 < max)
		max = (pages - 1) * 4096;
	if (max < b->block_size)
		return fail_init(b, DRIVER_INITIALIZATION_FAILED);
	b->geo = (struct block_geometry){
	    .block_size = b->block_size,
	    .total_blocks = b->capacity >> b->shift,
	    .max_transfer_blocks = (uint32_t)(max / b->block_size),
	    .alignment = b->block_size,
	    .flags = f & VIRTIO_BLK_F_RO ? BLK_FLAG_READ_ONLY : 0,
	};

	/* The slots' headers and status bytes, GET_ID's, and its answer: one page. */
	uint64_t bytes = (VBLK_SLOTS + 1) * sizeof(struct vblk_req) + VBLK_ID_BYTES;
	if (hw_dma_alloc(b->dma, (bytes + 4095) & ~4095ull, DMA_ZONE_ANY, (void **)&b->req,
			 &b->req_phys))
		return fail_init(b, DRIVER_OUT_OF_RESOURCES);
	b->id = (char *)(b->req + VBLK_SLOTS + 1);
	for (unsigned s = 0; s < b->slots; s++)
		b->free_slot[s] = (uint8_t)(b->slots - 1 - s);
	b->nfree = b->slots;
	if (virtio_ready(&b->v))
		return fail_init(b, DRIVER_INITIALIZATION_FAILED);
	b->started = true;
	get_id(b);
	if (!b->started)
		return fail_init(b, DRIVER_HARDWARE_ERROR);
	struct interrupt_flags none = {0};
	if (driver_register_interrupt(&b->irq, interrupt, b, none)) {
		/*
		 * Another driver holds the line (legacy INTx lines are shared: on
		 * the PC a handful serve every slot). Turn this function's INTx
		 * off, so it never holds the other's line up, and be polled.
		 */
		uint32_t cmd;
		if (!hw->pci || hw_pci_read(hw->pci, hw->sbdf, PCI_COMMAND, 2, &cmd) ||
		    hw_pci_write(hw->pci, hw->sbdf, PCI_COMMAND, 2, cmd | PCI_CMD_INTX_OFF) ||
		    driver_register_poll(interrupt, b))
			return fail_init(b, DRIVER_INTERRUPT_ERROR);
		printf("virtio-blk: %s: interrupt line %u is another driver's: polled\n",
		       hw->device, b->irq.line);
	}
	b->irq_bound = true;
	return DRIVER_OK;
}

static int start(void *dev)
{
	struct virtio_blk *b = dev;
	return b->started ? DRIVER_OK : DRIVER_INITIALIZATION_FAILED;
}

static int stop(void *dev)
{
	struct virtio_blk *b = dev;
	/* Reset (no more DMA), then what was still in flight fails: the device is gone. */
	give_up(b, b->broken ? DRIVER_HARDWARE_ERROR : DRIVER_HARDWARE_NOT_FOUND);
	if (b->req)
		hw_dma_release(b->req);
	b->req = NULL;
	b->id = NULL;
	b->slots = b->nfree = 0;
	return DRIVER_OK;
}

static int power_event(void *dev, enum power_event ev)
{
	(void)dev;
	(void)ev;
	return DRIVER_OK; /* the framework flushes before POWER_OFF */
}

static int device_event(void *dev, enum device_event ev)
{
	struct virtio_blk *b = dev;
	if (ev == DEVICE_REMOVED && b->started)
		give_up(b, DRIVER_HARDWARE_NOT_FOUND);
	return DRIVER_OK;
}

static const struct block_ops block_ops = {
    .geometry = geometry,
    .read_blocks = read_blocks,
    .write_blocks = write_blocks,
    .flush = flush_blocks,
    .status = device_status,
    .queue_depth = VBLK_SLOTS,
};

static const enum device_type types[] = {DEVICE_BLOCK};
static const struct driver_info info = {
    .name = "virtio-blk",
    .version = {1, 0, 0},
    .vendor = "Kestrel",
    .device_types = types,
    .device_type_count = 1,
    .capabilities_required = CAPTYPE_MMIO | CAPTYPE_INTERRUPT | CAPTYPE_DMA,
};

const struct driver_ops virtio_blk_ops = {
    .info = &info,
    .init = init,
    .start = start,
    .stop = stop,
    .power_event = power_event,
    .device_event = device_event,
    .block = &block_ops,
};

DRIVER_PROGRAM(virtio_blk, "virtio-blk", &virtio_blk_ops, &virtio_blk_dev);
