/*
 * Contracts between the files of the AArch64 port; nothing outside
 * arch/aarch64 includes this.
 *
 * The virtual layout is drawn in hal_arch/mmu.h. Physical memory on QEMU
 * virt (everything but the kernel's own placement comes from the device
 * tree; with the MMU on, physical address x is read at PHYS_MAP_BASE + x):
 *
 *   0x00000000 ..            flash (U-Boot, when -bios), then devices: GIC,
 *                            PL011, RTC, virtio-mmio, PCIe (from the DTB)
 *   0x40000000               start of RAM (from the DTB /memory node)
 *   2 MiB aligned base       the kernel Image: loaders put it at a 2 MiB
 *     + 0x200000             aligned RAM base + text_offset (0x200000):
 *                            0x40200000 with QEMU -kernel, higher with
 *                            U-Boot. Linked at KERNEL_VIRT_BASE + 0x200000,
 *                            whatever the physical address.
 *     .head.text             the 64-byte Image header, then the entry code
 *     .text .rodata .ktests  code and read-only data
 *     .data .bss             data
 *     boot tables, guard     boot.S's page tables, one guard page, the
 *     page, boot stack       16 KiB boot stack
 *   __kernel_end             end of the image (image_size in the header)
 *   anywhere in RAM          the DTB (x0 at entry). QEMU -kernel puts it
 *                            at RAM base + min(RAM / 2, 128 MiB); U-Boot
 *                            copies it near the top of RAM. Never assumed:
 *                            fdt_boot_info() reserves where it really is.
 */
#ifndef AARCH64_AARCH64_H
#define AARCH64_AARCH64_H

/* Offset of the Image from its 2 MiB aligned base, as the Image header says. */
#define IMAGE_TEXT_OFFSET 0x200000
/* The Linux arm64 boot protocol caps the DTB at 2 MiB: never read further. */
#define DTB_MAX_SIZE 0x200000

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/hal/mmu.h"
#include "arch/hal/trap.h"
#include "core/boot_info.h"

/* Where the kernel reads physical address `pa`: the direct map. */
static inline void *phys_map(uint64_t pa)
{
	return (void *)(uintptr_t)(PHYS_MAP_BASE + pa);
}

/* Semihosting operations (Arm semihosting specification v2). */
#define SEMIHOST_SYS_WRITEC 0x03
#define SEMIHOST_SYS_EXIT   0x18

/*
 * Make a semihosting call (HLT #0xf000). Returns the call's result, or -1
 * when the debugger is absent; after that, semihost_present() is false and
 * later calls return -1 at once.
 */
long semihost_call(unsigned op, const void *arg);
/* False once a semihosting call trapped as an undefined instruction. */
bool semihost_present(void);
/*
 * Called by the trap handler for an undefined instruction: true when it
 * was a semihosting call made without a debugger, which is then skipped.
 */
bool semihost_trap(struct trap_frame *tf);

/*
 * Extend the boot tables' direct map to every GiB holding RAM the device
 * tree describes (boot.S maps only [0, 4 GiB), the DTB and the image), up
 * to the 512 GiB one L1 table spans.
 */
void mmu_boot_map_ram(const struct boot_info *bi);

/*
 * User mode (user.c): at boot, make FP/SIMD usable at EL1 (trapped at EL0
 * until arch_fpu_allow) and turn PAN on where the CPU has it;
 * user_pan_on() says whether it did. TPIDR_EL1 is the scratch register of
 * trap.S's kernel sync vector: nothing else may keep anything in it.
 */
void user_cpu_init(void);
bool user_pan_on(void);

/* The console UART's registers (console.c): false while the console is not a PL011. */
bool console_mmio(uint64_t *base, uint64_t *size);

/* Record the PSCI conduit the device tree named, for arch_power_off(). */
void power_init(const struct boot_info *bi);

struct fdt;

/*
 * The GIC (gic.c). gic_dt_probe() records the controller the device tree
 * names (at boot, while the boot tables map the DTB) and returns its node;
 * gic_init() maps and enables it on this CPU once the kernel's tables
 * exist, false when there is none it can drive.
 */
int gic_dt_probe(const struct fdt *f);
bool gic_init(void);
bool gic_ready(void);
unsigned gic_version(void);
/* The #interrupt-cells of the GIC node: the size of an interrupt specifier. */
uint32_t gic_irq_cells(void);
/* The GIC node's phandle, what interrupt-parent names it by; 0 when it has none. */
uint32_t gic_phandle(void);
/* Enable an SGI or PPI (INTID < 32) on this CPU. */
void gic_enable_private(unsigned intid);
/* Interrupt IDs the distributor has (SPIs end below it); 0 without a GIC. */
unsigned gic_lines(void);
/*
 * SPIs, each routed to this CPU at one priority by gic_init() (disabled,
 * level-triggered): every call is false, changing nothing, for an INTID
 * that is not an SPI of this distributor. Enable (unmask) or disable it;
 * whether it is enabled; make it edge- or level-triggered (GICD_ICFGR,
 * disabled while it changes); whether it is edge-triggered; set or clear
 * its pending state (GICD_ISPENDR / ICPENDR: as if its line had raised
 * it, or quietened); whether it is pending.
 */
bool gic_spi_enable(unsigned intid, bool enable);
bool gic_spi_enabled(unsigned intid);
bool gic_spi_set_edge(unsigned intid, bool edge);
bool gic_spi_edge(unsigned intid);
bool gic_spi_set_pending(unsigned intid, bool pending);
bool gic_spi_pending(unsigned intid);
/*
 * The GICv2m frame: the physical address of MSI_SETSPI_NS (a write of an
 * INTID there raises it) and its SPIs [first, first + count), all
 * edge-triggered. False without one (always under GICv3).
 */
bool gic_v2m(uint64_t *setspi_pa, unsigned *first, unsigned *count);
/*
 * GICv3: this CPU's redistributor (its RD_base frame, mapped; *pa its
 * physical address), NULL before gic_init() or under v2; GICD_TYPER (0
 * before gic_init()); the first enabled ITS the tree names, under the v3
 * GIC (false without one).
 */
volatile uint8_t *gic_redist(uint64_t *pa);
uint32_t gic_dist_typer(void);
bool gic_its(uint64_t *pa, uint64_t *size, uint32_t *phandle);
/* The idx-th register range of the GIC the tree named (its frames and ITS too); false past the last. */
bool gic_mmio(unsigned idx, uint64_t *base, uint64_t *size);
/* Acknowledge the highest priority pending interrupt: the raw IAR value. */
uint32_t gic_ack(void);
/* The INTID in an IAR value; 1020-1023 are special (1023: spurious). */
unsigned gic_intid(uint32_t iar);
/* End the interrupt acknowledged as `iar` (priority drop and deactivation). */
void gic_eoi(uint32_t iar);
#define GIC_INTID_SPURIOUS 1023

/*
 * The GICv3 ITS (its.c): MSI as LPIs on this CPU's redistributor.
 * its_init() (from arch_irq_init, after gic_init) sets up the LPI tables,
 * the ITS and the PCI hosts' msi-map from the tree; 0, or a negative E_*
 * when there is no ITS it can drive (then no MSI). The LPIs are the INTIDs
 * [*first, *first + *count), false without a working ITS; each is valid
 * only while allocated, edge-triggered, enabled or not in its property
 * byte. its_msi_alloc / its_msi_free: arch_msi_alloc / arch_msi_free.
 * its_device_id: the DeviceID PCI function `sbdf` writes with (its
 * requester ID through its host's msi-map). its_map_rid: one msi-map
 * (`len` bytes of <rid-base phandle out-base length>) applied to `rid`
 * masked by `mask` for the MSI controller `phandle`: E_OK and *out,
 * E_NOT_SUPPORTED when no entry maps it there, E_INVALID_PARAMETER for a
 * malformed map.
 */
int its_init(const struct boot_info *bi);
bool its_lpis(unsigned *first, unsigned *count);
bool its_lpi_allocated(unsigned intid);
bool its_lpi_enable(unsigned intid, bool enable);
bool its_lpi_enabled(unsigned intid);
int its_msi_alloc(uint32_t sbdf, unsigned *irq, uint64_t *address, uint32_t *data);
bool its_msi_free(unsigned intid);
int its_device_id(uint32_t sbdf, uint32_t *devid);
int its_map_rid(const uint8_t *map, int len, uint32_t mask, uint32_t phandle, uint32_t rid,
		uint32_t *out);

/*
 * The timer (timer.c): timer_dt_probe() reads the GIC and the timer's
 * interrupt from the DTB at boot; timer_intid() is the INTID of CNTV.
 */
void timer_dt_probe(const void *blob, size_t avail);
unsigned timer_intid(void);
/* Scale arch_time_ns() to CNTFRQ_EL0: at boot, before anything reads the clock. */
void timer_clock_init(void);

/*
 * The C entry, called by boot.S on the boot CPU at the link address with
 * the MMU on: the DTB's physical address and the image's (of _start).
 */
_Noreturn void arch_boot_main(uint64_t dtb_pa, uint64_t kernel_pa);
#endif

#endif
