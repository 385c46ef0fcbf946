/*
 * The C half of the boot path: boot.S calls arch_boot_main() on the boot
 * CPU at EL1, in the higher half with the MMU on (its boot tables), .bss
 * zeroed, on the boot stack. It describes the machine from the device
 * tree in one struct boot_info, which keeps physical addresses, and
 * enters kmain().
 */
#include "aarch64.h"
#include "arch/hal/console.h"
#include "arch/hal/trap.h"
#include "core/boot_info.h"
#include "core/fdt.h"
#include "sysreg.h"

/* linker.ld: the whole image, .bss, boot tables and boot stack included. */
extern char __kernel_start[], __kernel_end[];

static struct boot_info boot_info;

_Noreturn void arch_boot_main(uint64_t dtb_pa, uint64_t kernel_pa)
{
	struct boot_info *bi = &boot_info;
	int err = FDT_ERR_NOTFOUND;

	/* First the vectors, so that a fault while reading the DTB is reported. */
	arch_trap_init();
	user_cpu_init();
	timer_clock_init();
	/* The boot tables map the DTB's GiB: read at most DTB_MAX_SIZE bytes of it. */
	if (dtb_pa) {
		err = fdt_boot_info(phys_map(dtb_pa), DTB_MAX_SIZE, dtb_pa, bi);
		/* The GIC and the timer's interrupt, for arch_timer_init() after mm_init(). */
		timer_dt_probe(phys_map(dtb_pa), DTB_MAX_SIZE);
	}
	mmu_boot_map_ram(bi);
	/* From here on the console is the DTB's UART rather than semihosting. */
	arch_console_init(&bi->console);
	if (err < 0)
		bi->error = dtb_pa ? fdt_strerror(err) : "no device tree in x0";
	if (!bi->loader)
		bi->loader = "device tree";
	bi->boot_cpu = mpidr_to_id(mpidr_el1_read());
	bi->kernel_phys = kernel_pa;
	bi->kernel_virt = (uintptr_t)__kernel_start;
	if (boot_add_reserved(bi, kernel_pa, (uint64_t)(__kernel_end - __kernel_start),
			      RESERVE_KERNEL) < 0 &&
	    !bi->error)
		bi->error = "reserved range table full";
	power_init(bi);
	kmain(bi);
}
