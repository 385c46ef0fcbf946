/*
 * Arm semihosting: HLT #0xf000 with the operation in w0 and its argument
 * in x1, served by QEMU when it runs with -semihosting-config enable=on.
 * Without it the HLT is an undefined instruction; the trap handler then
 * asks semihost_trap(), which makes the call fail instead of panicking.
 */
#include "aarch64.h"
#include "arch/hal/trap.h"

#define HLT_SEMIHOST 0xd45e0000u /* HLT #0xf000 */

static bool absent;
/* Set only around the HLT, so that no other undefined instruction is excused. */
static volatile bool calling;

long semihost_call(unsigned op, const void *arg)
{
	register long x0 __asm__("x0") = op;
	register const void *x1 __asm__("x1") = arg;

	if (absent)
		return -1;
	calling = true;
	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	calling = false;
	return x0;
}

bool semihost_present(void)
{
	return !absent;
}

bool semihost_trap(struct trap_frame *tf)
{
	if (!calling || *(const volatile uint32_t *)tf->elr != HLT_SEMIHOST)
		return false;
	calling = false;
	absent = true;
	tf->x[0] = (uint64_t)-1;
	arch_trap_skip(tf);
	return true;
}
