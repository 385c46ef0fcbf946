/* The portable kernel entry: report what the firmware gave us, then test or serve. */
#include "arch/hal/hal.h"
#include "cap/cap.h"
#include "ipc/ipc.h"
#include "config.h"
#include "core/boot_info.h"
#include "core/console.h"
#include "core/irq.h"
#include "core/init.h"
#include "core/kprintf.h"
#include "core/shell.h"
#include "core/kthread.h"
#include "core/timer.h"
#include "mm/kvm.h"
#include "tests/kernel/bench.h"
#include "tests/kernel/ktest.h"

static const char *const reserve_names[] = {
    [RESERVE_FIRMWARE] = "firmware", [RESERVE_KERNEL] = "kernel", [RESERVE_BOOT_DATA] = "boot data",
    [RESERVE_MODULE] = "module",     [RESERVE_BAD] = "bad",
};

static const char *const console_names[] = {
    [CONSOLE_NONE] = "none",
    [CONSOLE_NS16550_PIO] = "16550 (I/O ports)",
    [CONSOLE_NS16550_MMIO] = "16550",
    [CONSOLE_PL011] = "PL011",
    [CONSOLE_SBI] = "SBI",
};

void boot_info_print(const struct boot_info *bi)
{
	kprintf("boot: loader %s, command line \"%s\"\n", bi->loader ? bi->loader : "?",
		bi->cmdline);
	kprintf("boot: console %s at %#llx (%s)\n", console_names[bi->console.kind],
		(unsigned long long)bi->console.base, bi->console.path);
	for (unsigned i = 0; i < bi->ram_count; i++)
		kprintf("  ram      %#014llx-%#014llx\n", (unsigned long long)bi->ram[i].base,
			(unsigned long long)(bi->ram[i].base + bi->ram[i].size - 1));
	for (unsigned i = 0; i < bi->reserved_count; i++)
		kprintf("  reserved %#014llx-%#014llx %s\n",
			(unsigned long long)bi->reserved[i].base,
			(unsigned long long)(bi->reserved[i].base + bi->reserved[i].size - 1),
			reserve_names[bi->reserved[i].type]);
	for (unsigned i = 0; i < bi->module_count; i++)
		kprintf("  module   %#014llx-%#014llx %s\n",
			(unsigned long long)bi->modules[i].base,
			(unsigned long long)(bi->modules[i].base + bi->modules[i].size - 1),
			bi->modules[i].name);
	if (bi->dtb)
		kprintf("  dtb      %#014llx, %llu bytes\n", (unsigned long long)bi->dtb,
			(unsigned long long)bi->dtb_size);
	if (bi->acpi_rsdp)
		kprintf("  acpi     rsdp at %#llx\n", (unsigned long long)bi->acpi_rsdp);
}

_Noreturn void kmain(struct boot_info *bi)
{
	arch_console_init(&bi->console);
	/* The first line: who we are, where, and what we were given. */
	kprintf("%s %s (%s): %llu MiB memory, %u CPU%s\n", KERNEL_NAME, KERNEL_VERSION, arch_name,
		(unsigned long long)(boot_ram_total(bi) >> 20), bi->cpu_count,
		bi->cpu_count == 1 ? "" : "s");
	if (bi->error)
		pr_err("boot: %s", bi->error);
	boot_info_print(bi);
	kprintf("boot: %llu MiB usable, boot CPU %u\n",
		(unsigned long long)(boot_ram_usable(bi) >> 20), bi->boot_cpu);

	mm_init(bi);
	cap_system_init();
	ipc_init();
	kthread_init();
	timer_start();
	irq_init(bi);
	console_init(bi);

	if (boot_cmdline_has(bi, "kbench")) {
		kbench_run_all();
		arch_power_off(0);
	}
	if (boot_cmdline_has(bi, "ktest")) {
		int failed = ktest_run_all(bi);
		arch_power_off(failed ? 1 : 0);
	}
	init_run();
	shell_start(bi);
	kthread_idle_loop(); /* the boot thread only idles from here on */
}
