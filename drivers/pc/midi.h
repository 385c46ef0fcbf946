/*
 * Standard MIDI Files (format 0 or 1, ticks per quarter note) as notes for
 * a one-voice speaker: the note that began last sounds until it ends, and
 * tempo changes are honoured. Portable C with no allocation: the caller
 * provides the notes' room and the parser's scratch, so the speaker driver
 * and the host tests use it alike.
 */
#ifndef DRIVERS_PC_MIDI_H
#define DRIVERS_PC_MIDI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A note: Hz (0: a rest, or a pitch the speaker cannot play) and its length. */
struct midi_note {
	uint16_t hz;
	uint32_t us;
};

#define MIDI_MAX_EVENTS 8192		/* note ons, offs and tempo changes in a file */
#define MIDI_MAX_NOTES	MIDI_MAX_EVENTS /* at most one note per event */

/* One event of the file, in absolute ticks; the parser's scratch. */
struct midi_event {
	uint64_t tick;
	uint32_t seq;	/* file order, for a stable sort */
	uint8_t kind;	/* note on, note off, tempo */
	uint32_t value; /* note number, or tempo in us per quarter */
};

/*
 * The `size` bytes at `smf` as notes in out[0..*count) (room for
 * MIDI_MAX_NOTES), with `scratch` room for MIDI_MAX_EVENTS events. False
 * for a malformed file, one with too many events, more than an hour long
 * or without a note: then *count and out are not to be used, and the
 * file was only read (any bytes: no crash, no hang, no read past size).
 */
bool midi_parse(const uint8_t *smf, size_t size, struct midi_event *scratch, struct midi_note *out,
		size_t *count);

/* The length of out[0..n), in ms rounded up. */
uint64_t midi_length_ms(const struct midi_note *out, size_t n);

#endif
