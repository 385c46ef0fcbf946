/*
 * x86_64 half of <arch/hal/cpu.h>: the fast CPU operations, inline.
 * Included by arch/hal/cpu.h after its declarations; never include it directly.
 */
#ifndef HAL_ARCH_CPU_H
#define HAL_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define X86_RFLAGS_IF (1ul << 9)

static inline irqflags_t x86_read_rflags(void)
{
	irqflags_t flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags) : : "memory");
	return flags;
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline irqflags_t arch_irq_save(void)
{
	irqflags_t flags = x86_read_rflags();

	arch_irq_disable();
	return flags;
}

static inline void arch_irq_restore(irqflags_t flags)
{
	if (flags & X86_RFLAGS_IF)
		arch_irq_enable();
	else
		arch_irq_disable();
}

static inline bool arch_irq_enabled(void)
{
	return (x86_read_rflags() & X86_RFLAGS_IF) != 0;
}

/*
 * hlt with interrupts off would sleep until an NMI, so when they are off open
 * them for exactly the hlt: sti delays interrupts by one instruction, so none
 * can slip in between and be missed. The interrupt is taken, then closed again.
 */
static inline void arch_cpu_idle(void)
{
	if (arch_irq_enabled())
		__asm__ volatile("hlt" : : : "memory");
	else
		__asm__ volatile("sti; hlt; cli" : : : "memory");
}

/* The time-stamp counter: constant rate on every CPU QEMU models and on modern hardware. */
static inline uint64_t arch_counter(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* int3 (one byte, vector 3): a trap, so the saved rip is already past it. */
static inline void arch_breakpoint(void)
{
	__asm__ volatile("int3" : : : "memory");
}

/* ud2 (0f 0b), the architecturally undefined instruction (vector 6, #UD). */
static inline void arch_illegal_instruction(void)
{
	__asm__ volatile("ud2" : : : "memory");
}

/*
 * GCC's frame record with -fno-omit-frame-pointer: the prologue does
 * "push %rbp; mov %rsp, %rbp", so [rbp] holds the caller's rbp and
 * [rbp + 8] the return address pushed by call. boot.S starts the chain
 * with rbp = 0.
 */
static inline uintptr_t arch_frame_prev(uintptr_t fp)
{
	return ((const uintptr_t *)fp)[0];
}

static inline uintptr_t arch_frame_ret(uintptr_t fp)
{
	return ((const uintptr_t *)fp)[1];
}

#endif
