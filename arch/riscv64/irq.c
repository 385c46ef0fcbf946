/*
 * Device interrupt lines on RISC-V: the sources of the platform-level
 * interrupt controller (PLIC, "sifive,plic-1.0.0" / "riscv,plic0") the
 * device tree names, delivered to the boot hart's S-mode context as the
 * supervisor external interrupt. The context is found from the PLIC's
 * interrupts-extended: the entry whose CPU node is the boot hart and whose
 * cause is 9 (S-mode external). Every source starts at priority 0 (never
 * delivered) with the context's threshold 0; unmasking sets a source's
 * enable bit and gives it priority 1. An interrupt is claimed, handled
 * (trap_irq) and completed, until the claim register reads 0.
 *
 * Every PLIC source is level-triggered, active high on QEMU virt: the
 * gateway is built that way and has no trigger register, so
 * arch_irq_configure() accepts only those flags. There is no MSI
 * controller: QEMU's virt has an IMSIC only with aia=aplic-imsic, and that
 * replaces the PLIC by an APLIC this file does not drive.
 */
#include "arch/hal/irq.h"
#include "arch/hal/trap.h"
#include "core/boot_info.h"
#include "core/fdt.h"
#include "core/kprintf.h"
#include "include/abi/error.h"
#include "mm/kvm.h"
#include "riscv.h"

#define PLIC_PRIORITY	  0x000000 /* 4 bytes per source */
#define PLIC_ENABLE	  0x002000 /* 0x80 bytes per context, a bit per source */
#define PLIC_ENABLE_STEP  0x80
#define PLIC_CONTEXT	  0x200000 /* 0x1000 bytes per context */
#define PLIC_CONTEXT_STEP 0x1000
#define PLIC_THRESHOLD	  0x0
#define PLIC_CLAIM	  0x4 /* read: claim; write: complete */
#define PLIC_SOURCES_MAX  1024
#define PLIC_CONTEXTS_MAX 15872
#define HART_S_EXTERNAL	  9 /* the cause an S-mode context's entry names */
#define SIE_SEIE	  (1ul << IRQ_S_EXT)
#define CLAIMS_MAX	  64 /* per trap, so a stuck source cannot hold the hart */

static uintptr_t prio_va, enable_va, context_va; /* 0 until arch_irq_init() */
static unsigned sources;			 /* riscv,ndev: sources 1..sources */

/* Registers the kernel keeps (arch_kernel_mmio): PLIC, CLINT, console UART, exit device. */
#define KMMIO_MAX 8
static struct {
	uint64_t base, size;
} kmmio[KMMIO_MAX];
static unsigned kmmio_count;

static void keep_mmio(uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < kmmio_count; i++)
		if (kmmio[i].base == base)
			return; /* one node, found by two of its compatible strings */
	if (size && kmmio_count < KMMIO_MAX)
		kmmio[kmmio_count].base = base, kmmio[kmmio_count++].size = size;
}

/*
 * The CLINT (or the ACLINT's timer and software-interrupt devices) is
 * M-mode's: OpenSBI drives it for us through SBI calls and no user driver
 * may have it.
 */
static void keep_clint(const struct fdt *f)
{
	static const char *const compats[] = {"sifive,clint0", "riscv,clint0",
					      "riscv,aclint-mtimer", "riscv,aclint-mswi"};
	for (unsigned i = 0; i < sizeof(compats) / sizeof(compats[0]); i++) {
		uint64_t base, size;
		for (int n = fdt_find_compatible(f, -1, compats[i]); n >= 0;
		     n = fdt_find_compatible(f, n, compats[i]))
			if (fdt_reg(f, n, 0, &base, &size) >= 0)
				keep_mmio(base, size);
	}
}

/* The node whose phandle is `ph`, or a negative error. */
static int node_by_phandle(const struct fdt *f, uint32_t ph)
{
	int depth, n = fdt_next_node(f, -1, &depth);
	for (; n >= 0; n = fdt_next_node(f, n, &depth))
		if (fdt_prop_u32(f, n, "phandle", 0) == ph ||
		    fdt_prop_u32(f, n, "linux,phandle", 0) == ph)
			return n;
	return FDT_ERR_NOTFOUND;
}

/* The PLIC context of `hart`'s S-mode in interrupts-extended, or -1. */
static int s_context(const struct fdt *f, int plic, unsigned hart)
{
	int len;
	const uint8_t *ext = fdt_prop(f, plic, "interrupts-extended", &len);
	if (!ext || len < 8)
		return -1;
	for (int i = 0; i < len / 8 && i < PLIC_CONTEXTS_MAX; i++) {
		if (fdt_be32(ext + 8 * i + 4) != HART_S_EXTERNAL)
			continue;
		int intc = node_by_phandle(f, fdt_be32(ext + 8 * i));
		int cpu = intc >= 0 ? fdt_parent(f, intc) : -1;
		uint64_t reg, size;
		if (cpu >= 0 && fdt_reg(f, cpu, 0, &reg, &size) >= 0 && reg == hart)
			return i;
	}
	return -1;
}

int arch_irq_init(const struct boot_info *bi)
{
	static const char *const compats[] = {"sifive,plic-1.0.0", "riscv,plic0"};
	struct fdt f;

	kmmio_count = 0;
	if (bi->console.kind == CONSOLE_NS16550_MMIO)
		keep_mmio(bi->console.base, 0x1000);
	if (bi->power == POWER_SIFIVE_TEST && bi->power_base)
		keep_mmio(bi->power_base, 0x1000);
	if (!bi->dtb || bi->dtb + bi->dtb_size > PHYS_MAP_SIZE ||
	    fdt_open(&f, (const void *)riscv_phys_va(bi->dtb), bi->dtb_size) < 0)
		return -E_NOT_FOUND;
	keep_clint(&f);
	int plic = -1;
	for (unsigned i = 0; i < sizeof(compats) / sizeof(compats[0]) && plic < 0; i++)
		plic = fdt_find_compatible(&f, -1, compats[i]);
	uint64_t base, size;
	if (plic < 0 || !fdt_is_enabled(&f, plic) || fdt_reg(&f, plic, 0, &base, &size) < 0)
		return -E_NOT_FOUND;
	int ctx = s_context(&f, plic, bi->boot_cpu);
	uint32_t ndev = fdt_prop_u32(&f, plic, "riscv,ndev", 0);
	if (ctx < 0 || ndev == 0 || ndev >= PLIC_SOURCES_MAX ||
	    size < PLIC_CONTEXT + (uint64_t)(ctx + 1) * PLIC_CONTEXT_STEP)
		return -E_NOT_FOUND;
	keep_mmio(base, size);
	void *prio = kvm_map_device(base + PLIC_PRIORITY, 4 * PLIC_SOURCES_MAX);
	void *en =
	    kvm_map_device(base + PLIC_ENABLE + (uint64_t)ctx * PLIC_ENABLE_STEP, PLIC_ENABLE_STEP);
	void *cx = kvm_map_device(base + PLIC_CONTEXT + (uint64_t)ctx * PLIC_CONTEXT_STEP,
				  PLIC_CONTEXT_STEP);
	if (!prio || !en || !cx)
		return -E_OUT_OF_MEMORY;
	prio_va = (uintptr_t)prio, enable_va = (uintptr_t)en, context_va = (uintptr_t)cx;
	sources = ndev;
	for (unsigned s = 1; s <= sources; s++)
		mmio_write32(prio_va + 4 * s, 0);
	for (unsigned w = 0; w <= sources / 32; w++)
		mmio_write32(enable_va + 4 * w, 0);
	mmio_write32(context_va + PLIC_THRESHOLD, 0);
	/* Complete anything a firmware left claimed, then take external interrupts. */
	for (unsigned i = 0; i < CLAIMS_MAX; i++) {
		uint32_t id = mmio_read32(context_va + PLIC_CLAIM);
		if (!id)
			break;
		mmio_write32(context_va + PLIC_CLAIM, id);
	}
	csr_set(sie, SIE_SEIE);
	pr_info("irq: PLIC at %#llx, %u sources, context %d (hart %u S-mode)",
		(unsigned long long)base, sources, ctx, bi->boot_cpu);
	return 0;
}

bool arch_irq_valid(unsigned irq)
{
	return context_va && irq >= 1 && irq <= sources;
}

static void set_enable(unsigned irq, bool on)
{
	uintptr_t word = enable_va + 4 * (irq / 32);
	uint32_t bit = 1u << (irq % 32), v = mmio_read32(word);
	mmio_write32(word, on ? v | bit : v & ~bit);
}

int arch_irq_unmask(unsigned irq)
{
	if (!arch_irq_valid(irq))
		return E_INVALID_PARAMETER;
	/*
	 * Priority last: QEMU's PLIC looks for a pending source to deliver
	 * when a priority is written, not when an enable bit is, so a level
	 * that rose while masked is delivered now, not at its next change.
	 */
	set_enable(irq, true);
	mmio_write32(prio_va + 4 * irq, 1);
	return E_OK;
}

int arch_irq_mask(unsigned irq)
{
	if (!arch_irq_valid(irq))
		return E_INVALID_PARAMETER;
	set_enable(irq, false);
	mmio_write32(prio_va + 4 * irq, 0);
	return E_OK;
}

void arch_irq_eoi(unsigned irq)
{
	if (arch_irq_valid(irq))
		mmio_write32(context_va + PLIC_CLAIM, irq);
}

unsigned arch_irq_limit(void)
{
	return context_va ? sources + 1 : 0;
}

int arch_irq_configure(unsigned irq, unsigned flags)
{
	if (!arch_irq_valid(irq))
		return E_INVALID_PARAMETER;
	return flags == IRQ_LEVEL ? E_OK : E_NOT_SUPPORTED;
}

unsigned arch_irq_flags(unsigned irq)
{
	return arch_irq_valid(irq) ? IRQ_LEVEL : 0;
}

unsigned arch_irq_isa(unsigned isa_irq, unsigned *flags)
{
	(void)isa_irq;
	*flags = 0;
	return IRQ_NONE;
}

int arch_msi_alloc(unsigned *irq, uint64_t *address, uint32_t *data)
{
	(void)irq;
	(void)address;
	(void)data;
	return E_NOT_SUPPORTED;
}

void arch_msi_free(unsigned irq)
{
	(void)irq;
}

bool arch_kernel_mmio(unsigned idx, uint64_t *base, uint64_t *size)
{
	if (idx >= kmmio_count)
		return false;
	*base = kmmio[idx].base, *size = kmmio[idx].size;
	return true;
}

void riscv_external_interrupt(struct trap_frame *tf)
{
	if (!context_va) {
		csr_clear(sie, SIE_SEIE); /* nobody set up a controller: never again */
		trap_irq(tf, IRQ_NONE);
		return;
	}
	for (unsigned i = 0; i < CLAIMS_MAX; i++) {
		uint32_t id = mmio_read32(context_va + PLIC_CLAIM);
		if (!id)
			return;
		trap_irq(tf, id);
		mmio_write32(context_va + PLIC_CLAIM, id);
	}
}
