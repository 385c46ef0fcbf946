/*
 * The PC's own console beside COM1 (kernel command line `console=vga`,
 * which `ci/boot --display` passes): what the console prints also goes to
 * the VGA text screen, and the PS/2 keyboard types into the console's
 * input, as the serial line does. Part of the early console, as COM1 is.
 * An r2 program that registers the keyboard has its scancodes instead
 * while it holds it; one that leaves text mode has the screen until it
 * comes back (the console draws in text mode only). ANSI control sequences
 * (the line editor's) are skipped, not drawn; there is no cursor.
 */
#include "core/boot_info.h"
#include "core/console.h"
#include "core/kstring.h"
#include "legacy.h"

bool vgacon_on;

/* Set 1 scancodes 0x00..0x39 as ASCII, unshifted and shifted (0: none). */
static const char plain[0x3a] = {
    0,	  0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9',  '0', '-', '=',  0x7f,
    '\t', 'q',	'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p',  '[', ']', '\r', 0,
    'a',  's',	'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0,	'\\', 'z',
    'x',  'c',	'v', 'b', 'n', 'm', ',', '.', '/', 0,	'*',  0,   ' ',
};
static const char shifted[0x3a] = {
    0,	  0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+',  0x7f,
    '\t', 'Q',	'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0,
    'A',  'S',	'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0,   '|',  'Z',
    'X',  'C',	'V', 'B', 'N', 'M', '<', '>', '?', 0,	'*', 0,	  ' ',
};

#define SC_LSHIFT 0x2a
#define SC_RSHIFT 0x36
#define SC_CTRL	  0x1d
#define SC_CAPS	  0x3a
#define SC_EXT	  0xe0 /* the next code is an extended key's */
#define SC_BREAK  0x80 /* a key let go */

void vgacon_init(const struct boot_info *bi)
{
	char v[8];
	if (!boot_cmdline_get(bi, "console", v, sizeof(v)) || strcmp(v, "vga"))
		return;
	vga_console_boot();
	vgacon_on = true;
	kbd_console(true);
}

void vgacon_putc(char c)
{
	static enum { TEXT, ESC, CSI } state;
	switch (state) {
	case ESC:
		state = c == '[' ? CSI : TEXT;
		return;
	case CSI:
		if (c >= 0x40 && c <= 0x7e)
			state = TEXT; /* the final byte */
		return;
	case TEXT:
		break;
	}
	if (c == 0x1b) {
		state = ESC;
		return;
	}
	vga_console_put(&c, 1);
}

static void input(const char *s)
{
	while (*s)
		console_input((uint8_t)*s++);
}

void vgacon_key(uint8_t sc)
{
	static bool shift, ctrl, caps, ext;
	bool up = sc & SC_BREAK;
	uint8_t code = sc & ~SC_BREAK;
	if (sc == SC_EXT) {
		ext = true;
		return;
	}
	if (ext) { /* the arrows, as a terminal sends them; the rest of the extended keys ignored */
		ext = false;
		static const char *const arrows[] = {
		    [0x48] = "\x1b[A", [0x50] = "\x1b[B", [0x4b] = "\x1b[D", [0x4d] = "\x1b[C"};
		if (code == SC_CTRL)
			ctrl = !up;
		else if (!up && code < sizeof(arrows) / sizeof(arrows[0]) && arrows[code])
			input(arrows[code]);
		return;
	}
	if (code == SC_LSHIFT || code == SC_RSHIFT) {
		shift = !up;
		return;
	}
	if (code == SC_CTRL) {
		ctrl = !up;
		return;
	}
	if (code == SC_CAPS) {
		caps ^= !up;
		return;
	}
	if (up || code >= sizeof(plain))
		return;
	char c = shift ? shifted[code] : plain[code];
	if (caps && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		c ^= 0x20;
	if (ctrl && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		c &= 0x1f; /* Ctrl-C is the console's break, 0x03 */
	if (c)
		console_input((uint8_t)c);
}
