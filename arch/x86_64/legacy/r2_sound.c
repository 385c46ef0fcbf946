/*
 * The r2 sound calls: R2_TONE, R2_MIDI and R2_STOP, forwarded to the
 * speaker driver (drivers/pc/speaker.c, include/abi/pcdev.h), which owns
 * the speaker's ports and plays from its own clock. The gates only decode
 * the caller's arguments, lend the MIDI file's bytes and, where the call
 * lasts as long as the sound, wait here. Without a driver a tone or tune
 * is R2_NOT_IMPLEMENTED, and a stop R2_OK (nothing sounds).
 */
#include "core/kstring.h"
#include "core/process.h"
#include "include/abi/pcdev.h"
#include "ipc/file.h"
#include "legacy.h"
#include "mm/uaccess.h"
#include "mm/vmspace.h"

/* The speaker driver's answer to op; buf0 `b0` lent (NULL: none). */
static uint64_t speaker_call(uint64_t op, uint64_t a1, uint64_t a2, const struct fwd_buf *b0,
			     uint64_t out[3])
{
	const struct fwd_buf b[2] = {b0 ? *b0 : (struct fwd_buf){0}, {0}};
	return r2_dev_call(PCDEV_SPEAKER_NAME, op, a1, a2, b, out);
}

/*
 * 0 Hz is a rest. A libcr2 process's tone lasts its length, as on rou2exOS
 * (a tune is a sequence of calls): the caller sleeps meanwhile, then stops
 * that tone by its sequence number (a sound started since plays on); the
 * seed's returns at once, the driver ending it.
 */
uint64_t r2_tone(struct process *p, uint64_t hz, uint64_t ms)
{
	if (!ms || ms > R2_TONE_MAX_MS || (hz && (hz < R2_TONE_MIN_HZ || hz > R2_TONE_MAX_HZ)))
		return R2_INVALID_INPUT;
	uint64_t out[3], again[3];
	uint64_t rc = speaker_call(PCDEV_SPK_TONE, hz, ms, NULL, out);
	if (rc == R2_OK && r2_is_libcr2(p->pid) && r2_wait_ms(ms) && hz)
		speaker_call(PCDEV_SPK_STOP, out[1], 0, NULL, again); /* at its end exactly */
	return rc;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * A Standard MIDI File's size, learnt from its chunk headers in user
 * memory: the MThd chunk (length 6), then as many chunks as it says
 * tracks, each an 8-byte header (type, big-endian length) and its data.
 * Every header is copied from the caller; false for a bad pointer, an
 * inconsistent header or more than R2_MIDI_MAX bytes in all. Sizing
 * only: what the chunks hold is the driver's parser's to judge.
 */
static bool midi_size(struct process *p, uint64_t smf, uint64_t *size)
{
	uint8_t hdr[14];
	if (!smf || copy_from_user(&p->vs, hdr, smf, sizeof(hdr)) ||
	    be32(hdr) != 0x4d546864 /* "MThd" */ || be32(hdr + 4) != 6)
		return false;
	uint32_t tracks = (uint32_t)hdr[10] << 8 | hdr[11];
	if (!tracks || tracks > R2_MIDI_MAX_TRACKS)
		return false;
	uint64_t total = sizeof(hdr);
	for (uint32_t t = 0; t < tracks; t++) {
		if (total + 8 > R2_MIDI_MAX || copy_from_user(&p->vs, hdr, smf + total, 8))
			return false;
		total += 8 + (uint64_t)be32(hdr + 4);
		if (total > R2_MIDI_MAX)
			return false;
	}
	*size = total;
	return true;
}

/*
 * The MIDI file at `smf` in the caller's memory (its size learnt by
 * midi_size) lent to the driver, which parses and plays it; its length in ms.
 */
static uint64_t play_user(struct process *p, uint64_t smf, uint64_t *ms)
{
	uint64_t size, out[3];
	if (!midi_size(p, smf, &size) || user_range_ok(&p->vs, smf, size, false))
		return R2_INVALID_INPUT;
	const struct fwd_buf file = {.va = smf, .len = size};
	uint64_t rc = speaker_call(PCDEV_SPK_PLAY, 0, 0, &file, out);
	/* The driver's word, not trusted further than a tune may last (midi.c: an hour). */
	*ms = out[2] < R2_SLEEP_MAX_MS ? out[2] : R2_SLEEP_MAX_MS;
	return rc;
}

/*
 * Argument 2 is the Standard MIDI File itself ("MThd"..., any alignment):
 * it is lent to the driver, which plays it, and the call returns at once.
 * Or, as rou2exOS takes it, the name of a file on the disk: the file server
 * reads it (up to R2_MIDI_MAX bytes) into a scratch window the gate maps in
 * the caller for the call (R2_SCRATCH_VA; 0xfc when something is mapped
 * there), that is lent to the driver, and the call returns when the tune
 * has played, as on rou2exOS.
 */
uint64_t r2_midi(struct process *p, uint64_t op, uint64_t arg)
{
	uint8_t magic[4];
	uint64_t ms = 0, rc;
	if (op != R2_MIDI_PLAY || !arg || copy_from_user(&p->vs, magic, arg, 1))
		return R2_INVALID_INPUT;
	if (!copy_from_user(&p->vs, magic, arg, sizeof(magic)) && !memcmp(magic, "MThd", 4))
		return play_user(p, arg, &ms);
	if (vmspace_region(&p->vs, R2_SCRATCH_VA) ||
	    vmspace_region(&p->vs, R2_SCRATCH_VA + R2_MIDI_MAX - 1) ||
	    vmspace_map(&p->vs, R2_SCRATCH_VA, R2_MIDI_MAX, PTE_WRITABLE | PTE_NO_EXECUTE))
		return R2_INVALID_INPUT;
	rc = r2_file_call(p, R2_READ_FILE, arg, R2_SCRATCH_VA);
	if (rc == R2_OK)
		rc = play_user(p, R2_SCRATCH_VA, &ms);
	vmspace_unmap(&p->vs, R2_SCRATCH_VA, R2_MIDI_MAX);
	if (rc == R2_OK)
		r2_wait_ms(ms);
	return rc;
}

/* Whatever plays stops, whoever started it; with no driver nothing sounds: R2_OK either way. */
uint64_t r2_stop(struct process *p, uint64_t a1, uint64_t a2)
{
	(void)p, (void)a1, (void)a2;
	uint64_t out[3];
	speaker_call(PCDEV_SPK_STOP, 0, 0, NULL, out);
	return R2_OK;
}
