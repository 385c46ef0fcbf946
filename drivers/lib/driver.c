/*
 * The driver framework (driver.h): the process a user-space driver runs
 * as. driver_main parses the hardware capabilities the manager granted,
 * runs init and start, opens the control endpoint, starts the control
 * thread, tells the manager it is ready and becomes the I/O thread's
 * event loop. Everything that changes driver state runs on the I/O
 * thread: interrupt handlers, client doorbells, and the control thread's
 * requests, which go through a one-slot mailbox (driver_on_io_thread) and
 * are answered once the loop has run them, so a hung loop shows as an
 * unanswered heartbeat. Also here: DMA buffers, PCI config space, the
 * statistics and the DriverError names.
 */
#include "drivers/lib/driver.h"
#include "drivers/lib/blkserv.h"
#include "drivers/lib/devmgr.h"
#include "hw.h"
#include "ipc.h"

static uint64_t note; /* the driver's notification: the event loop waits on it */

static struct handler {
	struct interrupt_line line;
	void (*fn)(void *ctx, uint32_t line);
	void *ctx;
} handlers[HWCAPS_MAX_IRQ];
static unsigned handler_count;

uint64_t driver_notification(void)
{
	if (!note && notification_create(&note))
		note = 0;
	return note;
}

void driver_kick(unsigned bit)
{
	if (bit < 64 && driver_notification())
		notification_signal(note, 1ull << bit);
}

int driver_register_interrupt(const struct interrupt_line *irq,
			      void (*handler)(void *ctx, uint32_t line), void *ctx,
			      struct interrupt_flags flags)
{
	if (!irq || !handler)
		return DRIVER_INVALID_PARAMETER;
	if (handler_count >= HWCAPS_MAX_IRQ)
		return DRIVER_OUT_OF_RESOURCES;
	if (!driver_notification())
		return DRIVER_OUT_OF_RESOURCES;
	/* Flags that say nothing (not shared, not edge, not low) leave the firmware's setting. */
	unsigned f = 0;
	if (flags.edge_triggered || flags.active_low)
		f = (flags.edge_triggered ? 0 : IRQ_FLAG_LEVEL) |
		    (flags.active_low ? IRQ_FLAG_ACTIVE_LOW : 0);
	unsigned bit = handler_count;
	if (hw_irq_bind(irq->cap, irq->line, note, bit, f))
		return DRIVER_INTERRUPT_ERROR;
	handlers[handler_count++] = (struct handler){.line = *irq, .fn = handler, .ctx = ctx};
	return DRIVER_OK;
}

static struct {
	void (*fn)(void *ctx, uint32_t line);
	void *ctx;
	bool idle; /* driver_poll_active(ctx, false): not polled on a timer */
} polled[HWCAPS_MAX_IRQ];
static unsigned polled_count;

/* Does any polled handler want its timer? */
static bool polling(void)
{
	for (unsigned i = 0; i < polled_count; i++)
		if (!polled[i].idle)
			return true;
	return false;
}

void driver_poll_active(void *ctx, bool on)
{
	for (unsigned i = 0; i < polled_count; i++)
		if (polled[i].ctx == ctx)
			polled[i].idle = !on;
}

int driver_register_poll(void (*handler)(void *ctx, uint32_t line), void *ctx)
{
	if (!handler)
		return DRIVER_INVALID_PARAMETER;
	if (polled_count >= HWCAPS_MAX_IRQ)
		return DRIVER_OUT_OF_RESOURCES;
	polled[polled_count].fn = handler;
	polled[polled_count].idle = false;
	polled[polled_count++].ctx = ctx;
	return DRIVER_OK;
}

static void run_polled(void)
{
	for (unsigned i = 0; i < polled_count; i++)
		polled[i].fn(polled[i].ctx, 0);
}

void driver_run_interrupts(uint64_t bits)
{
	for (unsigned i = 0; i < handler_count; i++) {
		if (!(bits & 1ull << i))
			continue;
		handlers[i].fn(handlers[i].ctx, handlers[i].line.line);
		hw_irq_ack(handlers[i].line.cap, handlers[i].line.line, NULL);
	}
	run_polled();
}

/* ---- DriverError ---- */

const char *driver_error_name(int err)
{
	static const char *const names[DRIVER_ERROR_COUNT] = {
	    [DRIVER_OK] = "Ok",
	    [DRIVER_HARDWARE_NOT_FOUND] = "HardwareNotFound",
	    [DRIVER_INSUFFICIENT_CAPABILITIES] = "InsufficientCapabilities",
	    [DRIVER_INITIALIZATION_FAILED] = "InitializationFailed",
	    [DRIVER_TIMEOUT] = "Timeout",
	    [DRIVER_DMA_ERROR] = "DmaError",
	    [DRIVER_INTERRUPT_ERROR] = "InterruptError",
	    [DRIVER_DEVICE_BUSY] = "DeviceBusy",
	    [DRIVER_INVALID_PARAMETER] = "InvalidParameter",
	    [DRIVER_OUT_OF_RESOURCES] = "OutOfResources",
	    [DRIVER_HARDWARE_ERROR] = "HardwareError",
	    [DRIVER_READ_ONLY] = "ReadOnly",
	    [DRIVER_RESTARTED] = "Restarted",
	};
	return err >= 0 && err < DRIVER_ERROR_COUNT ? names[err] : "Unknown";
}

/* ---- Driver programs ---- */

extern const struct driver_program __start_driver_programs[], __stop_driver_programs[];

const struct driver_program *driver_program(const char *name)
{
	if (!name)
		return NULL;
	for (const struct driver_program *p = __start_driver_programs; p < __stop_driver_programs;
	     p++)
		if (p->name && !strcmp(p->name, name))
			return p;
	return NULL;
}

/* ---- DMA ---- */

#define PAGE	      4096u
#define PIN_CHUNK     512u /* pages one DMA_PIN takes at most */
#define ALLOC_MAX_LEN 0xfffff000u

static int dma_error(long err)
{
	switch (err) {
	case E_OUT_OF_MEMORY:
	case E_RESOURCE_EXHAUSTED:
		return DRIVER_OUT_OF_RESOURCES;
	case E_INVALID_CAPABILITY:
	case E_PERMISSION_DENIED:
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	case E_INVALID_PARAMETER:
	case E_BAD_ALIGNMENT:
		return DRIVER_INVALID_PARAMETER;
	default:
		return DRIVER_DMA_ERROR;
	}
}

int dma_alloc_coherent(uint64_t dma_cap, size_t size, enum dma_direction dir,
		       struct dma_buffer *out)
{
	if (!out || !size || size > ALLOC_MAX_LEN || dir < DMA_TO_DEVICE || dir > DMA_BIDIRECTIONAL)
		return DRIVER_INVALID_PARAMETER;
	if (!dma_cap)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	void *addr;
	uint64_t phys;
	long err = hw_dma_alloc(dma_cap, size, DMA_ZONE_ANY, &addr, &phys);
	if (err)
		return dma_error(err);
	*out = (struct dma_buffer){.virt = addr,
				   .size = size,
				   .direction = dir,
				   .seg_count = 1,
				   .seg = {{.phys = phys, .len = (uint32_t)size}},
				   .coherent = true};
	return DRIVER_OK;
}

static void unpin_chunks(void *mem, size_t pages)
{
	for (size_t done = 0; done < pages; done += PIN_CHUNK)
		hw_dma_release((uint8_t *)mem + done * PAGE);
}

int dma_map_memory(uint64_t dma_cap, void *mem, size_t size, enum dma_direction dir,
		   struct dma_buffer *out)
{
	if (!out || !mem || !size || (uintptr_t)mem % PAGE || size > SIZE_MAX - PAGE ||
	    dir < DMA_TO_DEVICE || dir > DMA_BIDIRECTIONAL)
		return DRIVER_INVALID_PARAMETER;
	if (!dma_cap)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	size_t pages = (size + PAGE - 1) / PAGE;
	if (pages > (size_t)DMA_MAX_SEGS * (0x80000000u / PAGE))
		return DRIVER_OUT_OF_RESOURCES;
	*out = (struct dma_buffer){.virt = mem, .size = size, .direction = dir};
	uint64_t phys[PIN_CHUNK];
	for (size_t done = 0; done < pages;) {
		size_t n = pages - done < PIN_CHUNK ? pages - done : PIN_CHUNK;
		long err = hw_dma_pin(dma_cap, (uint8_t *)mem + done * PAGE, n * PAGE, phys);
		if (err) {
			unpin_chunks(mem, done);
			return dma_error(err);
		}
		done += n;
		for (size_t i = 0; i < n; i++) {
			/* The last page may be partly the buffer's. */
			size_t page = done - n + i;
			uint32_t len =
			    page + 1 == pages && size % PAGE ? (uint32_t)(size % PAGE) : PAGE;
			struct dma_seg *last = out->seg_count ? &out->seg[out->seg_count - 1] : 0;
			if (last && last->phys + last->len == phys[i] &&
			    last->len <= 0x80000000u - PAGE) {
				last->len += len;
				continue;
			}
			if (out->seg_count == DMA_MAX_SEGS) {
				unpin_chunks(mem, done);
				out->seg_count = 0;
				return DRIVER_OUT_OF_RESOURCES;
			}
			out->seg[out->seg_count++] = (struct dma_seg){.phys = phys[i], .len = len};
		}
	}
	return DRIVER_OK;
}

void dma_sync(const struct dma_buffer *b, enum dma_sync_type type)
{
	(void)b;
	(void)type;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

uint64_t dma_physical_addr(const struct dma_buffer *b)
{
	return b && b->seg_count ? b->seg[0].phys : 0;
}

void *dma_as_slice(const struct dma_buffer *b)
{
	return b ? b->virt : NULL;
}

void dma_free(struct dma_buffer *b)
{
	if (!b || !b->virt)
		return;
	if (b->coherent)
		hw_dma_release(b->virt);
	else if (b->seg_count)
		unpin_chunks(b->virt, (b->size + PAGE - 1) / PAGE);
	*b = (struct dma_buffer){0};
}

/* ---- PCI ---- */

int pci_device_open(struct pci_device *d, const struct hardware_caps *hw)
{
	if (!d || !hw)
		return DRIVER_INVALID_PARAMETER;
	if (!hw->pci)
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	*d = (struct pci_device){.bus = (uint8_t)(hw->sbdf >> 8),
				 .device = (uint8_t)(hw->sbdf >> 3 & 0x1f),
				 .function = (uint8_t)(hw->sbdf & 7),
				 .segment = (uint16_t)(hw->sbdf >> 16),
				 .cap = hw->pci,
				 .hw = hw};
	uint32_t id;
	int err = pci_config_read_u32(d, 0, &id);
	if (err)
		return err;
	return (id & 0xffff) == 0xffff ? DRIVER_HARDWARE_NOT_FOUND : DRIVER_OK;
}

static int pci_error(long err)
{
	return err == E_PERMISSION_DENIED || err == E_INVALID_CAPABILITY
		   ? DRIVER_INSUFFICIENT_CAPABILITIES
	       : err == E_INVALID_PARAMETER ? DRIVER_INVALID_PARAMETER
					    : DRIVER_HARDWARE_ERROR;
}

int pci_config_read_u32(const struct pci_device *d, uint8_t offset, uint32_t *value)
{
	if (!d || !d->hw || !value || offset & 3)
		return DRIVER_INVALID_PARAMETER;
	long err = hw_pci_read(d->cap, d->hw->sbdf, offset, 4, value);
	return err ? pci_error(err) : DRIVER_OK;
}

int pci_config_write_u32(const struct pci_device *d, uint8_t offset, uint32_t value)
{
	if (!d || !d->hw || offset & 3)
		return DRIVER_INVALID_PARAMETER;
	long err = hw_pci_write(d->cap, d->hw->sbdf, offset, 4, value);
	return err ? pci_error(err) : DRIVER_OK;
}

int pci_enable_bus_mastering(const struct pci_device *d)
{
	if (!d || !d->hw)
		return DRIVER_INVALID_PARAMETER;
	uint32_t cmd;
	long err = hw_pci_read(d->cap, d->hw->sbdf, 4, 2, &cmd);
	if (err)
		return pci_error(err);
	uint32_t want = cmd | 0x6; /* memory space, bus master */
	for (unsigned i = 0; i < 6; i++)
		if (d->hw->bars[i].size && d->hw->bars[i].io)
			want |= 0x1; /* I/O space */
	if (want == cmd)
		return DRIVER_OK;
	/* 16 bits: the status register beside it clears what is written to it. */
	err = hw_pci_write(d->cap, d->hw->sbdf, 4, 2, want & 0xffff);
	return err ? pci_error(err) : DRIVER_OK;
}

int pci_get_bar(const struct pci_device *d, uint8_t bar, struct pci_bar *out)
{
	if (!d || !d->hw || !out || bar >= 6)
		return DRIVER_INVALID_PARAMETER;
	if (!d->hw->bars[bar].size)
		return DRIVER_HARDWARE_NOT_FOUND;
	*out = d->hw->bars[bar];
	return DRIVER_OK;
}

uint8_t pci_find_capability(const struct pci_device *d, uint8_t cap_id)
{
	uint32_t v;
	if (pci_config_read_u32(d, 4, &v) || !(v >> 16 & 0x10)) /* status: a capability list */
		return 0;
	if (pci_config_read_u32(d, 0x34, &v))
		return 0;
	uint8_t at = (uint8_t)(v & 0xfc);
	/* At most 48 capabilities fit in 0x40..0xff: a longer walk is a loop. */
	for (unsigned n = 0; n < 48 && at >= 0x40; n++) {
		if (pci_config_read_u32(d, at, &v))
			return 0;
		if ((v & 0xff) == cap_id)
			return at;
		at = (uint8_t)(v >> 8 & 0xfc);
	}
	return 0;
}

/* ---- Statistics ---- */

#define BW_WINDOW_NS 1000000ull /* peak bandwidth: over windows of at least 1 ms */

static struct {
	uint64_t ops, bytes, errors, latency_sum, timed;
	uint64_t window_start, window_bytes;
	uint32_t peak_mbps;
} stats;

void driver_stats_record(uint64_t bytes, uint64_t start_ns, uint64_t now_ns, bool error)
{
	if (error) {
		__atomic_fetch_add(&stats.errors, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&stats.ops, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stats.bytes, bytes, __ATOMIC_RELAXED);
	/* The window is the I/O thread's alone; only the peak is read elsewhere. */
	stats.window_bytes += bytes;
	if (!start_ns || now_ns < start_ns)
		return; /* not timed: a clock read is a system call, so not every request is */
	__atomic_fetch_add(&stats.latency_sum, now_ns - start_ns, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stats.timed, 1, __ATOMIC_RELAXED);
	if (!stats.window_start) {
		stats.window_start = now_ns;
		stats.window_bytes = 0;
	}
	uint64_t span = now_ns - stats.window_start;
	if (span >= BW_WINDOW_NS) {
		uint64_t mbps = stats.window_bytes * 1000 / span; /* bytes/ns * 1000 = MB/s */
		if (mbps > UINT32_MAX)
			mbps = UINT32_MAX;
		if (mbps > __atomic_load_n(&stats.peak_mbps, __ATOMIC_RELAXED))
			__atomic_store_n(&stats.peak_mbps, (uint32_t)mbps, __ATOMIC_RELAXED);
		stats.window_start = now_ns;
		stats.window_bytes = 0;
	}
}

void driver_stats_get(struct driver_statistics *out)
{
	uint64_t ops = __atomic_load_n(&stats.ops, __ATOMIC_RELAXED);
	uint64_t lat = __atomic_load_n(&stats.latency_sum, __ATOMIC_RELAXED);
	uint64_t timed = __atomic_load_n(&stats.timed, __ATOMIC_RELAXED);
	*out = (struct driver_statistics){
	    .operations_completed = ops,
	    .bytes_transferred = __atomic_load_n(&stats.bytes, __ATOMIC_RELAXED),
	    .errors_encountered = __atomic_load_n(&stats.errors, __ATOMIC_RELAXED),
	    .average_latency_ns = timed ? lat / timed : 0,
	    .peak_bandwidth_mbps = __atomic_load_n(&stats.peak_mbps, __ATOMIC_RELAXED),
	};
}

/* ---- The class layer, the mailbox, the loops ---- */

static const struct driver_class *klass;
static const struct driver_ops *drv_ops;
static void *drv_dev;
static struct hardware_caps hw;
static uint64_t endpoint; /* ours: the control thread receives on it */
static uint64_t ctl_note; /* the control thread's: the I/O thread says "done" on it */
static uint64_t mgr_pid;  /* KESTREL_MGR_PID: who may send DRV_CTL_FAULT (0: anyone) */
static int fault_pending; /* DRV_FAULT_*: the I/O thread acts on it */
static bool stop_done;	  /* set by the I/O thread when stopped */

void driver_set_class(const struct driver_class *cls)
{
	klass = cls;
}

const struct hardware_caps *driver_hardware(void)
{
	return &hw;
}

enum { MB_EMPTY, MB_POSTED, MB_RUNNING, MB_DONE, MB_CANCELLED };

static struct {
	void (*fn)(void *dev, void *arg);
	void *arg;
	int state; /* MB_*, atomically */
} mailbox;

int driver_on_io_thread(void (*fn)(void *dev, void *arg), void *arg, uint64_t timeout_ns)
{
	if (!fn || !ctl_note)
		return DRIVER_INVALID_PARAMETER;
	uint64_t bits;
	while (!notification_poll(ctl_note, &bits) && bits)
		; /* stale wake-ups of an earlier call */
	mailbox.fn = fn;
	mailbox.arg = arg;
	__atomic_store_n(&mailbox.state, MB_POSTED, __ATOMIC_RELEASE);
	driver_kick(DRIVER_BIT_MAILBOX);
	uint64_t deadline = sys_clock() + timeout_ns;
	for (;;) {
		int st = __atomic_load_n(&mailbox.state, __ATOMIC_ACQUIRE);
		if (st == MB_DONE)
			break;
		uint64_t now = sys_clock();
		if (st == MB_POSTED && now >= deadline) {
			int expect = MB_POSTED;
			if (__atomic_compare_exchange_n(&mailbox.state, &expect, MB_CANCELLED,
							false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return DRIVER_TIMEOUT; /* the loop never took it: it never will */
			continue;
		}
		/* Running: it is ours to wait for (fn may be writing to *arg). */
		uint64_t wait = st == MB_POSTED ? deadline - now : 100000000ull;
		notification_wait(ctl_note, wait ? wait : 1, &bits);
	}
	__atomic_store_n(&mailbox.state, MB_EMPTY, __ATOMIC_RELEASE);
	return DRIVER_OK;
}

/* On the I/O thread: run what the control thread posted. */
static void run_mailbox(void)
{
	int expect = MB_POSTED;
	if (!__atomic_compare_exchange_n(&mailbox.state, &expect, MB_RUNNING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return; /* nothing posted (or a client rang our bit) */
	mailbox.fn(drv_dev, mailbox.arg);
	__atomic_store_n(&mailbox.state, MB_DONE, __ATOMIC_RELEASE);
	notification_signal(ctl_note, 1);
}

/* A store to address 8: the process faults (the address hidden from the compiler). */
static volatile uintptr_t wild_address = 8;
static void wild_store(void)
{
	*(volatile int *)wild_address = 1;
}

static void check_fault(void)
{
	int f = __atomic_load_n(&fault_pending, __ATOMIC_ACQUIRE);
	if (f == DRV_FAULT_HANG)
		for (;;) /* the loop never waits again: heartbeats go unanswered */
			sys_yield();
	if (f == DRV_FAULT_CRASH)
		wild_store();
}

/* The I/O thread: the event loop. */
static _Noreturn void io_loop(void)
{
	const uint64_t irq_bits = (1ull << HWCAPS_MAX_IRQ) - 1;
	const uint64_t session_bits = ((1ull << DRIVER_MAX_SESSIONS) - 1) << DRIVER_BIT_SESSION;
	for (;;) {
		check_fault();
		uint64_t bits = 0;
		long err = notification_wait(note, polling() ? DRIVER_POLL_NS : 0, &bits);
		if (err)
			bits = 0;
		if (bits & irq_bits || polled_count)
			driver_run_interrupts(bits & irq_bits); /* and the polled devices */
		if (err)
			continue;
		if (bits & session_bits && klass && klass->doorbells)
			klass->doorbells(drv_dev, bits & session_bits);
		if (bits & 1ull << DRIVER_BIT_MAILBOX) {
			check_fault();
			run_mailbox();
		}
		if (__atomic_load_n(&stop_done, __ATOMIC_ACQUIRE))
			for (;;) /* the control thread replies and ends the process */
				notification_wait(note, 0, &bits);
	}
}

/* ---- The control thread ---- */

#define HEARTBEAT_NS  1000000000ull /* the loop has this long to run a heartbeat */
#define STOP_NS	      15000000000ull
#define CTL_STACK     (64u << 10)
#define READY_WAIT_MS 10000u

static void nothing(void *dev, void *arg)
{
	(void)dev;
	(void)arg;
}

struct stop_arg {
	int err;
};

static void do_stop(void *dev, void *arg)
{
	struct stop_arg *a = arg;
	if (klass && klass->quiesce)
		klass->quiesce(dev);
	int err = DRIVER_OK;
	if (drv_ops->power_event)
		err = drv_ops->power_event(dev, POWER_OFF);
	if (drv_ops->stop) {
		int e = drv_ops->stop(dev);
		if (!err)
			err = e;
	}
	a->err = err;
	__atomic_store_n(&stop_done, true, __ATOMIC_RELEASE);
}

static void reply(const struct ipc_message *m, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
		  unsigned words)
{
	if (!m->reply)
		return;
	uint64_t w[4] = {w0, w1, w2, w3};
	ipc_reply(m->reply, MSG_INFO(words * 8, MSG_SMALL), w);
}

static void control_message(struct ipc_message *m)
{
	struct ipc_buffer *b = ipc_buffer();
	uint64_t cap = m->info & MSG_CAP && b ? b->header.capability : 0;
	bool forwarded = MSG_TYPE(m->info) == MSG_FORWARD;
	if (forwarded) { /* a call the kernel forwarded: the class's, if it takes them */
		if (!(klass && klass->control && klass->control(drv_dev, m)))
			reply(m, E_PERMISSION_DENIED, 0, 0, 0, 1);
		return;
	}
	if (klass && klass->server && m->sender != mgr_pid) {
		/* A named server's endpoint anyone can reach: its control calls are the manager's. */
		reply(m, E_PERMISSION_DENIED, 0, 0, 0, 1);
		if (cap)
			sys_cap_revoke(cap);
		return;
	}
	switch (m->w[0]) {
	case DRV_CTL_PING:
		reply(m, DRIVER_OK, 0, 0, 0, 1);
		break;
	case DRV_CTL_HEARTBEAT:
		reply(m, (uint64_t)driver_on_io_thread(nothing, NULL, HEARTBEAT_NS), 0, 0, 0, 1);
		break;
	case DRV_CTL_STATS: {
		struct driver_statistics s;
		driver_stats_get(&s);
		if (b) {
			b->words[4] = s.average_latency_ns;
			b->words[5] = s.peak_bandwidth_mbps;
		}
		if (m->reply) {
			uint64_t w[4] = {DRIVER_OK, s.operations_completed, s.bytes_transferred,
					 s.errors_encountered};
			ipc_reply(m->reply, MSG_INFO(b ? 48 : 32, MSG_SMALL), w);
		}
		break;
	}
	case DRV_CTL_INFO: {
		const struct driver_info *i = drv_ops->info;
		uint64_t type = i && i->device_type_count ? (uint64_t)i->device_types[0] : 0;
		uint64_t ver = i ? (uint64_t)i->version.major << 32 |
				       (uint64_t)i->version.minor << 16 | i->version.patch
				 : 0;
		reply(m, DRIVER_OK, type, i ? i->capabilities_required : 0, ver, 4);
		break;
	}
	case DRV_CTL_STOP: {
		struct stop_arg a = {DRIVER_TIMEOUT};
		int err = driver_on_io_thread(do_stop, &a, STOP_NS);
		reply(m, (uint64_t)(err ? err : a.err), 0, 0, 0, 1);
		if (!err) {
			flush();
			sys_exit(0);
		}
		break;
	}
	case DRV_CTL_FAULT:
		if (mgr_pid && m->sender != mgr_pid) {
			reply(m, DRIVER_INSUFFICIENT_CAPABILITIES, 0, 0, 0, 1);
			break;
		}
		if (m->w[1] != DRV_FAULT_HANG && m->w[1] != DRV_FAULT_CRASH) {
			reply(m, DRIVER_INVALID_PARAMETER, 0, 0, 0, 1);
			break;
		}
		reply(m, DRIVER_OK, 0, 0, 0, 1);
		__atomic_store_n(&fault_pending, (int)m->w[1], __ATOMIC_RELEASE);
		driver_kick(DRIVER_BIT_MAILBOX);
		break;
	default:
		if (klass && klass->control && klass->control(drv_dev, m))
			return; /* the class answered it, and took its capability if any */
		reply(m, DRIVER_INVALID_PARAMETER, 0, 0, 0, 1);
		break;
	}
	if (cap)
		sys_cap_revoke(cap); /* nothing here keeps a capability a caller sent */
}

/*
 * The control thread. A driver the manager started checks, whenever a
 * second passes without a message, that the manager is still there: its
 * capability to the manager is revoked when the manager ends, however it
 * ends, and a driver nobody manages ends too (it would hold its device
 * for good; the next manager resets and restarts it).
 */
#define CTL_IDLE_MS 1000u

static void control_thread(uintptr_t arg)
{
	(void)arg;
	for (;;) {
		struct ipc_message m;
		long err = ipc_receive(endpoint, hw.manager ? CTL_IDLE_MS : 0, &m);
		if (!err) {
			control_message(&m);
			continue;
		}
		if (hw.manager && sys_cap_validate(hw.manager, 0, NULL, NULL, NULL)) {
			printf("driver %s: the manager has ended: so does the driver\n", hw.device);
			flush();
			sys_exit(0);
		}
	}
}

/* The capabilities the driver says it needs, against what it was given. */
static bool caps_suffice(const struct driver_info *info, const struct hardware_caps *h)
{
	unsigned need = info ? info->capabilities_required : 0;
	return !((need & CAPTYPE_MMIO && !h->mmio_count) ||
		 (need & CAPTYPE_PORTS && !h->port_count) ||
		 (need & CAPTYPE_INTERRUPT && !h->interrupt_count && !h->pci) ||
		 (need & CAPTYPE_DMA && !h->dma) || (need & CAPTYPE_PCI && !h->pci));
}

int driver_main(const struct driver_ops *ops, void *dev)
{
	const char *fault = getenv("KESTREL_FAULT");
	if (!ops)
		return DRIVER_INVALID_PARAMETER;
	drv_ops = ops;
	drv_dev = dev;
	const char *text = getenv("KESTREL_HW");
	if (!text || hwcaps_parse(text, getenv("KESTREL_CAPS"), &hw)) {
		printf("driver: bad KESTREL_HW\n");
		return DRIVER_INVALID_PARAMETER;
	}
	const char *pid = getenv("KESTREL_MGR_PID");
	mgr_pid = pid ? strtoul(pid, NULL, 0) : 0;
	if (!caps_suffice(ops->info, &hw))
		return DRIVER_INSUFFICIENT_CAPABILITIES;
	if (!driver_notification() || notification_create(&ctl_note))
		return DRIVER_OUT_OF_RESOURCES;
	if (fault && !strcmp(fault, "crash-init"))
		wild_store(); /* the manager's crash-loop test: a fault in init */
	int err = ops->init ? ops->init(dev, &hw) : DRIVER_OK;
	if (!err && ops->start)
		err = ops->start(dev);
	if (err)
		return err;
	if (klass && klass->server ? xous_server_create(klass->server, &endpoint)
				   : ipc_endpoint_create(NULL, &endpoint))
		return DRIVER_OUT_OF_RESOURCES;
	if (ops->block)
		blkserv_install(ops, dev);
	void *stack;
	uint64_t tid, tcap;
	if (sys_mmap(NULL, CTL_STACK, PROT_READ | PROT_WRITE, &stack, NULL) ||
	    sys_thread_create(control_thread, stack, CTL_STACK, 0, 0, &tid, &tcap))
		return DRIVER_OUT_OF_RESOURCES;
	/* Ready: the manager gets an endpoint it can hand to clients (WRITE GRANT, no READ). */
	uint64_t give;
	if (hw.manager && !sys_cap_derive(endpoint, RIGHT_WRITE | RIGHT_GRANT, &give)) {
		struct ipc_buffer *b = ipc_buffer();
		uint64_t w[4] = {DEVMGR_READY, hw.slot, hw.generation, 0};
		struct ipc_message r;
		if (b) {
			b->send_capability = give;
			long e = ipc_call(
			    hw.manager,
			    MSG_TIMEOUT_MS(MSG_INFO(24, MSG_SMALL) | MSG_CAP, READY_WAIT_MS), w,
			    &r);
			if (e)
				printf("driver %s: DEVMGR_READY: %ld\n", hw.device, e);
		}
	}
	io_loop();
}
