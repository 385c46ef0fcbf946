/*
 * The r2 demo and what the r2 tests share with it (demo.h). Only the r2
 * library (r2.h) and the runtime: no test framework, so that it links
 * into a standalone program as well as into init.
 */
#include "demo.h"
#include "kestrel.h"
#include "r2.h"

#define MS 1000000ull

static void print(const char *s)
{
	r2_print(s, strlen(s));
}

/* The r2_mode13 picture, shared with tests/system/r2_check: XOR bands and a frame. */
static uint8_t picture_index(unsigned x, unsigned y)
{
	if (x == 0 || y == 0 || x == 319 || y == 199)
		return 255;
	return (uint8_t)((x ^ y) + (y >> 3));
}

static void picture_palette(uint8_t *rgb)
{
	for (unsigned i = 0; i < 256; i++) {
		rgb[3 * i] = (uint8_t)(i & 0xfc);
		rgb[3 * i + 1] = (uint8_t)((255 - i) & 0xfc);
		rgb[3 * i + 2] = (uint8_t)((i * 4) & 0xfc);
	}
}

void r2_demo_picture(void)
{
	static uint8_t frame[320 * 200], rgb[768];
	for (unsigned y = 0; y < 200; y++)
		for (unsigned x = 0; x < 320; x++)
			frame[y * 320 + x] = picture_index(x, y);
	picture_palette(rgb);
	r2_mode13_buffer(frame, rgb);
}

uint64_t r2_demo_midi(uint8_t *m, const uint8_t (*notes)[2], unsigned n)
{
	static const uint8_t head[] = {
	    'M', 'T', 'h', 'd', 0, 0, 0, 6,    0,    0,	   0,	 1,    0,    96,  'M',
	    'T', 'r', 'k', 0,	0, 0, 0, 0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20}; /* 120 bpm */
	uint8_t *p = m;
	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	/* Each note 6 ticks short of its length, so repeated notes are heard apart. */
	for (unsigned i = 0; i < n; i++) {
		unsigned ticks = 48u * notes[i][1] - 6;
		*p++ = i ? 6 : 0;
		*p++ = 0x90;
		*p++ = notes[i][0];
		*p++ = 100;
		if (ticks >= 128)
			*p++ = (uint8_t)(0x80 | ticks >> 7);
		*p++ = (uint8_t)(ticks & 0x7f);
		*p++ = 0x80;
		*p++ = notes[i][0];
		*p++ = 0;
	}
	static const uint8_t end[] = {0x00, 0xff, 0x2f, 0x00};
	memcpy(p, end, sizeof(end));
	p += sizeof(end);
	uint32_t len = (uint32_t)(p - m - 22);
	m[18] = (uint8_t)(len >> 24);
	m[19] = (uint8_t)(len >> 16);
	m[20] = (uint8_t)(len >> 8);
	m[21] = (uint8_t)len;
	return (uint64_t)(p - m);
}

int r2_demo(void)
{
	static const uint8_t tune[][2] = {
	    {60, 1}, {62, 1}, {64, 1}, {65, 1}, {67, 2}, {67, 2}, {69, 1}, {69, 1},
	    {69, 1}, {69, 1}, {67, 4}, {65, 1}, {65, 1}, {65, 1}, {65, 1}, {64, 2},
	    {64, 2}, {62, 1}, {62, 1}, {62, 1}, {62, 1}, {60, 4},
	};
	static SysInfo_T info __attribute__((aligned(8)));
	static RTC_T rtc __attribute__((aligned(8)));
	char line[96];

	r2_clear();
	print("Kestrel: the rou2exOS (r2) ABI demo\n\n");
	if (r2_sysinfo_get(&info) == R2_OK) {
		snprintf(line, sizeof(line), "system %s %s, user %s, up %u s\n", info.system_name,
			 info.system_version, info.system_user, info.system_uptime);
		print(line);
	}
	if (r2_rtc(&rtc) == R2_OK) {
		snprintf(line, sizeof(line), "CMOS clock: %04u-%02u-%02u %02u:%02u:%02u\n",
			 rtc.year, rtc.month, rtc.day, rtc.hours, rtc.minutes, rtc.seconds);
		print(line);
	}
	print("next: a mode-13h picture and a tune on the PC speaker\n");
	sys_sleep(1500 * MS);

	r2_video_mode(R2_MODE_13H);
	r2_demo_picture();
	uint8_t *m = r2_malloc(1024);
	if (m && r2_demo_midi(m, tune, sizeof(tune) / sizeof(tune[0])) && r2_midi(m) == R2_OK)
		sys_sleep(8000 * MS); /* the tune's length: 32 eighths at 120 bpm */
	r2_stop();
	r2_free(m);
	r2_video_mode(R2_MODE_TEXT);
	print("r2 demo: done\n");
	return 0;
}
