/*
 * Just enough ACPI for boot (ACPI 6.5, chapter 5): find the RSDP, walk the
 * RSDT/XSDT, count the CPUs in the MADT and record its I/O APICs and
 * interrupt source overrides, record the MCFG's ECAM ranges, and remember
 * how the FADT says to enter S5. Every table is bounds-checked and its checksum verified; a bad
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

#define ACPI_IOAPIC_MAX 8
#define ACPI_ISO_MAX	32
#define ACPI_MCFG_MAX	8
#define ACPI_GSI_MAX	255 /* larger GSIs are taken as corruption */

/* An I/O APIC of the MADT: its registers and the first GSI its pin 0 carries. */
struct acpi_ioapic {
	uint8_t id;
	uint32_t address, gsi_base;
};

/* ISO flags (ACPI 6.5, table 5.26): polarity in bits 1:0, trigger mode in bits 3:2. */
#define ACPI_ISO_POLARITY(f) ((f)&3u)	     /* 0 bus default, 1 high, 3 low */
#define ACPI_ISO_TRIGGER(f)  ((f) >> 2 & 3u) /* 0 bus default, 1 edge, 3 level */

/* An interrupt source override: ISA IRQ `source` arrives on `gsi`. */
struct acpi_iso {
	uint8_t bus, source;
	uint16_t flags;
	uint32_t gsi;
};

/* An MCFG allocation: the ECAM of buses bus_start..bus_end of a segment. */
struct acpi_mcfg {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

/* What the MADT and MCFG say about interrupts and PCI; counts 0 when absent or bad. */
struct acpi_irq {
	const char *error; /* why there are no I/O APICs (or no MCFG), NULL when all went well */
	bool pcat_compat;
	unsigned ioapic_count, iso_count, mcfg_count;
	struct acpi_ioapic ioapic[ACPI_IOAPIC_MAX];
	struct acpi_iso iso[ACPI_ISO_MAX];
	struct acpi_mcfg mcfg[ACPI_MCFG_MAX];
};

/*
 * Walk the MADT at `madt` (`len` bytes, checksum already checked): count
 * the enabled CPUs into *cpus and record the I/O APICs and overrides into
 * *ai, which the caller zeroed (a bad one of those empties them and sets
 * ai->error). NULL, or what is wrong with the table's structure. Every
 * entry is bounds-checked.
 */
const char *acpi_madt_parse(const uint8_t *madt, uint32_t len, struct acpi_irq *ai, int *cpus);

/* The interrupt and PCI facts found by acpi_boot_info(). */
const struct acpi_irq *acpi_irq(void);

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
