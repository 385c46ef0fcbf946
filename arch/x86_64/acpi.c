/*
 * ACPI tables at boot: RSDP, RSDT/XSDT, MADT (CPU count, I/O APICs and
 * interrupt source overrides), MCFG (PCI ECAM), FADT and DSDT (S5 for
 * power-off).
 */
#include <stddef.h>

#include "acpi.h"
#include "core/boot_info.h"
#include "core/kstring.h"
#include "memlayout.h"

#define RSDP_V1_SIZE  20
#define RSDP_V2_SIZE  36
#define SDT_HEADER    36
#define TABLE_MAX     (16u << 20) /* larger is taken as corruption */
#define BIOS_AREA     0xe0000	  /* the RSDP lives in the BIOS ROM area ... */
#define BIOS_AREA_END 0x100000
#define BDA_EBDA_SEG  0x40e /* ... or the first KiB of the EBDA, whose segment is here */
#define EBDA_SEARCH   1024

/* MADT entry types and flags. */
#define MADT_LOCAL_APIC	  0
#define MADT_IO_APIC	  1
#define MADT_ISO	  2
#define MADT_LOCAL_X2APIC 9
#define MADT_ENABLED	  (1u << 0)
#define MADT_IO_APIC_LEN  12
#define MADT_ISO_LEN	  10
#define MADT_PCAT_COMPAT  (1u << 0) /* the MADT's flags: dual 8259s present */

/* MCFG: the header, 8 reserved bytes, then one 16-byte allocation per ECAM range. */
#define MCFG_FIRST 44
#define MCFG_ENTRY 16

/* FADT field offsets. */
#define FADT_DSDT     40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_X_DSDT   140

/* AML opcodes used around \_S5. */
#define AML_ZERO    0x00
#define AML_ONE	    0x01
#define AML_BYTE    0x0a
#define AML_PACKAGE 0x12

static struct acpi_sleep s5;
static struct acpi_irq irq_info;

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ACPI structures sum to 0 modulo 256. */
static bool checksum_ok(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *p++;
	return sum == 0;
}

/* The RSDP at `pa`, checked; NULL when it is not one. */
static const uint8_t *rsdp_at(uint64_t pa)
{
	const uint8_t *r = boot_phys(pa, RSDP_V2_SIZE);

	if (!r || memcmp(r, "RSD PTR ", 8) || !checksum_ok(r, RSDP_V1_SIZE))
		return NULL;
	if (r[15] >= 2) {
		uint32_t len = le32(r + 20);
		if (len < RSDP_V2_SIZE || len > 4096 || !boot_phys(pa, len) || !checksum_ok(r, len))
			return NULL;
	}
	return r;
}

static uint64_t rsdp_scan(uint64_t from, uint64_t to)
{
	for (uint64_t pa = from; pa + RSDP_V2_SIZE <= to; pa += 16) {
		if (rsdp_at(pa))
			return pa;
	}
	return 0;
}

/* Where legacy BIOSes put the RSDP: the EBDA's first KiB, then 0xe0000..0xfffff. */
static uint64_t rsdp_search(void)
{
	const uint8_t *bda = boot_phys(BDA_EBDA_SEG, 2);
	uint64_t ebda = bda ? (uint64_t)(bda[0] | bda[1] << 8) << 4 : 0;
	uint64_t pa = ebda ? rsdp_scan(ebda, ebda + EBDA_SEARCH) : 0;

	return pa ? pa : rsdp_scan(BIOS_AREA, BIOS_AREA_END);
}

/* The system description table at `pa`, checked, with the signature `sig`; NULL otherwise. */
static const uint8_t *sdt_at(uint64_t pa, const char *sig, uint32_t *len)
{
	const uint8_t *t = boot_phys(pa, SDT_HEADER);

	if (!t || memcmp(t, sig, 4))
		return NULL;
	*len = le32(t + 4);
	if (*len < SDT_HEADER || *len > TABLE_MAX || !boot_phys(pa, *len) || !checksum_ok(t, *len))
		return NULL;
	return t;
}

/* The table `sig` listed by the root table `root` (entries of `esize` bytes); NULL when absent. */
static const uint8_t *root_find(const uint8_t *root, uint32_t root_len, uint32_t esize,
				const char *sig, uint32_t *len)
{
	for (uint32_t off = SDT_HEADER; off + esize <= root_len; off += esize) {
		uint64_t pa = esize == 8 ? le64(root + off) : le32(root + off);
		const uint8_t *t = sdt_at(pa, sig, len);
		if (t)
			return t;
	}
	return NULL;
}

/* The table `sig` listed by the XSDT, or by the RSDT when there is no valid XSDT. */
static const uint8_t *sdt_find(const uint8_t *rsdp, const char *sig, uint32_t *len)
{
	uint32_t root_len;
	const uint8_t *root = NULL;

	if (rsdp[15] >= 2)
		root = sdt_at(le64(rsdp + 24), "XSDT", &root_len);
	if (root)
		return root_find(root, root_len, 8, sig, len);
	root = sdt_at(le32(rsdp + 16), "RSDT", &root_len);
	return root ? root_find(root, root_len, 4, sig, len) : NULL;
}

/* Record an I/O APIC entry (type 1); NULL, or what is wrong with it. */
static const char *madt_ioapic(struct acpi_irq *ai, const uint8_t *e, uint8_t elen)
{
	if (elen < MADT_IO_APIC_LEN)
		return "malformed ACPI MADT I/O APIC entry";
	if (ai->ioapic_count == ACPI_IOAPIC_MAX)
		return "too many I/O APICs in the ACPI MADT";
	struct acpi_ioapic a = {.id = e[2], .address = le32(e + 4), .gsi_base = le32(e + 8)};
	/* Its two registers (index, window) at 0x00 and 0x10 of one page. */
	if (!a.address || a.address % 16 || a.address % 4096 > 4096 - 0x20 ||
	    a.gsi_base > ACPI_GSI_MAX)
		return "bad I/O APIC entry in the ACPI MADT";
	ai->ioapic[ai->ioapic_count++] = a;
	return NULL;
}

/* Record an interrupt source override (type 2); NULL, or what is wrong with it. */
static const char *madt_iso(struct acpi_irq *ai, const uint8_t *e, uint8_t elen)
{
	if (elen < MADT_ISO_LEN)
		return "malformed ACPI MADT interrupt source override";
	if (ai->iso_count == ACPI_ISO_MAX)
		return "too many interrupt source overrides in the ACPI MADT";
	struct acpi_iso o = {
	    .bus = e[2], .source = e[3], .gsi = le32(e + 4), .flags = (uint16_t)(e[8] | e[9] << 8)};
	if (o.bus != 0 || o.source >= 16 || o.gsi > ACPI_GSI_MAX)
		return "bad interrupt source override in the ACPI MADT";
	ai->iso[ai->iso_count++] = o;
	return NULL;
}

/*
 * Walk the MADT (ACPI 6.5, 5.2.12): count the enabled processors, and
 * record the I/O APICs (type 1) and interrupt source overrides (type 2)
 * into *ai. A bad I/O APIC or override entry drops them all (the
 * 8259s then serve, ai->error says why) but the CPUs are still
 * counted; a table whose entries overrun it is an error. NULL, or what is
 * wrong with the table.
 */
const char *acpi_madt_parse(const uint8_t *madt, uint32_t len, struct acpi_irq *ai, int *cpus)
{
	const char *irq_err = NULL;

	*cpus = 0;
	if (len < SDT_HEADER + 8)
		return "ACPI MADT too short";
	ai->pcat_compat = (le32(madt + SDT_HEADER + 4) & MADT_PCAT_COMPAT) != 0;
	for (uint32_t off = SDT_HEADER + 8; off + 2 <= len;) {
		uint8_t type = madt[off], elen = madt[off + 1];
		const uint8_t *e = madt + off;
		if (elen < 2 || elen > len - off)
			return "malformed ACPI MADT";
		if (type == MADT_LOCAL_APIC && elen >= 8 && (le32(e + 4) & MADT_ENABLED))
			(*cpus)++;
		if (type == MADT_LOCAL_X2APIC && elen >= 16 && (le32(e + 8) & MADT_ENABLED))
			(*cpus)++;
		if (type == MADT_IO_APIC && !irq_err)
			irq_err = madt_ioapic(ai, e, elen);
		if (type == MADT_ISO && !irq_err)
			irq_err = madt_iso(ai, e, elen);
		off += elen;
	}
	if (irq_err) {
		ai->ioapic_count = ai->iso_count = 0;
		ai->error = irq_err;
	}
	return NULL;
}

/* The MCFG's ECAM allocations (PCI Firmware Specification 3.2, 4.1.2); absent is no error. */
static const char *mcfg_parse(const uint8_t *rsdp)
{
	uint32_t len;
	const uint8_t *mcfg = sdt_find(rsdp, "MCFG", &len);

	if (!mcfg)
		return NULL;
	for (uint32_t off = MCFG_FIRST; off + MCFG_ENTRY <= len; off += MCFG_ENTRY) {
		if (irq_info.mcfg_count == ACPI_MCFG_MAX)
			return "too many ACPI MCFG allocations";
		struct acpi_mcfg *m = &irq_info.mcfg[irq_info.mcfg_count];
		m->base = le64(mcfg + off);
		m->segment = (uint16_t)(mcfg[off + 8] | mcfg[off + 9] << 8);
		m->bus_start = mcfg[off + 10];
		m->bus_end = mcfg[off + 11];
		if (!m->base || m->base % 4096 || m->bus_end < m->bus_start)
			return "bad ACPI MCFG allocation";
		irq_info.mcfg_count++;
	}
	return NULL;
}

/* An AML integer of the \_S5 package at t[*i]: ZeroOp, OneOp or BytePrefix n; -1 otherwise. */
static int aml_small_int(const uint8_t *t, uint32_t len, uint32_t *i)
{
	if (*i >= len)
		return -1;
	uint8_t op = t[*i];
	if (op == AML_ZERO || op == AML_ONE) {
		*i += 1;
		return op;
	}
	if (op == AML_BYTE && *i + 1 < len) {
		*i += 2;
		return t[*i - 1];
	}
	return -1;
}

/*
 * The SLP_TYPa/b values of \_S5: Name(_S5_, Package(){a, b, ...}) in the
 * DSDT. A byte search, not an AML interpreter: enough for the static
 * package firmware emits (QEMU, SeaBIOS, OVMF).
 */
static bool dsdt_s5(const uint8_t *dsdt, uint32_t len, uint16_t *a, uint16_t *b)
{
	for (uint32_t i = SDT_HEADER; i + 6 < len; i++) {
		if (memcmp(dsdt + i, "_S5_", 4) || dsdt[i + 4] != AML_PACKAGE)
			continue;
		/* PkgLength (bits 7:6 of its first byte count the extra bytes), then NumElements. */
		uint32_t j = i + 5 + 1 + (dsdt[i + 5] >> 6) + 1;
		int ta = aml_small_int(dsdt, len, &j);
		int tb = ta < 0 ? -1 : aml_small_int(dsdt, len, &j);
		if (ta < 0 || tb < 0)
			return false;
		*a = (uint16_t)ta;
		*b = (uint16_t)tb;
		return true;
	}
	return false;
}

static void fadt_sleep(const uint8_t *rsdp)
{
	uint32_t flen, dlen;
	const uint8_t *fadt = sdt_find(rsdp, "FACP", &flen);

	if (!fadt || flen < FADT_PM1B_CNT + 4)
		return;
	uint64_t dsdt_pa = flen >= FADT_X_DSDT + 8 ? le64(fadt + FADT_X_DSDT) : 0;
	if (!dsdt_pa)
		dsdt_pa = le32(fadt + FADT_DSDT);
	const uint8_t *dsdt = sdt_at(dsdt_pa, "DSDT", &dlen);
	uint32_t pm1a = le32(fadt + FADT_PM1A_CNT), pm1b = le32(fadt + FADT_PM1B_CNT);
	if (!dsdt || !pm1a || pm1a > 0xffff || pm1b > 0xffff)
		return;
	if (!dsdt_s5(dsdt, dlen, &s5.slp_typ_a, &s5.slp_typ_b))
		return;
	s5.pm1a_cnt = (uint16_t)pm1a;
	s5.pm1b_cnt = (uint16_t)pm1b;
	s5.valid = true;
}

const char *acpi_boot_info(struct boot_info *bi)
{
	if (!bi->acpi_rsdp)
		bi->acpi_rsdp = rsdp_search();
	irq_info.error = "no ACPI RSDP";
	if (!bi->acpi_rsdp)
		return irq_info.error;
	const uint8_t *rsdp = rsdp_at(bi->acpi_rsdp);
	irq_info.error = "bad ACPI RSDP";
	if (!rsdp)
		return irq_info.error;
	irq_info.error = NULL;
	fadt_sleep(rsdp);

	uint32_t len;
	const uint8_t *madt = sdt_find(rsdp, "APIC", &len);
	if (!madt) {
		irq_info.error = "no valid ACPI MADT";
		return irq_info.error;
	}
	int cpus;
	const char *err = acpi_madt_parse(madt, len, &irq_info, &cpus);
	if (err) {
		irq_info.ioapic_count = irq_info.iso_count = 0;
		irq_info.error = err;
		return err;
	}
	const char *mcfg_err = mcfg_parse(rsdp);
	if (mcfg_err) {
		irq_info.mcfg_count = 0;
		if (!irq_info.error)
			irq_info.error = mcfg_err;
	}
	if (cpus == 0)
		return "ACPI MADT lists no enabled CPU";
	bi->cpu_count = (unsigned)cpus;
	return NULL;
}

const struct acpi_irq *acpi_irq(void)
{
	return &irq_info;
}

const struct acpi_sleep *acpi_s5(void)
{
	return &s5;
}
