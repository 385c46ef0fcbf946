/*
 * Standard MIDI Files (format 0 or 1, ticks per quarter note) turned into
 * notes for the one-voice PC speaker: the note that began last sounds
 * until it ends; tempo changes are honoured. Everything is bounds-checked
 * against the file's size, each loop advances through the file, and any
 * inconsistency is R2_INVALID_INPUT, so no file can crash or hang us.
 */
#include "core/kstring.h"
#include "legacy.h"
#include "mm/heap.h"

#define MAX_EVENTS	 8192
#define DEFAULT_TEMPO_US 500000			   /* 120 beats per minute */
#define MAX_NS		 (3600ull * 1000000000ull) /* an hour of music; a note left on stops there */

struct event {
	uint64_t tick;
	uint32_t seq;	/* file order, for a stable sort */
	uint8_t kind;	/* EV_* */
	uint32_t value; /* note number, or tempo in us per quarter */
};

enum { EV_ON, EV_OFF, EV_TEMPO };

struct reader {
	const uint8_t *p, *end;
	bool bad;
};

static uint32_t get(struct reader *r, unsigned n)
{
	uint32_t v = 0;
	if (r->end - r->p < (ptrdiff_t)n) {
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
	if ((uint64_t)(r->end - r->p) < n) {
		r->bad = true;
		r->p = r->end;
	} else {
		r->p += n;
	}
}

struct events {
	struct event *e;
	size_t n;
	bool bad;
};

static void push(struct events *ev, uint64_t tick, uint8_t kind, uint32_t value)
{
	if (ev->n == MAX_EVENTS) {
		ev->bad = true;
		return;
	}
	ev->e[ev->n] =
	    (struct event){.tick = tick, .seq = (uint32_t)ev->n, .kind = kind, .value = value};
	ev->n++;
}

/* One track's events, with absolute ticks; true when it ends with its end-of-track event. */
static bool track(struct reader *r, struct events *ev)
{
	uint64_t tick = 0;
	uint8_t status = 0;
	while (!r->bad && !ev->bad && r->p < r->end) {
		tick += varlen(r);
		if (tick > (1ull << 28)) /* keeps ticks * tempo * 1000 in 64 bits */
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
		if (status == 0xff) {
			uint32_t type = get(r, 1), len = varlen(r);
			if (type == 0x2f)
				return !r->bad && !ev->bad;
			if (type == 0x51 && len == 3)
				push(ev, tick, EV_TEMPO, get(r, 3));
			else
				skip(r, len);
			status = 0;
		} else if (status == 0xf0 || status == 0xf7) {
			skip(r, varlen(r));
			status = 0;
		} else if (status >= 0xf0) {
			r->bad =
			    true; /* system common and real-time messages do not belong in a file */
		} else {
			unsigned kind = status >> 4;
			uint32_t d1 = get(r, 1), d2 = kind == 0xc || kind == 0xd ? 0 : get(r, 1);
			if ((d1 | d2) & 0x80)
				r->bad = true;
			else if (kind == 0x9 && d2)
				push(ev, tick, EV_ON, d1);
			else if (kind == 0x8 || kind == 0x9)
				push(ev, tick, EV_OFF, d1);
		}
	}
	return false; /* a track must end with its end-of-track event */
}

static bool before(const struct event *a, const struct event *b)
{
	return a->tick < b->tick || (a->tick == b->tick && a->seq < b->seq);
}

/* Shell sort by (tick, seq): O(n^1.5) at worst, no extra memory. */
static void sort(struct event *e, size_t n)
{
	for (size_t gap = n / 2; gap; gap /= 2)
		for (size_t i = gap; i < n; i++) {
			struct event t = e[i];
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
static uint64_t to_notes(const struct events *ev, uint32_t division, struct r2_note *notes,
			 size_t *count)
{
	size_t n = 0; /* at most one note per event: MAX_EVENTS <= R2_MAX_NOTES */
	uint64_t tempo = DEFAULT_TEMPO_US, last_tick = 0, total_ns = 0;
	int sounding = -1;
	for (size_t i = 0; i < ev->n; i++) {
		const struct event *e = &ev->e[i];
		uint64_t ns = (e->tick - last_tick) * tempo * 1000 / division;
		total_ns += ns;
		uint16_t hz = sounding < 0 ? 0 : note_hz((uint32_t)sounding);
		if (total_ns > MAX_NS)
			return R2_INVALID_INPUT;
		if (ns && n && notes[n - 1].hz == hz)
			notes[n - 1].us += (uint32_t)(ns / 1000);
		else if (ns)
			notes[n++] = (struct r2_note){.hz = hz, .us = (uint32_t)(ns / 1000)};
		last_tick = e->tick;
		if (e->kind == EV_TEMPO)
			tempo = e->value ? e->value : DEFAULT_TEMPO_US;
		else if (e->kind == EV_ON)
			sounding = (int)e->value;
		else if (sounding == (int)e->value)
			sounding = -1;
	}
	if (!n)
		return R2_INVALID_INPUT; /* nothing to play */
	*count = n;
	return R2_OK;
}

_Static_assert(MAX_EVENTS <= R2_MAX_NOTES, "one note per event at most");

uint64_t midi_parse(const uint8_t *smf, size_t size, struct r2_note *out, size_t *count)
{
	struct reader r = {.p = smf, .end = smf + size};
	if (get(&r, 4) != 0x4d546864 || get(&r, 4) != 6) /* "MThd", 6 */
		return R2_INVALID_INPUT;
	uint32_t format = get(&r, 2), tracks = get(&r, 2), division = get(&r, 2);
	if (r.bad || format > 1 || !tracks || tracks > R2_MIDI_MAX_TRACKS || !division ||
	    division & 0x8000) /* SMPTE time is not supported */
		return R2_INVALID_INPUT;
	struct events ev = {.e = kmalloc(MAX_EVENTS * sizeof(struct event))};
	if (!ev.e)
		return R2_INVALID_INPUT;
	for (uint32_t t = 0; t < tracks && !ev.bad; t++) {
		if (get(&r, 4) != 0x4d54726b) { /* "MTrk" */
			ev.bad = true;
			break;
		}
		uint32_t len = get(&r, 4);
		if (r.bad || (uint64_t)(r.end - r.p) < len) {
			ev.bad = true;
			break;
		}
		struct reader tr = {.p = r.p, .end = r.p + len};
		if (!track(&tr, &ev))
			ev.bad = true;
		r.p += len;
	}
	uint64_t rc = R2_INVALID_INPUT;
	if (!ev.bad) {
		sort(ev.e, ev.n);
		rc = to_notes(&ev, division, out, count);
	}
	kfree(ev.e);
	return rc;
}
