/*
 * Standard MIDI Files into notes (midi.h). Everything is bounds-checked
 * against the file's size, each loop advances through the file, and any
 * inconsistency refuses the file, so no file can crash or hang the caller.
 * The file may change under us (it is the client's memory, lent): each
 * byte is still read within bounds, so that only makes a bad tune.
 */
#include "drivers/pc/midi.h"
#include "include/abi/r2.h"

#define DEFAULT_TEMPO_US 500000			   /* 120 beats per minute */
#define MAX_NS		 (3600ull * 1000000000ull) /* an hour of music; a note left on stops there */
#define MAX_TRACK_TICK	 (1ull << 28)		   /* keeps ticks * tempo * 1000 in 64 bits */

enum { EV_ON, EV_OFF, EV_TEMPO };

struct reader {
	const uint8_t *p, *end;
	bool bad;
};

/* n (1..4) bytes big-endian; past the end: 0, and the reader is bad. */
static uint32_t get(struct reader *r, unsigned n)
{
	uint32_t v = 0;
	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		r->p = r->end;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | *r->p++;
	return v;
}

/* A variable-length quantity: at most four bytes of seven bits. */
static uint32_t varlen(struct reader *r)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < 4; i++) {
		uint32_t b = get(r, 1);
		v = v << 7 | (b & 0x7f);
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static void skip(struct reader *r, uint32_t n)
{
	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		r->p = r->end;
	} else {
		r->p += n;
	}
}

struct events {
	struct midi_event *e;
	size_t n;
	bool bad;
};

static void push(struct events *ev, uint64_t tick, uint8_t kind, uint32_t value)
{
	if (ev->n == MIDI_MAX_EVENTS) {
		ev->bad = true; /* too many: the file is refused, not cut short */
		return;
	}
	ev->e[ev->n] =
	    (struct midi_event){.tick = tick, .seq = (uint32_t)ev->n, .kind = kind, .value = value};
	ev->n++;
}

/* A channel message's data bytes; note ons and offs become events. */
static void channel_event(struct reader *r, struct events *ev, uint64_t tick, uint8_t status)
{
	unsigned kind = status >> 4;
	uint32_t d1 = get(r, 1), d2 = kind == 0xc || kind == 0xd ? 0 : get(r, 1);
	if ((d1 | d2) & 0x80)
		r->bad = true;
	else if (kind == 0x9 && d2)
		push(ev, tick, EV_ON, d1);
	else if (kind == 0x8 || kind == 0x9) /* velocity 0 is an off */
		push(ev, tick, EV_OFF, d1);
}

/* One track's events, with absolute ticks; true when it ends with its end-of-track event. */
static bool track(struct reader *r, struct events *ev)
{
	uint64_t tick = 0;
	uint8_t status = 0;
	while (!r->bad && !ev->bad && r->p < r->end) {
		tick += varlen(r);
		if (tick > MAX_TRACK_TICK)
			return false;
		uint8_t b = (uint8_t)get(r, 1);
		if (b & 0x80)
			status = b;
		else if (status >= 0x80 && status < 0xf0)
			r->p--; /* running status: b was the first data byte */
		else
			r->bad = true;
		if (r->bad)
			return false;
		if (status == 0xff) { /* a meta event */
			uint32_t type = get(r, 1), len = varlen(r);
			if (type == 0x2f)
				return !r->bad && !ev->bad;
			if (type == 0x51 && len == 3)
				push(ev, tick, EV_TEMPO, get(r, 3));
			else
				skip(r, len);
			status = 0;
		} else if (status == 0xf0 || status == 0xf7) { /* system exclusive */
			skip(r, varlen(r));
			status = 0;
		} else if (status >= 0xf0) {
			/* System common and real-time messages do not belong in a file. */
			r->bad = true;
		} else {
			channel_event(r, ev, tick, status);
		}
	}
	return false; /* a track must end with its end-of-track event */
}

static bool before(const struct midi_event *a, const struct midi_event *b)
{
	return a->tick < b->tick || (a->tick == b->tick && a->seq < b->seq);
}

/* Shell sort by (tick, seq): O(n^1.5) at worst, no extra memory. */
static void sort(struct midi_event *e, size_t n)
{
	for (size_t gap = n / 2; gap; gap /= 2)
		for (size_t i = gap; i < n; i++) {
			struct midi_event t = e[i];
			size_t j = i;
			for (; j >= gap && before(&t, &e[j - gap]); j -= gap)
				e[j] = e[j - gap];
			e[j] = t;
		}
}

/* Equal temperament from A4 = 440 Hz: octave 4 in mHz, other octaves by shifts. */
static uint16_t note_hz(uint32_t note)
{
	static const uint32_t oct4[12] = {261626, 277183, 293665, 311127, 329628, 349228,
					  369994, 391995, 415305, 440000, 466164, 493883};
	int octave = (int)(note / 12) - 1;
	uint64_t mhz = oct4[note % 12];
	mhz = octave >= 4 ? mhz << (octave - 4) : mhz >> (4 - octave);
	uint32_t hz = (uint32_t)((mhz + 500) / 1000);
	return hz >= R2_TONE_MIN_HZ && hz <= R2_TONE_MAX_HZ ? (uint16_t)hz : 0;
}

/* Walk the sorted events: the sounding note between each event and the next. */
static bool to_notes(const struct events *ev, uint32_t division, struct midi_note *notes,
		     size_t *count)
{
	size_t n = 0;
	uint64_t tempo = DEFAULT_TEMPO_US, last_tick = 0, total_ns = 0;
	int sounding = -1;
	for (size_t i = 0; i < ev->n; i++) {
		const struct midi_event *e = &ev->e[i];
		uint64_t ns = (e->tick - last_tick) * tempo * 1000 / division;
		total_ns += ns;
		uint16_t hz = sounding < 0 ? 0 : note_hz((uint32_t)sounding);
		if (total_ns > MAX_NS)
			return false;
		/* An hour in us fits 32 bits, so a note's (even merged) length does too. */
		if (ns && n && notes[n - 1].hz == hz)
			notes[n - 1].us += (uint32_t)(ns / 1000);
		else if (ns)
			notes[n++] = (struct midi_note){.hz = hz, .us = (uint32_t)(ns / 1000)};
		last_tick = e->tick;
		if (e->kind == EV_TEMPO)
			tempo = e->value ? e->value : DEFAULT_TEMPO_US;
		else if (e->kind == EV_ON)
			sounding = (int)e->value;
		else if (sounding == (int)e->value)
			sounding = -1;
	}
	*count = n;
	return n > 0; /* nothing to play is no tune */
}

_Static_assert(MIDI_MAX_EVENTS <= MIDI_MAX_NOTES, "one note per event at most");
_Static_assert(MAX_NS / 1000 <= UINT32_MAX, "a note's length in us fits its field");

bool midi_parse(const uint8_t *smf, size_t size, struct midi_event *scratch, struct midi_note *out,
		size_t *count)
{
	if (!smf)
		return false;
	struct reader r = {.p = smf, .end = smf + size};
	if (get(&r, 4) != 0x4d546864 || get(&r, 4) != 6) /* "MThd", 6 */
		return false;
	uint32_t format = get(&r, 2), tracks = get(&r, 2), division = get(&r, 2);
	if (r.bad || format > 1 || !tracks || tracks > R2_MIDI_MAX_TRACKS || !division ||
	    division & 0x8000) /* SMPTE time is not supported */
		return false;
	struct events ev = {.e = scratch};
	for (uint32_t t = 0; t < tracks && !ev.bad; t++) {
		if (get(&r, 4) != 0x4d54726b) { /* "MTrk" */
			ev.bad = true;
			break;
		}
		uint32_t len = get(&r, 4);
		if (r.bad || (size_t)(r.end - r.p) < len) {
			ev.bad = true;
			break;
		}
		struct reader tr = {.p = r.p, .end = r.p + len};
		if (!track(&tr, &ev))
			ev.bad = true;
		r.p += len;
	}
	if (ev.bad)
		return false;
	sort(ev.e, ev.n);
	return to_notes(&ev, division, out, count);
}

uint64_t midi_length_ms(const struct midi_note *out, size_t n)
{
	uint64_t us = 0;
	for (size_t i = 0; i < n; i++)
		us += out[i].us;
	return (us + 999) / 1000;
}
