/*
 * riscv64 registers and the arch's internal hooks: control-register
 * accessors, the bits the port uses, MMIO helpers. Arch code only.
 */
#ifndef ARCH_RISCV64_RISCV_H
#define ARCH_RISCV64_RISCV_H

#include <stdint.h>

/* Read, write, set bits of, clear bits of a CSR named by its assembler name. */
#define csr_read(csr)                                          \
	({                                                     \
		unsigned long v_;                              \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_)); \
		v_;                                            \
	})
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" : : "rK"(v) : "memory")
#define csr_set(csr, v)	  __asm__ volatile("csrs " #csr ", %0" : : "rK"(v) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" : : "rK"(v) : "memory")

/* sstatus */
#define SSTATUS_SIE  (1ul << 1) /* interrupts enabled in S-mode */
#define SSTATUS_SPIE (1ul << 5) /* SIE before the trap */
#define SSTATUS_SPP  (1ul << 8) /* mode before the trap: 1 supervisor, 0 user */

/* scause: the top bit tells an interrupt from an exception. */
#define SCAUSE_INTERRUPT (1ul << 63)
#define SCAUSE_CODE(c)	 ((c) & ~SCAUSE_INTERRUPT)

/* Exception codes (privileged spec, table "scause values"). */
enum riscv_exception {
	EXC_INSN_MISALIGNED = 0,
	EXC_INSN_ACCESS = 1,
	EXC_ILLEGAL = 2,
	EXC_BREAKPOINT = 3,
	EXC_LOAD_MISALIGNED = 4,
	EXC_LOAD_ACCESS = 5,
	EXC_STORE_MISALIGNED = 6,
	EXC_STORE_ACCESS = 7,
	EXC_ECALL_U = 8,
	EXC_ECALL_S = 9,
	EXC_INSN_PAGE_FAULT = 12,
	EXC_LOAD_PAGE_FAULT = 13,
	EXC_STORE_PAGE_FAULT = 15,
};

/* Device registers: order against earlier memory accesses, then access once. */
static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	__asm__ volatile("fence w, o" : : : "memory");
	*(volatile uint32_t *)addr = v;
}

static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
	__asm__ volatile("fence w, o" : : : "memory");
	*(volatile uint8_t *)addr = v;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
	uint32_t v = *(volatile uint32_t *)addr;
	__asm__ volatile("fence i, r" : : : "memory");
	return v;
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
	uint8_t v = *(volatile uint8_t *)addr;
	__asm__ volatile("fence i, r" : : : "memory");
	return v;
}

struct boot_info;

/* Boot-time hooks, called by boot_main() before kmain(). */
/* Remember the exit device of the device tree for arch_power_off() (power.c). */
void riscv_power_setup(const struct boot_info *bi);
/* Set the rate of the time CSR, from /cpus timebase-frequency (cpu.c). */
void riscv_counter_setup(uint64_t hz);

#endif
