/*
 * The Arm Generic Interrupt Controller on one CPU: private interrupts
 * (the timer's PPI), shared ones (SPIs) each routed to the boot CPU at one
 * priority, masked until asked for and edge- or level-triggered as
 * configured (level after boot), acknowledge and end of interrupt, and the
 * GICv2m MSI frame.
 * GICv2 (arm,cortex-a15-gic, arm,gic-400: distributor and memory-mapped
 * CPU interface) and GICv3 (arm,gic-v3: distributor, redistributors and
 * the ICC_* system registers), found in the device tree at boot and
 * mapped by gic_init() once the kernel's tables exist.
 *
 * QEMU virt runs the GIC without security extensions (no EL3), so there
 * is one security state: v2 signals group 0 as IRQ with FIQs off, v3
 * (GICD_CTLR.DS = 1) uses non-secure group 1 at EL1.
 *
 * Both versions run EOImode 0: the one write to EOIR drops the priority
 * and deactivates, after the handler. That is right for either trigger:
 * acknowledging an edge interrupt clears its pending state, so an edge
 * that comes during the handler pends it again and it is taken after the
 * end; a level interrupt stays pending while its line is asserted, so the
 * handler quietens the device (or masks the line) before the end.
 *
 * MSI: a GICv2m frame (arm,gic-v2m-frame, a child of a v2 GIC) turns a
 * write of an INTID to its MSI_SETSPI_NS register into an edge on that
 * SPI; its SPIs (MSI_TYPER, or arm,msi-base-spi / arm,msi-num-spis) are
 * then MSI lines only. Under GICv3 the first ITS (arm,gic-v3-its) is
 * recorded here and driven by its.c (LPIs on this CPU's redistributor).
 */
#include "aarch64.h"
#include "mmio.h"
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
#define GICD_ISPENDR	 0x0200
#define GICD_ICPENDR	 0x0280
#define GICD_ICACTIVER	 0x0380
#define GICD_IPRIORITYR	 0x0400
#define GICD_ITARGETSR	 0x0800	    /* v2: a byte per interrupt, the CPUs it goes to */
#define GICD_ICFGR	 0x0c00	    /* two bits per interrupt; the upper one: edge-triggered */
#define GICD_IROUTER	 0x6000	    /* v3: 64 bits per SPI, the affinity it goes to */
#define GICD_TYPER_LINES 0x1fu	    /* (lines / 32) - 1 */
#define GICD_CTLR_EN	 (1u << 0)  /* v2: forward interrupts to the CPU interfaces */
#define GICD_CTLR_GRP1	 (1u << 1)  /* v3, one security state: enable group 1 */
#define GICD_CTLR_ARE	 (1u << 4)  /* v3, one security state: affinity routing */
#define GICD_CTLR_RWP	 (1u << 31) /* v3: a register write is still in progress */

/* GICv2m MSI frame (Arm Server Base System Architecture, GICv2m). */
#define V2M_MSI_TYPER	   0x008 /* base SPI in [25:16], number of SPIs in [9:0] */
#define V2M_MSI_SETSPI_NS  0x040 /* a write of an INTID sets that SPI pending */
#define V2M_TYPER_BASE(t)  ((t) >> 16 & 0x3ffu)
#define V2M_TYPER_COUNT(t) ((t)&0x3ffu)
#define V2M_FRAME_SIZE	   0x1000

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
#define GIC_MMIO_MAX	  8		  /* register ranges recorded for arch_kernel_mmio */
#define GIC_MSI_MAX	  (GIC_INTID_SPECIAL - GIC_NR_PRIVATE)

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
	uint32_t phandle;	      /* 0: the tree names it nowhere */
	uint64_t v2m_pa;	      /* 0: no GICv2m frame */
	uint32_t v2m_base, v2m_count; /* from the tree; 0: read MSI_TYPER */
	uint64_t its_pa, its_size;    /* 0: no ITS */
	uint32_t its_phandle;
	unsigned mmio_count; /* every register range of the GIC, its frames and ITS */
	struct gic_range {
		uint64_t base, size;
	} mmio[GIC_MMIO_MAX];
} dt;

/* Mapped registers, once gic_init() ran. */
static volatile uint8_t *gicd, *gicc, *gicr_rd, *gicr_sgi, *v2m;
static uint64_t gicr_pa;	      /* v3: this CPU's redistributor (RD_base) */
static unsigned v2m_first, v2m_count; /* the frame's SPIs, once mapped and checked */
static unsigned nlines;		      /* INTIDs the distributor has, below the special ones */
static bool ready;

static void spi_set_edge(unsigned intid, bool edge);

static void add_range(uint64_t base, uint64_t size)
{
	if (dt.mmio_count < GIC_MMIO_MAX && size)
		dt.mmio[dt.mmio_count++] = (struct gic_range){base, size};
}

/*
 * Every register range of the GIC node (v2: distributor, CPU interface and
 * the virtualization ones; v3: distributor, redistributor regions, ...)
 * and of its MSI frames, which the kernel keeps; the first v2m frame.
 */
static void probe_ranges(const struct fdt *f, int gic)
{
	uint64_t base, size;

	dt.mmio_count = 0;
	for (int i = 0; fdt_reg(f, gic, i, &base, &size) == 0; i++)
		add_range(base, size);
	for (int n = fdt_first_child(f, gic); n >= 0; n = fdt_next_sibling(f, n)) {
		bool is_v2m = fdt_is_compatible(f, n, "arm,gic-v2m-frame");
		if (!fdt_is_enabled(f, n) || fdt_reg(f, n, 0, &base, &size) < 0 ||
		    (!is_v2m && !fdt_is_compatible(f, n, "arm,gic-v3-its")))
			continue;
		add_range(base, size);
		if (is_v2m && dt.version == 2 && !dt.v2m_pa && size >= V2M_FRAME_SIZE) {
			dt.v2m_pa = base;
			dt.v2m_base = fdt_prop_u32(f, n, "arm,msi-base-spi", 0);
			dt.v2m_count = fdt_prop_u32(f, n, "arm,msi-num-spis", 0);
		}
		if (!is_v2m && dt.version == 3 && !dt.its_pa) {
			dt.its_pa = base;
			dt.its_size = size;
			dt.its_phandle = fdt_prop_u32(f, n, "phandle", 0);
		}
	}
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
			dt.phandle = fdt_prop_u32(f, node, "phandle", 0);
			probe_ranges(f, node);
			return node;
		}
	}
	return FDT_ERR_NOTFOUND;
}

uint32_t gic_irq_cells(void)
{
	return dt.irq_cells;
}

uint32_t gic_phandle(void)
{
	return dt.phandle;
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
		if ((uint32_t)(typer >> GICR_TYPER_AFF_SHIFT) == cpu_id) {
			gicr_pa = dt.cpu_pa + off;
			return rd;
		}
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

/*
 * Every SPI disabled, neither pending nor active, level-triggered, at the
 * one priority and routed to this CPU (v3: in group 1), so that unmasking
 * is a single enable.
 */
static void spi_init(void)
{
	uint8_t self = rd8(gicd, GICD_ITARGETSR); /* v2: a private byte reads as this CPU */
	uint64_t route = mpidr_el1_read() & MPIDR_ROUTE_AFF;

	for (unsigned i = GIC_NR_PRIVATE; i < nlines; i += 32) {
		unsigned word = i / 32 * 4;
		wr32(gicd, GICD_ICENABLER + word, ~0u);
		wr32(gicd, GICD_ICPENDR + word, ~0u);
		wr32(gicd, GICD_ICACTIVER + word, ~0u);
		if (dt.version == 3)
			wr32(gicd, GICD_IGROUPR + word, ~0u);
	}
	if (dt.version == 3)
		wait_rwp(gicd, GICD_CTLR, GICD_CTLR_RWP);
	for (unsigned i = GIC_NR_PRIVATE; i < nlines; i += 16)
		wr32(gicd, GICD_ICFGR + i / 16 * 4, 0);
	for (unsigned i = GIC_NR_PRIVATE; i < nlines; i++) {
		wr8(gicd, GICD_IPRIORITYR + i, GIC_PRIO_DEFAULT);
		if (dt.version == 3)
			wr64(gicd, GICD_IROUTER + i * 8, route);
		else
			wr8(gicd, GICD_ITARGETSR + i, self ? self : 1);
	}
	__asm__ volatile("dsb sy" ::: "memory");
}

/* The v2m frame, when the tree has one whose SPIs are this distributor's: those edge-triggered. */
static void v2m_init(void)
{
	if (!dt.v2m_pa)
		return;
	volatile uint8_t *frame = kvm_map_device(dt.v2m_pa, V2M_FRAME_SIZE);
	if (!frame) {
		pr_warn("gic: cannot map the v2m frame at %#llx: no MSI",
			(unsigned long long)dt.v2m_pa);
		return;
	}
	uint32_t typer = rd32(frame, V2M_MSI_TYPER);
	bool from_dt = dt.v2m_base && dt.v2m_count; /* the tree overrides a wrong MSI_TYPER */
	unsigned first = from_dt ? dt.v2m_base : V2M_TYPER_BASE(typer);
	unsigned count = from_dt ? dt.v2m_count : V2M_TYPER_COUNT(typer);
	if (first < GIC_NR_PRIVATE || !count || count > GIC_MSI_MAX || first + count > nlines) {
		pr_warn("gic: the v2m frame's SPIs %u-%u are not the distributor's: no MSI", first,
			first + count - 1);
		return;
	}
	for (unsigned i = first; i < first + count; i++)
		spi_set_edge(i, true);
	v2m = frame;
	v2m_first = first;
	v2m_count = count;
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
	if (!ready)
		return false;
	nlines = ((rd32(gicd, GICD_TYPER) & GICD_TYPER_LINES) + 1) * 32;
	if (nlines > GIC_INTID_SPECIAL)
		nlines = GIC_INTID_SPECIAL;
	spi_init();
	if (dt.version == 2)
		v2m_init();
	return true;
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
	return nlines;
}

static bool is_spi(unsigned intid)
{
	return intid >= GIC_NR_PRIVATE && intid < nlines;
}

/* After a write to a distributor's enable or configuration register, before relying on it. */
static void dist_sync(void)
{
	if (dt.version == 3)
		wait_rwp(gicd, GICD_CTLR, GICD_CTLR_RWP);
	__asm__ volatile("dsb sy\n\tisb" ::: "memory");
}

bool gic_spi_enable(unsigned intid, bool enable)
{
	if (!is_spi(intid))
		return false;
	wr32(gicd, (enable ? GICD_ISENABLER : GICD_ICENABLER) + intid / 32 * 4, 1u << intid % 32);
	dist_sync();
	return true;
}

bool gic_spi_enabled(unsigned intid)
{
	return is_spi(intid) && rd32(gicd, GICD_ISENABLER + intid / 32 * 4) & 1u << intid % 32;
}

/* Both versions leave a change of GICD_ICFGR to an enabled interrupt unpredictable: disable first. */
static void spi_set_edge(unsigned intid, bool edge)
{
	bool was = gic_spi_enabled(intid);
	if (was)
		gic_spi_enable(intid, false);
	unsigned cfg = GICD_ICFGR + intid / 16 * 4;
	uint32_t bit = 2u << intid % 16 * 2, v = rd32(gicd, cfg);
	wr32(gicd, cfg, edge ? v | bit : v & ~bit);
	if (was)
		gic_spi_enable(intid, true);
	dist_sync();
}

bool gic_spi_set_edge(unsigned intid, bool edge)
{
	if (!is_spi(intid))
		return false;
	spi_set_edge(intid, edge);
	return true;
}

bool gic_spi_edge(unsigned intid)
{
	return is_spi(intid) && rd32(gicd, GICD_ICFGR + intid / 16 * 4) & 2u << intid % 16 * 2;
}

bool gic_spi_set_pending(unsigned intid, bool pending)
{
	if (!is_spi(intid))
		return false;
	wr32(gicd, (pending ? GICD_ISPENDR : GICD_ICPENDR) + intid / 32 * 4, 1u << intid % 32);
	__asm__ volatile("dsb sy\n\tisb" ::: "memory");
	return true;
}

bool gic_spi_pending(unsigned intid)
{
	return is_spi(intid) && rd32(gicd, GICD_ISPENDR + intid / 32 * 4) & 1u << intid % 32;
}

bool gic_v2m(uint64_t *setspi_pa, unsigned *first, unsigned *count)
{
	if (!v2m)
		return false;
	*setspi_pa = dt.v2m_pa + V2M_MSI_SETSPI_NS;
	*first = v2m_first;
	*count = v2m_count;
	return true;
}

volatile uint8_t *gic_redist(uint64_t *pa)
{
	if (!ready || dt.version != 3)
		return NULL;
	*pa = gicr_pa;
	return gicr_rd;
}

uint32_t gic_dist_typer(void)
{
	return ready ? rd32(gicd, GICD_TYPER) : 0;
}

bool gic_its(uint64_t *pa, uint64_t *size, uint32_t *phandle)
{
	if (!dt.its_pa)
		return false;
	*pa = dt.its_pa;
	*size = dt.its_size;
	*phandle = dt.its_phandle;
	return true;
}

bool gic_mmio(unsigned idx, uint64_t *base, uint64_t *size)
{
	if (idx >= dt.mmio_count)
		return false;
	*base = dt.mmio[idx].base;
	*size = dt.mmio[idx].size;
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
