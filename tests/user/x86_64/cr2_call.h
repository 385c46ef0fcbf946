/*
 * r2 calls as r2apps' C library (libcr2) makes them, for the tests' libcr2
 * processes: its older stub puts the number in RDX alone (RAX left holding
 * 0xff, a number no call has, so a kernel reading RAX would answer
 * InvalidSyscall), its newer one in RAX and RDX both.
 */
#ifndef TESTS_USER_X86_64_CR2_CALL_H
#define TESTS_USER_X86_64_CR2_CALL_H

#include <stdint.h>

static inline uint64_t cr2_rdx(uint64_t number, uint64_t a1, uint64_t a2)
{
	uint64_t ret;
	__asm__ volatile("int $0x7f"
			 : "=a"(ret)
			 : "d"(number), "D"(a1), "S"(a2), "c"(0), "a"(0xff)
			 : "r11", "memory");
	return ret;
}

static inline uint64_t cr2_both(uint64_t number, uint64_t a1, uint64_t a2)
{
	uint64_t ret;
	__asm__ volatile("int $0x7f"
			 : "=a"(ret)
			 : "d"(number), "D"(a1), "S"(a2), "c"(0), "a"(number)
			 : "r11", "memory");
	return ret;
}

#endif
