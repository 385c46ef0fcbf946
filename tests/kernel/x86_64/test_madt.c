/*
 * The MADT walk (arch/x86_64/acpi.c) on tables made here: I/O APICs with
 * their GSI bases, overrides with their flags, and bad entries, which are
 * error strings and never a fault or an entry read past the table.
 */
#include "arch/x86_64/acpi.h"
#include "tests/kernel/ktest.h"

#define HDR 44 /* the SDT header, the LAPIC address and the flags */

static uint8_t table[256];

static unsigned put(unsigned off, const uint8_t *e, unsigned n)
{
	memcpy(table + off, e, n);
	return off + n;
}

static void le32_at(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
	p[3] = (uint8_t)(v >> 24);
}

static uint8_t lapic_e[8] = {0, 8, 0, 0, 1, 0, 0, 0};
static uint8_t ioapic_e[12] = {1, 12, 0, 0};
static uint8_t iso_e[10] = {2, 10, 0, 0};

static unsigned add_ioapic(unsigned off, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	ioapic_e[2] = id;
	le32_at(ioapic_e + 4, addr);
	le32_at(ioapic_e + 8, gsi_base);
	return put(off, ioapic_e, sizeof(ioapic_e));
}

static unsigned add_iso(unsigned off, uint8_t src, uint32_t gsi, uint16_t flags)
{
	iso_e[3] = src;
	le32_at(iso_e + 4, gsi);
	iso_e[8] = (uint8_t)flags, iso_e[9] = (uint8_t)(flags >> 8);
	return put(off, iso_e, sizeof(iso_e));
}

KTEST(madt_ioapics_and_overrides_are_read)
{
	struct acpi_irq ai = {0};
	int cpus;
	memset(table, 0, sizeof(table));
	le32_at(table + 40, 1); /* PCAT_COMPAT */
	unsigned off = put(HDR, lapic_e, sizeof(lapic_e));
	off = add_ioapic(off, 0, 0xfec00000u, 0);
	off = add_ioapic(off, 1, 0xfec01000u, 24);
	off = add_iso(off, 0, 2, 0);
	off = add_iso(off, 9, 9, 0x000d); /* level, active high */
	off = put(off, lapic_e, sizeof(lapic_e));
	KASSERT(acpi_madt_parse(table, off, &ai, &cpus) == NULL);
	KASSERT(ai.error == NULL);
	KASSERT(ai.pcat_compat);
	KASSERT_EQ(cpus, 2);
	KASSERT_EQ(ai.ioapic_count, 2);
	KASSERT_EQ_U(ai.ioapic[1].address, 0xfec01000u);
	KASSERT_EQ(ai.ioapic[1].gsi_base, 24);
	KASSERT_EQ(ai.ioapic[1].id, 1);
	KASSERT_EQ(ai.iso_count, 2);
	KASSERT_EQ(ai.iso[0].source, 0);
	KASSERT_EQ(ai.iso[0].gsi, 2);
	KASSERT_EQ(ACPI_ISO_TRIGGER(ai.iso[1].flags), 3);
	KASSERT_EQ(ACPI_ISO_POLARITY(ai.iso[1].flags), 1);
}

KTEST(madt_bad_entries_are_errors_not_faults)
{
	struct acpi_irq ai;
	int cpus;
	memset(table, 0, sizeof(table));

	/* Too short for its own header. */
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, HDR - 1, &ai, &cpus) != NULL);

	/* An entry that says it runs past the table. */
	unsigned off = put(HDR, lapic_e, sizeof(lapic_e));
	table[off] = 1, table[off + 1] = 12;
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, off + 6, &ai, &cpus) != NULL);
	KASSERT_EQ(ai.ioapic_count, 0);

	/* An entry of length 0 (which would never end) and of length 1. */
	table[off + 1] = 0;
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, off + 12, &ai, &cpus) != NULL);
	table[off + 1] = 1;
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, off + 12, &ai, &cpus) != NULL);

	/* An I/O APIC entry too short for its fields: no I/O APICs, the CPUs still counted. */
	table[off] = 1, table[off + 1] = 8;
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, off + 8, &ai, &cpus) == NULL);
	KASSERT(ai.error != NULL);
	KASSERT_EQ(ai.ioapic_count, 0);
	KASSERT_EQ(cpus, 1);

	/* An I/O APIC at address 0, then one whose GSI base is absurd. */
	unsigned end = add_ioapic(off, 0, 0, 0);
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, end, &ai, &cpus) == NULL);
	KASSERT(ai.error != NULL);
	KASSERT_EQ(ai.ioapic_count, 0);
	end = add_ioapic(off, 0, 0xfec00000u, 0x10000);
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, end, &ai, &cpus) == NULL);
	KASSERT(ai.error != NULL);

	/* An override of ISA IRQ 16, and one that is too short, after a good I/O APIC. */
	end = add_ioapic(off, 0, 0xfec00000u, 0);
	unsigned bad = add_iso(end, 16, 16, 0);
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, bad, &ai, &cpus) == NULL);
	KASSERT(ai.error != NULL);
	KASSERT_EQ(ai.ioapic_count, 0);
	KASSERT_EQ(ai.iso_count, 0);
	add_iso(end, 1, 1, 0);
	table[end + 1] = 6;
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, end + 6, &ai, &cpus) == NULL);
	KASSERT(ai.error != NULL);
	KASSERT_EQ(ai.iso_count, 0);

	/* More I/O APICs than fit: an error, not an overrun. */
	end = off;
	for (unsigned i = 0; i <= ACPI_IOAPIC_MAX; i++)
		end = add_ioapic(end, (uint8_t)i, 0xfec00000u + i * 0x1000, i * 24);
	KASSERT(end <= sizeof(table));
	ai = (struct acpi_irq){0};
	KASSERT(acpi_madt_parse(table, end, &ai, &cpus) == NULL);
	KASSERT(ai.error != NULL);
	KASSERT_EQ(ai.ioapic_count, 0);
}
