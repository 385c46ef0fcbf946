/* RISC-V system call (the Xous convention): `ecall`, a7 number, a0-a6 in, a0 tag, a1-a7 out. */
#ifndef USER_SYSCALL_ARCH_H
#define USER_SYSCALL_ARCH_H

#include <stdint.h>

static inline long sys_raw(unsigned long nr, const uintptr_t a[7], uintptr_t r[7])
{
	register uintptr_t a7 __asm__("a7") = nr;
	register uintptr_t a0 __asm__("a0") = a[0];
	register uintptr_t a1 __asm__("a1") = a[1];
	register uintptr_t a2 __asm__("a2") = a[2];
	register uintptr_t a3 __asm__("a3") = a[3];
	register uintptr_t a4 __asm__("a4") = a[4];
	register uintptr_t a5 __asm__("a5") = a[5];
	register uintptr_t a6 __asm__("a6") = a[6];
	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
			   "+r"(a7)
			 :
			 : "memory");
	r[0] = a1, r[1] = a2, r[2] = a3, r[3] = a4, r[4] = a5, r[5] = a6, r[6] = a7;
	return (long)a0;
}

#endif
