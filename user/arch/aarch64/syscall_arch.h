/* AArch64 system call: `svc #0`, x8 number, x0-x6 in, x0 tag, x1-x7 out. */
#ifndef USER_SYSCALL_ARCH_H
#define USER_SYSCALL_ARCH_H

#include <stdint.h>

static inline long sys_raw(unsigned long nr, const uintptr_t a[7], uintptr_t r[7])
{
	register uintptr_t x8 __asm__("x8") = nr;
	register uintptr_t x0 __asm__("x0") = a[0];
	register uintptr_t x1 __asm__("x1") = a[1];
	register uintptr_t x2 __asm__("x2") = a[2];
	register uintptr_t x3 __asm__("x3") = a[3];
	register uintptr_t x4 __asm__("x4") = a[4];
	register uintptr_t x5 __asm__("x5") = a[5];
	register uintptr_t x6 __asm__("x6") = a[6];
	register uintptr_t x7 __asm__("x7");
	__asm__ volatile("svc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6),
			   "=r"(x7)
			 : "r"(x8)
			 : "memory");
	r[0] = x1, r[1] = x2, r[2] = x3, r[3] = x4, r[4] = x5, r[5] = x6, r[6] = x7;
	return (long)x0;
}

#endif
