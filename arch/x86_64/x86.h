/* Tiny accessors for x86 instructions and registers the port uses (xv6's riscv.h idea). */
#ifndef X86_64_X86_H
#define X86_64_X86_H

/* Model-specific registers (plain numbers: trap.S uses them too). */
#define MSR_APIC_BASE	   0x1b
#define MSR_EFER	   0xc0000080
#define MSR_STAR	   0xc0000081 /* SYSCALL/SYSRET selectors */
#define MSR_LSTAR	   0xc0000082 /* 64-bit SYSCALL entry point */
#define MSR_SFMASK	   0xc0000084 /* RFLAGS bits SYSCALL clears */
#define MSR_GS_BASE	   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102 /* exchanged with GS base by swapgs */

#define EFER_SCE (1ull << 0) /* SYSCALL/SYSRET enabled */

#define CR0_MP	       (1ull << 1)  /* wait/fwait honour TS */
#define CR0_EM	       (1ull << 2)  /* no x87: every FP instruction traps */
#define CR0_TS	       (1ull << 3)  /* FP instructions trap (#NM) until cleared */
#define CR0_NE	       (1ull << 5)  /* x87 errors as #MF, not the legacy FERR# line */
#define CR0_AM	       (1ull << 18) /* ring 3 with RFLAGS.AC set gets #AC on misaligned accesses */
#define CR4_OSFXSR     (1ull << 9)  /* FXSAVE/FXRSTOR and SSE enabled */
#define CR4_OSXMMEXCPT (1ull << 10) /* unmasked SSE exceptions raise #XM */
#define CR4_UMIP       (1ull << 11) /* sgdt, sidt, sldt, smsw, str fault in ring 3 */
#define CR4_SMEP       (1ull << 20) /* ring 0 never executes user pages */
#define CR4_SMAP       (1ull << 21) /* ring 0 never reads or writes user pages */

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

struct cpuid {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

#endif /* __ASSEMBLER__ */

#endif
