/*
 * FAULT.ELF [KIND]: ends by a fault on purpose, so the shell's exit
 * reasons can be shown. KIND: "read" (default) loads from address 0,
 * "write" stores to a read-only page (its own code), "ill" runs the
 * compiler's trap instruction (ud2, brk, ebreak: an illegal instruction or
 * a breakpoint, as the arch reports it).
 */
#include "kestrel.h"

int main(int argc, char **argv)
{
	const char *kind = argc >= 2 ? argv[1] : "read";
	printf("FAULT.ELF: faulting on purpose (%s)\n", kind);
	flush();
	if (!strcmp(kind, "ill"))
		__builtin_trap();
	if (!strcmp(kind, "write")) {
		volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)main;
		*code = 0;
	} else {
		volatile uint32_t *null = (volatile uint32_t *)(uintptr_t)0;
		printf("%u\n", (unsigned)*null);
	}
	printf("FAULT.ELF: still here: the fault did not happen\n");
	return 1;
}
