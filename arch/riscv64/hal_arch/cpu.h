/*
 * riscv64 half of <arch/hal/cpu.h>: the fast CPU operations, inline. Only
 * arch/hal/cpu.h includes this file, after declaring the contract.
 */
#ifndef HAL_ARCH_CPU_H
#define HAL_ARCH_CPU_H

#ifndef HAL_CPU_H
#error "include arch/hal/cpu.h, not hal_arch/cpu.h"
#endif

#include <stdbool.h>
#include <stdint.h>

/* sstatus.SIE: supervisor interrupts enabled. */
#define RISCV_SSTATUS_SIE (1ul << 1)

static inline void arch_irq_enable(void)
{
	__asm__ volatile("csrsi sstatus, %0" : : "i"(RISCV_SSTATUS_SIE) : "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ volatile("csrci sstatus, %0" : : "i"(RISCV_SSTATUS_SIE) : "memory");
}

static inline irqflags_t arch_irq_save(void)
{
	irqflags_t old;

	/* One instruction: read the old sstatus and clear SIE atomically. */
	__asm__ volatile("csrrci %0, sstatus, %1" : "=r"(old) : "i"(RISCV_SSTATUS_SIE) : "memory");
	return old & RISCV_SSTATUS_SIE;
}

static inline void arch_irq_restore(irqflags_t flags)
{
	/* flags holds only SIE: clear that bit, then set it from flags; no branch. */
	__asm__ volatile("csrci sstatus, %0\n\tcsrs sstatus, %1"
			 :
			 : "i"(RISCV_SSTATUS_SIE), "r"(flags)
			 : "memory");
}

static inline bool arch_irq_enabled(void)
{
	unsigned long s;

	__asm__ volatile("csrr %0, sstatus" : "=r"(s));
	return (s & RISCV_SSTATUS_SIE) != 0;
}

static inline void arch_cpu_idle(void)
{
	__asm__ volatile("wfi" : : : "memory");
}

static inline uint64_t arch_counter(void)
{
	uint64_t t;

	/* The time CSR, at the timebase-frequency of /cpus (arch_counter_hz()). */
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

static inline void arch_breakpoint(void)
{
	/* May assemble to c.ebreak (2 bytes); arch_trap_skip() decodes the length. */
	__asm__ volatile("ebreak" : : : "memory");
}

static inline void arch_illegal_instruction(void)
{
	/* unimp: c.unimp (0x0000, 2 bytes) with the C extension, else csrrw x0, cycle, x0. */
	__asm__ volatile("unimp" : : : "memory");
}

/*
 * GCC's riscv frame record with -fno-omit-frame-pointer: s0 (fp) holds the
 * stack pointer at function entry; ra is saved at fp - 8, the caller's fp
 * at fp - 16.
 */
static inline uintptr_t arch_frame_prev(uintptr_t fp)
{
	return ((const uintptr_t *)fp)[-2];
}

static inline uintptr_t arch_frame_ret(uintptr_t fp)
{
	return ((const uintptr_t *)fp)[-1];
}

#endif
