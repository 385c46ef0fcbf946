/* CPU facts and the last resort: the counter's rate, halting, the arch's name. */
#include <stdint.h>

#include "arch/hal/cpu.h"
#include "arch/hal/hal.h"
#include "core/kprintf.h"
#include "lapic.h"
#include "x86.h"

const char arch_name[] = "x86_64";

/*
 * The TSC rate timer.c measured against the PIT. Before that, CPUID leaf
 * 0x15 gives it as crystal Hz * EBX / EAX when the CPU reports all three;
 * QEMU's default models do not, so 0 ("unknown") is the usual early answer.
 */
uint64_t arch_counter_hz(void)
{
	if (x86_tsc_hz)
		return x86_tsc_hz;
	if (cpuid(0, 0).eax < 0x15)
		return 0;
	struct cpuid r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax;
}

void arch_cpu_dump(void)
{
	unsigned long rsp, rflags, cr0, cr2, cr3, cr4;

	__asm__ volatile("mov %%rsp, %0; pushfq; pop %1" : "=r"(rsp), "=r"(rflags));
	__asm__ volatile("mov %%cr0, %0; mov %%cr2, %1" : "=r"(cr0), "=r"(cr2));
	__asm__ volatile("mov %%cr3, %0; mov %%cr4, %1" : "=r"(cr3), "=r"(cr4));
	kprintf("  rsp %016lx rflags %016lx cr0 %016lx\n  cr2 %016lx cr3 %016lx cr4 %016lx\n", rsp,
		rflags, cr0, cr2, cr3, cr4);
}

_Noreturn void arch_cpu_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" : : : "memory");
}

extern uint64_t boot_entry_counter; /* boot.S */

uint64_t arch_boot_counter(void)
{
	return boot_entry_counter;
}
