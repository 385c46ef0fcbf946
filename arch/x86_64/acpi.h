/*
 * Just enough ACPI for boot (ACPI 6.5, chapter 5): find the RSDP, walk the
 * RSDT/XSDT, count the CPUs in the MADT and remember how the FADT says to
 * enter S5. Every table is bounds-checked and its checksum verified; a bad
 * table is an error string, never a fault.
 */
#ifndef X86_64_ACPI_H
#define X86_64_ACPI_H

#include <stdbool.h>
#include <stdint.h>

struct boot_info;

/* How to power off through ACPI: write SLP_TYP | SLP_EN to PM1a (and PM1b) control. */
struct acpi_sleep {
	bool valid;
	uint16_t pm1a_cnt, pm1b_cnt; /* I/O ports, 0 when absent */
	uint16_t slp_typ_a, slp_typ_b;
};

/*
 * Fill bi->cpu_count from the MADT (enabled Local APIC and x2APIC entries)
 * and find the S5 sleep values for acpi_s5(). Uses bi->acpi_rsdp, or
 * searches the BIOS areas for the RSDP and records it there. Returns NULL,
 * or what went wrong; bi->cpu_count is left alone on error.
 */
const char *acpi_boot_info(struct boot_info *bi);

/* The S5 (soft off) values found at boot; .valid is false when there are none. */
const struct acpi_sleep *acpi_s5(void);

#endif
