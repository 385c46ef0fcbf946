/*
 * EXIT.ELF [N]: ends at once with exit code N (decimal or 0x hex, 0 by
 * default), so the shell's report of a code other than 0 can be shown.
 */
#include "kestrel.h"

int main(int argc, char **argv)
{
	int code = argc >= 2 ? (int)strtoul(argv[1], NULL, 0) : 0;
	printf("EXIT.ELF: exiting with code %d\n", code);
	return code;
}
