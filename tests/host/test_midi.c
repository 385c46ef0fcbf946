/*
 * The speaker driver's MIDI parser (drivers/pc/midi.c): good files become
 * the notes a one-voice speaker plays (running status, tempo changes,
 * format 1's tracks merged, rests between notes); truncated, malformed or
 * too large files are refused, and no bytes at all crash it or make it
 * read past the file (AddressSanitizer watches).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/pc/midi.h"

static struct midi_event scratch[MIDI_MAX_EVENTS];
static struct midi_note notes[MIDI_MAX_NOTES];

/* Format 0, 96 ticks a quarter, tempo 500000 us: C4, then E4 by running status, 250 ms each. */
static const uint8_t tune[] = {
    'M',  'T',	'h',  'd',  0, 0, 0,  6,    0,	  0,	0,    1,    0,	  96,	'M',
    'T',  'r',	'k',  0,    0, 0, 26, 0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20, /* tempo */
    0x00, 0x90, 60,   100,							/* C4 on */
    0x30, 0x80, 60,   0,							/* off */
    0x00, 0x90, 64,   100,							/* E4 on */
    0x30, 64,	0,								/* running: off */
    0x00, 0xff, 0x2f, 0x00,							/* end of track */
};

/* A file in the making, on the heap (exactly its size: ASan sees any read past it). */
struct smf {
	uint8_t *b;
	size_t n;
};

static void put(struct smf *f, const void *bytes, size_t n)
{
	f->b = realloc(f->b, f->n + n);
	cr_assert(f->b);
	memcpy(f->b + f->n, bytes, n);
	f->n += n;
}

static void put_be(struct smf *f, uint32_t v, unsigned n)
{
	for (unsigned i = n; i--;) {
		uint8_t b = (uint8_t)(v >> (8 * i));
		put(f, &b, 1);
	}
}

static void header(struct smf *f, unsigned format, unsigned tracks, unsigned division)
{
	put(f, "MThd", 4);
	put_be(f, 6, 4);
	put_be(f, format, 2);
	put_be(f, tracks, 2);
	put_be(f, division, 2);
}

/* A track of `body` (its events, end of track included). */
static void track(struct smf *f, const uint8_t *body, size_t n)
{
	put(f, "MTrk", 4);
	put_be(f, (uint32_t)n, 4);
	put(f, body, n);
}

static bool parse(const uint8_t *b, size_t n, size_t *count)
{
	return midi_parse(b, n, scratch, notes, count);
}

static bool parse_smf(struct smf *f, size_t *count)
{
	bool ok = parse(f->b, f->n, count);
	free(f->b);
	f->b = NULL;
	f->n = 0;
	return ok;
}

Test(midi, a_format_0_file_with_running_status)
{
	size_t n = 0;
	cr_assert(parse(tune, sizeof(tune), &n));
	cr_assert_eq(n, 2);
	cr_assert_eq(notes[0].hz, 262); /* C4 */
	cr_assert_eq(notes[0].us, 250000);
	cr_assert_eq(notes[1].hz, 330); /* E4 */
	cr_assert_eq(notes[1].us, 250000);
	cr_assert_eq(midi_length_ms(notes, n), 500);
}

Test(midi, the_default_tempo_and_a_change_midway)
{
	/* 120 bpm by default: A4 for a quarter (500 ms); then 250000 us a quarter: A5 for 250 ms. */
	static const uint8_t body[] = {0x00, 0x90, 69,	 100,  0x60, 0x80, 69,	 0,    0x00,
				       0xff, 0x51, 0x03, 0x03, 0xd0, 0x90, 0x00, 0x90, 81,
				       100,  0x60, 0x80, 81,   0,    0x00, 0xff, 0x2f, 0x00};
	struct smf f = {0};
	header(&f, 0, 1, 96);
	track(&f, body, sizeof(body));
	size_t n = 0;
	cr_assert(parse_smf(&f, &n));
	cr_assert_eq(n, 2);
	cr_assert_eq(notes[0].hz, 440);
	cr_assert_eq(notes[0].us, 500000);
	cr_assert_eq(notes[1].hz, 880);
	cr_assert_eq(notes[1].us, 250000);
}

Test(midi, format_1_tracks_merge_with_rests_and_the_latest_note)
{
	/* Track 1: tempo 1 s a quarter. Track 2: C4 at 0, E4 over it at 48, all off at 96, G4 at 144. */
	static const uint8_t tempo[] = {0x00, 0xff, 0x51, 0x03, 0x0f, 0x42,
					0x40, 0x00, 0xff, 0x2f, 0x00};
	static const uint8_t body[] = {0x00, 0x90, 60, 100,  0x30, 0x90, 64,   100,  0x30,
				       0x80, 60,   0,  0x00, 64,   0,	 0x30, 0x90, 67,
				       100,  0x30, 67, 0,    0x00, 0xff, 0x2f, 0x00};
	struct smf f = {0};
	header(&f, 1, 2, 96);
	track(&f, tempo, sizeof(tempo));
	track(&f, body, sizeof(body));
	size_t n = 0;
	cr_assert(parse_smf(&f, &n));
	cr_assert_eq(n, 4);
	cr_assert_eq(notes[0].hz, 262);
	cr_assert_eq(notes[0].us, 500000);
	cr_assert_eq(notes[1].hz, 330); /* the note that began last */
	cr_assert_eq(notes[1].us, 500000);
	cr_assert_eq(notes[2].hz, 0); /* a rest */
	cr_assert_eq(notes[2].us, 500000);
	cr_assert_eq(notes[3].hz, 392);
	cr_assert_eq(notes[3].us, 500000);
	cr_assert_eq(midi_length_ms(notes, n), 2000);
}

Test(midi, every_truncation_is_refused)
{
	for (size_t len = 0; len < sizeof(tune); len++) {
		uint8_t *b = malloc(len ? len : 1);
		memcpy(b, tune, len);
		size_t n = 0;
		cr_assert(!parse(b, len, &n), "a file cut to %zu bytes", len);
		free(b);
	}
	cr_assert(!midi_parse(NULL, 10, scratch, notes, &(size_t){0}));
}

Test(midi, malformed_headers_and_events_are_refused)
{
	static const struct {
		size_t at;
		uint8_t value;
	} bad[] = {
	    {0, 'X'},	/* not MThd */
	    {7, 7},	/* MThd's length */
	    {9, 2},	/* format 2 */
	    {11, 0},	/* no tracks */
	    {11, 65},	/* more tracks than R2_MIDI_MAX_TRACKS */
	    {11, 2},	/* a second track that is not there */
	    {12, 0x80}, /* SMPTE time */
	    {13, 0},	/* division 0 (with byte 12 zero) */
	    {14, 'X'},	/* not MTrk */
	    {21, 22},	/* the track shorter than its events: no end of track */
	    {21, 27},	/* longer than the file */
	    {30, 0x30}, /* data with no status (after a meta event) */
	    {23, 0xf1}, /* a system common message in a file */
	    {22, 0xff}, /* a delta of more than four bytes' worth */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t b[sizeof(tune)];
		memcpy(b, tune, sizeof(b));
		b[bad[i].at] = bad[i].value;
		if (bad[i].at == 22) /* four continuation bytes */
			memset(b + 22, 0xff, 4);
		size_t n = 0;
		cr_assert(!parse(b, sizeof(b), &n), "byte %zu = %#x", bad[i].at, bad[i].value);
	}
}

Test(midi, a_file_without_a_note_or_longer_than_an_hour_is_refused)
{
	static const uint8_t empty[] = {0x00, 0xff, 0x2f, 0x00};
	struct smf f = {0};
	header(&f, 0, 1, 96);
	track(&f, empty, sizeof(empty));
	size_t n = 0;
	cr_assert(!parse_smf(&f, &n));
	/* The slowest tempo, one tick a quarter, a note of 2^21 ticks: 9 hours. */
	static const uint8_t slow[] = {0x00, 0xff, 0x51, 0x03, 0xff, 0xff, 0xff, 0x00,
				       0x90, 60,   100,	 0x81, 0x80, 0x80, 0x00, 0x80,
				       60,   0,	   0x00, 0xff, 0x2f, 0x00};
	header(&f, 0, 1, 1);
	track(&f, slow, sizeof(slow));
	cr_assert(!parse_smf(&f, &n));
}

/* A track of `pairs` notes (on, then off a tick later), with running status. */
static void many_notes(struct smf *f, unsigned pairs)
{
	size_t at = 0;
	uint8_t *body = malloc(2 + 6 * (size_t)pairs + 3);
	body[at++] = 0x00;
	body[at++] = 0x90;
	for (unsigned i = 0; i < pairs; i++) {
		body[at++] = 60 + i % 12; /* on, velocity 100 */
		body[at++] = 100;
		body[at++] = 0x01; /* a tick later, off (velocity 0) */
		body[at++] = 60 + i % 12;
		body[at++] = 0;
		body[at++] = 0x00; /* the next at once */
	}
	memcpy(body + at, (const uint8_t[]){0xff, 0x2f, 0x00}, 3);
	at += 3;
	header(f, 0, 1, 96);
	track(f, body, at);
	free(body);
}

Test(midi, as_many_events_as_fit_and_one_more)
{
	struct smf f = {0};
	size_t n = 0;
	many_notes(&f, MIDI_MAX_EVENTS / 2);
	cr_assert(parse_smf(&f, &n));
	cr_assert_eq(n, MIDI_MAX_EVENTS / 2); /* back to back: no rests */
	many_notes(&f, MIDI_MAX_EVENTS / 2 + 1);
	cr_assert(!parse_smf(&f, &n));
}

Test(midi, any_byte_changed_never_crashes)
{
	static const uint8_t values[] = {0x00, 0x01, 0x2f, 0x51, 0x7f,
					 0x80, 0x90, 0xf0, 0xf7, 0xff};
	for (size_t at = 0; at < sizeof(tune); at++)
		for (size_t v = 0; v < sizeof(values); v++) {
			uint8_t *b = malloc(sizeof(tune));
			memcpy(b, tune, sizeof(tune));
			b[at] = values[v];
			size_t n = 0;
			if (parse(b, sizeof(tune), &n))
				cr_assert(n >= 1 && n <= MIDI_MAX_NOTES);
			free(b);
		}
	/* Random bytes behind a good header, many times over. */
	srand(1);
	for (unsigned round = 0; round < 2000; round++) {
		size_t len = 22 + (size_t)(rand() % 64);
		uint8_t *b = malloc(len);
		memcpy(b, tune, 22);
		for (size_t i = 22; i < len; i++)
			b[i] = (uint8_t)rand();
		b[21] = (uint8_t)(len - 22);
		size_t n = 0;
		parse(b, len, &n);
		free(b);
	}
}
