/*
 * The PC speaker: PIT channel 2 in square-wave mode gated onto the
 * speaker through port 0x61. Notes are played against the clock from the
 * 10 ms tick (speaker_tick), so R2_TONE and R2_MIDI return at once, note
 * lengths are kept to within a tick, and R2_STOP silences the speaker from
 * any thread. A tune lives in one of two static buffers: a new one is
 * decoded into the idle buffer while the old one may still play, so a bad
 * file changes nothing. The process that started the sound owns it: once
 * it has ended (even as a zombie not yet reaped) the tick stops the
 * speaker. Calls and the tick both run with interrupts off.
 */
#include "arch/hal/timer.h"
#include "legacy.h"
#include "x86.h"

#define PIT_HZ	    1193182u
#define PIT_CH2	    0x42
#define PIT_MODE    0x43
#define PIT_CH2_SQ  0xb6 /* channel 2, lobyte/hibyte, mode 3 (square wave), binary */
#define PORT_B	    0x61
#define PORTB_GATE2 (1u << 0)
#define PORTB_SPKR  (1u << 1)

static struct r2_note tunes[2][R2_MAX_NOTES];
static unsigned current;      /* the buffer playing, or last played */
static size_t count, next;    /* tunes[current][next] is the note to start */
static uint64_t note_end;     /* when the sounding note ends (ns) */
static volatile bool playing; /* read by the tick */
static uint64_t starter;      /* the pid that started what plays */

static void speaker_on(uint32_t hz)
{
	uint32_t div = PIT_HZ / hz;
	outb(PIT_MODE, PIT_CH2_SQ);
	outb(PIT_CH2, (uint8_t)div);
	outb(PIT_CH2, (uint8_t)(div >> 8));
	outb(PORT_B, inb(PORT_B) | PORTB_GATE2 | PORTB_SPKR);
}

static void speaker_off(void)
{
	outb(PORT_B, inb(PORT_B) & ~(PORTB_GATE2 | PORTB_SPKR));
}

/* Start the next note at `at`, or end the tune. */
static void advance(uint64_t at)
{
	if (next >= count) {
		speaker_off();
		playing = false;
		return;
	}
	const struct r2_note *n = &tunes[current][next++];
	if (n->hz)
		speaker_on(n->hz);
	else
		speaker_off();
	note_end = at + n->us * 1000ull;
}

void speaker_tick(void)
{
	if (!playing)
		return;
	if (r2_process_gone(starter)) {
		speaker_stop(); /* its process has ended: the sound goes with it */
		return;
	}
	uint64_t now = arch_time_ns();
	/* Notes end on their own schedule, not the tick's: no drift over a tune. */
	for (unsigned i = 0; playing && now >= note_end && i < 64; i++)
		advance(now - note_end < 100000000ull ? note_end : now);
}

void speaker_stop(void)
{
	speaker_off();
	playing = false;
}

struct r2_note *speaker_buffer(void)
{
	return tunes[current ^ 1];
}

uint64_t speaker_play_buffer(uint64_t pid, size_t n)
{
	speaker_stop();
	starter = pid;
	current ^= 1;
	count = n;
	next = 0;
	playing = true;
	advance(arch_time_ns());
	return R2_OK;
}

uint64_t speaker_tone(uint64_t pid, uint64_t hz, uint64_t ms)
{
	if (hz < R2_TONE_MIN_HZ || hz > R2_TONE_MAX_HZ || !ms || ms > R2_TONE_MAX_MS)
		return R2_INVALID_INPUT;
	speaker_buffer()[0] = (struct r2_note){.hz = (uint16_t)hz, .us = (uint32_t)(ms * 1000)};
	return speaker_play_buffer(pid, 1);
}
