/*
 * The VGA as the kernel still knows it: its window mapped for the kernel
 * (R2_MAP_VGA's copies go through it) and the text screen as the early
 * console writes it (console=vga, vgacon.c). The device itself, its
 * registers and every mode, is the user-space driver's (drivers/pc/vga.c),
 * which the screen gates forward to; they tell this file which mode the
 * driver set, so that the console draws in text mode only.
 */
#include "core/vga_text.h"
#include "legacy.h"
#include "mm/kvm.h"
#include "x86.h"

#define VGA_PHYS    0xa0000
#define VGA_SPAN    0x20000 /* 0xA0000..0xBFFFF */
#define TEXT_OFFSET 0x18000 /* 0xB8000 */
#define CRTC_INDEX  0x3d4

static volatile uint8_t *window;
static struct vga_text screen;
static bool graphics; /* a program set a graphics mode */

volatile uint8_t *vga_window(void)
{
	if (!window)
		window = kvm_map_device(VGA_PHYS, VGA_SPAN);
	return window;
}

static bool text_screen(void)
{
	if (!screen.cells && vga_window())
		screen.cells = (volatile uint16_t *)(window + TEXT_OFFSET);
	return screen.cells && !graphics;
}

void vga_console_put(const char *s, size_t n)
{
	if (text_screen())
		vga_text_put(&screen, s, n);
}

void vga_console_clear(void)
{
	if (text_screen())
		vga_text_clear(&screen);
}

void vga_console_boot(void)
{
	vga_console_clear();
	outb(CRTC_INDEX, 0x0a); /* no hardware cursor: screenshots do not blink (at boot only) */
	outb(CRTC_INDEX + 1, 0x20);
}

void vga_console_mode(uint64_t mode)
{
	graphics = mode != R2_MODE_TEXT;
}
