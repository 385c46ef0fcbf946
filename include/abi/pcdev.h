/*
 * The legacy PC devices' drivers (x86_64), as the r2 gates reach them.
 * Each driver is a user process the device manager starts for an ISA
 * device of the machine description (its PNP id), holding only that
 * device's ports, interrupt line and memory window. Its endpoint is a
 * Xous server of the name below; the gates forward a call to it as the
 * file calls go to the file server (include/abi/file.h: a MSG_FORWARD
 * from the calling thread, the caller's pid as sender, its buffers lent,
 * words 0 op, 1 buf0, 2 len0, 3 buf1, 4 len1, 6 arg, 7 arg2). The driver
 * answers word 0 a status (0, or an enum kerror when the call itself was
 * malformed) and word 1 the r2 return code, words 2..3 results. Anything
 * but a MSG_FORWARD is refused (E_PERMISSION_DENIED), but the manager's
 * control calls (drivers/lib/driver.h) from the manager itself.
 */
#ifndef ABI_PCDEV_H
#define ABI_PCDEV_H

/* The CMOS real-time clock (PNP0B00, ports 0x70-0x71). */
#define PCDEV_RTC_NAME "kestrel.pc.rtc"
enum {
	PCDEV_RTC_GET = 1, /* -> r2 code, the RTC_T's 7 bytes in the low bytes of r1 */
};

/*
 * The PC speaker (PNP0800: port 0x61, and PIT channel 2, ports 0x42 and
 * 0x43). What plays belongs to the process that started it (the sender):
 * it falls silent when that process ends. Each sound started has a
 * sequence number, so a stop can name the one it means.
 */
#define PCDEV_SPEAKER_NAME "kestrel.pc.speaker"
enum {
	PCDEV_SPK_TONE = 1, /* arg Hz (0: a rest), arg2 ms -> r2 code, r2 sequence */
	PCDEV_SPK_PLAY = 2, /* buf0 a Standard MIDI File (len0) -> r2 code, sequence, length ms */
	PCDEV_SPK_STOP = 3, /* arg a sequence (0: whatever plays) -> R2_OK */
};

/*
 * The VGA (PNP0900: ports 0x3C0-0x3DF, the window 0xA0000-0xBFFFF): text
 * mode 3 and the graphics modes 0Dh, 12h and 13h (R2_MODE_*). The gates
 * map the window into a program themselves (R2_MAP_VGA: memory, not the
 * device's registers) and draw a linear framebuffer, when GRUB set one up,
 * themselves too.
 */
#define PCDEV_VGA_NAME "kestrel.pc.vga"
enum {
	PCDEV_VGA_PRINT = 1, /* buf0 text (len0, no NUL in it) -> r2 code: drawn in text mode */
	PCDEV_VGA_CLEAR = 2, /* -> R2_OK */
	PCDEV_VGA_PIXEL = 3, /* arg x << 16 | y, arg2 0x00RRGGBB -> r2 code */
	PCDEV_VGA_FRAME = 4, /* buf0 320x200 pixels, buf1 768 bytes of palette or none -> r2 code */
	PCDEV_VGA_MODE = 5,  /* arg R2_MODE_* -> r2 code, the mode now */
	PCDEV_VGA_FONT = 6,  /* buf1 (written) -> the bytes a glyph (16), 0: none fits */
};

/*
 * The linear framebuffer GRUB set up (ci/boot --framebuffer WxHxD): one
 * memory window of 32-bit 0x00RRGGBB pixels, a record "framebuffer" of
 * the machine description (compatible PCDEV_FB_COMPAT). Its geometry is
 * boot information the kernel keeps (R2_FB_INFO answers from it) and
 * passes in arg with each call, PCDEV_FB_GEOMETRY: the driver checks it
 * against its window. The whole source is lent, so it is checked before
 * the screen changes.
 */
#define PCDEV_FB_NAME	"kestrel.pc.fb"
#define PCDEV_FB_COMPAT "kestrel,boot-framebuffer"
#define PCDEV_FB_GEOMETRY(w, h, pitch) \
	((uint64_t)(w) | (uint64_t)(h) << 16 | (uint64_t)(pitch) << 32)
enum {
	PCDEV_FB_FRAME = 1, /* buf0 320x200 indices, buf1 768 bytes of palette or none -> r2 code */
	PCDEV_FB_BLIT = 2,  /* buf0 pixels, arg2 0 (the screen's size) or w << 16 | h -> r2 code */
};

/*
 * The r2 serial port (0x32): the PC's second UART, COM2 (PNP0501, ports
 * 0x2F8-0x2FF, ISA IRQ 3), as the kernel's console keeps COM1. Its driver
 * keeps a ring of the bytes each receive interrupt drains. The byte calls
 * go in words, nothing lent; the packet calls (r2's SLIP network, 0x33
 * and 0x34: include/abi/r2.h) get the packet lent. Without a UART at those
 * ports the driver answers every call but PCDEV_SERIAL_CRAFT, which needs
 * none, R2_NOT_IMPLEMENTED.
 */
#define PCDEV_SERIAL_NAME "kestrel.pc.serial"
enum {
	PCDEV_SERIAL_INIT = 1,	/* -> r2 code: 115200 8N1 programmed again, the ring emptied */
	PCDEV_SERIAL_READ = 2,	/* -> r2 code (R2_INVALID_INPUT: none waits), r1 the byte */
	PCDEV_SERIAL_WRITE = 3, /* arg the byte (<= 0xff) -> r2 code */
	PCDEV_SERIAL_CRAFT = 4, /* arg R2_CRAFT_*, buf1 the packet (writable) -> r2 code */
	PCDEV_SERIAL_SEND = 5,	/* buf0 an IPv4 packet: one SLIP frame out -> r2 code */
};

#endif
