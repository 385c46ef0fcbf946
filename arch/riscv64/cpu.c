/* riscv64 CPU operations that are not inline: the counter rate, halting, the arch's name. */
#include "arch/hal/cpu.h"
#include "arch/hal/hal.h"
#include "core/kprintf.h"
#include "riscv.h"

const char arch_name[] = "riscv64";

/* Ticks per second of the time CSR, from the device tree; 0 until boot sets it. */
static uint64_t counter_hz;

void riscv_counter_setup(uint64_t hz)
{
	counter_hz = hz;
}

uint64_t arch_counter_hz(void)
{
	return counter_hz;
}

void arch_cpu_dump(void)
{
	unsigned long sp;

	__asm__ volatile("mv %0, sp" : "=r"(sp));
	kprintf("  sp %016lx sstatus %016lx sie %016lx\n  stvec %016lx satp %016lx sscratch "
		"%016lx\n",
		sp, csr_read(sstatus), csr_read(sie), csr_read(stvec), csr_read(satp),
		csr_read(sscratch));
}

_Noreturn void arch_cpu_halt(void)
{
	arch_irq_disable();
	csr_write(sie, 0); /* no interrupt source may wake us either */
	for (;;)
		__asm__ volatile("wfi");
}

extern uint64_t boot_entry_counter; /* boot.S */

uint64_t arch_boot_counter(void)
{
	return boot_entry_counter;
}
