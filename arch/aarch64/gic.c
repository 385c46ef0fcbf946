/*
 * The Arm Generic Interrupt Controller, as far as the timer and the
 * console need it: one CPU, private peripheral interrupts, shared ones
 * (SPIs) routed to this CPU level-triggered, acknowledge and end of
 * interrupt.
 * GICv2 (arm,cortex-a15-gic, arm,gic-400: distributor and memory-mapped
 * CPU interface) and GICv3 (arm,gic-v3: distributor, redistributors and
 * the ICC_* system registers), found in the device tree at boot and
 * mapped by gic_init() once the kernel's tables exist.
 *
 * QEMU virt runs the GIC without security extensions (no EL3), so there
 * is one security state: v2 signals group 0 as IRQ with FIQs off, v3
 * (GICD_CTLR.DS = 1) uses non-secure group 1 at EL1.
 */
#include "aarch64.h"
#include "core/fdt.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "mm/kvm.h"
#include "sysreg.h"

/* Distributor registers (both versions). */
#define GICD_CTLR	 0x0000
#define GICD_TYPER	 0x0004
#define GICD_IGROUPR	 0x0080
#define GICD_ISENABLER	 0x0100
#define GICD_ICENABLER	 0x0180
#define GICD_IPRIORITYR	 0x0400
#define GICD_ITARGETSR	 0x0800	    /* v2: a byte per interrupt, the CPUs it goes to */
#define GICD_ICFGR	 0x0c00	    /* two bits per interrupt; the upper one: edge-triggered */
#define GICD_IROUTER	 0x6000	    /* v3: 64 bits per SPI, the affinity it goes to */
#define GICD_TYPER_LINES 0x1fu	    /* (lines / 32) - 1 */
#define GICD_CTLR_EN	 (1u << 0)  /* v2: forward interrupts to the CPU interfaces */
#define GICD_CTLR_GRP1	 (1u << 1)  /* v3, one security state: enable group 1 */
#define GICD_CTLR_ARE	 (1u << 4)  /* v3, one security state: affinity routing */
#define GICD_CTLR_RWP	 (1u << 31) /* v3: a register write is still in progress */

/* GICv2 CPU interface. */
#define GICC_CTLR    0x0000
#define GICC_PMR     0x0004
#define GICC_BPR     0x0008
#define GICC_IAR     0x000c
#define GICC_EOIR    0x0010
#define GICC_CTLR_EN (1u << 0)

/* GICv3 redistributor: RD_base frame, then the SGI_base frame 64 KiB on. */
#define GICR_CTLR	       0x0000
#define GICR_TYPER	       0x0008
#define GICR_WAKER	       0x0014
#define GICR_SGI_BASE	       0x10000
#define GICR_FRAME_STRIDE      0x20000 /* RD_base + SGI_base */
#define GICR_FRAME_STRIDE_VLPI 0x40000 /* plus VLPI_base and a reserved frame (GICv4) */
#define GICR_TYPER_VLPIS       (1ull << 1)
#define GICR_TYPER_LAST	       (1ull << 4)
#define GICR_TYPER_AFF_SHIFT   32
#define GICR_WAKER_SLEEP       (1u << 1) /* ProcessorSleep */
#define GICR_WAKER_CHILDREN    (1u << 2) /* ChildrenAsleep */
#define GICR_CTLR_RWP	       (1u << 3)

#define GIC_PRIO_DEFAULT  0xa0 /* any value under the priority mask */
#define GIC_PMR_ALL	  0xff /* let every priority through */
#define GIC_INTID_MASK_V2 0x3ffu
#define GIC_INTID_MASK_V3 0xffffffu
#define GIC_NR_PRIVATE	  32 /* SGIs and PPIs: banked per CPU */
#define GIC_SPIN_LIMIT	  1000000
#define GIC_INTID_SPECIAL 1020		  /* 1020-1023 are not interrupts */
#define MPIDR_ROUTE_AFF	  0xff00ffffffull /* Aff3, Aff2, Aff1, Aff0: GICD_IROUTER's layout */

/* ICC_* system registers by encoding, so no assembler GIC support is needed. */
#define ICC_PMR_EL1	"S3_0_C4_C6_0"
#define ICC_IAR1_EL1	"S3_0_C12_C12_0"
#define ICC_EOIR1_EL1	"S3_0_C12_C12_1"
#define ICC_BPR1_EL1	"S3_0_C12_C12_3"
#define ICC_CTLR_EL1	"S3_0_C12_C12_4"
#define ICC_SRE_EL1	"S3_0_C12_C12_5"
#define ICC_IGRPEN1_EL1 "S3_0_C12_C12_7"

#define ICC_WRITE(reg, v) __asm__ volatile("msr " reg ", %0" ::"r"((uint64_t)(v)) : "memory")
#define ICC_READ(reg, v)  __asm__ volatile("mrs %0, " reg : "=r"(v)::"memory")

/* What the device tree said, recorded at boot (physical addresses). */
static struct {
	unsigned version; /* 0: none found */
	uint64_t dist_pa, dist_size;
	uint64_t cpu_pa, cpu_size; /* v2: the CPU interface; v3: the redistributor region */
	uint32_t irq_cells;
} dt;

/* Mapped registers, once gic_init() ran. */
static volatile uint8_t *gicd, *gicc, *gicr_rd, *gicr_sgi;
static bool ready;

static inline uint32_t rd32(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint32_t *)(base + off);
}

static inline void wr32(volatile uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

static inline uint64_t rd64(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint64_t *)(base + off);
}

static inline void wr8(volatile uint8_t *base, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(base + off) = v;
}

static inline uint8_t rd8(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint8_t *)(base + off);
}

static inline void wr64(volatile uint8_t *base, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(base + off) = v;
}

int gic_dt_probe(const struct fdt *f)
{
	static const struct {
		const char *compat;
		unsigned version;
	} kinds[] = {
	    {"arm,gic-v3", 3},
	    {"arm,cortex-a15-gic", 2},
	    {"arm,gic-400", 2},
	};

	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int node = -1;

		while ((node = fdt_find_compatible(f, node, kinds[i].compat)) >= 0) {
			if (!fdt_is_enabled(f, node))
				continue;
			if (fdt_reg(f, node, 0, &dt.dist_pa, &dt.dist_size) < 0 ||
			    fdt_reg(f, node, 1, &dt.cpu_pa, &dt.cpu_size) < 0)
				continue;
			dt.version = kinds[i].version;
			dt.irq_cells = fdt_prop_u32(f, node, "#interrupt-cells", 3);
			return node;
		}
	}
	return FDT_ERR_NOTFOUND;
}

uint32_t gic_irq_cells(void)
{
	return dt.irq_cells;
}

unsigned gic_version(void)
{
	return dt.version;
}

/* v3: wait until the distributor (or a redistributor) has applied a control write. */
static void wait_rwp(volatile uint8_t *base, unsigned reg, uint32_t bit)
{
	for (unsigned i = 0; i < GIC_SPIN_LIMIT && (rd32(base, reg) & bit); i++)
		;
}

static bool gicv2_init(void)
{
	gicd = kvm_map_device(dt.dist_pa, dt.dist_size);
	gicc = kvm_map_device(dt.cpu_pa, dt.cpu_size);
	if (!gicd || !gicc)
		return false;
	wr32(gicd, GICD_CTLR, GICD_CTLR_EN);
	wr32(gicc, GICC_PMR, GIC_PMR_ALL);
	wr32(gicc, GICC_BPR, 0);
	wr32(gicc, GICC_CTLR, GICC_CTLR_EN);
	return true;
}

/* The redistributor whose affinity is this CPU's, walking the region frame by frame. */
static volatile uint8_t *gicv3_find_redist(uint32_t cpu_id)
{
	uint64_t off = 0;

	while (off + GICR_FRAME_STRIDE <= dt.cpu_size) {
		volatile uint8_t *rd = kvm_map_device(dt.cpu_pa + off, GICR_FRAME_STRIDE);
		if (!rd)
			return NULL;
		uint64_t typer = rd64(rd, GICR_TYPER);
		if ((uint32_t)(typer >> GICR_TYPER_AFF_SHIFT) == cpu_id)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
		off += typer & GICR_TYPER_VLPIS ? GICR_FRAME_STRIDE_VLPI : GICR_FRAME_STRIDE;
	}
	return NULL;
}

static bool gicv3_init(void)
{
	uint64_t pfr0;

	__asm__ volatile("mrs %0, id_aa64pfr0_el1" : "=r"(pfr0));
	if (!(pfr0 >> PFR0_GIC_SHIFT & PFR0_GIC_MASK))
		return false; /* no ICC_* registers on this CPU */
	gicd = kvm_map_device(dt.dist_pa, dt.dist_size);
	if (!gicd)
		return false;
	gicr_rd = gicv3_find_redist(mpidr_to_id(mpidr_el1_read()));
	if (!gicr_rd)
		return false;
	gicr_sgi = gicr_rd + GICR_SGI_BASE;

	/* Distributor: affinity routing and group 1 on (SPIs only; PPIs live in the redistributor). */
	wr32(gicd, GICD_CTLR, GICD_CTLR_ARE);
	wait_rwp(gicd, GICD_CTLR, GICD_CTLR_RWP);
	wr32(gicd, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
	wait_rwp(gicd, GICD_CTLR, GICD_CTLR_RWP);

	/* Wake this CPU's redistributor. */
	wr32(gicr_rd, GICR_WAKER, rd32(gicr_rd, GICR_WAKER) & ~GICR_WAKER_SLEEP);
	for (unsigned i = 0;
	     i < GIC_SPIN_LIMIT && (rd32(gicr_rd, GICR_WAKER) & GICR_WAKER_CHILDREN); i++)
		;
	/* Every SGI and PPI in group 1, all disabled until asked for. */
	wr32(gicr_sgi, GICD_IGROUPR, ~0u);
	wr32(gicr_sgi, GICD_ICENABLER, ~0u);
	wait_rwp(gicr_rd, GICR_CTLR, GICR_CTLR_RWP);

	/* The CPU interface through system registers. */
	uint64_t sre;
	ICC_READ(ICC_SRE_EL1, sre);
	ICC_WRITE(ICC_SRE_EL1, sre | ICC_SRE_SRE);
	__asm__ volatile("isb" ::: "memory");
	ICC_READ(ICC_SRE_EL1, sre);
	if (!(sre & ICC_SRE_SRE))
		return false; /* EL2 kept the memory-mapped interface for us */
	ICC_WRITE(ICC_PMR_EL1, GIC_PMR_ALL);
	ICC_WRITE(ICC_BPR1_EL1, 0);
	ICC_WRITE(ICC_CTLR_EL1, 0); /* EOImode 0: EOIR drops priority and deactivates */
	ICC_WRITE(ICC_IGRPEN1_EL1, 1);
	__asm__ volatile("isb" ::: "memory");
	return true;
}

bool gic_init(void)
{
	switch (dt.version) {
	case 2:
		ready = gicv2_init();
		break;
	case 3:
		ready = gicv3_init();
		break;
	default:
		ready = false;
		break;
	}
	return ready;
}

bool gic_ready(void)
{
	return ready;
}

void gic_enable_private(unsigned intid)
{
	if (!ready)
		return;
	if (intid >= GIC_NR_PRIVATE)
		panic("gic: interrupt %u is shared (SPI); only private ones are supported yet",
		      intid);
	uint32_t bit = 1u << intid;
	if (dt.version == 3) {
		wr8(gicr_sgi, GICD_IPRIORITYR + intid, GIC_PRIO_DEFAULT);
		wr32(gicr_sgi, GICD_ISENABLER, bit);
		wait_rwp(gicr_rd, GICR_CTLR, GICR_CTLR_RWP);
	} else {
		wr8(gicd, GICD_IPRIORITYR + intid, GIC_PRIO_DEFAULT);
		wr32(gicd, GICD_ISENABLER, bit);
	}
	__asm__ volatile("dsb sy\n\tisb" ::: "memory");
}

unsigned gic_lines(void)
{
	if (!ready)
		return 0;
	unsigned n = ((rd32(gicd, GICD_TYPER) & GICD_TYPER_LINES) + 1) * 32;
	return n > GIC_INTID_SPECIAL ? GIC_INTID_SPECIAL : n;
}

/*
 * Route SPI `intid` to this CPU, level-triggered, and enable it; or disable
 * it. False for an interrupt that is not an SPI of this distributor.
 */
bool gic_set_shared(unsigned intid, bool enable)
{
	if (!ready || intid < GIC_NR_PRIVATE || intid >= gic_lines())
		return false;
	unsigned word = intid / 32 * 4;
	uint32_t bit = 1u << (intid % 32);
	if (!enable) {
		wr32(gicd, GICD_ICENABLER + word, bit);
		if (dt.version == 3)
			wait_rwp(gicd, GICD_CTLR, GICD_CTLR_RWP);
		__asm__ volatile("dsb sy\n\tisb" ::: "memory");
		return true;
	}
	unsigned cfg = GICD_ICFGR + intid / 16 * 4;
	wr32(gicd, cfg, rd32(gicd, cfg) & ~(2u << (intid % 16 * 2)));
	wr8(gicd, GICD_IPRIORITYR + intid, GIC_PRIO_DEFAULT);
	if (dt.version == 3) {
		wr32(gicd, GICD_IGROUPR + word, rd32(gicd, GICD_IGROUPR + word) | bit);
		wr64(gicd, GICD_IROUTER + intid * 8, mpidr_el1_read() & MPIDR_ROUTE_AFF);
	} else {
		uint8_t self = rd8(gicd, GICD_ITARGETSR); /* a private byte reads as this CPU */
		wr8(gicd, GICD_ITARGETSR + intid, self ? self : 1);
	}
	wr32(gicd, GICD_ISENABLER + word, bit);
	if (dt.version == 3)
		wait_rwp(gicd, GICD_CTLR, GICD_CTLR_RWP);
	__asm__ volatile("dsb sy\n\tisb" ::: "memory");
	return true;
}

uint32_t gic_ack(void)
{
	uint64_t iar;

	if (dt.version == 3) {
		ICC_READ(ICC_IAR1_EL1, iar);
		/* Reads of the distributor state it implies come after the acknowledge. */
		__asm__ volatile("dsb sy" ::: "memory");
	} else {
		iar = rd32(gicc, GICC_IAR);
	}
	return (uint32_t)iar;
}

unsigned gic_intid(uint32_t iar)
{
	return iar & (dt.version == 3 ? GIC_INTID_MASK_V3 : GIC_INTID_MASK_V2);
}

void gic_eoi(uint32_t iar)
{
	if (dt.version == 3) {
		ICC_WRITE(ICC_EOIR1_EL1, iar);
		__asm__ volatile("isb" ::: "memory");
	} else {
		wr32(gicc, GICC_EOIR, iar);
	}
}
