/* x86_64 system call: `syscall`, rax number, rdi rsi rdx r10 r8 r9 r12 in and out, rax tag. */
#ifndef USER_SYSCALL_ARCH_H
#define USER_SYSCALL_ARCH_H

#include <stdint.h>

static inline long sys_raw(unsigned long nr, const uintptr_t a[7], uintptr_t r[7])
{
	register uintptr_t rax __asm__("rax") = nr;
	register uintptr_t rdi __asm__("rdi") = a[0];
	register uintptr_t rsi __asm__("rsi") = a[1];
	register uintptr_t rdx __asm__("rdx") = a[2];
	register uintptr_t r10 __asm__("r10") = a[3];
	register uintptr_t r8 __asm__("r8") = a[4];
	register uintptr_t r9 __asm__("r9") = a[5];
	register uintptr_t r12 __asm__("r12") = a[6];
	__asm__ volatile("syscall"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9), "+r"(r12)
			 :
			 : "rcx", "r11", "memory");
	r[0] = rdi, r[1] = rsi, r[2] = rdx, r[3] = r10, r[4] = r8, r[5] = r9, r[6] = r12;
	return (long)rax;
}

#endif
