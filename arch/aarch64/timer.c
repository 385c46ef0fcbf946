/*
 * The timer HAL on AArch64: the EL1 virtual timer (CNTV) of the Generic
 * Timer, counting CNTVCT_EL0 at CNTFRQ_EL0, its private interrupt routed
 * by the GIC (gic.c). Which PPI it raises comes from the device tree's
 * arm,armv8-timer node, read at boot; 27 when the tree does not say.
 */
#include "aarch64.h"
#include "arch/hal/cpu.h"
#include "arch/hal/timer.h"
#include "core/fdt.h"
#include "core/kprintf.h"
#include "core/machine.h"
#include "mm/kvm.h"
#include "core/panic.h"
#include "sysreg.h"

#define NS_PER_S	 1000000000ull
#define CNTV_INTID_DFLT	 27 /* PPI 11: the virtual timer on every Arm system */
#define TIMER_IRQ_VIRT	 2  /* interrupts: secure phys, phys, virt, hyp */
#define GIC_IRQ_TYPE_SPI 0
#define GIC_IRQ_TYPE_PPI 1
#define GIC_PPI_BASE	 16
#define GIC_SPI_BASE	 32

static unsigned cntv_intid = CNTV_INTID_DFLT;
static uint64_t freq;	 /* CNTFRQ_EL0 */
static uint64_t ns_mult; /* ns per counter tick, 32.32 fixed point, rounded down */
static char name[48];

void timer_dt_probe(const void *blob, size_t avail)
{
	static const char *const compats[] = {"arm,armv8-timer", "arm,armv7-timer"};
	struct fdt f;

	if (fdt_open(&f, blob, avail) < 0 || gic_dt_probe(&f) < 0)
		return;
	uint32_t cells = gic_irq_cells();
	if (cells < 2)
		return;
	for (unsigned i = 0; i < sizeof(compats) / sizeof(compats[0]); i++) {
		int node = fdt_find_compatible(&f, -1, compats[i]);
		int len;
		if (node < 0)
			continue;
		const uint8_t *irqs = fdt_prop(&f, node, "interrupts", &len);
		if (!irqs || (uint32_t)len < (TIMER_IRQ_VIRT + 1) * cells * 4)
			return;
		const uint8_t *virt = irqs + TIMER_IRQ_VIRT * cells * 4;
		uint32_t type = fdt_be32(virt), num = fdt_be32(virt + 4);
		if (type == GIC_IRQ_TYPE_PPI && num < 16)
			cntv_intid = GIC_PPI_BASE + num;
		else if (type == GIC_IRQ_TYPE_SPI)
			cntv_intid = GIC_SPI_BASE + num;
		return;
	}
}

unsigned timer_intid(void)
{
	return cntv_intid;
}

/* The clock's scale: exact when CNTFRQ divides 10^9 * 2^32 (QEMU's 62.5 MHz: 16 ns a tick). */
void timer_clock_init(void)
{
	freq = cntfrq_el0_read();
	ns_mult = freq ? (NS_PER_S << 32) / freq : 0;
}

static uint64_t ticks_to_ns(uint64_t t)
{
	return (uint64_t)((unsigned __int128)t * ns_mult >> 32);
}

void arch_timer_init(void)
{
	if (!freq) /* timer_clock_init() read it at boot */
		panic("timer: CNTFRQ_EL0 is 0, the firmware did not set the counter frequency");
	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb" ::: "memory");
	if (!gic_init())
		panic("timer: no usable GIC in the device tree");
	gic_enable_private(cntv_intid);

	/* "62.5 MHz": the frequency in kHz, printed with up to three decimals. */
	uint64_t khz = freq / 1000;
	uint64_t frac = khz % 1000;
	if (!frac)
		ksnprintf(name, sizeof(name), "GICv%u + CNTV %llu MHz", gic_version(),
			  (unsigned long long)(khz / 1000));
	else {
		unsigned digits = 3;
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		ksnprintf(name, sizeof(name), "GICv%u + CNTV %llu.%0*llu MHz", gic_version(),
			  (unsigned long long)(khz / 1000), (int)digits, (unsigned long long)frac);
	}
}

/* One multiply, no division: system calls and thread switches read the clock twice each. */
uint64_t arch_time_ns(void)
{
	return ticks_to_ns(arch_counter());
}

/*
 * The first counter value t with ticks_to_ns(t) >= ns, the exact inverse of
 * arch_time_ns() rounded up: t = ceil(ns * 2^32 / ns_mult).
 */
static uint64_t ns_to_ticks(uint64_t ns)
{
	unsigned __int128 scaled = (unsigned __int128)ns << 32;

	return (uint64_t)((scaled + ns_mult - 1) / ns_mult);
}

void arch_timer_set(uint64_t deadline_ns)
{
	if (!deadline_ns) {
		__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb" ::: "memory");
		return;
	}
	__asm__ volatile("msr cntv_cval_el0, %0\n\t"
			 "msr cntv_ctl_el0, %1\n\t"
			 "isb" ::"r"(ns_to_ticks(deadline_ns)),
			 "r"(CNTV_CTL_ENABLE)
			 : "memory");
}

const char *arch_timer_name(void)
{
	return name[0] ? name : "CNTV (not started)";
}

/* A PL031 (QEMU virt's "arm,pl031"): its data register counts seconds since 1970. */
bool arch_rtc_seconds(uint64_t *out)
{
	const struct hw_rec_device *d = machine_find_compatible("arm,pl031");
	volatile uint32_t *r =
	    d && d->reg_count && d->reg[0].size >= 4 ? kvm_map_device(d->reg[0].base, 4) : NULL;
	if (!r)
		return false;
	*out = r[0];
	return true;
}
