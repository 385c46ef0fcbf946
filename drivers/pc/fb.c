/*
 * The linear framebuffer GRUB set up (include/abi/pcdev.h, PCDEV_FB_NAME)
 * as a user-space driver: it holds only the framebuffer's memory window
 * and draws what the r2 gates lend it: a mode-13h frame (320x200 palette
 * indices) or a frame of 0x00RRGGBB pixels, each stretched over the whole
 * screen (nearest neighbour) when its size is not the screen's. Every
 * source row is read once, then written to as many screen rows as show it.
 */
#include "core/vga_palette.h"
#include "drivers/lib/driver.h"
#include "drivers/lib/pcdev.h"
#include "hw.h"
#include "include/abi/error.h"
#include "include/abi/pcdev.h"
#include "include/abi/r2.h"
#include "kestrel.h"

#define FB_MAX_DIM 4096 /* pixels each way, as the kernel describes it at most */
#define PAGE	   4096ull

struct fb {
	volatile uint8_t *base; /* the window, mapped */
	uint64_t size;
};

static struct fb fb_dev;
static uint32_t src_row[FB_MAX_DIM], out_row[FB_MAX_DIM];

struct geometry {
	unsigned w, h, pitch;
};

/* The kernel's word, checked against the window: false if it does not fit. */
static bool geometry(const struct fb *f, uint64_t g, struct geometry *out)
{
	*out = (struct geometry){.w = (unsigned)(g & 0xffff),
				 .h = (unsigned)(g >> 16 & 0xffff),
				 .pitch = (unsigned)(g >> 32)};
	return out->w && out->h && out->w <= FB_MAX_DIM && out->h <= FB_MAX_DIM &&
	       (uint64_t)out->w * 4 <= out->pitch && (uint64_t)out->pitch * out->h <= f->size;
}

static void put_row(const struct fb *f, const struct geometry *g, unsigned y, const uint32_t *px)
{
	volatile uint32_t *d = (volatile uint32_t *)(f->base + (uint64_t)y * g->pitch);
	for (unsigned x = 0; x < g->w; x++)
		d[x] = px[x] & 0xffffff; /* bits 24..31 are padding: written as 0 */
}

/* A row of src_w pixels stretched (nearest) to the screen's width. */
static const uint32_t *stretch(const struct geometry *g, const uint32_t *src, unsigned src_w)
{
	if (src_w == g->w)
		return src;
	for (unsigned x = 0; x < g->w; x++)
		out_row[x] = src[(uint64_t)x * src_w / g->w];
	return out_row;
}

/* The mode-13h frame, its indices through the palette (or the VGA's default, widened to 8 bits). */
static uint64_t frame(const struct fb *f, const struct geometry *g, const struct pcdev_call *c)
{
	uint32_t pal[256];
	if (!c->in || c->in_len != R2_MODE13_W * R2_MODE13_H || (c->out && c->out_len != 768))
		return R2_INVALID_INPUT;
	for (unsigned i = 0; i < 256; i++)
		pal[i] = c->out ? (uint32_t)c->out[3 * i] << 16 | (uint32_t)c->out[3 * i + 1] << 8 |
				      c->out[3 * i + 2]
				: vga_default_rgb(i);
	const uint32_t *row = NULL;
	for (unsigned y = 0, have = ~0u; y < g->h; y++) {
		unsigned sy = (unsigned)((uint64_t)y * R2_MODE13_H / g->h);
		if (sy != have) {
			for (unsigned x = 0; x < R2_MODE13_W; x++)
				src_row[x] = pal[c->in[sy * R2_MODE13_W + x]];
			row = stretch(g, src_row, R2_MODE13_W);
			have = sy;
		}
		put_row(f, g, y, row);
	}
	return R2_OK;
}

/* 32-bit pixels: the screen's size (dims 0), or w x h of them stretched over it. */
static uint64_t blit(const struct fb *f, const struct geometry *g, const struct pcdev_call *c)
{
	unsigned w = g->w, h = g->h;
	if (c->arg2) {
		w = (unsigned)(c->arg2 >> 16 & 0xffff), h = (unsigned)(c->arg2 & 0xffff);
		if (c->arg2 >> 32 || !w || !h || w > FB_MAX_DIM || h > FB_MAX_DIM)
			return R2_INVALID_INPUT;
	}
	if (!c->in || c->in_len != (uint64_t)w * h * 4)
		return R2_INVALID_INPUT;
	const uint32_t *row = NULL;
	for (unsigned y = 0, have = ~0u; y < g->h; y++) {
		unsigned sy = c->arg2 ? (unsigned)((uint64_t)y * h / g->h) : y;
		if (sy != have) {
			memcpy(src_row, c->in + (uint64_t)sy * w * 4,
			       (size_t)w * 4); /* any alignment */
			row = stretch(g, src_row, w);
			have = sy;
		}
		put_row(f, g, y, row);
	}
	return R2_OK;
}

static int fb_call(void *dev, const struct pcdev_call *c, uint64_t r[3])
{
	const struct fb *f = dev;
	struct geometry g;
	if (!geometry(f, c->arg, &g))
		return E_INVALID_PARAMETER;
	switch (c->op) {
	case PCDEV_FB_FRAME:
		r[0] = frame(f, &g, c);
		return E_OK;
	case PCDEV_FB_BLIT:
		r[0] = blit(f, &g, c);
		return E_OK;
	default:
		return E_INVALID_PARAMETER;
	}
}

static const struct pcdev_ops fb_pcdev = {.server = PCDEV_FB_NAME, .call = fb_call};

static int fb_init(void *dev, const struct hardware_caps *hw)
{
	struct fb *f = dev;
	if (hw->mmio_count != 1 || !hw->mmio_regions[0].writable)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	const struct mmio_region *m = &hw->mmio_regions[0];
	uint64_t lo = m->base & ~(PAGE - 1), hi = (m->base + m->size + PAGE - 1) & ~(PAGE - 1);
	void *va = NULL;
	if (hw_mmio_map(m->cap, lo, hi - lo, &va))
		return DRIVER_INITIALIZATION_FAILED;
	*f = (struct fb){.base = (volatile uint8_t *)va + (m->base - lo), .size = m->size};
	pcdev_install(&fb_pcdev);
	return DRIVER_OK;
}

static const enum device_type fb_types[] = {DEVICE_CHAR};

static const struct driver_info fb_info = {
    .name = "pcfb",
    .version = {1, 0, 0},
    .vendor = "Kestrel",
    .device_types = fb_types,
    .device_type_count = 1,
    .capabilities_required = CAPTYPE_MMIO,
};

static const struct driver_ops fb_ops = {.info = &fb_info, .init = fb_init};

DRIVER_PROGRAM(pcfb, "pcfb", &fb_ops, &fb_dev);
