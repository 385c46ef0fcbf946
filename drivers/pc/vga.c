/*
 * The VGA as a user-space driver (PNP0900: ports 0x3C0-0x3DF and the
 * window at 0xA0000), serving the r2 screen calls (include/abi/pcdev.h).
 * Programmed register by register (no BIOS): text mode 3 (80x25, 16
 * colours, the font in plane 2), mode 0Dh (320x200, 16 colours) and mode
 * 12h (640x480, 16 colours), both planar, and mode 13h (320x200, 256
 * colours, chain-4, linear at 0xA0000). Every graphics mode writes over
 * plane 2, so the font is saved when text mode is left and put back when
 * it returns. The register values are the standard ones of the modes (IBM
 * VGA technical reference), except that the planar modes' attribute
 * controller maps pixel value n to DAC entry n, which holds EGA colour n.
 * The driver starts in text mode, as the firmware leaves the VGA.
 */
#include "core/vga_palette.h"
#include "core/vga_text.h"
#include "drivers/lib/driver.h"
#include "drivers/lib/pcdev.h"
#include "hw.h"
#include "include/abi/error.h"
#include "include/abi/pcdev.h"
#include "include/abi/r2.h"
#include "kestrel.h"

#define VGA_PHYS    0xa0000
#define VGA_SPAN    0x20000 /* 0xA0000..0xBFFFF */
#define TEXT_OFFSET 0x18000 /* 0xB8000 */
#define FONT_BYTES  8192    /* 256 glyphs of 32 bytes in plane 2 */
#define FONT_KEPT   0xc000  /* plane 2: the font's keeping copy, past what modes 0Dh, 12h use */
#define GLYPH_ROWS  16	    /* of those 32, as the VGA BIOS loads its 8x16 font */

#define MISC_WRITE 0x3c2
#define SEQ_INDEX  0x3c4
#define DAC_WRITE  0x3c8
#define DAC_DATA   0x3c9
#define GC_INDEX   0x3ce
#define CRTC_INDEX 0x3d4
#define AC_INDEX   0x3c0
#define INPUT_STAT 0x3da /* reading it resets the attribute controller's flip-flop */

struct vga_regs {
	uint8_t misc;
	uint8_t seq[5];
	uint8_t crtc[25];
	uint8_t gc[9];
	uint8_t ac[21];
};

/* CRTC 0x0a is 0x2d rather than 0x0d: the cursor stays off, so screenshots do not blink. */
static const struct vga_regs mode_text = {
    .misc = 0x67,
    .seq = {0x03, 0x00, 0x03, 0x00, 0x02},
    .crtc = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x2d, 0x0e, 0x00,
	     0x00, 0x00, 0x50, 0x9c, 0x0e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff},
    .gc = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff},
    .ac = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
	   0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00},
};

static const struct vga_regs mode_13h = {
    .misc = 0x63,
    .seq = {0x03, 0x01, 0x0f, 0x00, 0x0e},
    .crtc = {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00,
	     0x00, 0x00, 0x00, 0x9c, 0x0e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff},
    .gc = {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff},
    .ac = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	   0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00},
};

/*
 * Mode 0Dh: 40 bytes a line in each plane, each pixel clocked twice (sequencer 1, bit 3)
 * and each line scanned twice (CRTC 9, bit 7), so 320x200 fills a 640x400 frame.
 */
static const struct vga_regs mode_0dh = {
    .misc = 0x63,
    .seq = {0x03, 0x09, 0x0f, 0x00, 0x06},
    .crtc = {0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00, 0xc0, 0x00, 0x00, 0x00,
	     0x00, 0x00, 0x00, 0x9c, 0x0e, 0x8f, 0x14, 0x00, 0x96, 0xb9, 0xe3, 0xff},
    .gc = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff},
    .ac = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	   0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x01, 0x00, 0x0f, 0x00, 0x00},
};

/* Mode 12h: the 25 MHz clock and 525 lines of 640x480 at 60 Hz, 80 bytes a line in each plane. */
static const struct vga_regs mode_12h = {
    .misc = 0xe3,
    .seq = {0x03, 0x01, 0x0f, 0x00, 0x06},
    .crtc = {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00,
	     0x00, 0x00, 0x00, 0xea, 0x0c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff},
    .gc = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff},
    .ac = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	   0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x01, 0x00, 0x0f, 0x00, 0x00},
};

struct vga_format {
	uint64_t nr;
	const struct vga_regs *regs;
	unsigned w, h, colours;
};

static const struct vga_format modes[] = {
    {R2_MODE_TEXT, &mode_text, 0, 0, 0},
    {R2_MODE_0DH, &mode_0dh, 320, 200, 16},
    {R2_MODE_12H, &mode_12h, 640, 480, 16},
    {R2_MODE_13H, &mode_13h, R2_MODE13_W, R2_MODE13_H, 256},
};

struct vga {
	uint64_t ports; /* the capability for 0x3C0-0x3DF */
	volatile uint8_t *window;
	const struct vga_format *mode;
	struct vga_text text;
	uint8_t font[FONT_BYTES];
	bool font_saved;
	uint8_t dac[256][3]; /* what the DAC holds (6-bit values), as we loaded it */
};

static struct vga vga_dev;

static void outb(struct vga *v, uint16_t port, uint8_t value)
{
	(void)hw_port_out(v->ports, port, 1, value);
}

static uint8_t inb(struct vga *v, uint16_t port)
{
	uint32_t x = 0;
	(void)hw_port_in(v->ports, port, 1, &x);
	return (uint8_t)x;
}

static uint8_t reg_get(struct vga *v, uint16_t port, uint8_t index)
{
	outb(v, port, index);
	return inb(v, port + 1);
}

static void reg_set(struct vga *v, uint16_t port, uint8_t index, uint8_t value)
{
	outb(v, port, index);
	outb(v, port + 1, value);
}

/*
 * Bytes [off, off + n) of all four planes through the graphics controller:
 * set/reset gives every plane its bit of `colour`, and the bits outside
 * `mask` keep what the latches hold (loaded by reading the byte first).
 * The registers this uses are put back as they were, since a process may
 * program the VGA itself through the port calls.
 */
static void planar_fill(struct vga *v, unsigned off, unsigned n, uint8_t colour, uint8_t mask)
{
	/* Set/reset, its enable, rotate/function, mode (write mode 0), bit mask. */
	static const uint8_t used[5] = {0x00, 0x01, 0x03, 0x05, 0x08};
	volatile uint8_t *w = v->window;
	uint8_t gc_index = inb(v, GC_INDEX), seq_index = inb(v, SEQ_INDEX), old[5];
	for (unsigned i = 0; i < 5; i++)
		old[i] = reg_get(v, GC_INDEX, used[i]);
	uint8_t map = reg_get(v, SEQ_INDEX, 0x02);
	const uint8_t set[5] = {colour, 0x0f, 0x00, (uint8_t)(old[3] & 0xfc), mask};
	for (unsigned i = 0; i < 5; i++)
		reg_set(v, GC_INDEX, used[i], set[i]);
	reg_set(v, SEQ_INDEX, 0x02, 0x0f);
	for (unsigned i = off; i < off + n; i++) {
		if (mask != 0xff)
			(void)w[i];
		w[i] = 0xff; /* the data is set/reset's, whatever is written */
	}
	reg_set(v, SEQ_INDEX, 0x02, map);
	for (unsigned i = 0; i < 5; i++)
		reg_set(v, GC_INDEX, used[i], old[i]);
	outb(v, SEQ_INDEX, seq_index);
	outb(v, GC_INDEX, gc_index);
}

static void clear(struct vga *v)
{
	if (v->mode->nr == R2_MODE_13H) {
		for (unsigned i = 0; i < R2_MODE13_W * R2_MODE13_H; i++)
			v->window[i] = 0;
		return;
	}
	if (v->mode->nr != R2_MODE_TEXT) {
		planar_fill(v, 0, v->mode->w / 8 * v->mode->h, 0, 0xff);
		return;
	}
	vga_text_clear(&v->text);
	outb(v, CRTC_INDEX, 0x0a); /* no hardware cursor: screenshots do not blink */
	outb(v, CRTC_INDEX + 1, 0x20);
}

static void write_regs(struct vga *v, const struct vga_regs *r)
{
	outb(v, MISC_WRITE, r->misc);
	for (uint8_t i = 0; i < 5; i++)
		reg_set(v, SEQ_INDEX, i, r->seq[i]);
	/* Unlock CRTC 0..7 (bit 7 of 0x11), and keep them unlocked while writing. */
	reg_set(v, CRTC_INDEX, 0x03, reg_get(v, CRTC_INDEX, 0x03) | 0x80);
	reg_set(v, CRTC_INDEX, 0x11, reg_get(v, CRTC_INDEX, 0x11) & 0x7f);
	for (uint8_t i = 0; i < 25; i++) {
		uint8_t x = r->crtc[i];
		if (i == 0x03)
			x |= 0x80;
		if (i == 0x11)
			x &= 0x7f;
		reg_set(v, CRTC_INDEX, i, x);
	}
	for (uint8_t i = 0; i < 9; i++)
		reg_set(v, GC_INDEX, i, r->gc[i]);
	for (uint8_t i = 0; i < 21; i++) {
		(void)inb(v, INPUT_STAT);
		outb(v, AC_INDEX, i);
		outb(v, AC_INDEX, r->ac[i]);
	}
	(void)inb(v, INPUT_STAT);
	outb(v, AC_INDEX, 0x20); /* palette address source: the display reads the palette again */
}

/*
 * Plane 2 alone at 0xA0000, flat: where the text font lives. Plain writes
 * (no set/reset, no function, every bit), whatever a graphics mode left.
 */
static void plane2_open(struct vga *v)
{
	static const uint8_t seq[][2] = {{0x02, 0x04}, {0x04, 0x06}};
	static const uint8_t gc[][2] = {{0x01, 0x00}, {0x03, 0x00}, {0x04, 0x02},
					{0x05, 0x00}, {0x06, 0x04}, {0x08, 0xff}};
	for (unsigned i = 0; i < 2; i++)
		reg_set(v, SEQ_INDEX, seq[i][0], seq[i][1]);
	for (unsigned i = 0; i < 6; i++)
		reg_set(v, GC_INDEX, gc[i][0], gc[i][1]);
}

/* Text mode's way to the planes again, after plane2_open. */
static void plane2_close(struct vga *v)
{
	reg_set(v, SEQ_INDEX, 0x02, mode_text.seq[2]);
	reg_set(v, SEQ_INDEX, 0x04, mode_text.seq[4]);
	for (uint8_t i = 0; i < 9; i++)
		reg_set(v, GC_INDEX, i, mode_text.gc[i]);
}

/* As many whole glyphs as fit in `cap` bytes (256 at most), 16 bytes each; the bytes a glyph. */
static unsigned font_copy(struct vga *v, uint8_t *out, size_t cap)
{
	size_t n = cap / GLYPH_ROWS < 256 ? cap / GLYPH_ROWS : 256;
	bool live = v->mode->nr == R2_MODE_TEXT;
	if (!n || (!live && !v->font_saved))
		return 0;
	if (live)
		plane2_open(v);
	/* Plane 2 gives each glyph 32 rows; the font uses the first 16. */
	for (size_t g = 0; g < n; g++)
		for (size_t r = 0; r < GLYPH_ROWS; r++)
			out[g * GLYPH_ROWS + r] =
			    live ? v->window[g * 32 + r] : v->font[g * 32 + r];
	if (live)
		plane2_close(v);
	return GLYPH_ROWS;
}

static void dac_set(struct vga *v, uint8_t index, uint8_t r, uint8_t g, uint8_t b)
{
	v->dac[index][0] = r & 0x3f;
	v->dac[index][1] = g & 0x3f;
	v->dac[index][2] = b & 0x3f;
	outb(v, DAC_WRITE, index);
	for (unsigned i = 0; i < 3; i++)
		outb(v, DAC_DATA, v->dac[index][i]);
}

/* Text mode's 64 EGA colours: two bits per primary (rgbRGB: 0x15 and 0x2a). */
static void text_palette(struct vga *v)
{
	for (unsigned i = 0; i < 64; i++)
		dac_set(v, (uint8_t)i, (i & 4 ? 0x2a : 0) | (i & 0x20 ? 0x15 : 0),
			(i & 2 ? 0x2a : 0) | (i & 0x10 ? 0x15 : 0),
			(i & 1 ? 0x2a : 0) | (i & 0x08 ? 0x15 : 0));
}

/* 256 RGB triples of 8 bits each into the DAC, or the default palette (NULL). */
static void load_palette(struct vga *v, const uint8_t *rgb)
{
	for (unsigned i = 0; i < 256; i++) {
		uint8_t c[3];
		if (rgb) {
			c[0] = rgb[3 * i] >> 2;
			c[1] = rgb[3 * i + 1] >> 2;
			c[2] = rgb[3 * i + 2] >> 2;
		} else {
			vga_default_dac(i, c);
		}
		dac_set(v, (uint8_t)i, c[0], c[1], c[2]);
	}
}

static uint64_t set_mode(struct vga *v, uint64_t m)
{
	const struct vga_format *f = NULL;
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (modes[i].nr == m)
			f = &modes[i];
	if (!f)
		return R2_INVALID_INPUT;
	if (f == v->mode)
		return R2_OK;
	if (v->mode->nr == R2_MODE_TEXT) {
		plane2_open(v);
		for (unsigned i = 0; i < FONT_BYTES; i++)
			v->font[i] = v->window[i];
		v->font_saved = true;
	} else if (m == R2_MODE_TEXT && v->font_saved) {
		plane2_open(v);
		for (unsigned i = 0; i < FONT_BYTES; i++)
			v->window[i] = v->font[i];
	}
	write_regs(v, f->regs);
	if (m == R2_MODE_TEXT) {
		text_palette(v);
	} else if (m == R2_MODE_13H) {
		load_palette(v, NULL);
	} else {
		/* The planar modes: pixel value n is DAC entry n (the attribute controller's map). */
		for (unsigned i = 0; i < 16; i++) {
			uint8_t c[3];
			vga_default_dac(i, c);
			dac_set(v, (uint8_t)i, c[0], c[1], c[2]);
		}
	}
	v->mode = f;
	clear(v);
	return R2_OK;
}

/*
 * The entry of the DAC's first `n` nearest to 0x00RRGGBB, compared as the
 * DAC holds colours (6 bits a primary, the top six of each byte, as
 * load_palette loads them): a colour of the palette finds its own entry.
 */
static uint8_t nearest(const struct vga *v, uint32_t rgb, unsigned n)
{
	const int want[3] = {(int)(rgb >> 18 & 0x3f), (int)(rgb >> 10 & 0x3f),
			     (int)(rgb >> 2 & 0x3f)};
	unsigned best = 0, best_d = ~0u;
	for (unsigned i = 0; i < n && best_d; i++) {
		unsigned d = 0;
		for (unsigned k = 0; k < 3; k++) {
			int e = v->dac[i][k] - want[k];
			d += (unsigned)(e * e);
		}
		if (d < best_d) {
			best = i;
			best_d = d;
		}
	}
	return (uint8_t)best;
}

/* x << 16 | y, as rou2exOS has it, and 0x00RRGGBB as the palette's nearest colour. */
static uint64_t pixel(struct vga *v, uint64_t pos, uint64_t rgb)
{
	unsigned x = (pos >> 16) & 0xffff, y = pos & 0xffff;
	if (pos >> 32 || rgb >> 24 || v->mode->nr == R2_MODE_TEXT || x >= v->mode->w ||
	    y >= v->mode->h)
		return R2_INVALID_INPUT;
	uint8_t c = nearest(v, (uint32_t)rgb, v->mode->colours);
	if (v->mode->nr == R2_MODE_13H)
		v->window[y * v->mode->w + x] = c;
	else
		planar_fill(v, y * (v->mode->w / 8) + x / 8, 1, c, (uint8_t)(0x80 >> (x & 7)));
	return R2_OK;
}

/* A whole mode 13h frame (in mode 13h only), with a palette of 768 bytes or the default. */
static uint64_t frame(struct vga *v, const struct pcdev_call *c)
{
	if (v->mode->nr != R2_MODE_13H || c->in_len != R2_MODE13_W * R2_MODE13_H ||
	    (c->out_len && c->out_len != 768))
		return R2_INVALID_INPUT;
	load_palette(v, c->out_len ? c->out : NULL);
	for (unsigned i = 0; i < R2_MODE13_W * R2_MODE13_H; i++)
		v->window[i] = c->in[i];
	return R2_OK;
}

static int vga_call(void *dev, const struct pcdev_call *c, uint64_t r[3])
{
	struct vga *v = dev;
	switch (c->op) {
	case PCDEV_VGA_PRINT:
		if (v->mode->nr == R2_MODE_TEXT)
			vga_text_put(&v->text, (const char *)c->in, c->in_len);
		r[0] = R2_OK; /* drawn in text mode only, as the seed has it */
		return E_OK;
	case PCDEV_VGA_CLEAR:
		clear(v);
		r[0] = R2_OK;
		return E_OK;
	case PCDEV_VGA_PIXEL:
		r[0] = pixel(v, c->arg, c->arg2);
		return E_OK;
	case PCDEV_VGA_FRAME:
		r[0] = frame(v, c);
		return E_OK;
	case PCDEV_VGA_MODE:
		r[0] = set_mode(v, c->arg);
		r[1] = v->mode->nr;
		return E_OK;
	case PCDEV_VGA_FONT:
		if (!c->out)
			return E_INVALID_PARAMETER;
		r[0] = font_copy(v, c->out, c->out_len);
		return E_OK;
	default:
		return E_INVALID_PARAMETER;
	}
}

/* A checksum of the kept font (FNV-1a), stored after it: a copy that is not whole is not used. */
static uint32_t font_sum(volatile const uint8_t *f)
{
	uint32_t h = 2166136261u;
	for (unsigned i = 0; i < FONT_BYTES; i++)
		h = (h ^ f[i]) * 16777619u;
	return h ^ 0x4b455354; /* "KEST": all zeros is not a whole copy */
}

/*
 * The text font survives its driver: the first driver keeps a copy in
 * plane 2 beyond what any graphics mode here draws on (FONT_KEPT, with its
 * checksum), and a driver started after one died in a graphics mode (which
 * overwrote plane 2's font) puts it back from there. Plane 2 opened and
 * closed again here; text mode's registers are set.
 */
static void font_keep(struct vga *v)
{
	volatile uint8_t *font = v->window, *kept = v->window + FONT_KEPT;
	volatile uint8_t *sum = kept + FONT_BYTES;
	plane2_open(v);
	uint32_t have = (uint32_t)sum[0] | (uint32_t)sum[1] << 8 | (uint32_t)sum[2] << 16 |
			(uint32_t)sum[3] << 24;
	bool whole = have == font_sum(kept);
	for (unsigned i = 0; i < FONT_BYTES; i++) {
		if (whole)
			font[i] = kept[i];
		else
			kept[i] = font[i];
		v->font[i] = font[i];
	}
	if (!whole)
		for (unsigned i = 0, h = font_sum(kept); i < 4; i++)
			sum[i] = (uint8_t)(h >> (8 * i));
	v->font_saved = true;
	plane2_close(v);
}

static const struct pcdev_ops vga_pcdev = {.server = PCDEV_VGA_NAME, .call = vga_call};

static int vga_init(void *dev, const struct hardware_caps *hw)
{
	struct vga *v = dev;
	const struct mmio_region *win = NULL;
	v->ports = hwcaps_port_cap(hw, AC_INDEX, 0x20);
	for (unsigned i = 0; i < hw->mmio_count; i++)
		if (hw->mmio_regions[i].base == VGA_PHYS && hw->mmio_regions[i].size >= VGA_SPAN)
			win = &hw->mmio_regions[i];
	if (!v->ports || !win)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	void *va = NULL;
	if (hw_mmio_map(win->cap, VGA_PHYS, VGA_SPAN, &va))
		return DRIVER_INITIALIZATION_FAILED;
	v->window = va;
	v->mode = &modes[0];
	v->text = (struct vga_text){.cells = (volatile uint16_t *)(v->window + TEXT_OFFSET)};
	/*
	 * Text mode's registers whatever a driver that died left (a graphics
	 * mode, or plane 2 opened for the font), the font as it was kept, and
	 * the screen cleared only after a graphics mode.
	 */
	bool graphics = reg_get(v, GC_INDEX, 0x06) & 1;
	write_regs(v, &mode_text);
	font_keep(v);
	text_palette(v);
	if (graphics)
		clear(v);
	pcdev_install(&vga_pcdev);
	return DRIVER_OK;
}

static const enum device_type vga_types[] = {DEVICE_CHAR};

static const struct driver_info vga_info = {
    .name = "pcvga",
    .version = {1, 0, 0},
    .vendor = "Kestrel",
    .device_types = vga_types,
    .device_type_count = 1,
    .capabilities_required = CAPTYPE_PORTS | CAPTYPE_MMIO,
};

static const struct driver_ops vga_ops = {.info = &vga_info, .init = vga_init};

DRIVER_PROGRAM(pcvga, "pcvga", &vga_ops, &vga_dev);
