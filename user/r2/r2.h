/*
 * The r2 (rou2exOS) user library: one inline wrapper per call of
 * include/abi/r2.h, through `int 0x7f` (ring 3). Each returns what the
 * kernel put in RAX: R2_OK or a return code, or the call's result (an
 * address for the heap calls and R2_MAP_VGA, a count for R2_KBD_READ).
 */
#ifndef USER_R2_H
#define USER_R2_H

#include <stdint.h>

#include "include/abi/r2.h"

/* Any call through any gate: RAX number, RDI and RSI arguments, RAX back. */
#define R2_CALL_GATE(gate, nr, a1, a2)                                      \
	({                                                                  \
		uint64_t rax_ = (uint64_t)(nr);                             \
		__asm__ volatile("int $" #gate                              \
				 : "+a"(rax_)                               \
				 : "D"((uint64_t)(a1)), "S"((uint64_t)(a2)) \
				 : "memory");                               \
		rax_;                                                       \
	})

static inline uint64_t r2_call(uint64_t nr, uint64_t a1, uint64_t a2)
{
	return R2_CALL_GATE(0x7f, nr, a1, a2);
}

/* The same from code running in ring 1 (0x7d) or 2 (0x7e); any other ring uses 0x7f. */
static inline uint64_t r2_call_ring(unsigned ring, uint64_t nr, uint64_t a1, uint64_t a2)
{
	if (ring == 1)
		return R2_CALL_GATE(0x7d, nr, a1, a2);
	if (ring == 2)
		return R2_CALL_GATE(0x7e, nr, a1, a2);
	return R2_CALL_GATE(0x7f, nr, a1, a2);
}

/* The ring the caller runs in (the RPL of its code segment). */
static inline unsigned r2_current_ring(void)
{
	uint16_t cs;
	__asm__ volatile("movw %%cs, %0" : "=r"(cs));
	return cs & 3;
}

static inline _Noreturn void r2_exit(uint64_t code)
{
	r2_call(R2_EXIT, 0, code);
	__builtin_unreachable();
}

static inline uint64_t r2_sysinfo_get(SysInfo_T *out)
{
	return r2_call(R2_SYSINFO, R2_GET, (uintptr_t)out);
}

static inline uint64_t r2_sysinfo_set(const SysInfo_T *in)
{
	return r2_call(R2_SYSINFO, R2_SET, (uintptr_t)in);
}

static inline uint64_t r2_rtc(RTC_T *out)
{
	return r2_call(R2_RTC, R2_GET, (uintptr_t)out);
}

static inline uint64_t r2_kbd_register(struct r2_kbd_ring *ring)
{
	return r2_call(R2_KEYBOARD, R2_KBD_REGISTER, (uintptr_t)ring);
}

static inline uint64_t r2_kbd_unregister(struct r2_kbd_ring *ring)
{
	return r2_call(R2_KEYBOARD, R2_KBD_UNREGISTER, (uintptr_t)ring);
}

/* Move waiting scancodes into the ring; their number, or R2_INVALID_INPUT. */
static inline uint64_t r2_kbd_read(struct r2_kbd_ring *ring)
{
	return r2_call(R2_KEYBOARD, R2_KBD_READ, (uintptr_t)ring);
}

static inline void *r2_malloc(uint64_t size)
{
	return (void *)(uintptr_t)r2_call(R2_MALLOC, 0, size);
}

static inline void *r2_realloc(void *p, uint64_t size)
{
	return (void *)(uintptr_t)r2_call(R2_REALLOC, (uintptr_t)p, size);
}

static inline uint64_t r2_free(void *p)
{
	return r2_call(R2_FREE, (uintptr_t)p, 0);
}

static inline uint64_t r2_print(const char *s, uint64_t len)
{
	return r2_call(R2_PRINT, (uintptr_t)s, len);
}

static inline uint64_t r2_clear(void)
{
	return r2_call(R2_CLEAR, 0, 0);
}

/* A pixel in a graphics mode; `rgb` 0x00RRGGBB, drawn as the palette's nearest colour. */
static inline uint64_t r2_pixel(unsigned x, unsigned y, uint32_t rgb)
{
	return r2_call(R2_PIXEL, R2_PIXEL_POS(x, y), rgb);
}

/* 320x200 palette indices; `rgb` is 256 RGB triples (8 bits each) or NULL for the default. */
static inline uint64_t r2_mode13_buffer(const uint8_t *pixels, const uint8_t *rgb)
{
	return r2_call(R2_MODE13_BUF, (uintptr_t)pixels, (uintptr_t)rgb);
}

static inline volatile uint8_t *r2_map_vga(void)
{
	return (volatile uint8_t *)(uintptr_t)r2_call(R2_MAP_VGA, 0, 0);
}

static inline uint64_t r2_video_mode(uint64_t mode)
{
	return r2_call(R2_VIDEO_MODE, mode, 0);
}

static inline uint64_t r2_tone(uint64_t hz, uint64_t ms)
{
	return r2_call(R2_TONE, hz, ms);
}

/* `smf` is the Standard MIDI File itself, starting "MThd"; its chunks give its size. */
static inline uint64_t r2_midi(const void *smf)
{
	return r2_call(R2_MIDI, R2_MIDI_PLAY, (uintptr_t)smf);
}

static inline uint64_t r2_stop(void)
{
	return r2_call(R2_STOP, 0, 0);
}

static inline uint64_t r2_port_out(uint16_t port, unsigned width, const uint64_t *value)
{
	return r2_call(R2_PORT_OUT, R2_PORT(port, width), (uintptr_t)value);
}

static inline uint64_t r2_port_in(uint16_t port, unsigned width, uint64_t *value)
{
	return r2_call(R2_PORT_IN, R2_PORT(port, width), (uintptr_t)value);
}

static inline uint64_t r2_serial_init(void)
{
	return r2_call(R2_SERIAL, R2_SERIAL_INIT, 0);
}

static inline uint64_t r2_serial_read(uint64_t *value)
{
	return r2_call(R2_SERIAL, R2_SERIAL_READ, (uintptr_t)value);
}

static inline uint64_t r2_serial_write(const uint64_t *value)
{
	return r2_call(R2_SERIAL, R2_SERIAL_WRITE, (uintptr_t)value);
}

/* The token of an I/O port capability we hold (to grant to a child), 0 if none: Kestrel's 0x3e. */
static inline uint64_t r2_io_token(void)
{
	return r2_call(R2_IO_TOKEN, 0, 0);
}

/* Put a child created but not yet started (its pid) in ring 1 or 2: Kestrel's call 0x3f. */
static inline uint64_t r2_set_ring(uint64_t pid, uint64_t ring)
{
	return r2_call(R2_SET_RING, pid, ring);
}

#endif
