/*
 * x86_64 interrupt lines with real sources: the CMOS RTC's periodic
 * interrupt on the line of ISA IRQ 8 (a GSI through the I/O APIC, or the
 * 8259's line without one) is counted, stops while masked and resumes when
 * unmasked; configured level, an unacknowledged RTC does not storm once
 * its handler masked the line, and EOI let it fire again. MSI lines by
 * self-IPI (software masking defers, unmasking replays), QEMU's `edu` PCI
 * device raising INTx where arch_pci_intx says it arrives, and the HAL's
 * refusals of bad input. Waits have generous timeouts and no upper bounds.
 */
#include "arch/hal/cpu.h"
#include "arch/hal/io.h"
#include "arch/hal/irq.h"
#include "arch/hal/timer.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/x86.h"
#include "core/console.h"
#include "core/irq.h"
#include "include/abi/error.h"
#include "mm/kvm.h"
#include "tests/kernel/ktest.h"

#define MS	 1000000ull
#define PATIENCE (20000 * MS)

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define NMI_OFF	   0x80
#define RTC_A	   0x0a
#define RTC_B	   0x0b
#define RTC_C	   0x0c
#define RTC_B_PIE  0x40
#define RTC_RATE64 0x0a /* 32768 >> (10 - 1) = 64 Hz */

static uint8_t cmos_get(uint8_t reg)
{
	outb(CMOS_INDEX, NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static void cmos_put(uint8_t reg, uint8_t v)
{
	outb(CMOS_INDEX, NMI_OFF | reg);
	outb(CMOS_DATA, v);
}

static volatile uint64_t rtc_count;
static volatile bool rtc_mask_on_fire; /* leave the RTC unacknowledged and mask the line */

static void rtc_handler(unsigned irq, void *arg)
{
	(void)arg;
	rtc_count++;
	if (rtc_mask_on_fire)
		arch_irq_mask(irq); /* what the portable layer does to a level line */
	else
		(void)cmos_get(RTC_C); /* acknowledges: the RTC lowers its line */
}

/* Let interrupts in until *count reaches `target` or `ns` passed; whether it did. */
static bool wait_count(volatile uint64_t *count, uint64_t target, uint64_t ns)
{
	uint64_t t0 = arch_time_ns();
	while (*count < target && arch_time_ns() - t0 < ns) {
		irqflags_t f = arch_irq_save();
		arch_irq_enable();
		__asm__ volatile("pause");
		arch_irq_restore(f);
	}
	return *count >= target;
}

/* Let interrupts in for `ns`. */
static void let_in(uint64_t ns)
{
	volatile uint64_t never = 0;
	wait_count(&never, 1, ns);
}

static uint8_t rtc_a, rtc_b;

static void rtc_start(void)
{
	irqflags_t f = arch_irq_save();
	rtc_a = cmos_get(RTC_A);
	rtc_b = cmos_get(RTC_B);
	cmos_put(RTC_A, (uint8_t)((rtc_a & 0xf0) | RTC_RATE64));
	cmos_put(RTC_B, rtc_b | RTC_B_PIE);
	(void)cmos_get(RTC_C);
	arch_irq_restore(f);
}

static void rtc_stop(void)
{
	irqflags_t f = arch_irq_save();
	cmos_put(RTC_B, rtc_b & (uint8_t)~RTC_B_PIE);
	cmos_put(RTC_A, rtc_a);
	(void)cmos_get(RTC_C);
	arch_irq_restore(f);
}

static void rtc_ack(void)
{
	irqflags_t f = arch_irq_save();
	(void)cmos_get(RTC_C);
	arch_irq_restore(f);
}

KTEST(ioapic_rtc_counts_masks_and_resumes)
{
	unsigned flags, line = arch_irq_isa(8, &flags);
	KASSERT(line != IRQ_NONE);
	KASSERT(arch_irq_valid(line));
	KASSERT_EQ(arch_irq_flags(line), flags);
	rtc_count = 0;
	rtc_mask_on_fire = false;
	KASSERT_EQ(irq_register(line, rtc_handler, NULL), E_OK);
	rtc_start();
	bool counted = wait_count(&rtc_count, 5, PATIENCE);

	KASSERT_EQ(arch_irq_mask(line), E_OK);
	let_in(100 * MS); /* one may have been in flight */
	uint64_t stopped = rtc_count;
	let_in(300 * MS); /* 19 periods */
	uint64_t still = rtc_count;

	KASSERT_EQ(arch_irq_unmask(line), E_OK);
	rtc_ack(); /* a period that came while masked left the RTC waiting for this */
	bool resumed = wait_count(&rtc_count, still + 5, PATIENCE);
	rtc_stop();
	KASSERT_EQ(irq_unregister(line), E_OK);
	KASSERT(counted);
	KASSERT_EQ(still, stopped);
	KASSERT(resumed);
}

KTEST(ioapic_level_line_masks_acks_and_fires_again)
{
	unsigned flags, line = arch_irq_isa(8, &flags);
	KASSERT(line != IRQ_NONE);
	if (!x86_64_irq_apic_mode()) {
		/* The 8259s are driven edge-only here. */
		KASSERT_EQ(arch_irq_configure(line, IRQ_LEVEL), E_NOT_SUPPORTED);
		KASSERT_EQ(arch_irq_configure(line, 0), E_OK);
		kprintf("  (no I/O APIC: level lines are the I/O APIC's)\n");
		return;
	}
	KASSERT_EQ(arch_irq_configure(line, IRQ_LEVEL), E_OK);
	KASSERT_EQ(arch_irq_flags(line), IRQ_LEVEL);
	rtc_count = 0;
	rtc_mask_on_fire = true;
	KASSERT_EQ(irq_register(line, rtc_handler, NULL), E_OK);
	rtc_start();
	bool fired = wait_count(&rtc_count, 1, PATIENCE);
	let_in(300 * MS); /* unacknowledged and masked: no storm, no more */
	uint64_t quiet = rtc_count;

	rtc_mask_on_fire = false;
	rtc_ack();
	KASSERT_EQ(arch_irq_unmask(line), E_OK); /* the EOI cleared remote IRR: it fires again */
	bool again = wait_count(&rtc_count, quiet + 5, PATIENCE);
	rtc_stop();
	KASSERT_EQ(irq_unregister(line), E_OK);
	KASSERT_EQ(arch_irq_configure(line, flags), E_OK);
	KASSERT_EQ(arch_irq_flags(line), flags);
	KASSERT(fired);
	KASSERT_EQ(quiet, 1);
	KASSERT(again);
}

KTEST(ioapic_lines_refuse_bad_input)
{
	unsigned flags = 99, limit = arch_irq_limit();
	KASSERT_GE(limit, 16);
	KASSERT_EQ(arch_irq_isa(16, &flags), IRQ_NONE);
	KASSERT_EQ(flags, 0);
	KASSERT_EQ(arch_irq_isa(IRQ_NONE, &flags), IRQ_NONE);
	/* COM1's line is the console's. */
	if (console_irq_driven())
		KASSERT_EQ(arch_irq_isa(4, &flags), (unsigned)console_irq_line());
	unsigned rtc = arch_irq_isa(8, &flags);
	KASSERT_EQ(arch_irq_configure(rtc, 4), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_configure(rtc, ~0u), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_flags(rtc), flags); /* unchanged */
	KASSERT_EQ(arch_irq_configure(limit, 0), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_configure(IRQ_NONE, 0), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_flags(limit), 0);
	KASSERT_EQ(arch_irq_unmask(limit), E_INVALID_PARAMETER);
	KASSERT(!arch_irq_valid(limit));
	/* The keyboard's line is a driver's like any other (drivers/pc/kbd.c). */
	unsigned kbd = arch_irq_isa(1, &flags);
	KASSERT(arch_irq_valid(kbd));
	/* An MSI line is not valid before it is allocated. */
	for (unsigned l = 64; l < limit; l++)
		KASSERT(!arch_irq_valid(l));
	if (x86_64_irq_apic_mode()) {
		/* QEMU's overrides: IRQ 0 on GSI 2, the PCI IRQs level. */
		KASSERT_EQ(arch_irq_isa(0, &flags), 2);
		KASSERT_EQ(arch_irq_isa(9, &flags), 9);
		KASSERT_EQ(flags, IRQ_LEVEL);
		KASSERT_EQ(arch_irq_isa(1, &flags), 1);
		KASSERT_EQ(flags, 0);
	}
}

KTEST(msi_alloc_refuses_bad_input_and_runs_out)
{
	unsigned irq, lines[VEC_MSI_COUNT + 1], n = 0;
	uint64_t addr;
	uint32_t data;
	KASSERT_EQ(arch_msi_alloc(0, NULL, &addr, &data), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_msi_alloc(0, &irq, NULL, &data), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_msi_alloc(0, &irq, &addr, NULL), E_INVALID_PARAMETER);
	int err;
	while (n <= VEC_MSI_COUNT && (err = arch_msi_alloc(0, &irq, &addr, &data)) == E_OK) {
		lines[n++] = irq;
		KASSERT(arch_irq_valid(irq));
		KASSERT_GE(irq, 64);
		KASSERT_LT(irq, arch_irq_limit());
		KASSERT_EQ_U(addr, 0xfee00000u | (uint64_t)ktest_boot_info()->boot_cpu << 12);
		KASSERT_EQ_U(data, VEC_MSI_BASE + (irq - 64));
		KASSERT_EQ(arch_irq_flags(irq), 0);
		KASSERT_EQ(arch_irq_configure(irq, IRQ_LEVEL), E_NOT_SUPPORTED);
	}
	bool exhausted = err == E_RESOURCE_EXHAUSTED;
	for (unsigned i = 0; i < n; i++)
		arch_msi_free(lines[i]);
	KASSERT(exhausted);
	KASSERT_EQ(n, VEC_MSI_COUNT);
	for (unsigned i = 0; i < n; i++) {
		KASSERT(!arch_irq_valid(lines[i]));
		KASSERT_EQ(arch_irq_unmask(lines[i]), E_INVALID_PARAMETER);
	}
	arch_msi_free(lines[0]); /* twice: nothing */
	arch_msi_free(IRQ_NONE);
}

static volatile uint64_t msi_count;

static void msi_handler(unsigned irq, void *arg)
{
	(void)irq, (void)arg;
	msi_count++;
}

KTEST(msi_masking_defers_and_unmask_replays)
{
	unsigned irq;
	uint64_t addr;
	uint32_t data;
	KASSERT_EQ(arch_msi_alloc(0, &irq, &addr, &data), E_OK);
	msi_count = 0;
	KASSERT_EQ(irq_register(irq, msi_handler, NULL), E_OK);
	x86_lapic_self_ipi(data); /* what the device's write of `data` to `addr` raises */
	bool first = wait_count(&msi_count, 1, PATIENCE);
	KASSERT_EQ(arch_irq_mask(irq), E_OK);
	x86_lapic_self_ipi(data);
	let_in(100 * MS);
	uint64_t masked = msi_count;
	KASSERT_EQ(arch_irq_unmask(irq), E_OK);
	bool replayed = wait_count(&msi_count, 2, PATIENCE);
	KASSERT_EQ(irq_unregister(irq), E_OK);
	arch_msi_free(irq);
	KASSERT(first);
	KASSERT_EQ(masked, 1);
	KASSERT(replayed);
}

KTEST(ports_and_pci_config_refuse_bad_input)
{
	uint32_t v;
	KASSERT_EQ(arch_port_io(0x80, 3, &v, 0), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_port_io(0xffff, 2, &v, 0), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_port_io(0x80, 1, NULL, 0), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_pci_legacy_config(0, 256, 1, &v, 0), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_pci_legacy_config(0, 2, 4, &v, 0), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_pci_legacy_config(0, 1, 2, &v, 0), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_pci_legacy_config(0, 0, 8, &v, 0), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_pci_legacy_config(0, 0, 2, &v, 0), E_OK);
	KASSERT_EQ_U(v, 0x8086); /* the host bridge, i440FX or Q35 */
	/* No function at bus 255, device 31, function 7: all ones, at every width. */
	uint16_t absent = 0xffff;
	KASSERT_EQ(arch_pci_legacy_config(absent, 0, 4, &v, 0), E_OK);
	KASSERT_EQ_U(v, 0xffffffffu);
	KASSERT_EQ(arch_pci_legacy_config(absent, 2, 2, &v, 0), E_OK);
	KASSERT_EQ_U(v, 0xffff);
	KASSERT_EQ(arch_pci_legacy_config(absent, 3, 1, &v, 0), E_OK);
	KASSERT_EQ_U(v, 0xff);
	/*
	 * The kernel keeps COM1, the 8259s, the PIT's channels 0-1, 0xCF8-0xCFF; the
	 * LAPIC/MSI window and the I/O APICs.
	 */
	uint16_t want[] = {0x3f8, 0x20, 0xa0, 0x40, 0xcf8, 0xf4}, b, c;
	for (unsigned w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		bool found = false;
		for (unsigned i = 0; arch_kernel_ports(i, &b, &c); i++)
			found |= b <= want[w] && want[w] < b + c;
		KASSERT(found);
	}
	/* But not the PIT's channel 2 and mode register (the speaker driver's), nor COM2 (pcuart's). */
	for (unsigned i = 0; arch_kernel_ports(i, &b, &c); i++)
		KASSERT((b + c <= 0x42 || b > 0x43) && (b + c <= 0x2f8 || b >= 0x300));
	uint64_t mb, ms;
	KASSERT(arch_kernel_mmio(0, &mb, &ms));
	KASSERT_EQ_U(mb, 0xfee00000u);
	KASSERT_EQ_U(ms, 0x100000u);
	if (x86_64_irq_apic_mode()) {
		bool ioapic = false;
		for (unsigned i = 0; arch_kernel_mmio(i, &mb, &ms); i++)
			ioapic |= mb == 0xfec00000u;
		KASSERT(ioapic);
	}
	unsigned f;
	KASSERT_EQ(arch_pci_intx(0, 0, 11, &f), IRQ_NONE);
	KASSERT_EQ(arch_pci_intx(0, 5, 11, &f), IRQ_NONE);
	KASSERT_EQ(arch_pci_intx(1u << 16, 1, 11, &f), IRQ_NONE); /* segment 1: none here */
}

/* QEMU's edu device (-device edu): INTx raised by writing its raise register. */
#define EDU_ID	      0x11e81234u
#define EDU_IRQ_STAT  0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK   0x64
#define PCI_COMMAND   0x04
#define CMD_MEM	      (1u << 1)
#define CMD_INTX_OFF  (1u << 10)

static volatile uint32_t *edu;
static volatile uint64_t edu_count;

static void edu_handler(unsigned irq, void *arg)
{
	(void)irq, (void)arg;
	uint32_t st = edu[EDU_IRQ_STAT / 4];
	if (st) {
		edu_count++;
		edu[EDU_IRQ_ACK / 4] = st; /* lowers INTx */
	}
}

static uint32_t cfg(uint16_t bdf, unsigned off, unsigned w)
{
	uint32_t v = ~0u;
	arch_pci_legacy_config(bdf, off, w, &v, 0);
	return v;
}

KTEST(pci_intx_arrives_where_routed)
{
	int found = -1; /* on bus 0, or behind a bridge on the first buses */
	for (unsigned bdf = 0; bdf < 16 * 256 && found < 0; bdf++)
		if (cfg((uint16_t)bdf, 0, 4) == EDU_ID)
			found = (int)bdf;
	if (found < 0) {
		kprintf("  (no -device edu on this machine: INTx not raised)\n");
		return;
	}
	uint16_t bdf = (uint16_t)found;
	unsigned pin = cfg(bdf, 0x3d, 1), line_reg = cfg(bdf, 0x3c, 1), flags;
	unsigned line = arch_pci_intx(bdf, pin, line_reg, &flags);
	kprintf("  edu at %02x:%02x.%u INT%c#, Interrupt Line %u: line %u flags %u\n", bdf >> 8,
		bdf >> 3 & 31, bdf & 7, 'A' + pin - 1, line_reg, line, flags);
	KASSERT(pin >= 1 && pin <= 4);
	KASSERT(line != IRQ_NONE);
	KASSERT(flags & IRQ_LEVEL);
	if (x86_64_irq_apic_mode() && cfg(0xf8, 0, 4) == 0x29188086u) {
		/* q35: a GSI 16-23, and the PIRQ's 8259 routing is what the BIOS wrote. */
		KASSERT(line >= 16 && line < 24);
		unsigned pirq = line - 16, reg = pirq < 4 ? 0x60 + pirq : 0x68 + pirq - 4;
		uint32_t route = cfg(0xf8, reg, 1);
		KASSERT(!(route & 0x80));
		KASSERT_EQ(route & 0x0f, line_reg);
	} else if (x86_64_irq_apic_mode()) {
		unsigned f;
		KASSERT_EQ(line, arch_irq_isa(line_reg, &f));
	} else {
		KASSERT_EQ(line, line_reg);
	}
	uint32_t bar0 = cfg(bdf, 0x10, 4) & ~0xfu;
	KASSERT(bar0 != 0);
	edu = kvm_map_device(bar0, 4096);
	KASSERT(edu != NULL);
	uint32_t cmd = cfg(bdf, PCI_COMMAND, 2);
	uint32_t on = (cmd | CMD_MEM) & ~CMD_INTX_OFF;
	KASSERT_EQ(arch_pci_legacy_config(bdf, PCI_COMMAND, 2, &on, 1), E_OK);
	unsigned was = arch_irq_flags(line);
	KASSERT_EQ(arch_irq_configure(line, flags), E_OK);
	edu_count = 0;
	KASSERT_EQ(irq_register(line, edu_handler, NULL), E_OK);
	bool got[3] = {false, false, false};
	for (unsigned i = 0; i < 3; i++) {
		edu[EDU_IRQ_RAISE / 4] = 1u << i;
		got[i] = wait_count(&edu_count, i + 1, PATIENCE);
	}
	KASSERT_EQ(irq_unregister(line), E_OK);
	arch_irq_configure(line, was);
	arch_pci_legacy_config(bdf, PCI_COMMAND, 2, &cmd, 1);
	KASSERT(got[0] && got[1] && got[2]);
}
