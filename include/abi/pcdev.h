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
	PCDEV_RTC_GET = 1, /* buf1 an RTC_T (written) -> r2 code */
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

#endif
