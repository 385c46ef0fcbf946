/*
 * Host half of <arch/hal/cpu.h>: one simulated CPU whose "interrupt
 * enable" is a flag, so code that saves and restores it runs unchanged.
 */
#ifndef HOST_HAL_ARCH_CPU_H
#define HOST_HAL_ARCH_CPU_H

extern bool host_irq_on;

static inline void arch_irq_enable(void)
{
	host_irq_on = true;
}

static inline void arch_irq_disable(void)
{
	host_irq_on = false;
}

static inline irqflags_t arch_irq_save(void)
{
	irqflags_t was = host_irq_on;
	host_irq_on = false;
	return was;
}

static inline void arch_irq_restore(irqflags_t flags)
{
	host_irq_on = flags != 0;
}

static inline bool arch_irq_enabled(void)
{
	return host_irq_on;
}

static inline void arch_cpu_idle(void)
{
}

static inline uint64_t arch_counter(void)
{
	static uint64_t ticks;
	return ++ticks;
}

static inline void arch_breakpoint(void)
{
	__builtin_trap();
}

static inline void arch_illegal_instruction(void)
{
	__builtin_trap();
}

static inline uintptr_t arch_frame_prev(uintptr_t fp)
{
	return fp ? ((const uintptr_t *)fp)[0] : 0;
}

static inline uintptr_t arch_frame_ret(uintptr_t fp)
{
	return fp ? ((const uintptr_t *)fp)[1] : 0;
}

#endif
