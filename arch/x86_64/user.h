/* Boot-time setup for user mode (user.c); the HAL side is arch/hal/user.h. */
#ifndef X86_64_USER_H
#define X86_64_USER_H

/* Enable SYSCALL, the FPU for user code and the CPU's user protections (boot CPU, at boot). */
void x86_64_user_init(void);
/* One console line: what x86_64_user_init turned on. */
void x86_64_user_report(void);

#endif
