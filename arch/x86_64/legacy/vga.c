/*
 * The VGA, programmed register by register (no BIOS): text mode 3 (80x25,
 * 16 colours, the font in plane 2), mode 0Dh (320x200, 16 colours) and
 * mode 12h (640x480, 16 colours), both planar, and mode 13h (320x200, 256
 * colours, chain-4, linear at 0xA0000). Every graphics mode writes over
 * plane 2, so the font is saved when text mode is left and put back when
 * it returns. The register values are the standard ones of the modes (IBM
 * VGA technical reference), except that the planar modes' attribute
 * controller maps pixel value n to DAC entry n, which holds EGA colour n.
 */
#include "core/kstring.h"
#include "legacy.h"
#include "mm/kvm.h"
#include "x86.h"

#define VGA_PHYS    0xa0000
#define VGA_SPAN    0x20000 /* 0xA0000..0xBFFFF */
#define TEXT_OFFSET 0x18000 /* 0xB8000 */
#define COLS	    80
#define ROWS	    25
#define FONT_BYTES  8192 /* 256 glyphs of 32 bytes in plane 2 */
#define GLYPH_ROWS  16	 /* of those 32, as the VGA BIOS loads its 8x16 font */
#define TEXT_ATTR   0x07 /* light grey on black */

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

static volatile uint8_t *window;
static const struct vga_format *mode = &modes[0]; /* text: what the firmware leaves us */
static unsigned row, col;
static uint8_t font[FONT_BYTES];
static bool font_saved;
static uint8_t dac[256][3]; /* what the DAC holds (6-bit values), as we loaded it */

volatile uint8_t *vga_window(void)
{
	if (!window)
		window = kvm_map_device(VGA_PHYS, VGA_SPAN);
	return window;
}

static volatile uint16_t *text(void)
{
	volatile uint8_t *w = vga_window();
	return w ? (volatile uint16_t *)(w + TEXT_OFFSET) : NULL;
}

uint64_t vga_mode(void)
{
	return mode->nr;
}

static void scroll(volatile uint16_t *t)
{
	for (unsigned i = 0; i < COLS * (ROWS - 1); i++)
		t[i] = t[i + COLS];
	for (unsigned i = COLS * (ROWS - 1); i < COLS * ROWS; i++)
		t[i] = TEXT_ATTR << 8 | ' ';
	row = ROWS - 1;
}

void vga_print(const char *s, size_t n)
{
	volatile uint16_t *t = text();
	if (!t || mode->nr != R2_MODE_TEXT)
		return;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\n' || col == COLS) {
			col = 0;
			if (++row == ROWS)
				scroll(t);
		}
		if (c == '\n')
			continue;
		if (c == '\r') {
			col = 0;
			continue;
		}
		if (c == '\b') { /* the console's line editor: "\b \b" rubs a character out */
			col -= col > 0;
			continue;
		}
		if ((uint8_t)c < 0x20)
			continue; /* other controls (a bell, a tab) draw nothing */
		t[row * COLS + col++] = (uint16_t)(TEXT_ATTR << 8 | (uint8_t)c);
	}
}

static uint8_t reg_get(uint16_t port, uint8_t index)
{
	outb(port, index);
	return inb(port + 1);
}

static void reg_set(uint16_t port, uint8_t index, uint8_t value)
{
	outb(port, index);
	outb(port + 1, value);
}

/*
 * Bytes [off, off + n) of all four planes through the graphics controller:
 * set/reset gives every plane its bit of `colour`, and the bits outside
 * `mask` keep what the latches hold (loaded by reading the byte first).
 * The registers this uses are put back as they were, since a process may
 * program the VGA itself through the port calls.
 */
static void planar_fill(unsigned off, unsigned n, uint8_t colour, uint8_t mask)
{
	/* Set/reset, its enable, rotate/function, mode (write mode 0), bit mask. */
	static const uint8_t used[5] = {0x00, 0x01, 0x03, 0x05, 0x08};
	volatile uint8_t *w = vga_window();
	uint8_t gc_index = inb(GC_INDEX), seq_index = inb(SEQ_INDEX), old[5];
	for (unsigned i = 0; i < 5; i++)
		old[i] = reg_get(GC_INDEX, used[i]);
	uint8_t map = reg_get(SEQ_INDEX, 0x02);
	const uint8_t set[5] = {colour, 0x0f, 0x00, (uint8_t)(old[3] & 0xfc), mask};
	for (unsigned i = 0; i < 5; i++)
		reg_set(GC_INDEX, used[i], set[i]);
	reg_set(SEQ_INDEX, 0x02, 0x0f);
	for (unsigned i = off; i < off + n; i++) {
		if (mask != 0xff)
			(void)w[i];
		w[i] = 0xff; /* the data is set/reset's, whatever is written */
	}
	reg_set(SEQ_INDEX, 0x02, map);
	for (unsigned i = 0; i < 5; i++)
		reg_set(GC_INDEX, used[i], old[i]);
	outb(SEQ_INDEX, seq_index);
	outb(GC_INDEX, gc_index);
}

void vga_clear(void)
{
	volatile uint8_t *w = vga_window();
	if (!w)
		return;
	if (mode->nr == R2_MODE_13H) {
		for (unsigned i = 0; i < R2_MODE13_W * R2_MODE13_H; i++)
			w[i] = 0;
		return;
	}
	if (mode->nr != R2_MODE_TEXT) {
		planar_fill(0, mode->w / 8 * mode->h, 0, 0xff);
		return;
	}
	for (unsigned i = 0; i < COLS * ROWS; i++)
		text()[i] = TEXT_ATTR << 8 | ' ';
	row = col = 0;
	outb(CRTC_INDEX, 0x0a); /* no hardware cursor: screenshots do not blink */
	outb(CRTC_INDEX + 1, 0x20);
}

static void write_regs(const struct vga_regs *r)
{
	outb(MISC_WRITE, r->misc);
	for (uint8_t i = 0; i < 5; i++)
		reg_set(SEQ_INDEX, i, r->seq[i]);
	/* Unlock CRTC 0..7 (bit 7 of 0x11), and keep them unlocked while writing. */
	reg_set(CRTC_INDEX, 0x03, reg_get(CRTC_INDEX, 0x03) | 0x80);
	reg_set(CRTC_INDEX, 0x11, reg_get(CRTC_INDEX, 0x11) & 0x7f);
	for (uint8_t i = 0; i < 25; i++) {
		uint8_t v = r->crtc[i];
		if (i == 0x03)
			v |= 0x80;
		if (i == 0x11)
			v &= 0x7f;
		reg_set(CRTC_INDEX, i, v);
	}
	for (uint8_t i = 0; i < 9; i++)
		reg_set(GC_INDEX, i, r->gc[i]);
	for (uint8_t i = 0; i < 21; i++) {
		(void)inb(INPUT_STAT);
		outb(AC_INDEX, i);
		outb(AC_INDEX, r->ac[i]);
	}
	(void)inb(INPUT_STAT);
	outb(AC_INDEX, 0x20); /* palette address source: the display reads the palette again */
}

/*
 * Plane 2 alone at 0xA0000, flat: where the text font lives. Plain writes
 * (no set/reset, no function, every bit), whatever a graphics mode left.
 */
static void plane2_open(void)
{
	static const uint8_t seq[][2] = {{0x02, 0x04}, {0x04, 0x06}};
	static const uint8_t gc[][2] = {{0x01, 0x00}, {0x03, 0x00}, {0x04, 0x02},
					{0x05, 0x00}, {0x06, 0x04}, {0x08, 0xff}};
	for (unsigned i = 0; i < 2; i++)
		reg_set(SEQ_INDEX, seq[i][0], seq[i][1]);
	for (unsigned i = 0; i < 6; i++)
		reg_set(GC_INDEX, gc[i][0], gc[i][1]);
}

/* Text mode's way to the planes again, after plane2_open. */
static void plane2_close(void)
{
	reg_set(SEQ_INDEX, 0x02, mode_text.seq[2]);
	reg_set(SEQ_INDEX, 0x04, mode_text.seq[4]);
	for (uint8_t i = 0; i < 9; i++)
		reg_set(GC_INDEX, i, mode_text.gc[i]);
}

size_t vga_font(uint8_t *out, size_t cap)
{
	volatile uint8_t *w = vga_window();
	size_t n = cap / GLYPH_ROWS < 256 ? cap / GLYPH_ROWS : 256;
	bool live = mode->nr == R2_MODE_TEXT;
	if (!n || (live ? !w : !font_saved))
		return 0;
	if (live)
		plane2_open();
	/* Plane 2 gives each glyph 32 rows; the font uses the first 16. */
	for (size_t g = 0; g < n; g++)
		for (size_t r = 0; r < GLYPH_ROWS; r++)
			out[g * GLYPH_ROWS + r] = live ? w[g * 32 + r] : font[g * 32 + r];
	if (live)
		plane2_close();
	return GLYPH_ROWS;
}

static void dac_set(uint8_t index, uint8_t r, uint8_t g, uint8_t b)
{
	dac[index][0] = r & 0x3f;
	dac[index][1] = g & 0x3f;
	dac[index][2] = b & 0x3f;
	outb(DAC_WRITE, index);
	for (unsigned i = 0; i < 3; i++)
		outb(DAC_DATA, dac[index][i]);
}

/* Text mode's 64 EGA colours: two bits per primary (rgbRGB: 0x15 and 0x2a). */
static void text_palette(void)
{
	for (unsigned i = 0; i < 64; i++)
		dac_set((uint8_t)i, (i & 4 ? 0x2a : 0) | (i & 0x20 ? 0x15 : 0),
			(i & 2 ? 0x2a : 0) | (i & 0x10 ? 0x15 : 0),
			(i & 1 ? 0x2a : 0) | (i & 0x08 ? 0x15 : 0));
}

static void default_rgb(unsigned i, uint8_t out[3]);

uint64_t vga_set_mode(uint64_t m)
{
	volatile uint8_t *w = vga_window();
	const struct vga_format *f = NULL;
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (modes[i].nr == m)
			f = &modes[i];
	if (!f || !w)
		return R2_INVALID_INPUT;
	if (f == mode)
		return R2_OK;
	if (mode->nr == R2_MODE_TEXT) {
		plane2_open();
		for (unsigned i = 0; i < FONT_BYTES; i++)
			font[i] = w[i];
		font_saved = true;
	} else if (m == R2_MODE_TEXT && font_saved) {
		plane2_open();
		for (unsigned i = 0; i < FONT_BYTES; i++)
			w[i] = font[i];
	}
	write_regs(f->regs);
	if (m == R2_MODE_TEXT) {
		text_palette();
	} else if (m == R2_MODE_13H) {
		vga_palette(NULL);
	} else {
		/* The planar modes: pixel value n is DAC entry n (the attribute controller's map). */
		for (unsigned i = 0; i < 16; i++) {
			uint8_t c[3];
			default_rgb(i, c);
			dac_set((uint8_t)i, c[0], c[1], c[2]);
		}
	}
	mode = f;
	vga_clear();
	return R2_OK;
}

/*
 * The entry of the DAC's first `n` nearest to 0x00RRGGBB, compared as the
 * DAC holds colours (6 bits a primary, the top six of each byte, as
 * vga_palette loads them): a colour of the palette finds its own entry.
 */
static uint8_t nearest(uint32_t rgb, unsigned n)
{
	const int want[3] = {(int)(rgb >> 18 & 0x3f), (int)(rgb >> 10 & 0x3f),
			     (int)(rgb >> 2 & 0x3f)};
	unsigned best = 0, best_d = ~0u;
	for (unsigned i = 0; i < n && best_d; i++) {
		unsigned d = 0;
		for (unsigned k = 0; k < 3; k++) {
			int e = dac[i][k] - want[k];
			d += (unsigned)(e * e);
		}
		if (d < best_d) {
			best = i;
			best_d = d;
		}
	}
	return (uint8_t)best;
}

uint64_t vga_pixel(unsigned x, unsigned y, uint32_t rgb)
{
	volatile uint8_t *w = vga_window();
	if (mode->nr == R2_MODE_TEXT || !w || rgb >> 24 || x >= mode->w || y >= mode->h)
		return R2_INVALID_INPUT;
	uint8_t c = nearest(rgb, mode->colours);
	if (mode->nr == R2_MODE_13H)
		w[y * mode->w + x] = c;
	else
		planar_fill(y * (mode->w / 8) + x / 8, 1, c, (uint8_t)(0x80 >> (x & 7)));
	return R2_OK;
}

void vga_row(unsigned y, const uint8_t *pixels)
{
	volatile uint8_t *w = vga_window();
	if (mode->nr != R2_MODE_13H || !w || y >= R2_MODE13_H)
		return;
	for (unsigned x = 0; x < R2_MODE13_W; x++)
		w[y * R2_MODE13_W + x] = pixels[x];
}

/*
 * The default palette of mode 13h, in 6-bit DAC values: the 16 EGA
 * colours, 16 greys, then nine rings of 24 hues (three intensities, each
 * at three saturations), then 8 blacks.
 */
static void default_rgb(unsigned i, uint8_t out[3])
{
	static const uint8_t grey[16] = {0,  5,	 8,  11, 14, 17, 20, 24,
					 28, 32, 36, 40, 45, 50, 56, 63};
	/* For each ring: the low, the three middle and the high component values. */
	static const uint8_t ring[9][5] = {
	    {0, 16, 31, 47, 63}, {31, 39, 47, 55, 63}, {45, 49, 54, 58, 63},
	    {0, 7, 14, 21, 28},	 {14, 17, 21, 24, 28}, {20, 22, 24, 26, 28},
	    {0, 4, 8, 12, 16},	 {8, 10, 12, 14, 16},  {11, 12, 13, 15, 16},
	};
	if (i < 16) {
		uint8_t hi = i & 8 ? 0x15 : 0;
		out[0] = (uint8_t)((i & 4 ? 0x2a : 0) + hi);
		out[1] = (uint8_t)((i == 6 ? 0x15 : i & 2 ? 0x2a : 0) + hi); /* 6 is brown */
		out[2] = (uint8_t)((i & 1 ? 0x2a : 0) + hi);
		return;
	}
	if (i < 32) {
		out[0] = out[1] = out[2] = grey[i - 16];
		return;
	}
	if (i >= 248) {
		out[0] = out[1] = out[2] = 0;
		return;
	}
	const uint8_t *v = ring[(i - 32) / 24];
	unsigned h = (i - 32) % 24; /* blue, magenta, red, yellow, green, cyan, back to blue */
	/* Each component's level (0 low .. 4 high) around the hue circle, in steps of 4 hues. */
	static const uint8_t up[24] = {0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4,
				       4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0};
	out[0] = v[up[h]];	       /* red rises from blue, falls after yellow */
	out[1] = v[up[(h + 16) % 24]]; /* green rises after red, falls after cyan */
	out[2] = v[up[(h + 8) % 24]];  /* blue starts high, falls towards red */
}

/* A DAC value's 6 bits to 8, its top bits repeated below so that 63 is 255. */
static uint32_t widen(uint8_t v)
{
	return (uint32_t)(v << 2 | v >> 4);
}

uint32_t vga_default_rgb(unsigned i)
{
	uint8_t c[3];
	default_rgb(i & 0xff, c);
	return widen(c[0]) << 16 | widen(c[1]) << 8 | widen(c[2]);
}

void vga_palette(const uint8_t *rgb)
{
	for (unsigned i = 0; i < 256; i++) {
		uint8_t c[3];
		if (rgb) {
			c[0] = rgb[3 * i] >> 2;
			c[1] = rgb[3 * i + 1] >> 2;
			c[2] = rgb[3 * i + 2] >> 2;
		} else {
			default_rgb(i, c);
		}
		dac_set((uint8_t)i, c[0], c[1], c[2]);
	}
}
