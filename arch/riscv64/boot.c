/*
 * riscv64 boot, in C: called once by boot.S on the boot hart with .bss
 * zeroed, paging on (the boot tables of boot_pt.c) and a stack, at the
 * kernel's link address. Fills the one struct boot_info from the device
 * tree the firmware passed in a1, read through the direct map, then enters
 * the portable kernel.
 */
#include <stdint.h>

#include "arch/hal/console.h"
#include "arch/hal/trap.h"
#include "core/boot_info.h"
#include "core/fdt.h"
#include "core/kstring.h"
#include "riscv.h"

/* linker.ld */
extern char __kernel_start[], __kernel_end[];

/* The only boot_info; kmain() keeps the pointer. */
static struct boot_info boot_info;

_Noreturn void boot_main(unsigned long hartid, uint64_t dtb, uint64_t kernel_phys);

/* How many bytes of the blob at `blob` may be read: its totalsize when it looks like one. */
static size_t dtb_avail(const void *blob, uint64_t dtb)
{
	const uint8_t *p = blob;

	if (fdt_be32(p) != FDT_MAGIC)
		return 8; /* enough for fdt_open() to report the bad magic */
	uint32_t size = fdt_be32(p + 4);
	return dtb + size <= PHYS_MAP_SIZE ? size : 8;
}

/* The rate of the time CSR: /cpus timebase-frequency, or the first CPU's. */
static uint64_t dtb_timebase(const void *blob, size_t avail)
{
	struct fdt f;

	if (fdt_open(&f, blob, avail) < 0)
		return 0;
	int cpus = fdt_path(&f, "/cpus", 5);
	if (cpus < 0)
		return 0;
	uint32_t hz = fdt_prop_u32(&f, cpus, "timebase-frequency", 0);
	for (int c = fdt_first_child(&f, cpus); !hz && c >= 0; c = fdt_next_sibling(&f, c))
		hz = fdt_prop_u32(&f, c, "timebase-frequency", 0);
	return hz;
}

static bool overlaps(const struct mem_range *r, uint64_t base, uint64_t end)
{
	return r->base < end && base < r->base + r->size;
}

/*
 * OpenSBI lives in RAM below the kernel. It describes itself in
 * /reserved-memory; when a device tree does not, reserve everything from
 * the start of that RAM bank to the kernel rather than hand it out.
 */
static void reserve_firmware(struct boot_info *bi, uint64_t kstart)
{
	for (unsigned i = 0; i < bi->ram_count; i++) {
		const struct mem_range *ram = &bi->ram[i];
		if (kstart < ram->base || kstart >= ram->base + ram->size || kstart == ram->base)
			continue;
		for (unsigned j = 0; j < bi->reserved_count; j++) {
			if (bi->reserved[j].type == RESERVE_FIRMWARE &&
			    overlaps(&bi->reserved[j], ram->base, kstart))
				return;
		}
		boot_add_reserved(bi, ram->base, kstart - ram->base, RESERVE_FIRMWARE);
		return;
	}
}

static void boot_fill(struct boot_info *bi, unsigned long hartid, uint64_t dtb, uint64_t kstart)
{
	uint64_t ksize = (uint64_t)(__kernel_end - __kernel_start);

	bi->boot_cpu = (unsigned)hartid;
	bi->kernel_phys = kstart;
	bi->kernel_virt = (uintptr_t)__kernel_start;
	if (dtb == 0 || dtb % 8 || dtb + 8 > PHYS_MAP_SIZE) {
		bi->error = "no device tree in a1";
	} else {
		const void *blob = (const void *)riscv_phys_va(dtb);
		size_t avail = dtb_avail(blob, dtb);
		int err = fdt_boot_info(blob, avail, dtb, bi);
		if (err < 0)
			bi->error = fdt_strerror(err);
		riscv_counter_setup(dtb_timebase(blob, avail));
	}
	if (bi->console.kind == CONSOLE_NONE) {
		bi->console.kind = CONSOLE_SBI;
		kstrlcpy(bi->console.path, "sbi", sizeof(bi->console.path));
	}
	if (boot_add_reserved(bi, kstart, ksize, RESERVE_KERNEL) < 0 && !bi->error)
		bi->error = "reserved-range table full";
	reserve_firmware(bi, kstart);
	riscv_power_setup(bi);
}

_Noreturn void boot_main(unsigned long hartid, uint64_t dtb, uint64_t kernel_phys)
{
	/* First the vector, so a bad device tree pointer faults visibly on the SBI console. */
	arch_trap_init();
	riscv_boot_pt_finish(kernel_phys);
	boot_fill(&boot_info, hartid, dtb, kernel_phys);
	kmain(&boot_info);
}
