/*
 * The PC speaker driver (include/abi/pcdev.h, PCDEV_SPEAKER_NAME): PIT
 * channel 2 in square-wave mode (ports 0x42, 0x43) gated onto the speaker
 * through port 0x61. A tone or a tune (midi.c's notes) plays from the I/O
 * thread's poll, at least every DRIVER_POLL_NS: each note ends at its
 * scheduled time, so a tune does not drift. A tune is parsed into the idle
 * one of two buffers while the other may play, so a bad file changes
 * nothing. What plays belongs to the process that started it; the poll
 * silences it once that process has ended (even as a zombie). Everything
 * runs on the I/O thread: the calls (pcdev.c) and the poll.
 */
#include "drivers/lib/driver.h"
#include "drivers/lib/pcdev.h"
#include "drivers/pc/midi.h"
#include "hw.h"
#include "include/abi/pcdev.h"
#include "include/abi/r2.h"
#include "kestrel.h"

#define PIT_HZ	     1193182u
#define PIT_CH2	     0x42
#define PIT_MODE     0x43
#define PIT_CH2_SQ   0xb6 /* channel 2, lobyte/hibyte, mode 3 (square wave), binary */
#define PORT_B	     0x61
#define PORTB_GATE2  (1u << 0)
#define PORTB_SPKR   (1u << 1)
#define ALIVE_NS     10000000ull  /* how often the owner's liveness is checked while playing */
#define LATE_NS	     100000000ull /* a note found later than this starts now, not on schedule */
#define MAX_ADVANCES 64		  /* notes one poll may pass over (zero-length ones) */

struct speaker {
	uint64_t cap_b, cap_ch2, cap_mode; /* port capabilities: 0x61, 0x42, 0x43 */
	struct midi_note *tunes[2];	   /* MIDI_MAX_NOTES each */
	struct midi_event *scratch;	   /* the parser's, MIDI_MAX_EVENTS */
	unsigned current;		   /* the buffer playing, or last played */
	size_t count, next;		   /* tunes[current][next] is the note to start */
	uint64_t note_end;		   /* when the sounding note ends (sys_clock ns) */
	bool playing;
	uint64_t owner;	     /* the pid that started what plays */
	uint64_t seq;	     /* the sequence number of what plays, or last played */
	uint64_t alive_next; /* when to look at the owner again */
};

static struct speaker state;

static void port_b_set(struct speaker *s, bool on)
{
	uint32_t v = 0;
	if (hw_port_in(s->cap_b, PORT_B, 1, &v))
		v = 0;
	v = on ? v | PORTB_GATE2 | PORTB_SPKR : v & ~(PORTB_GATE2 | PORTB_SPKR);
	hw_port_out(s->cap_b, PORT_B, 1, v & 0xff);
}

static void speaker_on(struct speaker *s, uint32_t hz)
{
	uint32_t div = PIT_HZ / hz; /* hz is 20..20000: div fits 16 bits */
	hw_port_out(s->cap_mode, PIT_MODE, 1, PIT_CH2_SQ);
	hw_port_out(s->cap_ch2, PIT_CH2, 1, div & 0xff);
	hw_port_out(s->cap_ch2, PIT_CH2, 1, div >> 8 & 0xff);
	port_b_set(s, true);
}

static void silence(struct speaker *s)
{
	port_b_set(s, false);
	s->playing = false;
	driver_poll_active(s, false); /* nothing to end: no timer */
}

/* Start the next note at `at`, or end the tune. */
static void advance(struct speaker *s, uint64_t at)
{
	if (s->next >= s->count) {
		silence(s);
		return;
	}
	const struct midi_note *n = &s->tunes[s->current][s->next++];
	if (n->hz)
		speaker_on(s, n->hz);
	else
		port_b_set(s, false);
	s->note_end = at + n->us * 1000ull;
}

/* Has process `pid` ended (gone, a zombie, or being ended)? */
static bool process_gone(uint64_t pid)
{
	struct process_info pi;
	/*
	 * A snapshot one call at a time: a process reaped meanwhile shifts the
	 * rest, so one could be missed. Only two scans that both miss it say gone.
	 */
	for (unsigned scan = 0; scan < 2; scan++)
		for (unsigned i = 0; !sys_process_info(i, &pi); i++)
			if (pi.pid == pid)
				return pi.state >= PS_ENDING;
	return true;
}

/* Play the idle buffer's n notes for `owner`: it becomes the current one. */
static uint64_t play(struct speaker *s, size_t n, uint64_t owner)
{
	uint64_t now = sys_clock();
	s->current ^= 1;
	s->count = n;
	s->next = 0;
	s->owner = owner;
	s->seq++;
	s->playing = true;
	driver_poll_active(s, true);
	s->alive_next = now + ALIVE_NS;
	advance(s, now);
	return s->seq;
}

/* The poll: end notes on time; silence what plays once its owner has ended. */
static void spk_poll(void *dev, uint32_t line)
{
	(void)line;
	struct speaker *s = dev;
	if (!s->playing)
		return;
	uint64_t now = sys_clock();
	if (now >= s->alive_next) {
		if (process_gone(s->owner)) {
			silence(s);
			return;
		}
		s->alive_next = now + ALIVE_NS;
	}
	/* Notes end on their own schedule, not the poll's: no drift over a tune. */
	for (unsigned i = 0; s->playing && now >= s->note_end && i < MAX_ADVANCES; i++)
		advance(s, now - s->note_end < LATE_NS ? s->note_end : now);
}

static bool tone_ok(uint64_t hz, uint64_t ms)
{
	return ms && ms <= R2_TONE_MAX_MS &&
	       (!hz || (hz >= R2_TONE_MIN_HZ && hz <= R2_TONE_MAX_HZ));
}

static int spk_call(void *dev, const struct pcdev_call *c, uint64_t r[3])
{
	struct speaker *s = dev;
	struct midi_note *idle = s->tunes[s->current ^ 1];
	size_t n = 0;
	r[0] = R2_OK;
	switch (c->op) {
	case PCDEV_SPK_TONE: /* Hz (0: a rest), ms */
		if (!tone_ok(c->arg, c->arg2)) {
			r[0] = R2_INVALID_INPUT;
			break;
		}
		idle[0] =
		    (struct midi_note){.hz = (uint16_t)c->arg, .us = (uint32_t)c->arg2 * 1000};
		r[1] = play(s, 1, c->sender);
		break;
	case PCDEV_SPK_PLAY: /* buf0 the file */
		if (!c->in || c->in_len > R2_MIDI_MAX ||
		    !midi_parse(c->in, c->in_len, s->scratch, idle, &n)) {
			r[0] = R2_INVALID_INPUT; /* what plays goes on */
			break;
		}
		r[2] = midi_length_ms(idle, n);
		r[1] = play(s, n, c->sender);
		break;
	case PCDEV_SPK_STOP: /* a sequence number, 0: whatever plays */
		if (s->playing && (!c->arg || c->arg == s->seq))
			silence(s);
		break;
	default:
		return E_INVALID_PARAMETER;
	}
	return E_OK;
}

static const struct pcdev_ops spk_pcdev = {.server = PCDEV_SPEAKER_NAME, .call = spk_call};

static int spk_init(void *dev, const struct hardware_caps *hw)
{
	struct speaker *s = dev;
	*s = (struct speaker){.cap_b = hwcaps_port_cap(hw, PORT_B, 1),
			      .cap_ch2 = hwcaps_port_cap(hw, PIT_CH2, 1),
			      .cap_mode = hwcaps_port_cap(hw, PIT_MODE, 1)};
	if (!s->cap_b || !s->cap_ch2 || !s->cap_mode)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	silence(s); /* a restarted driver starts silent, whatever its last run left on */
	size_t notes = MIDI_MAX_NOTES * sizeof(struct midi_note);
	void *mem;
	if (sys_mmap(NULL, 2 * notes + MIDI_MAX_EVENTS * sizeof(struct midi_event),
		     PROT_READ | PROT_WRITE, &mem, NULL))
		return DRIVER_OUT_OF_RESOURCES;
	s->tunes[0] = mem;
	s->tunes[1] = (struct midi_note *)((uint8_t *)mem + notes);
	s->scratch = (struct midi_event *)((uint8_t *)mem + 2 * notes);
	if (driver_register_poll(spk_poll, s))
		return DRIVER_INITIALIZATION_FAILED;
	driver_poll_active(s, false);
	pcdev_install(&spk_pcdev);
	return DRIVER_OK;
}

static int spk_start(void *dev)
{
	(void)dev;
	return DRIVER_OK;
}

static int spk_stop(void *dev)
{
	silence(dev);
	return DRIVER_OK;
}

static int spk_power(void *dev, enum power_event ev)
{
	if (ev != POWER_RESUME)
		silence(dev); /* suspended or off: no sound left on */
	return DRIVER_OK;
}

static const enum device_type spk_types[] = {DEVICE_CHAR};

static const struct driver_info spk_info = {
    .name = "pcspk",
    .version = {1, 0, 0},
    .vendor = "Kestrel",
    .device_types = spk_types,
    .device_type_count = 1,
    .capabilities_required = CAPTYPE_PORTS,
};

static const struct driver_ops spk_ops = {
    .info = &spk_info,
    .init = spk_init,
    .start = spk_start,
    .stop = spk_stop,
    .power_event = spk_power,
};

DRIVER_PROGRAM(pcspk, "pcspk", &spk_ops, &state);
