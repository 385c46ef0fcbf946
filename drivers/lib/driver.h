/*
 * The driver framework of the Driver API, in C: what a user-space driver
 * is (driver_ops, driver_info), what it is given (hardware_caps: exactly
 * its registers, ports, interrupt lines, DMA and config space, passed by
 * the device manager as capabilities plus a line of text), and what it
 * uses (dma_buffer, pci_device, interrupt handlers with interrupt_flags,
 * driver_error, driver_statistics).
 *
 * A driver process runs driver_main(): it parses its capabilities, calls
 * init and start, tells the manager it is ready (DEVMGR_READY with its
 * control endpoint), then runs two threads. The I/O thread is the event
 * loop: it waits on the driver's notification (interrupt lines, client
 * doorbells, control wake-ups) and runs handlers; all driver state is
 * changed there. The control thread answers IPC on the driver's endpoint
 * (DRV_CTL_*, and the device class's calls such as BLK_CTL_*): queries
 * are answered at once, anything that changes state is handed to the I/O
 * thread through a mailbox and answered when the I/O thread has done it.
 * The manager's heartbeat goes through the mailbox too, so a driver whose
 * event loop hangs stops answering it. "Async" is this loop: no threads
 * inside a driver's own code.
 */
#ifndef DRIVERS_LIB_DRIVER_H
#define DRIVERS_LIB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DriverError, the seed's ten, then the framework's own (documented in the README). */
enum driver_error {
	DRIVER_OK = 0,
	DRIVER_HARDWARE_NOT_FOUND = 1,	      /* not found, not responding, gone */
	DRIVER_INSUFFICIENT_CAPABILITIES = 2, /* asked for hardware it was not given */
	DRIVER_INITIALIZATION_FAILED = 3,
	DRIVER_TIMEOUT = 4,
	DRIVER_DMA_ERROR = 5,
	DRIVER_INTERRUPT_ERROR = 6,
	DRIVER_DEVICE_BUSY = 7,	      /* e.g. every request slot in use */
	DRIVER_INVALID_PARAMETER = 8, /* a bad LBA range, offset, length, opcode */
	DRIVER_OUT_OF_RESOURCES = 9,
	DRIVER_HARDWARE_ERROR = 10, /* the device said the operation failed */
	DRIVER_READ_ONLY = 11,	    /* a write to a read-only device */
	DRIVER_RESTARTED = 12,	    /* the driver restarted: the request was not done */
	DRIVER_ERROR_COUNT
};
const char *driver_error_name(int err);

enum device_type { DEVICE_BLOCK = 1, DEVICE_NETWORK = 2, DEVICE_CHAR = 3 };

/* CapabilityType: what a driver needs (driver_info.capabilities_required, a mask). */
enum capability_type {
	CAPTYPE_MEMORY = 1u << 0, /* plain memory only (the RAM disk) */
	CAPTYPE_MMIO = 1u << 1,
	CAPTYPE_PORTS = 1u << 2,
	CAPTYPE_INTERRUPT = 1u << 3,
	CAPTYPE_DMA = 1u << 4,
	CAPTYPE_PCI = 1u << 5,
};

struct version {
	uint16_t major, minor, patch;
};

struct driver_info {
	const char *name; /* also the program name the manager starts it by */
	struct version version;
	const char *vendor;
	const enum device_type *device_types;
	unsigned device_type_count;
	unsigned capabilities_required; /* CAPTYPE_* */
};

/* HardwareCapabilities: what the manager gave this driver, and nothing else. */
#define HWCAPS_MAX_MMIO	 6
#define HWCAPS_MAX_PORTS 4
#define HWCAPS_MAX_IRQ	 4
#define HWCAPS_NAME_MAX	 16
#define HWCAPS_ARGS_MAX	 64

struct mmio_region {
	uint64_t base, size; /* physical (CPU) addresses */
	uint64_t cap;	     /* OBJ_MMIO covering exactly this */
	bool writable;
	bool cacheable; /* always false for device registers */
};

struct port_range {
	uint16_t base, size;
	uint64_t cap; /* OBJ_IO_PORTS */
	bool writable;
};

struct interrupt_line {
	uint32_t line;	/* arch/hal/irq.h's number */
	uint32_t flags; /* IRQ_FLAG_* as the firmware describes it */
	uint64_t cap;	/* OBJ_INTERRUPT covering this line */
};

/* A PCI BAR as the manager placed it (PciBar, with where the CPU sees it). */
struct pci_bar {
	uint64_t pci_base; /* the address the function decodes */
	uint64_t cpu_base; /* where it is for the CPU (its host window's translation) */
	uint64_t size;	   /* 0: not implemented */
	bool io, prefetchable, address_64bit;
};

struct hardware_caps {
	struct mmio_region mmio_regions[HWCAPS_MAX_MMIO];
	unsigned mmio_count;
	struct port_range port_ranges[HWCAPS_MAX_PORTS];
	unsigned port_count;
	struct interrupt_line interrupts[HWCAPS_MAX_IRQ];
	unsigned interrupt_count;
	uint64_t dma; /* DmaCapability (OBJ_DMA, WRITE), 0: none */
	uint64_t
	    pci; /* PciCapability: the function's config space (HW_DEV_PCI_FUNCTION), 0: none */
	uint32_t sbdf;
	struct pci_bar bars[6];	   /* with pci: each BAR (its MMIO capability is in mmio_regions) */
	uint64_t manager;	   /* the device manager's endpoint (WRITE): DEVMGR_READY */
	uint32_t slot, generation; /* the manager's names for this start of the driver */
	char device[HWCAPS_NAME_MAX]; /* the device's name ("blk0", "ram0") */
	char args[HWCAPS_ARGS_MAX];   /* driver arguments ("size=4194304 ro") */
};

/*
 * The text the manager passes in KESTREL_HW, with the capabilities in
 * KESTREL_CAPS (the kernel's list of the tokens it granted, in order).
 * Words separated by single spaces; a capability is named by its index
 * in KESTREL_CAPS (decimal), numbers are 0x-hex or decimal:
 *   dev=NAME slot=N gen=N mgr=IDX dma=IDX args=WORD,WORD (commas for spaces)
 *   mmio=IDX:BASE:SIZE:w|r   ports=IDX:BASE:SIZE:w|r   irq=IDX:LINE:FLAGS
 *   pci=IDX:SBDF   bar=N:PCI:CPU:SIZE:FLAGS (FLAGS: 1 io, 2 prefetchable, 4 64-bit)
 * hwcaps_format writes it; hwcaps_parse reads it back, refusing anything
 * malformed or out of range (E_INVALID_PARAMETER): a driver trusts its
 * manager but not the bytes.
 */
int hwcaps_format(const struct hardware_caps *hw, const uint64_t *idx_of_cap_slot, char *buf,
		  size_t size);
int hwcaps_parse(const char *text, const char *caps_list, struct hardware_caps *hw);
/*
 * The capabilities hwcaps_format names, in the order it numbers them: the
 * list to put in process_spec.caps. Returns how many (at most `max`).
 */
unsigned hwcaps_cap_list(const struct hardware_caps *hw, uint64_t *caps, unsigned max);
/* The capability of a writable port range given that covers [port, port + count), or 0. */
uint64_t hwcaps_port_cap(const struct hardware_caps *hw, uint16_t port, uint16_t count);

/* DmaBuffer: memory a device reads or writes, with its physical pieces. */
enum dma_direction { DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_BIDIRECTIONAL = 3 };
enum dma_sync_type { DMA_SYNC_FOR_DEVICE = 1, DMA_SYNC_FOR_CPU = 2 };

struct dma_seg {
	uint64_t phys;
	uint32_t len;
};

#define DMA_MAX_SEGS 34 /* 128 KiB not page aligned, plus one */

struct dma_buffer {
	void *virt;
	size_t size;
	enum dma_direction direction;
	unsigned seg_count;
	struct dma_seg seg[DMA_MAX_SEGS];
	bool coherent; /* made by dma_alloc_coherent (freed by dma_free) */
};

/* alloc_coherent: contiguous, zeroed, one segment. DriverError. */
int dma_alloc_coherent(uint64_t dma_cap, size_t size, enum dma_direction dir,
		       struct dma_buffer *out);
/* map_memory: the caller's page-aligned memory pinned, its pages as segments. */
int dma_map_memory(uint64_t dma_cap, void *mem, size_t size, enum dma_direction dir,
		   struct dma_buffer *out);
/* sync: a compiler and memory barrier (QEMU's devices are coherent on all three arches). */
void dma_sync(const struct dma_buffer *b, enum dma_sync_type type);
uint64_t dma_physical_addr(const struct dma_buffer *b);
void *dma_as_slice(const struct dma_buffer *b);
void dma_free(struct dma_buffer *b); /* releases what alloc_coherent or map_memory made */

/* PciDevice: the function this driver was given. */
struct pci_device {
	uint8_t bus, device, function;
	uint16_t segment;
	uint64_t cap;
	const struct hardware_caps *hw;
};
int pci_device_open(struct pci_device *d, const struct hardware_caps *hw);
int pci_config_read_u32(const struct pci_device *d, uint8_t offset, uint32_t *value);
int pci_config_write_u32(const struct pci_device *d, uint8_t offset, uint32_t value);
int pci_enable_bus_mastering(const struct pci_device *d);
int pci_get_bar(const struct pci_device *d, uint8_t bar, struct pci_bar *out);
/* The config-space offset of capability `cap_id`, 0 if it has none. */
uint8_t pci_find_capability(const struct pci_device *d, uint8_t cap_id);

/*
 * DriverStatistics: operations and bytes of requests that succeeded, their
 * average latency (submission to completion), errors (requests that
 * failed, bad ones included), and the peak bandwidth in MB/s (10^6 bytes
 * a second) over windows of at least 1 ms of completions.
 */
struct driver_statistics {
	uint64_t operations_completed;
	uint64_t bytes_transferred;
	uint64_t errors_encountered;
	uint64_t average_latency_ns;
	uint32_t peak_bandwidth_mbps;
};

/*
 * The framework's counters behind it (the I/O thread adds, anyone reads a
 * copy). A request timed from start_ns to now_ns (sys_clock) counts in the
 * average latency and the peak bandwidth's windows; one with start_ns 0
 * only in the totals (drivers time a sample: a clock read is a system call).
 */
void driver_stats_record(uint64_t bytes, uint64_t start_ns, uint64_t now_ns, bool error);
void driver_stats_get(struct driver_statistics *out);

enum power_event { POWER_SUSPEND = 1, POWER_RESUME = 2, POWER_OFF = 3 };
enum device_event { DEVICE_ADDED = 1, DEVICE_REMOVED = 2 };

/* InterruptFlags. */
struct interrupt_flags {
	bool shared, edge_triggered, active_low;
};

/*
 * register_interrupt_handler: bind interrupt line `irq` (one of the
 * driver's) to the event loop; `handler(ctx, line)` runs on the I/O thread
 * each time it fires, then the line is acknowledged. DriverError
 * (DRIVER_INTERRUPT_ERROR if the kernel refuses, DRIVER_OUT_OF_RESOURCES
 * past HWCAPS_MAX_IRQ handlers).
 */
int driver_register_interrupt(const struct interrupt_line *irq,
			      void (*handler)(void *ctx, uint32_t line), void *ctx,
			      struct interrupt_flags flags);

struct block_ops;
struct ipc_message;

/* The Driver trait. Each returns a DriverError; `dev` is the driver's own state. */
struct driver_ops {
	const struct driver_info *info;
	int (*init)(void *dev, const struct hardware_caps *caps);
	int (*start)(void *dev);
	int (*stop)(void *dev); /* quiesce: no more DMA once it returns */
	int (*power_event)(void *dev, enum power_event ev);
	int (*device_event)(void *dev, enum device_event ev);
	const struct block_ops *block; /* a block device's operations (blkserv.h), or NULL */
};

/*
 * The driver process's main: run `ops` on `dev` under the framework, as
 * above. Returns (the process's exit code) only when init or start fail
 * (the DriverError) or the driver was stopped (0).
 */
int driver_main(const struct driver_ops *ops, void *dev);

/*
 * The driver programs the image carries, by name (`init driver NAME`):
 * each driver file says DRIVER_PROGRAM(name, ops, dev) once.
 */
struct driver_program {
	const char *name;
	const struct driver_ops *ops;
	void *dev;
};
#define DRIVER_PROGRAM(id, nm, o, d)                           \
	static const struct driver_program driver_program_##id \
	    __attribute__((used, section("driver_programs"), aligned(8))) = {nm, o, d}
/* The program called `name`, or NULL. */
const struct driver_program *driver_program(const char *name);

/*
 * Notification bits of the driver's event loop: interrupt handlers take
 * bits 0..HWCAPS_MAX_IRQ-1, client sessions DRIVER_BIT_SESSION + n,
 * DRIVER_BIT_MAILBOX wakes it for the control thread.
 */
#define DRIVER_BIT_SESSION  8
#define DRIVER_MAX_SESSIONS 16
#define DRIVER_BIT_MAILBOX  63

/* The driver's notification (for the class layers: doorbells are derived from it). */
uint64_t driver_notification(void);
/* Wake the I/O thread's loop for `bit` (as a doorbell would). */
void driver_kick(unsigned bit);
/*
 * Run the interrupt handlers whose bits are in `bits` and acknowledge
 * their lines, then every polled handler (driver_register_poll): the
 * event loop does at each wake-up; so does a wait of the I/O thread's own
 * (the block server's quiesce), and a test driving a driver's ops
 * directly, without driver_main, waits on driver_notification() and calls
 * this itself.
 */
void driver_run_interrupts(uint64_t bits);
/*
 * A handler run on the I/O thread at every wake-up of the loop and at
 * least every DRIVER_POLL_NS: for a device whose interrupt line another
 * driver holds (legacy INTx lines are shared, and a line binds to one
 * notification), which then turns its own INTx off and is polled.
 */
#define DRIVER_POLL_NS 5000000ull
int driver_register_poll(void (*handler)(void *ctx, uint32_t line), void *ctx);
/*
 * Whether the handlers registered with `ctx` need the timer (they do from
 * their registration on): with none that does, the loop sleeps until an
 * interrupt or a call wakes it, and runs them then. For the I/O thread.
 */
void driver_poll_active(void *ctx, bool on);

/*
 * Control calls every driver answers on its endpoint (native IPC, word 0
 * the call; the reply's word 0 a DriverError).
 */
enum driver_ctl {
	DRV_CTL_PING = 1,      /* -> : answered by the control thread (it is alive) */
	DRV_CTL_HEARTBEAT = 2, /* -> : answered once the I/O thread has run it (a hang shows) */
	DRV_CTL_STATS = 3,     /* -> w1 operations, w2 bytes, w3 errors, words 4 latency, 5 peak */
	DRV_CTL_STOP = 4,      /* -> : power_event(POWER_OFF) (block: flush), stop; then it exits */
	DRV_CTL_FAULT = 5,     /* w1 DRV_FAULT_* -> : a test hook, taken from the manager only */
	DRV_CTL_INFO = 6,      /* -> w1 device type, w2 capabilities_required, w3 version */
};
enum { DRV_FAULT_HANG = 1, DRV_FAULT_CRASH = 2 };

/* Class layers (blkserv.c) hook their calls and their doorbells in here. */
struct driver_class {
	/* A control call the framework does not know: on the control thread. Return true if taken. */
	bool (*control)(void *dev, const struct ipc_message *msg);
	/* On the I/O thread: doorbell bits (DRIVER_BIT_SESSION and up) that were rung. */
	void (*doorbells)(void *dev, uint64_t bits);
	/* On the I/O thread before stop: finish what is in flight (block: flush). */
	void (*quiesce)(void *dev);
	/*
	 * Non-NULL: the driver's endpoint is the Xous server of this name (the
	 * kernel forwards calls to it), and control calls (DRV_CTL_*) are
	 * taken from the manager alone.
	 */
	const char *server;
};
void driver_set_class(const struct driver_class *cls);
/* The hardware capabilities driver_main parsed (for the class layers: the DMA capability). */
const struct hardware_caps *driver_hardware(void);
/*
 * From the control thread: run fn(dev, arg) on the I/O thread and wait
 * (up to timeout_ns) for it to finish. DRIVER_TIMEOUT if it did not.
 */
int driver_on_io_thread(void (*fn)(void *dev, void *arg), void *arg, uint64_t timeout_ns);

#endif
