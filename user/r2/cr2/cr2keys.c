/*
 * CR2KEYS.ELF: a program in libcr2's style (run --libcr2 CR2KEYS.ELF): the
 * keyboard through a subscribed pipe, rou2exOS's way. The kernel writes
 * each scancode into byte 0 and the next one once the program has put 0
 * back there; the program reads byte 0 without a system call between
 * looks but a sleep of 10 ms now and then. Four scancodes (or 60 s), then
 * it unsubscribes.
 */
#include "cr2.h"

static uint8_t pipe[17];

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	char hex[4];
	memset(pipe, 0, sizeof(pipe));
	if (!pipe_subscribe(pipe)) {
		print("cr2keys: pipe_subscribe failed\n");
		exit(0xff, 1);
	}
	print("r2: cr2keys ready\n");
	volatile uint8_t *key = pipe;
	unsigned got = 0, spins = 0;
	for (unsigned waited = 0; got < 4 && waited < 60000;) {
		uint8_t code = *key;
		if (code) {
			cr2_print("r2: scancode ", cr2_hex(hex, code, 2), "\n", NULL);
			*key = 0;
			got++;
		} else if (++spins == 1000) {
			spins = 0;
			sleep_ms(10);
			waited += 10;
		}
	}
	pipe_unsubscribe(pipe);
	exit(0xff, 0);
}
