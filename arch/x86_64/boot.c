/*
 * The C half of the boot path, on the boot stack in the higher half with
 * interrupts off (boot.S). Order: console first so errors are visible,
 * then the CPU's own tables (GDT, TSS, IDT) so faults are reported, and
 * what user mode needs (SYSCALL, FPU, SMEP/SMAP), then the firmware's
 * information into the one struct boot_info, then kmain().
 * Only high addresses are mapped here: physical memory is read through the
 * boot tables' direct map (boot_phys), and boot_info keeps physical
 * addresses.
 */
#include <stdint.h>

#include "acpi.h"
#include "arch/hal/trap.h"
#include "console.h"
#include "core/boot_info.h"
#include "core/kprintf.h"
#include "core/mb2.h"
#include "gdt.h"
#include "memlayout.h"
#include "pvh.h"
#include "user.h"
#include "x86.h"

/* Linker symbols (linker.ld): the whole image, .boot included, at its higher-half address. */
extern char __kernel_start[], __kernel_end[];

static struct boot_info boot_info;

/* GRUB: the MBI says how long it is in its first word; read no further. */
static void boot_from_mb2(struct boot_info *bi, uint64_t pa)
{
	const uint32_t *total = boot_phys(pa, 8);

	if (!total) {
		bi->error = "Multiboot2 information outside the boot direct map";
		return;
	}
	uint64_t avail = *total;
	if (!boot_phys(pa, avail))
		avail = BOOT_PHYS_MAP_SIZE - pa; /* the parser reports the truncation */
	int err = mb2_boot_info(total, avail, pa, bi);
	if (err < 0)
		bi->error = mb2_strerror(err);
}

static void boot_from_pvh(struct boot_info *bi, uint64_t pa)
{
	int err = pvh_boot_info(pa, bi);

	if (err < 0)
		bi->error = pvh_strerror(err);
}

/* Called once by boot.S: magic is EAX at entry (Multiboot2's, or junk for PVH), info is EBX. */
_Noreturn void x86_64_boot(uint32_t magic, uint32_t info);

_Noreturn void x86_64_boot(uint32_t magic, uint32_t info)
{
	struct boot_info *bi = &boot_info;

	x86_64_console_early_init();
	x86_64_gdt_init();
	arch_trap_init();
	x86_64_user_init();

	if (magic == MB2_BOOTLOADER_MAGIC)
		boot_from_mb2(bi, info);
	else
		boot_from_pvh(bi, info);

	/* The PC's COM1: legacy hardware at a fixed port, described by no boot table we parse. */
	bi->console = (struct console_desc){
	    .kind = CONSOLE_NS16550_PIO,
	    .base = COM1_PORT,
	    .reg_shift = 0,
	    .reg_width = 1,
	    .clock_hz = 1843200,
	    .path = "com1",
	};

	bi->cpu_count = 1;
	const char *acpi_err = acpi_boot_info(bi);
	if (acpi_err)
		pr_warn("boot: %s; assuming 1 CPU", acpi_err);
	bi->boot_cpu = cpuid(1, 0).ebx >> 24; /* the initial local APIC id */

	bi->kernel_phys = kernel_virt_to_phys(__kernel_start);
	bi->kernel_virt = (uintptr_t)__kernel_start;
	uint64_t kernel_size = (uint64_t)(__kernel_end - __kernel_start);
	if (boot_add_reserved(bi, bi->kernel_phys, kernel_size, RESERVE_KERNEL) < 0 && !bi->error)
		bi->error = "no room to reserve the kernel image";

	kmain(bi);
}
