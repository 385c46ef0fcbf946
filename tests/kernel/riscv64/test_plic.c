/*
 * The PLIC with a real source, QEMU virt's goldfish RTC: its alarm raises
 * a level interrupt until the device is told to clear it. Unmasked, the
 * interrupt arrives (the handler clears it, the arch completes it, and no
 * more follow); masked, a raised alarm is not delivered; unmasking then
 * delivers it. Also the rest of the HAL on RISC-V: line flags and
 * configuration, no ISA, no MSI, no ports, the registers the kernel keeps.
 * Waits are bounded only to keep a broken kernel from hanging the suite.
 */
#include "arch/hal/cpu.h"
#include "arch/hal/io.h"
#include "arch/hal/irq.h"
#include "arch/hal/timer.h"
#include "core/irq.h"
#include "core/machine.h"
#include "include/abi/error.h"
#include "mm/kvm.h"
#include "riscv.h"
#include "tests/kernel/ktest.h"

#define RTC_TIME_LOW	    0x00 /* reading it latches TIME_HIGH */
#define RTC_TIME_HIGH	    0x04
#define RTC_ALARM_LOW	    0x08 /* writing it arms the alarm (ALARM_HIGH first) */
#define RTC_ALARM_HIGH	    0x0c
#define RTC_IRQ_ENABLED	    0x10
#define RTC_CLEAR_ALARM	    0x14
#define RTC_ALARM_STATUS    0x18 /* 1 while an alarm is armed */
#define RTC_CLEAR_INTERRUPT 0x1c
#define MS		    1000000ull
#define GUARD_NS	    (20000 * MS) /* only against a hang */

/* The first described device with `compat`, or NULL. */
static const struct hw_rec_device *described(const char *compat)
{
	size_t size;
	const uint8_t *d = machine_desc(&size);
	for (size_t off = sizeof(struct hw_desc_header); off + sizeof(struct hw_rec) <= size;) {
		const struct hw_rec *r = (const void *)(d + off);
		if (r->size < sizeof(*r))
			return NULL;
		const struct hw_rec_device *dev = (const void *)r;
		if (r->type == HW_REC_DEVICE) {
			for (size_t o = 0; o < HW_COMPAT_MAX && dev->compatible[o];
			     o += strlen(dev->compatible + o) + 1)
				if (!strcmp(dev->compatible + o, compat))
					return dev;
		}
		off += r->size;
	}
	return NULL;
}

static uintptr_t rtc;
static volatile unsigned rtc_interrupts;

static void rtc_irq(unsigned irq, void *arg)
{
	(void)irq, (void)arg;
	rtc_interrupts++;
	mmio_write32(rtc + RTC_CLEAR_INTERRUPT, 1); /* lower the level before the completion */
}

static void rtc_alarm_in(uint64_t ns)
{
	uint64_t now = mmio_read32(rtc + RTC_TIME_LOW);
	now |= (uint64_t)mmio_read32(rtc + RTC_TIME_HIGH) << 32;
	mmio_write32(rtc + RTC_ALARM_HIGH, (uint32_t)((now + ns) >> 32));
	mmio_write32(rtc + RTC_ALARM_LOW, (uint32_t)(now + ns));
}

static unsigned wanted;

static bool interrupted(void)
{
	return rtc_interrupts >= wanted;
}

static bool alarm_done(void)
{
	return mmio_read32(rtc + RTC_ALARM_STATUS) == 0;
}

/* Wait with interrupts on until cond(); false when the guard ran out. */
static bool wait_for(bool (*cond)(void))
{
	uint64_t t0 = arch_time_ns();
	while (!cond() && arch_time_ns() - t0 < GUARD_NS)
		arch_cpu_idle(); /* the tick or the interrupt wakes us */
	return cond();
}

KTEST(plic_rtc_alarm_masks_and_acks)
{
	const struct hw_rec_device *d = described("google,goldfish-rtc");
	KASSERT(d != NULL);
	KASSERT_EQ(d->irq_count, 1);
	KASSERT_EQ(d->rec.flags & HW_REC_KERNEL, 0);
	unsigned line = d->irq[0].line;
	KASSERT(arch_irq_valid(line));
	rtc = (uintptr_t)kvm_map_device(d->reg[0].base, d->reg[0].size);
	KASSERT(rtc != 0);
	mmio_write32(rtc + RTC_IRQ_ENABLED, 0);
	mmio_write32(rtc + RTC_CLEAR_ALARM, 1);
	mmio_write32(rtc + RTC_CLEAR_INTERRUPT, 1);
	rtc_interrupts = 0;
	irqflags_t irq = arch_irq_save();
	arch_irq_enable(); /* the test thread runs with interrupts off */
	uint64_t spurious = irq_spurious_count();
	int registered = irq_register(line, rtc_irq, NULL);
	if (registered != E_OK) {
		arch_irq_restore(irq);
		KASSERT_EQ(registered, E_OK);
	}
	mmio_write32(rtc + RTC_IRQ_ENABLED, 1);

	/* Unmasked: the alarm interrupts once, and the completion ends it. */
	rtc_alarm_in(MS);
	wanted = 1;
	bool first = wait_for(interrupted);
	bool disarmed = wait_for(alarm_done);
	unsigned after_first = rtc_interrupts;
	/* Masked: the alarm fires, its level stays up, nothing is delivered. */
	int masked = arch_irq_mask(line);
	rtc_alarm_in(MS);
	bool fired = wait_for(alarm_done);
	uint64_t t0 = arch_time_ns();
	while (arch_time_ns() - t0 < 20 * MS) /* room for a wrong delivery to happen */
		arch_cpu_idle();
	unsigned while_masked = rtc_interrupts;
	/* Unmasked again: the pending level is delivered. */
	int unmasked = arch_irq_unmask(line);
	wanted = after_first + 1;
	bool second = wait_for(interrupted);
	unsigned total = rtc_interrupts;

	mmio_write32(rtc + RTC_IRQ_ENABLED, 0);
	mmio_write32(rtc + RTC_CLEAR_ALARM, 1);
	mmio_write32(rtc + RTC_CLEAR_INTERRUPT, 1);
	int unregistered = irq_unregister(line);
	arch_irq_restore(irq);
	KASSERT_EQ(unregistered, E_OK);
	KASSERT(first);
	KASSERT(disarmed);
	KASSERT_EQ(after_first, 1);
	KASSERT_EQ(masked, E_OK);
	KASSERT(fired);
	KASSERT_EQ(while_masked, 1);
	KASSERT_EQ(unmasked, E_OK);
	KASSERT(second);
	KASSERT_EQ(total, 2);
	KASSERT_EQ(irq_count(line), 0); /* forgotten with its handler */
	KASSERT_EQ(irq_spurious_count(), spurious);
}

KTEST(plic_lines_level_no_isa_msi)
{
	const struct hw_rec_device *d = described("google,goldfish-rtc");
	KASSERT(d != NULL);
	unsigned line = d->irq[0].line, limit = arch_irq_limit();
	KASSERT_GT(limit, line);
	KASSERT(!arch_irq_valid(0)); /* source 0 means "no interrupt" */
	KASSERT(arch_irq_valid(limit - 1));
	KASSERT(!arch_irq_valid(limit));
	KASSERT_EQ(arch_irq_flags(line), IRQ_LEVEL);
	KASSERT_EQ(arch_irq_configure(line, IRQ_LEVEL), E_OK);
	KASSERT_EQ(arch_irq_configure(line, 0), E_NOT_SUPPORTED);
	KASSERT_EQ(arch_irq_configure(line, IRQ_LEVEL | IRQ_ACTIVE_LOW), E_NOT_SUPPORTED);
	KASSERT_EQ(arch_irq_configure(0, IRQ_LEVEL), E_INVALID_PARAMETER);
	KASSERT_EQ(arch_irq_configure(limit, IRQ_LEVEL), E_INVALID_PARAMETER);
	unsigned flags = 7;
	KASSERT_EQ(arch_irq_isa(4, &flags), IRQ_NONE);
	unsigned msi;
	uint64_t addr;
	uint32_t data;
	KASSERT_EQ(arch_msi_alloc(&msi, &addr, &data), E_NOT_SUPPORTED);
	uint32_t v;
	KASSERT_EQ(arch_port_io(0x3f8, 1, &v, 0), E_NOT_SUPPORTED);
	KASSERT_EQ(arch_pci_legacy_config(0, 0, 4, &v, 0), E_NOT_SUPPORTED);
	KASSERT_EQ(arch_pci_intx(0, 1, 0, &flags), IRQ_NONE);
	uint16_t pb, pc;
	KASSERT(!arch_kernel_ports(0, &pb, &pc));
}

KTEST(plic_kernel_mmio_marked)
{
	static const char *const kept[] = {"sifive,plic-1.0.0", "ns16550a", "sifive,test0"};
	for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		const struct hw_rec_device *d = described(kept[i]);
		KASSERT(d != NULL);
		KASSERT_EQ(d->rec.flags & HW_REC_KERNEL, HW_REC_KERNEL);
	}
	/* M-mode's timer: a CLINT, or the ACLINT's (virt,aclint=on). */
	const struct hw_rec_device *timer = described("sifive,clint0");
	if (!timer)
		timer = described("riscv,aclint-mtimer");
	KASSERT(timer != NULL);
	KASSERT_EQ(timer->rec.flags & HW_REC_KERNEL, HW_REC_KERNEL);
	uint64_t base, size;
	unsigned n = 0;
	while (arch_kernel_mmio(n, &base, &size))
		n++;
	KASSERT_GE(n, 4); /* the ACLINT (virt,aclint=on) is two or three devices */
	const struct hw_rec_device *virtio = described("virtio,mmio");
	KASSERT(virtio != NULL);
	KASSERT_EQ(virtio->rec.flags & HW_REC_KERNEL, 0);
}
