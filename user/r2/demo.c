/*
 * The r2 demo and the programs the r2 system tests drive, run by init as
 * `init NAME` (from the shell: `run r2demo`):
 *   r2demo     text output, a mode-13h picture and a tune (a MIDI file
 *              built here), then back to text mode
 *   r2_text    a known text screen, held until a byte arrives on the r2
 *              serial port, COM2 (at most 60 s; it says so, and takes that one
 *              byte only)
 *   r2_mode13  a known mode-13h picture, held the same way
 *   r2_planar  mode 0Dh set and left, then 16 bars in mode 12h's EGA colours,
 *              held the same way
 *   r2_tone    880 Hz asked for 5 s, stopped after 600 ms, then silence
 *   r2_keys    prints each scancode IRQ1 delivers to its ring (four of them)
 *   r2_rtc     prints the CMOS date and time
 *   r2_melody  C4 E4 G4 C5 from a MIDI file
 *   r2_com2    writes a known line to the serial port (0x32: COM2), then
 *              echoes back each byte it reads there until a '.' (at most 60 s)
 *   r2rings    a child in ring 1, then one in ring 2, each printing through its gate
 *   r2_fb      (GRUB's linear framebuffer: ci/boot --framebuffer) its size, then 8
 *              bars blitted at its size, 8 blocks blitted scaled from 4x2, the
 *              r2_mode13 picture through 0x13, each held the same way
 * Markers on the serial console ("r2: ...") tell the test when to look.
 */
#include "demo.h"
#include "r2.h"
#include "utest.h"

#define MS 1000000ull

static uint64_t word[1] __attribute__((aligned(8)));

static void say(const char *s)
{
	sys_write(1, s, strlen(s));
}

static void print(const char *s)
{
	r2_print(s, strlen(s));
}

/*
 * Say that `what` is ready and hold until a byte arrives on the r2 serial
 * port, COM2 (at most 60 s): that one byte is ours, nothing after it is read.
 */
static void hold(const char *what)
{
	static struct r2_kbd_ring keys;
	memset(&keys, 0, sizeof(keys));
	bool kbd = r2_kbd_register(&keys) == R2_OK; /* a person at the screen presses a key */
	say("r2: ");
	say(what);
	say(" ready; send a byte on COM2 or press a key to go on (waiting up to 60 s)\n");
	for (unsigned i = 0; i < 6000; i++) {
		bool pressed = false;
		if (kbd && r2_kbd_read(&keys) != R2_INVALID_INPUT)
			for (; keys.tail < keys.head; keys.tail++)
				pressed |= !(keys.data[keys.tail % R2_KBD_RING_SIZE] & 0x80);
		if (pressed || r2_serial_read(word) == R2_OK) {
			say("r2: key received\n");
			if (kbd)
				r2_kbd_unregister(&keys);
			return;
		}
		sys_sleep(10 * MS);
	}
	if (kbd)
		r2_kbd_unregister(&keys);
	say("r2: no key in 60 s, going on\n");
}

/* One VGA register through the port calls (init holds every port). */
static void vga_reg(uint16_t port, uint8_t index, uint8_t value)
{
	word[0] = index;
	r2_port_out(port, 1, word);
	word[0] = value;
	r2_port_out(port + 1, 1, word);
}

/*
 * Print the glyphs of the printable ASCII characters as the VGA holds them
 * (plane 2, 32 bytes a glyph, 16 rows used), so the test can draw the
 * screen it expects: plane 2 alone at 0xA0000 for reading, then text mode's
 * sequencer and graphics controller values back.
 */
static void dump_font(void)
{
	volatile uint8_t *vga = r2_map_vga();
	char line[64];
	if (!vga)
		return;
	vga_reg(0x3c4, 0x04, 0x06); /* sequential, not odd/even */
	vga_reg(0x3ce, 0x04, 0x02); /* read plane 2 */
	vga_reg(0x3ce, 0x05, 0x00);
	vga_reg(0x3ce, 0x06, 0x04); /* 0xA0000, 64 KiB, no chaining */
	for (unsigned c = 0x20; c < 0x7f; c++) {
		int n = snprintf(line, sizeof(line), "r2: glyph %02x ", c);
		for (unsigned row = 0; row < 16; row++)
			n +=
			    snprintf(line + n, sizeof(line) - (size_t)n, "%02x", vga[c * 32 + row]);
		snprintf(line + n, sizeof(line) - (size_t)n, "\n");
		say(line);
	}
	vga_reg(0x3c4, 0x04, 0x02);
	vga_reg(0x3ce, 0x04, 0x00);
	vga_reg(0x3ce, 0x05, 0x10);
	vga_reg(0x3ce, 0x06, 0x0e);
}

UCHILD(r2_text)
{
	r2_clear();
	print("Kestrel r2 text mode test\n");
	print("ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz\n");
	print("0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\n");
	print("\n    indented AAAA BBBB\n");
	dump_font();
	hold("text");
	return 0;
}

UCHILD(r2_mode13)
{
	if (r2_video_mode(R2_MODE_13H) != R2_OK)
		return 1;
	r2_demo_picture();
	/* A few pixels on top through the pixel call: a cross of colour 255 at (160, 100). */
	for (int d = -5; d <= 5; d++) {
		r2_pixel((unsigned)(160 + d), 100, R2_DEMO_RGB255);
		r2_pixel(160, (unsigned)(100 + d), R2_DEMO_RGB255);
	}
	hold("mode13");
	return r2_video_mode(R2_MODE_TEXT) == R2_OK ? 0 : 2;
}

UCHILD(r2_tone)
{
	if (r2_tone(880, 5000) != R2_OK)
		return 1;
	say("r2: tone on\n");
	sys_sleep(600 * MS);
	r2_stop();
	say("r2: tone stopped\n");
	sys_sleep(1500 * MS);
	say("r2: tone done\n");
	return 0;
}

UCHILD(r2_keys)
{
	static struct r2_kbd_ring ring;
	char line[32];
	if (r2_kbd_register(&ring) != R2_OK)
		return 1;
	say("r2: keys ready\n");
	unsigned seen = 0;
	for (unsigned i = 0; i < 3000 && seen < 4; i++) {
		r2_kbd_read(&ring);
		for (; ring.tail != ring.head && seen < 4; ring.tail++, seen++) {
			snprintf(line, sizeof(line), "r2: scancode %02x\n",
				 ring.data[ring.tail % R2_KBD_RING_SIZE]);
			say(line);
		}
		sys_sleep(10 * MS);
	}
	r2_kbd_unregister(&ring);
	say("r2: keys done\n");
	return seen == 4 ? 0 : 2;
}

UCHILD(r2_rtc)
{
	static RTC_T rtc __attribute__((aligned(8)));
	char line[64];
	if (r2_rtc(&rtc) != R2_OK)
		return 1;
	snprintf(line, sizeof(line), "r2: rtc %04u-%02u-%02u %02u:%02u:%02u\n", rtc.year, rtc.month,
		 rtc.day, rtc.hours, rtc.minutes, rtc.seconds);
	say(line);
	return 0;
}

UCHILD(r2demo)
{
	return r2_demo();
}

/* C4 E4 G4 C5, a quarter note each at 120 bpm, for the melody system test. */
UCHILD(r2_melody)
{
	static const uint8_t tune[][2] = {{60, 2}, {64, 2}, {67, 2}, {72, 2}};
	uint8_t *m = r2_malloc(256);
	if (!m || !r2_demo_midi(m, tune, 4) || r2_midi(m) != R2_OK)
		return 1;
	say("r2: melody on\n");
	sys_sleep(2500 * MS);
	r2_free(m);
	say("r2: melody done\n");
	return 0;
}

#define R2_COM2_LINE "r2: hello on COM2\r\n"

/* A byte to the serial port, as libcr2 passes it (the byte itself). */
static bool com2_put(uint8_t c)
{
	return r2_call(R2_SERIAL, R2_SERIAL_WRITE, c) == R2_OK;
}

/* The line out on COM2, then each byte read there echoed back and named on the console. */
UCHILD(r2_com2)
{
	char line[32];
	uint64_t rc;
	for (unsigned tries = 0; (rc = r2_serial_init()) == R2_NOT_IMPLEMENTED && tries < 3000;
	     tries++)
		sys_sleep(10 * MS); /* its driver may not be up yet on a loaded host */
	if (rc != R2_OK)
		return 1;
	for (const char *c = R2_COM2_LINE; *c; c++)
		if (!com2_put((uint8_t)*c))
			return 2;
	say("r2: com2 ready\n");
	for (unsigned waited = 0; waited < 6000;) {
		if (r2_serial_read(word) != R2_OK) {
			sys_sleep(10 * MS);
			waited++;
			continue;
		}
		uint8_t c = (uint8_t)word[0];
		if (!com2_put(c))
			return 3;
		snprintf(line, sizeof(line), "r2: com2 got %02x\n", c);
		say(line);
		if (c == '.')
			return 0;
	}
	say("r2: com2 no '.' in 60 s\n");
	return 4;
}

/* In ring 1 or 2: say so through that ring's gate. */
UCHILD(r2_ring_hello)
{
	char line[64];
	unsigned ring = r2_current_ring();
	snprintf(line, sizeof(line), "hello from ring %u through int 0x%x\n", ring, 0x7c + ring);
	r2_call_ring(ring, R2_PRINT, (uintptr_t)line, strlen(line));
	return (int)ring;
}

/* r2_ring_hello started in ring 1, then ring 2 (`run r2rings`). */
UCHILD(r2rings)
{
	static const char args[] = "init\0child\0r2_ring_hello";
	struct process_spec spec = {.args = args, .args_size = sizeof(args), .flags = 0};
	struct process_exit_info info;
	uint64_t pid, cap;
	if (!utest_image(&spec.image, &spec.image_size))
		return 1;
	for (unsigned ring = 1; ring <= 2; ring++) {
		if (sys_process_create(&spec, &pid, &cap) || r2_set_ring(pid, ring) != R2_OK ||
		    sys_process_start(cap) || sys_process_wait(cap, 0, &info) ||
		    info.exit_code != (int)ring)
			return 2;
	}
	return 0;
}

/* The 16 EGA colours as RGB: what the planar modes' DAC holds, as QEMU shows it. */
static const uint32_t ega_rgb[16] = {
    0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa,
    0x555555, 0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff,
};

/* rou2exOS's pixel call: x in bits 16..31, y in bits 0..15, the colour as 0x00RRGGBB. */
static uint64_t pixel_rgb(unsigned x, unsigned y, uint64_t rgb)
{
	return r2_call(R2_PIXEL, (uint64_t)x << 16 | y, rgb);
}

/*
 * Modes 0Dh and 12h (planar, 16 colours): 0Dh set, drawn on at its edges
 * and left for text, then again and left for 12h directly (graphics to
 * graphics); there, rows 100..139 as 16 bars of 40 pixels in the EGA
 * colours (tests/system/r2_check draws the same), black elsewhere.
 */
UCHILD(r2_planar)
{
	if (r2_video_mode(0x0d) != R2_OK || r2_clear() != R2_OK ||
	    pixel_rgb(319, 199, 0xffffff) != R2_OK || pixel_rgb(320, 0, 0) != R2_INVALID_INPUT ||
	    pixel_rgb(0, 200, 0) != R2_INVALID_INPUT ||
	    pixel_rgb(0, 0, 0x1000000) != R2_INVALID_INPUT)
		return 1;
	if (r2_video_mode(R2_MODE_TEXT) != R2_OK || r2_video_mode(0x0d) != R2_OK ||
	    r2_video_mode(0x12) != R2_OK || r2_clear() != R2_OK)
		return 2;
	if (pixel_rgb(640, 0, 0) != R2_INVALID_INPUT || pixel_rgb(0, 480, 0) != R2_INVALID_INPUT)
		return 3;
	for (unsigned y = 100; y < 140; y++)
		for (unsigned x = 0; x < 640; x++)
			if (pixel_rgb(x, y, ega_rgb[x / 40]) != R2_OK)
				return 4;
	hold("planar");
	return r2_video_mode(R2_MODE_TEXT) == R2_OK ? 0 : 5;
}

/* r2_fb's colours, left to right (tests/system/r2_check draws the same). */
static const uint32_t fb_bars[8] = {
    0xff0000, 0x00ff00, 0x0000ff, 0xffff00, 0x00ffff, 0xff00ff, 0xffffff, 0x808080,
};

/*
 * The framebuffer's size, then three frames: 8 vertical bars of fb_bars
 * (blit_buffer at the screen's size), fb_bars as 4x2 blocks (the first four
 * on top; blit_buffer_scaled from 4x2) and the r2_mode13 picture (0x13, no
 * VGA mode set: the framebuffer stretches it).
 */
UCHILD(r2_fb)
{
	static FBInfo_T fi;
	static uint32_t blocks[8];
	char line[80];
	uint32_t *px;
	if (r2_call(R2_FB_INFO, (uintptr_t)&fi, 0) != R2_OK)
		return 1;
	snprintf(line, sizeof(line), "r2: fb %ux%u pitch %u bpp %u\n", (unsigned)fi.width,
		 (unsigned)fi.height, (unsigned)fi.pitch, (unsigned)fi.bpp);
	say(line);
	size_t size = ((size_t)fi.width * fi.height * 4 + 4095) & ~(size_t)4095;
	if (!fi.width || !fi.height ||
	    sys_mmap(NULL, size, PROT_READ | PROT_WRITE, (void **)&px, NULL))
		return 2;
	for (uint32_t y = 0; y < fi.height; y++)
		for (uint32_t x = 0; x < fi.width; x++)
			px[y * fi.width + x] = fb_bars[x * 8 / fi.width];
	if (r2_call(R2_BLIT, (uintptr_t)px, 0) != R2_OK)
		return 3;
	hold("fb");
	memcpy(blocks, fb_bars, sizeof(blocks));
	if (r2_call(R2_BLIT, (uintptr_t)blocks, 4 << 16 | 2) != R2_OK ||
	    r2_call(R2_BLIT, (uintptr_t)blocks, 0 << 16 | 2) != R2_INVALID_INPUT ||
	    r2_call(R2_BLIT, (uintptr_t)blocks, 4097ul << 16 | 1) != R2_INVALID_INPUT)
		return 4;
	hold("fb scaled");
	r2_demo_picture();
	hold("fb mode13");
	sys_munmap(px, size);
	return 0;
}
