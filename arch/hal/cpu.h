/*
 * HAL: the CPU itself. Every arch defines these in <hal_arch/cpu.h>, found
 * through the include path (arch/<arch>/hal_arch/cpu.h); portable code
 * includes only this header.
 */
#ifndef HAL_CPU_H
#define HAL_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* Saved interrupt state, opaque to portable code. */
typedef unsigned long irqflags_t;

/* Enable interrupts on this CPU. */
static inline void arch_irq_enable(void);
/* Disable interrupts on this CPU. */
static inline void arch_irq_disable(void);
/* Disable interrupts and return the previous state, for arch_irq_restore(). */
static inline irqflags_t arch_irq_save(void);
/* Set the interrupt state returned by arch_irq_save(), whatever the state is now. */
static inline void arch_irq_restore(irqflags_t flags);
/* True when interrupts are enabled on this CPU. */
static inline bool arch_irq_enabled(void);

/* Wait for the next interrupt (hlt, wfi); returns after it was taken or pending. */
static inline void arch_cpu_idle(void);
/* A free-running counter that only goes forward (rdtsc, cntvct_el0, rdtime). */
static inline uint64_t arch_counter(void);
/* Trigger a breakpoint trap here (int3, brk, ebreak); returns if a handler accepts it. */
static inline void arch_breakpoint(void);
/* Execute an instruction that is undefined on this arch; returns if a handler accepts it. */
static inline void arch_illegal_instruction(void);

/* Frame-pointer chain: the frame record saved by frame `fp`, 0 at the end. */
static inline uintptr_t arch_frame_prev(uintptr_t fp);
/* The return address saved in frame record `fp`. */
static inline uintptr_t arch_frame_ret(uintptr_t fp);

/* Counter ticks per second, or 0 when the arch has not measured it yet. */
uint64_t arch_counter_hz(void);
/* arch_counter() as the kernel's first instructions read it (where boot figures start). */
uint64_t arch_boot_counter(void);
/* Print this CPU's stack pointer and its system control registers (for panic). */
void arch_cpu_dump(void);
/* Stop this CPU for good with interrupts off. */
_Noreturn void arch_cpu_halt(void);

#include <hal_arch/cpu.h>

#endif
