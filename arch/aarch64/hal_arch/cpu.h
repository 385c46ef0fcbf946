/*
 * The inline half of <arch/hal/cpu.h> for AArch64. Interrupt masking is
 * PSTATE.DAIF: I (IRQ) and F (FIQ) are masked and unmasked together; D and
 * A (debug, SError) stay as boot left them.
 */
#ifndef HAL_ARCH_CPU_H
#define HAL_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define DAIF_F (1ul << 6)
#define DAIF_I (1ul << 7)

static inline void arch_irq_enable(void)
{
	__asm__ volatile("msr daifclr, #3" ::: "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ volatile("msr daifset, #3" ::: "memory");
}

static inline irqflags_t arch_irq_save(void)
{
	irqflags_t flags;

	__asm__ volatile("mrs %0, daif\n\tmsr daifset, #3" : "=r"(flags)::"memory");
	return flags;
}

static inline void arch_irq_restore(irqflags_t flags)
{
	__asm__ volatile("msr daif, %0" ::"r"(flags) : "memory");
}

static inline bool arch_irq_enabled(void)
{
	unsigned long daif;

	__asm__ volatile("mrs %0, daif" : "=r"(daif));
	return !(daif & DAIF_I);
}

static inline void arch_cpu_idle(void)
{
	/* Complete outstanding accesses first so the wait is not cut short by them. */
	__asm__ volatile("dsb sy\n\twfi" ::: "memory");
}

static inline uint64_t arch_counter(void)
{
	uint64_t v;

	/* Without the isb the read may be taken early, out of program order. */
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

static inline void arch_breakpoint(void)
{
	__asm__ volatile("brk #0" ::: "memory");
}

static inline void arch_illegal_instruction(void)
{
	/* UDF #0: permanently undefined, EC 0x00 */
	__asm__ volatile("udf #0" ::: "memory");
}

/*
 * GCC's frame record (AAPCS64 6.2.3): x29 points at {previous x29, x30},
 * the caller's frame pointer then the return address.
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
