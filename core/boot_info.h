/*
 * What the firmware told us, in one portable structure. The arch fills it
 * from the Multiboot2 information (x86_64, GRUB), the PVH start info
 * (x86_64, QEMU -kernel) or the device tree (AArch64, RISC-V) before it
 * calls kmain(); nothing in it comes from constants.
 */
#ifndef CORE_BOOT_INFO_H
#define CORE_BOOT_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_RAM	  32
#define BOOT_MAX_RESERVED 32
#define BOOT_MAX_MODULES  8
#define BOOT_CMDLINE_MAX  256
#define BOOT_NAME_MAX	  48

/* Why a range of physical memory may not be handed out. */
enum mem_reserve {
	RESERVE_FIRMWARE,  /* firmware-owned: reserved map entries, OpenSBI, ACPI */
	RESERVE_KERNEL,	   /* the kernel image */
	RESERVE_BOOT_DATA, /* the DTB or Multiboot2 information */
	RESERVE_MODULE,	   /* a boot module (initrd) */
	RESERVE_BAD,	   /* defective RAM */
};

struct mem_range {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* enum mem_reserve for reserved ranges, 0 for RAM */
};

struct boot_module {
	uint64_t base;
	uint64_t size;
	char name[BOOT_NAME_MAX];
};

enum console_kind {
	CONSOLE_NONE,
	CONSOLE_NS16550_PIO,  /* 16550 on x86 I/O ports */
	CONSOLE_NS16550_MMIO, /* 16550 memory mapped, registers 1 << reg_shift apart */
	CONSOLE_PL011,
	CONSOLE_SBI, /* the SBI debug console */
};

struct console_desc {
	enum console_kind kind;
	uint64_t base;		  /* I/O port or physical address */
	uint32_t reg_shift;	  /* log2 of the register stride */
	uint32_t reg_width;	  /* access width in bytes (1 or 4) */
	uint32_t clock_hz;	  /* input clock, 0 when unknown */
	char path[BOOT_NAME_MAX]; /* device tree node or "com1" */
};

/* How the machine is left: the exit device the firmware described. */
enum power_kind {
	POWER_NONE,
	POWER_PSCI_HVC,
	POWER_PSCI_SMC,
	POWER_SIFIVE_TEST,
};

/*
 * A linear framebuffer the loader set up (Multiboot2 tag 8). Only one
 * format is served, 32 bits a pixel of 0x00RRGGBB (red at bit 16, green
 * at 8, blue at 0): `present` says the loader gave that. Any other, or a
 * tag that does not add up, leaves it false with `why` saying so (NULL
 * when the loader described no framebuffer at all).
 */
struct boot_framebuffer {
	bool present;
	uint64_t phys;
	uint32_t width;	 /* pixels */
	uint32_t height; /* rows */
	uint32_t pitch;	 /* bytes from one row to the next */
	uint32_t bpp;
	const char *why;
};

struct boot_info {
	const char *loader;		    /* "GRUB 2.06", "QEMU PVH", "device tree" */
	struct mem_range ram[BOOT_MAX_RAM]; /* RAM as the firmware reported it, sorted */
	unsigned ram_count;
	struct mem_range reserved[BOOT_MAX_RESERVED]; /* inside or beside RAM, not usable */
	unsigned reserved_count;
	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned module_count;
	char cmdline[BOOT_CMDLINE_MAX];
	struct console_desc console;
	unsigned cpu_count; /* CPUs described (enabled), at least 1 */
	unsigned boot_cpu;  /* hardware id of the CPU that booted (hart id, MPIDR aff) */
	/* Firmware tables, physical addresses, 0 when absent. */
	uint64_t dtb;
	uint64_t dtb_size;
	uint64_t acpi_rsdp;
	uint64_t mb2_info;
	/* Where the kernel image lies: __kernel_start's physical and virtual address. */
	uint64_t kernel_phys;
	uintptr_t kernel_virt;
	struct boot_framebuffer fb;
	/* Exit device. */
	enum power_kind power;
	uint64_t power_base;
	/* Set when a table could not be parsed; the arch prints it once the console is up. */
	const char *error;
};

/* Add RAM or a reserved range; returns 0, or -1 when the table is full. */
int boot_add_ram(struct boot_info *bi, uint64_t base, uint64_t size);
int boot_add_reserved(struct boot_info *bi, uint64_t base, uint64_t size, enum mem_reserve type);
/* Total bytes of RAM reported. */
uint64_t boot_ram_total(const struct boot_info *bi);
/* Bytes of RAM not covered by any reserved range. */
uint64_t boot_ram_usable(const struct boot_info *bi);
/* The value of `key=value` in the command line, copied into buf; NULL when absent. */
const char *boot_cmdline_get(const struct boot_info *bi, const char *key, char *buf, size_t len);
/* True when the command line holds the word `flag` or `flag=...`. */
int boot_cmdline_has(const struct boot_info *bi, const char *flag);
/* The loader, command line, console and memory map on the console, one range a line. */
void boot_info_print(const struct boot_info *bi);

/* The portable kernel entry, called once by the boot CPU with interrupts off. */
_Noreturn void kmain(struct boot_info *bi);

#endif
