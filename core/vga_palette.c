/* The VGA's default palette (vga_palette.h). */
#include "core/vga_palette.h"

/*
 * The default palette of mode 13h, in 6-bit DAC values: the 16 EGA
 * colours, 16 greys, then nine rings of 24 hues (three intensities, each
 * at three saturations), then 8 blacks.
 */
void vga_default_dac(unsigned i, uint8_t out[3])
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
	vga_default_dac(i & 0xff, c);
	return widen(c[0]) << 16 | widen(c[1]) << 8 | widen(c[2]);
}
