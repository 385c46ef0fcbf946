/*
 * LOOP.ELF [MS]: a line every MS milliseconds (500 by default), counted,
 * forever: the program a person interrupts with Ctrl-C at the shell.
 */
#include "kestrel.h"

int main(int argc, char **argv)
{
	unsigned long ms = argc >= 2 ? strtoul(argv[1], NULL, 0) : 500;
	if (ms == 0)
		ms = 500;
	for (unsigned long n = 1;; n++) {
		printf("LOOP.ELF: line %lu (Ctrl-C stops me)\n", n);
		sys_sleep(ms * 1000000ull);
	}
}
