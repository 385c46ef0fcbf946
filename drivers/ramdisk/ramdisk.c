/*
 * The RAM disk: a block device in the driver's own memory, the seed's
 * first driver and the transport's reference. Arguments (hw->args):
 * "size=BYTES" (default 4 MiB, rounded down to whole blocks, at most
 * 256 MiB), "bs=BYTES" (block size, a power of two 512..4096, default
 * 512), "ro" (read-only). Geometry: max_transfer_blocks 256 (128 KiB at
 * 512), alignment 512 (the block size with a larger bs). A request is a
 * memcpy between the storage and the client's data, completed at once;
 * flush has nothing to do. It needs no hardware (CAPTYPE_MEMORY); given
 * a DMA capability anyway, the server pins the clients' data and the RAM
 * disk checks the segments it is handed (the transport's DMA path, tested
 * without a device).
 */
#include "drivers/lib/blkserv.h"
#include "kestrel.h"

#define RAMDISK_DEFAULT (4u << 20)
#define RAMDISK_MAX	(256ull << 20)

struct ramdisk {
	uint8_t *mem;
	uint64_t size;
	uint32_t block_size;
	bool read_only;
};

static struct ramdisk state;

/* "key=NUMBER" words and plain flags from the argument line; false if malformed. */
static bool parse_args(struct ramdisk *r, const char *args)
{
	r->size = RAMDISK_DEFAULT;
	r->block_size = 512;
	r->read_only = false;
	for (const char *s = args; s && *s;) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *w = s;
		while (*s && *s != ' ')
			s++;
		size_t n = (size_t)(s - w);
		char *end;
		if (n == 2 && !strncmp(w, "ro", 2)) {
			r->read_only = true;
		} else if (n > 5 && !strncmp(w, "size=", 5)) {
			r->size = strtoul(w + 5, &end, 0);
			if (end != s)
				return false;
		} else if (n > 3 && !strncmp(w, "bs=", 3)) {
			unsigned long bs = strtoul(w + 3, &end, 0);
			if (end != s || bs < 512 || bs > 4096 || bs & (bs - 1))
				return false;
			r->block_size = (uint32_t)bs;
		} else {
			return false;
		}
	}
	r->size -= r->size % r->block_size;
	return r->size && r->size <= RAMDISK_MAX;
}

static int rd_init(void *dev, const struct hardware_caps *caps)
{
	struct ramdisk *r = dev;
	if (!parse_args(r, caps->args))
		return DRIVER_INVALID_PARAMETER;
	void *mem;
	if (sys_mmap(NULL, r->size, PROT_READ | PROT_WRITE, &mem, NULL))
		return DRIVER_OUT_OF_RESOURCES;
	r->mem = mem;
	return DRIVER_OK;
}

static int rd_start(void *dev)
{
	(void)dev;
	return DRIVER_OK;
}

static int rd_stop(void *dev)
{
	(void)dev;
	return DRIVER_OK; /* no DMA, nothing in flight: a request is done when it returns */
}

static int rd_power(void *dev, enum power_event ev)
{
	(void)dev;
	(void)ev;
	return DRIVER_OK;
}

static void rd_geometry(void *dev, struct block_geometry *g)
{
	struct ramdisk *r = dev;
	*g = (struct block_geometry){.block_size = r->block_size,
				     .total_blocks = r->size / r->block_size,
				     .max_transfer_blocks = 256,
				     .alignment = r->block_size,
				     .flags = r->read_only ? BLK_FLAG_READ_ONLY : 0};
}

/* The server checked the range against our geometry; checked again, as cheap as it is. */
static bool in_range(const struct ramdisk *r, const struct blk_io *io)
{
	uint64_t blocks = r->size / r->block_size;
	return io->buf && io->buf->virt && io->lba < blocks && io->count <= blocks - io->lba &&
	       io->buf->size >= (uint64_t)io->count * r->block_size;
}

/*
 * Given DMA (dma= in its capabilities), the server pins the client's data
 * and describes each request's piece of it in segments, as a device would
 * be given them: the RAM disk copies with the CPU but checks they add up.
 */
static int segments_ok(const struct blk_io *io)
{
	const struct dma_buffer *b = io->buf;
	if (!b->seg_count)
		return DRIVER_OK;
	uint64_t sum = 0;
	for (unsigned i = 0; i < b->seg_count && i < DMA_MAX_SEGS; i++) {
		if (!b->seg[i].len || !b->seg[i].phys)
			return DRIVER_DMA_ERROR;
		sum += b->seg[i].len;
	}
	return b->seg_count <= DMA_MAX_SEGS && sum == b->size ? DRIVER_OK : DRIVER_DMA_ERROR;
}

static int rd_read(void *dev, struct blk_io *io)
{
	struct ramdisk *r = dev;
	if (!in_range(r, io))
		return DRIVER_INVALID_PARAMETER;
	if (segments_ok(io))
		return DRIVER_DMA_ERROR;
	memcpy(io->buf->virt, r->mem + io->lba * r->block_size, (size_t)io->count * r->block_size);
	blk_complete(io, DRIVER_OK);
	return DRIVER_OK;
}

static int rd_write(void *dev, struct blk_io *io)
{
	struct ramdisk *r = dev;
	if (r->read_only)
		return DRIVER_READ_ONLY;
	if (!in_range(r, io))
		return DRIVER_INVALID_PARAMETER;
	if (segments_ok(io))
		return DRIVER_DMA_ERROR;
	memcpy(r->mem + io->lba * r->block_size, io->buf->virt, (size_t)io->count * r->block_size);
	blk_complete(io, DRIVER_OK);
	return DRIVER_OK;
}

static int rd_flush(void *dev, struct blk_io *io)
{
	(void)dev;
	blk_complete(io, DRIVER_OK); /* memory is as durable as it gets */
	return DRIVER_OK;
}

static enum device_status rd_status(void *dev)
{
	struct ramdisk *r = dev;
	return r->mem ? DEVICE_READY : DEVICE_OFFLINE;
}

static const struct block_ops rd_block = {
    .geometry = rd_geometry,
    .read_blocks = rd_read,
    .write_blocks = rd_write,
    .flush = rd_flush,
    .status = rd_status,
    .queue_depth = 32,
};

static const enum device_type rd_types[] = {DEVICE_BLOCK};

static const struct driver_info rd_info = {
    .name = "ramdisk",
    .version = {1, 0, 0},
    .vendor = "Kestrel",
    .device_types = rd_types,
    .device_type_count = 1,
    .capabilities_required = CAPTYPE_MEMORY,
};

static const struct driver_ops rd_ops = {
    .info = &rd_info,
    .init = rd_init,
    .start = rd_start,
    .stop = rd_stop,
    .power_event = rd_power,
    .block = &rd_block,
};

DRIVER_PROGRAM(ramdisk, "ramdisk", &rd_ops, &state);
