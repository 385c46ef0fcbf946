/*
 * CR2TUNE.ELF: a program in libcr2's style (run --libcr2 CR2TUNE.ELF): a
 * tune of play_freq calls, each of which blocks for its length (0 Hz: a
 * rest): 440, 660 and 880 Hz for 300 ms each, 200 ms of rest between.
 */
#include "cr2.h"

static uint16_t tune[][2] = {
    {440, 300}, {0, 200}, {660, 300}, {0, 200}, {880, 300},
};

int main(int argc, char **argv)
{
	(void)argv;
	for (unsigned i = 0; i < sizeof(tune) / sizeof(tune[0]); i++)
		play_freq(tune[i][0], tune[i][1]);
	stop_speaker();
	print("cr2tune: done\n");
	exit(argc, 0);
}
