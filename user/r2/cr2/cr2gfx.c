/*
 * CR2GFX.ELF: a program in libcr2's style (run --libcr2 CR2GFX.ELF): mode
 * 13h through the VGA window (map_vram), a palette loaded through the DAC's
 * ports, a picture of eight horizontal bands of colours 1-8 and a diagonal
 * of colour 15 written as linear bytes; then, after one byte on COM1 (or
 * 60 s), text mode again. tests/system/r2_apps.py draws the same picture.
 */
#include "cr2.h"

#define WIDTH  320
#define HEIGHT 200

/* Colours 1-8 and 15 as the DAC takes them: 6 bits each of red, green and blue. */
static uint8_t palette[][4] = {
    {1, 63, 0, 0},  {2, 0, 63, 0},   {3, 0, 0, 63},   {4, 63, 63, 0},	{5, 0, 63, 63},
    {6, 63, 0, 63}, {7, 32, 16, 48}, {8, 10, 20, 30}, {15, 63, 63, 63},
};

static uint8_t pixel(unsigned x, unsigned y)
{
	if (x == y * 8 / 5)
		return 15;
	return (uint8_t)(1 + y / 25);
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	volatile uint8_t *base = (volatile uint8_t *)map_vram();
	if (!base) {
		print("cr2gfx: map_vram failed\n");
		exit(0xff, 1);
	}
	set_video_mode(0x13);
	for (unsigned i = 0; i < sizeof(palette) / sizeof(palette[0]); i++) {
		write_port(0x3C8, palette[i][0]);
		write_port(0x3C9, palette[i][1]);
		write_port(0x3C9, palette[i][2]);
		write_port(0x3C9, palette[i][3]);
	}
	for (unsigned y = 0; y < HEIGHT; y++)
		for (unsigned x = 0; x < WIDTH; x++)
			base[y * WIDTH + x] = pixel(x, y);
	print("r2: cr2gfx ready\n");

	uint32_t byte = 0;
	for (unsigned waited = 0; waited < 60000; waited += 10) {
		if (serial_read(&byte))
			break;
		sleep_ms(10);
	}
	set_video_mode(0x03);
	print("cr2gfx: OK\n");
	return 0;
}
