#include "cap/cap.h"
#include "arch/hal/cpu.h"
#include "core/boot_info.h"
#include "core/hw.h"
#include "core/init.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"

extern const char init_image[], init_image_end[];

int init_create(const char *args, size_t args_size, const char *env, size_t env_size,
		unsigned priority, struct process **out)
{
	/* The allocators and the capability table are shared: interrupts off (the shell has them on). */
	irqflags_t irq = arch_irq_save();
	struct process_spec spec = {
	    .image = init_image,
	    .image_size = (uint64_t)(init_image_end - init_image),
	    .args = args,
	    .args_size = args_size,
	    .env = env,
	    .env_size = env_size,
	    .priority = priority,
	    .flags = PROCESS_MAP_IMAGE,
	};
	int err = process_create(NULL, &spec, out);
	if (err) {
		arch_irq_restore(irq);
		return err;
	}
	/*
	 * The root hardware capabilities: every I/O port (first port 0, 0x10000
	 * of them; the x86_64 r2 port calls check it too), all MMIO the kernel
	 * does not keep, every interrupt line, DMA, the machine description and
	 * the PCI buses (core/hw.c). init passes them on as it sees fit.
	 */
	err = create_capability_range(&(*out)->caps, OBJ_IO_PORTS, 0, 0x10000,
				      RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, NULL);
	if (!err)
		err = hw_root_caps(&(*out)->caps);
	if (err) {
		process_terminate(*out, -1, EXIT_TERMINATED, 0);
		process_detach(*out);
	}
	arch_irq_restore(irq);
	return err;
}

void init_run(const struct boot_info *bi)
{
	static const char args[] = "init";
	/*
	 * Only the init of the boot runs the user shell (user/shell/): told so
	 * by its environment, as an init anyone else starts without arguments
	 * must end (the fuzzer's, `run` at the kernel shell). shell=kernel: it
	 * greets and ends, so the kernel's debug shell comes next; so does a
	 * boot that measures itself to init's end (bootbench).
	 */
	char shell[16];
	bool kernel_shell =
	    (boot_cmdline_get(bi, "shell", shell, sizeof(shell)) && !strcmp(shell, "kernel")) ||
	    boot_cmdline_has(bi, "bootbench");
	const char *env = kernel_shell ? "KESTREL_SHELL=kernel" : "KESTREL_SHELL=user";
	struct process *p;
	struct process_exit_info info;
	int err = init_create(args, sizeof(args), env, strlen(env) + 1, PRIO_NORMAL, &p);
	if (!err)
		err = process_start(p);
	if (!err)
		err = process_wait(p, 0, &info);
	if (err)
		pr_err("init: could not run (%d)", err);
	else
		pr_info("init: exited with code %d (reason %u)", info.exit_code, info.exit_reason);
}
