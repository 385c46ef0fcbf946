/*
 * Hardware capabilities of the Driver API, as user space sees them: what
 * the system calls 196-216 take and return, what a hardware capability's
 * object id and extent mean, and the machine description's layout.
 *
 * Capabilities (struct capability: type, object id, extent, rights):
 *   OBJ_MMIO       id = first physical address, extent = bytes (page multiples).
 *                  MAP (and READ) map it, WRITE makes the mapping writable.
 *   OBJ_IO_PORTS   id = first port, extent = ports. READ: in, WRITE: out.
 *   OBJ_INTERRUPT  id = first line, extent = lines (arch/hal/irq.h numbers).
 *                  WRITE binds, acknowledges and unbinds.
 *   OBJ_DMA        id 0, extent 0: the right to make DMA memory (WRITE).
 *   OBJ_DEVICE     id = HW_DEV_* kind << 32 | what (below), extent = how many.
 *     HW_DEV_ROOT          the machine description (READ).
 *     HW_DEV_PCI_BUS       id low bits: segment << 16 | first bus << 8, extent = functions
 *                          (bus-wide: every config register, BARs too).
 *     HW_DEV_PCI_FUNCTION  id low bits: segment << 16 | bdf, extent 1 (its config space,
 *                          not its BARs).
 * SYS_CAPABILITY_DERIVE_RANGE narrows any of them: a sub-range and fewer
 * rights (one function of a PCI bus capability is a function capability).
 * The kernel refuses to map what it keeps for itself (its RAM, image, page
 * tables, console UART, interrupt controllers, timer, exit device and the
 * PCI hosts' ECAM windows), whoever asks.
 *
 * System calls (args -> results):
 *   INTERRUPT_BIND     irq cap, line, notification cap (WRITE), bit | flags << 8 ->
 *                      the line's interrupts set `bit` (0-63) in the notification. flags:
 *                      IRQ_FLAG_* (0: as the firmware described the line). A level line is
 *                      masked when it fires until INTERRUPT_ACK. E_BUSY if the line is bound.
 *   INTERRUPT_ACK      irq cap, line -> r0 ns since the line last fired (instructions under
 *                      -icount shift=0: the interrupt latency benchmark); unmasks a level
 *                      line that fired.
 *   INTERRUPT_UNBIND   irq cap, line -> masked and free again.
 *   MMIO_MAP           mmio cap, phys, size, addr (0: anywhere) -> r0 addr. Device memory,
 *                      uncached, never executable; writable with WRITE on the cap.
 *   PORT_IN            ports cap, port, width (1, 2, 4) -> r0 value.
 *   PORT_OUT           ports cap, port, width, value ->.
 *   CAPABILITY_DERIVE_RANGE  token, rights, first, extent -> r0 token.
 *   DMA_ALLOC          dma cap, size, zone (DMA_ZONE_*) -> r0 addr, r1 physical address:
 *                      zeroed, physically contiguous, mapped read-write, never executable.
 *   DMA_PIN            dma cap, addr, size, u64 array (one per page) -> r0 pages: the
 *                      caller's own pages, or a shared region's it maps (E_BUSY for a
 *                      page shared copy-on-write), pinned (no unmap, no copy-on-write
 *                      transfer) and their physical addresses.
 *   DMA_RELEASE        addr -> : frees what DMA_ALLOC made at addr, or unpins what DMA_PIN
 *                      pinned there. Both happen at exit too.
 *   PCI_CONFIG_READ    device cap, bdf (function caps: theirs), offset, width -> r0 value.
 *   PCI_CONFIG_WRITE   device cap, bdf, offset, width, value -> ; a function capability
 *                      may not write what places or resets it: BARs, expansion ROM, a
 *                      bridge's bus numbers, windows and bridge control, an unknown
 *                      header past its IDs, extended space (E_PERMISSION_DENIED). Bus
 *                      mastering turned on is recorded (E_RESOURCE_EXHAUSTED when full).
 *   PCI_INTERRUPT      device cap, bdf -> r0 line, r1 IRQ_FLAG_*: where its INTx arrives
 *                      (device tree interrupt-map with the bridge swizzle, or the BIOS's
 *                      interrupt line through the MADT's overrides); E_NOT_FOUND if none.
 *   PCI_MSI_ALLOC      device cap (WRITE), bdf -> r0 line, r1 interrupt cap (that line),
 *                      r2 address, r3 data; the line goes when the process ends.
 *   MACHINE_INFO       root device cap (READ), buffer, size -> r0 bytes of the description
 *                      (copied only if it fits: ask with size 0 first).
 */
#ifndef ABI_HW_H
#define ABI_HW_H

#include <stdint.h>

enum {
	HW_DEV_ROOT = 1,
	HW_DEV_PCI_BUS = 2,
	HW_DEV_PCI_FUNCTION = 3,
};
#define HW_DEV_ID(kind, what) ((uint64_t)(kind) << 32 | (uint32_t)(what))
#define HW_DEV_KIND(id)	      ((uint32_t)((id) >> 32))

/* Trigger and polarity (the same bits as arch/hal/irq.h). */
#define IRQ_FLAG_LEVEL	    1u
#define IRQ_FLAG_ACTIVE_LOW 2u

enum dma_zone {
	DMA_ZONE_ANY = 0,   /* anywhere */
	DMA_ZONE_32BIT = 1, /* below 4 GiB */
	DMA_ZONE_ISA = 2,   /* below 16 MiB */
};

/*
 * The machine description (MACHINE_INFO): a header, then records one
 * after another, each starting with its type and its size in bytes (a
 * multiple of 8), so a reader skips what it does not know.
 */
#define HW_DESC_MAGIC 0x4d48424bu /* "KBHM" */

struct hw_desc_header {
	uint32_t magic;
	uint32_t size;	/* the whole description, this header included */
	uint32_t count; /* records */
	uint32_t reserved;
};

enum hw_rec_type {
	HW_REC_DEVICE = 1,	 /* struct hw_rec_device */
	HW_REC_PCI_HOST = 2,	 /* struct hw_rec_pci_host */
	HW_REC_IRQ_OVERRIDE = 3, /* struct hw_rec_irq_override (x86_64: the MADT's) */
};

struct hw_rec {
	uint16_t type;
	uint16_t size;
	uint32_t flags;
};

#define HW_REC_KERNEL 1u /* the kernel keeps this device: no capability maps it */
#define HW_REC_ISA    2u /* a fixed ISA device of the PC (ports, ISA interrupts) */
#define HW_REC_PORTS  4u /* reg[] are I/O ports, not physical addresses */
#define HW_MAX_REG    4
#define HW_MAX_IRQ    4
#define HW_NAME_MAX   32
#define HW_COMPAT_MAX 64

/* A device-tree node with registers or interrupts, or a fixed device of the PC. */
struct hw_rec_device {
	struct hw_rec rec;
	char name[HW_NAME_MAX];		/* the node's name (unit address dropped), or "rtc" */
	char compatible[HW_COMPAT_MAX]; /* its compatible strings, NUL-separated, truncated */
	uint32_t reg_count;
	uint32_t irq_count;
	struct {
		uint64_t base, size;
	} reg[HW_MAX_REG];
	struct {
		uint32_t line;	/* arch/hal/irq.h's number: what interrupt capabilities name */
		uint32_t flags; /* IRQ_FLAG_* */
	} irq[HW_MAX_IRQ];
};

#define HW_MAX_WINDOWS 8
#define HW_MAX_INTX    64

enum {
	HW_WINDOW_IO = 1,
	HW_WINDOW_MEM32 = 2,
	HW_WINDOW_MEM64 = 3,
	HW_WINDOW_PREFETCH = 0x100, /* or-ed into the type */
};

/*
 * A PCI host bridge: its ECAM (base 0: ports 0xCF8/0xCFC), windows and INTx
 * routing. ecam_base is bus_start's configuration space (the device tree's
 * reg; an MCFG entry's base plus bus_start << 20), bus b's at
 * ecam_base + ((b - bus_start) << 20). intx_count 0: no interrupt-map.
 */
struct hw_rec_pci_host {
	struct hw_rec rec;
	uint64_t ecam_base, ecam_size;
	uint16_t segment;
	uint8_t bus_start, bus_end;
	uint32_t window_count;
	struct {
		uint32_t type; /* HW_WINDOW_* */
		uint32_t reserved;
		uint64_t pci_addr, cpu_addr, size;
	} window[HW_MAX_WINDOWS];
	/* The device tree's interrupt-map, the parent specifiers made lines. */
	uint32_t intx_mask_devfn; /* applied to bdf << 8 bits as the binding's phys.hi */
	uint32_t intx_mask_pin;
	uint32_t intx_count;
	uint32_t reserved2;
	struct {
		uint32_t devfn_hi; /* phys.hi of the child unit address (bus << 16 | devfn << 8) */
		uint32_t pin;	   /* 1-4: INTA-INTD */
		uint32_t line, flags;
	} intx[HW_MAX_INTX];
};

/* An ISA interrupt that arrives elsewhere (x86_64: the MADT's interrupt source overrides). */
struct hw_rec_irq_override {
	struct hw_rec rec;
	uint32_t isa_irq;
	uint32_t line;
	uint32_t flags; /* IRQ_FLAG_* */
	uint32_t reserved;
};

#endif
