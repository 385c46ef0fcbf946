/* The portable kernel entry: report what the firmware gave us, then test or serve. */
#include "arch/hal/hal.h"
#include "cap/cap.h"
#include "ipc/ipc.h"
#include "config.h"
#include "core/boot_info.h"
#include "core/console.h"
#include "core/hw.h"
#include "core/irq.h"
#include "core/init.h"
#include "core/kprintf.h"
#include "core/machine.h"
#include "core/pci.h"
#include "core/shell.h"
#include "core/syscall.h"
#include "core/kthread.h"
#include "core/timer.h"
#include "mm/kvm.h"
#include "tests/kernel/bench.h"
#include "tests/kernel/ktest.h"

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
	machine_init(bi);
	pci_init();
	hw_init(bi);
	console_init(bi);
	syscall_clock_init();

	if (boot_cmdline_has(bi, "kbench")) {
		char only[32]; /* kbench.only=PREFIX: those figures alone */
		if (!boot_cmdline_get(bi, "kbench.only", only, sizeof(only)))
			only[0] = 0;
		kbench_run_all(only);
		arch_power_off(0);
	}
	if (boot_cmdline_has(bi, "ktest")) {
		int failed = ktest_run_all(bi);
		arch_power_off(failed ? 1 : 0);
	}
	init_run(bi);
	if (boot_cmdline_has(bi, "bootbench")) { /* under -icount: see tests/system/kbench */
		kbench_boot();
		arch_power_off(0);
	}
	shell_start(bi);
	kthread_idle_loop(); /* the boot thread only idles from here on */
}
