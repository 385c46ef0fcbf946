/*
 * HELLO.ELF: the first program to run from the disk. It greets, prints
 * its arguments one a line (argv[0] is the name it was started by) and
 * exits with 0, so `run HELLO.ELF a b` shows the whole path from a file on
 * the disk to a process and back.
 */
#include "kestrel.h"

int main(int argc, char **argv)
{
	printf("Hello from HELLO.ELF, a program loaded from the FAT disk!\n");
	printf("%d argument%s:\n", argc, argc == 1 ? "" : "s");
	for (int i = 0; i < argc; i++)
		printf("  argv[%d] = \"%s\"\n", i, argv[i]);
	return 0;
}
