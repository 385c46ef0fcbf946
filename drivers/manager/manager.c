/*
 * The device manager (`init manager`, devmgr.h): one process holding the
 * root hardware capabilities. It enumerates the devices (enumerate.c),
 * binds the built-in drivers (programs.c), starts each driver as
 * `init driver PROGRAM` with exactly its capabilities, serves its endpoint
 * and watches its drivers, after MINIX 3's reincarnation server: each pass
 * of the loop (a receive with a 50 ms timeout) polls every driver's
 * process, heartbeats the ready ones every HEARTBEAT_INTERVAL_NS through
 * their event loop, and restarts the dead or hung ones after the backoff
 * of restart.h, or gives up on them. It is the kernel's power watcher too:
 * a power-off asked for (the shell's `poweroff`, SYS_POWER_OFF from anyone
 * else) stops every driver first, as DEVMGR_POWER_OFF does.
 */
#include "core/kprintf.h"
#include "drivers/manager/manager.h"
#include "hw.h"
#include "ipc.h"
#include "kestrel.h"

#define LOOP_MS	       50u
#define CTL_TIMEOUT_MS 500u
#define STOP_WAIT_NS   2000000000ull
#define READY_WAIT_NS  10000000000ull /* from start to DEVMGR_READY */
#define HELLO	       0x2ffu	      /* to init: the manager's endpoint (start.c) */
#define DESC_MAX       65536

uint64_t devmgr_endpoint;

static uint64_t endpoint; /* ours: we receive on it */
static uint64_t self_pid;
static const void *image;
static uint64_t image_size;
static _Alignas(8) char desc_buf[DESC_MAX];

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(buf, sizeof(buf), "devmgr: ");
	kvsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	printf("%s\n", buf);
	flush();
}

static struct mgr_device *by_name(const uint64_t w[2])
{
	char name[17];
	devmgr_name_unpack(w, name);
	for (unsigned i = 0; i < mgr_device_count; i++)
		if (!strcmp(mgr_devices[i].name, name))
			return &mgr_devices[i];
	return NULL;
}

static const char *program_of(const struct mgr_device *d)
{
	return d->driver >= 0 ? mgr_drivers[d->driver].program : "";
}

/* ---- Starting ---- */

/* Append "KEY=value\0" to env; false if it does not fit. */
static bool env_add(char *env, size_t size, size_t *len, const char *kv)
{
	size_t n = strlen(kv) + 1;
	if (*len + n > size)
		return false;
	memcpy(env + *len, kv, n);
	*len += n;
	return true;
}

/* Start generation d->generation + 1 of the device's driver; E_* if it could not be. */
static long start_driver(struct mgr_device *d)
{
	unsigned slot = (unsigned)(d - mgr_devices);
	d->generation++;
	d->hw.slot = slot;
	d->hw.generation = d->generation;
	d->misses = 0;
	d->hung = false;
	static char env[768], text[512];
	memcpy(text, "KESTREL_HW=", 11);
	long err = hwcaps_format(&d->hw, NULL, text + 11, sizeof(text) - 11);
	if (err)
		return err;
	size_t len = 0;
	char line[64];
	bool ok = env_add(env, sizeof(env), &len, text);
	snprintf(line, sizeof(line), "KESTREL_MGR_PID=%llu", (unsigned long long)self_pid);
	ok = ok && env_add(env, sizeof(env), &len, line);
	if (d->crash_starts) {
		d->crash_starts--;
		ok = ok && env_add(env, sizeof(env), &len, "KESTREL_FAULT=crash-init");
	}
	char args[48];
	const char *prog = program_of(d);
	size_t plen = strlen(prog) + 1;
	if (!ok || 12 + plen > sizeof(args))
		return E_INVALID_PARAMETER;
	memcpy(args, "init\0driver\0", 12);
	memcpy(args + 12, prog, plen);
	uint64_t caps[24];
	unsigned ncaps = hwcaps_cap_list(&d->hw, caps, 24);
	struct process_spec spec = {
	    .image = image,
	    .image_size = image_size,
	    .args = args,
	    .args_size = 12 + plen,
	    .env = env,
	    .env_size = len,
	    .caps = caps,
	    .cap_count = ncaps,
	    .flags = PROCESS_MAP_IMAGE,
	};
	err = sys_process_create(&spec, &d->pid, &d->process);
	if (!err && (err = sys_process_start(d->process))) {
		sys_process_terminate(d->process, -1);
		struct process_exit_info info;
		sys_process_wait(d->process, 0, &info);
		sys_cap_revoke(d->process);
	}
	if (err) {
		d->process = d->pid = 0;
		return err;
	}
	d->state = DEVSTATE_STARTING;
	d->ready_by = sys_clock() + READY_WAIT_NS;
	return E_OK;
}

static const char *reason(const struct process_exit_info *e, char *buf, size_t size)
{
	static const char *const names[] = {[EXIT_TERMINATED] = "terminated",
					    [EXIT_PAGE_FAULT] = "page fault",
					    [EXIT_ILLEGAL] = "illegal instruction",
					    [EXIT_ALIGNMENT] = "alignment fault",
					    [EXIT_ARITH] = "arithmetic fault",
					    [EXIT_BREAKPOINT] = "breakpoint",
					    [EXIT_FAULT] = "fault",
					    [EXIT_INTERRUPTED] = "interrupted"};
	if (e->exit_reason == EXIT_NORMAL)
		snprintf(buf, size, "exited with code %d", e->exit_code);
	else if (e->exit_reason >= EXIT_PAGE_FAULT && e->exit_reason <= EXIT_FAULT)
		snprintf(buf, size, "%s at %#llx", names[e->exit_reason],
			 (unsigned long long)e->fault_addr);
	else if (e->exit_reason < sizeof(names) / sizeof(names[0]) && names[e->exit_reason])
		snprintf(buf, size, "%s", names[e->exit_reason]);
	else
		snprintf(buf, size, "ended (reason %u)", e->exit_reason);
	return buf;
}

/* Its driver has ended (already waited for): what it held goes, the device is reset. */
static void forget_driver(struct mgr_device *d)
{
	if (d->client)
		sys_cap_revoke(d->client);
	if (d->endpoint)
		sys_cap_revoke(d->endpoint); /* every copy handed out goes with it */
	if (d->process)
		sys_cap_revoke(d->process);
	d->client = d->endpoint = d->process = d->pid = 0;
	mgr_reset_device(d);
}

/* A failure of the device's driver: restart it after the backoff, or give up. */
static void failed(struct mgr_device *d, const char *why)
{
	uint64_t delay = 0;
	enum restart_action a = restart_failed(&d->policy, &delay);
	if (a == RESTART_AFTER) {
		d->state = DEVSTATE_RESTARTING;
		d->restart_at = sys_clock() + delay;
		log_line("%s: %s (%s); restart %u in %llu ms", d->name, program_of(d), why,
			 d->policy.restarts, (unsigned long long)(delay / 1000000));
	} else {
		d->state = DEVSTATE_FAILED;
		log_line("%s: %s (%s)", d->name, program_of(d), why);
		log_line("%s: given up after %u failures", d->name, d->policy.failures);
	}
}

static void start_or_fail(struct mgr_device *d)
{
	long err = start_driver(d);
	if (err) {
		char why[48];
		snprintf(why, sizeof(why), "could not start: error %ld", err);
		failed(d, why);
	}
}

/* ---- Watching ---- */

/* Call the driver's endpoint: DRV_CTL_* in w[0]; the reply's word 0, or the IPC's E_*. */
static long ctl(struct mgr_device *d, uint64_t w[4], unsigned words, unsigned timeout_ms,
		struct ipc_message *r)
{
	if (!d->endpoint)
		return E_NOT_FOUND;
	long err =
	    ipc_call(d->endpoint, MSG_TIMEOUT_MS(MSG_INFO(words * 8, MSG_SMALL), timeout_ms), w, r);
	return err ? err : (long)r->w[0];
}

/* Has the driver ended? Then handle it (true). */
static bool poll_exit(struct mgr_device *d)
{
	if (!d->process)
		return false;
	struct process_exit_info info;
	if (sys_process_wait(d->process, 1, &info))
		return false; /* E_TIMEOUT: alive */
	char why[64];
	if (d->hung && d->state == DEVSTATE_STARTING)
		snprintf(why, sizeof(why), "hung: not ready after %llu s",
			 (unsigned long long)(READY_WAIT_NS / 1000000000));
	else if (d->hung)
		snprintf(why, sizeof(why), "hung: %u heartbeats unanswered", HEARTBEAT_MISSES);
	else
		reason(&info, why, sizeof(why));
	bool was_stopping = d->stopping;
	forget_driver(d);
	if (was_stopping) {
		d->stopping = false;
		return true;
	}
	failed(d, why); /* before READY too: a start that fails is a failure */
	return true;
}

static void heartbeat(struct mgr_device *d, uint64_t now)
{
	if (d->state == DEVSTATE_STARTING && d->process && !d->hung && now > d->ready_by) {
		d->hung = true; /* stuck in its init: ended, and counted as a failure */
		sys_process_terminate(d->process, -1);
		return;
	}
	if ((d->state != DEVSTATE_RUNNING && d->state != DEVSTATE_HEALTHY) || now < d->next_beat)
		return;
	uint64_t w[4] = {DRV_CTL_HEARTBEAT};
	struct ipc_message r;
	long err = ctl(d, w, 1, HEARTBEAT_TIMEOUT_MS, &r);
	d->next_beat = sys_clock() + HEARTBEAT_INTERVAL_NS;
	if (err == DRIVER_OK) {
		d->misses = 0;
		if (d->state == DEVSTATE_RUNNING) {
			restart_healthy(&d->policy);
			d->state = DEVSTATE_HEALTHY;
		}
		return;
	}
	if (++d->misses >= HEARTBEAT_MISSES && d->process) {
		d->hung = true;
		sys_process_terminate(d->process, -1);
	}
}

static void watch(void)
{
	uint64_t now = sys_clock();
	for (unsigned i = 0; i < mgr_device_count; i++) {
		struct mgr_device *d = &mgr_devices[i];
		if (poll_exit(d))
			continue;
		if (d->state == DEVSTATE_RESTARTING && now >= d->restart_at)
			start_or_fail(d);
		else
			heartbeat(d, now);
	}
}

/* Stop a device's driver (DRV_CTL_STOP, then a bounded wait, then terminate). */
static void stop_driver(struct mgr_device *d, unsigned new_state)
{
	if (d->process) {
		d->stopping = true;
		if (d->endpoint) {
			uint64_t w[4] = {DRV_CTL_STOP};
			struct ipc_message r;
			ctl(d, w, 1, (unsigned)(STOP_WAIT_NS / 1000000), &r);
		} else {
			sys_process_terminate(d->process, -1);
		}
		struct process_exit_info info;
		if (sys_process_wait(d->process, STOP_WAIT_NS, &info)) {
			sys_process_terminate(d->process, -1);
			sys_process_wait(d->process, 0, &info);
		}
		forget_driver(d);
		d->stopping = false;
	}
	d->state = new_state;
}

/* ---- Serving ---- */

static void reply(const struct ipc_message *m, uint64_t info, const uint64_t w[4])
{
	if (m->reply)
		ipc_reply(m->reply, info, w);
}

static void reply_err(const struct ipc_message *m, uint64_t err)
{
	uint64_t w[4] = {err};
	reply(m, MSG_INFO(8, MSG_SMALL), w);
}

static void do_lookup(const struct ipc_message *m)
{
	struct mgr_device *d = by_name(&m->w[1]);
	unsigned type = d && d->driver >= 0 ? mgr_drivers[d->driver].type : 0;
	if (!d || (m->w[3] && m->w[3] != type))
		return reply_err(m, DRIVER_HARDWARE_NOT_FOUND);
	if (d->state == DEVSTATE_STARTING || d->state == DEVSTATE_RESTARTING)
		return reply_err(m, DRIVER_DEVICE_BUSY);
	if ((d->state != DEVSTATE_RUNNING && d->state != DEVSTATE_HEALTHY) || !d->client)
		return reply_err(m, DRIVER_HARDWARE_NOT_FOUND);
	struct ipc_buffer *b = ipc_buffer();
	if (!b)
		return reply_err(m, DRIVER_OUT_OF_RESOURCES);
	b->send_capability = d->client;
	uint64_t w[4] = {DRIVER_OK, type, d->generation};
	reply(m, MSG_INFO(24, MSG_SMALL) | MSG_CAP, w);
}

static void do_list(const struct ipc_message *m)
{
	if (m->w[1] >= mgr_device_count)
		return reply_err(m, DRIVER_HARDWARE_NOT_FOUND);
	const struct mgr_device *d = &mgr_devices[m->w[1]];
	uint64_t w[4] = {DRIVER_OK}, prog[2] = {0, 0};
	devmgr_name_pack(d->name, &w[1]);
	unsigned type = d->driver >= 0 ? mgr_drivers[d->driver].type : 0;
	w[3] = type | d->state << 8 | (uint64_t)d->policy.restarts << 16;
	if (d->driver >= 0)
		devmgr_name_pack(program_of(d), prog);
	struct ipc_buffer *b = ipc_buffer();
	if (b) {
		b->words[4] = prog[0];
		b->words[5] = prog[1];
	}
	reply(m, MSG_INFO(48, MSG_SMALL), w);
}

static void do_status(const struct ipc_message *m)
{
	const struct mgr_device *d = by_name(&m->w[1]);
	if (!d)
		return reply_err(m, DRIVER_HARDWARE_NOT_FOUND);
	uint64_t w[4] = {DRIVER_OK, d->state, d->generation, d->policy.restarts};
	reply(m, MSG_INFO(32, MSG_SMALL), w);
}

static void do_ready(const struct ipc_message *m)
{
	uint64_t cap = 0;
	struct ipc_buffer *b = ipc_buffer();
	if ((m->info & MSG_CAP) && b)
		cap = b->header.capability;
	struct mgr_device *d = m->w[1] < mgr_device_count ? &mgr_devices[m->w[1]] : NULL;
	/* Only the process we started for this slot and generation, once. */
	if (!d || !cap || m->w[2] != d->generation || m->sender != d->pid ||
	    d->state != DEVSTATE_STARTING) {
		if (cap)
			sys_cap_revoke(cap);
		return reply_err(m, DRIVER_INVALID_PARAMETER);
	}
	uint64_t client;
	if (sys_cap_derive(cap, RIGHT_WRITE | RIGHT_GRANT, &client)) {
		sys_cap_revoke(cap);
		return reply_err(m, DRIVER_INSUFFICIENT_CAPABILITIES);
	}
	d->endpoint = cap;
	d->client = client;
	d->state = DEVSTATE_RUNNING;
	d->next_beat = 0; /* at once: the first answer makes it healthy */
	reply_err(m, DRIVER_OK);
}

static void do_fault(const struct ipc_message *m)
{
	struct mgr_device *d = by_name(&m->w[1]);
	if (!d || d->driver < 0)
		return reply_err(m, DRIVER_HARDWARE_NOT_FOUND);
	unsigned kind = m->w[3] & 0xff, count = (unsigned)(m->w[3] >> 8);
	uint64_t w[4] = {DRV_CTL_FAULT};
	struct ipc_message r;
	switch (kind) {
	case DEVMGR_FAULT_KILL:
		if (d->process)
			sys_process_terminate(d->process, -1);
		return reply_err(m, d->process ? DRIVER_OK : DRIVER_HARDWARE_NOT_FOUND);
	case DEVMGR_FAULT_HANG:
	case DEVMGR_FAULT_CRASH:
		if (!d->endpoint)
			return reply_err(m, DRIVER_DEVICE_BUSY); /* not ready, or given up on */
		w[1] = kind == DEVMGR_FAULT_HANG ? DRV_FAULT_HANG : DRV_FAULT_CRASH;
		/* Whatever it answers (a crash may take the reply with it): the watcher sees the rest. */
		ctl(d, w, 2, CTL_TIMEOUT_MS, &r);
		return reply_err(m, DRIVER_OK);
	case DEVMGR_FAULT_CRASH_START:
		d->crash_starts = count;
		if (d->process)
			sys_process_terminate(d->process, -1);
		return reply_err(m, DRIVER_OK);
	default:
		return reply_err(m, DRIVER_INVALID_PARAMETER);
	}
}

/* Every driver stopped, in order (block drivers flush as they stop). */
static void stop_all(void)
{
	for (unsigned i = 0; i < mgr_device_count; i++) {
		struct mgr_device *d = &mgr_devices[i];
		if (d->driver >= 0 && d->state != DEVSTATE_FAILED)
			stop_driver(d, DEVSTATE_STOPPED);
	}
}

static void do_power_off(const struct ipc_message *m)
{
	stop_all();
	reply_err(m, DRIVER_OK);
}

static void start_bound(void)
{
	for (unsigned i = 0; i < mgr_device_count; i++) {
		struct mgr_device *d = &mgr_devices[i];
		if (d->driver >= 0 && d->state == DEVSTATE_UNBOUND && !d->process)
			start_or_fail(d);
	}
}

static void do_register(const struct ipc_message *m)
{
	char prog[17];
	devmgr_name_unpack(&m->w[1], prog);
	struct ipc_buffer *b = ipc_buffer();
	if (!mgr_program_known(prog) || !b)
		return reply_err(m, DRIVER_INVALID_PARAMETER);
	uint64_t given = m->w[3], v = b->words[4];
	struct device_matcher match = {
	    .vendor_id = given & 1 ? (int32_t)(v & 0xffff) : -1,
	    .device_id = given & 2 ? (int32_t)(v >> 16 & 0xffff) : -1,
	    .class_code = given & 4 ? (int16_t)(v >> 32 & 0xff) : -1,
	    .subclass = given & 8 ? (int16_t)(v >> 40 & 0xff) : -1,
	    .interface = given & 16 ? (int16_t)(v >> 48 & 0xff) : -1,
	};
	for (unsigned k = 0; k < MGR_MAX_DRIVERS; k++) {
		struct mgr_driver *drv = &mgr_drivers[k];
		if (drv->used)
			continue;
		*drv = (struct mgr_driver){.used = true, .match = match};
		memcpy(drv->program, prog, sizeof(drv->program) - 1);
		/* What it drives: the built-in entry of the same program says. */
		for (unsigned j = 0; j < MGR_MAX_DRIVERS; j++)
			if (j != k && mgr_drivers[j].used && !strcmp(mgr_drivers[j].program, prog))
				drv->type = mgr_drivers[j].type;
		if (mgr_bind())
			start_bound();
		uint64_t w[4] = {DRIVER_OK, k + 1};
		return reply(m, MSG_INFO(16, MSG_SMALL), w);
	}
	reply_err(m, DRIVER_OUT_OF_RESOURCES);
}

static struct mgr_driver *by_handle(uint64_t h)
{
	return h >= 1 && h <= MGR_MAX_DRIVERS && mgr_drivers[h - 1].used ? &mgr_drivers[h - 1]
									 : NULL;
}

static void do_unregister(const struct ipc_message *m)
{
	if (!by_handle(m->w[1]))
		return reply_err(m, DRIVER_INVALID_PARAMETER);
	int k = (int)m->w[1] - 1;
	for (unsigned i = 0; i < mgr_device_count; i++) {
		struct mgr_device *d = &mgr_devices[i];
		if (d->driver != k)
			continue;
		stop_driver(d, DEVSTATE_UNBOUND);
		d->driver = -1;
		restart_init(&d->policy);
	}
	mgr_drivers[k].used = false;
	reply_err(m, DRIVER_OK);
}

static void do_statistics(const struct ipc_message *m)
{
	if (!by_handle(m->w[1]))
		return reply_err(m, DRIVER_INVALID_PARAMETER);
	int k = (int)m->w[1] - 1;
	uint64_t sum[5] = {0};
	struct ipc_buffer *b = ipc_buffer();
	for (unsigned i = 0; i < mgr_device_count && b; i++) {
		struct mgr_device *d = &mgr_devices[i];
		uint64_t w[4] = {DRV_CTL_STATS};
		struct ipc_message r;
		if (d->driver != k || ctl(d, w, 1, CTL_TIMEOUT_MS, &r) != DRIVER_OK)
			continue;
		sum[0] += r.w[1];
		sum[1] += r.w[2];
		sum[2] += r.w[3];
		sum[3] += b->words[4];
		sum[4] += b->words[5];
	}
	uint64_t w[4] = {DRIVER_OK, sum[0], sum[1], sum[2]};
	if (b) {
		b->words[4] = sum[3];
		b->words[5] = sum[4];
	}
	reply(m, MSG_INFO(48, MSG_SMALL), w);
}

static void serve(const struct ipc_message *m)
{
	switch (m->w[0]) {
	case DEVMGR_LOOKUP:
		return do_lookup(m);
	case DEVMGR_LIST:
		return do_list(m);
	case DEVMGR_STATUS:
		return do_status(m);
	case DEVMGR_READY:
		return do_ready(m);
	case DEVMGR_REGISTER_DRIVER:
		return do_register(m);
	case DEVMGR_UNREGISTER:
		return do_unregister(m);
	case DEVMGR_STATISTICS:
		return do_statistics(m);
	case DEVMGR_FAULT:
		return do_fault(m);
	case DEVMGR_POWER_OFF:
		return do_power_off(m);
	default:
		return reply_err(m, DRIVER_INVALID_PARAMETER);
	}
}

/* ---- Start-up ---- */

static void find_roots(void)
{
	struct mgr_roots *r = &mgr_roots;
	r->mmio = hw_find_cap(OBJ_MMIO, 0);
	r->irq = hw_find_cap(OBJ_INTERRUPT, 0);
	r->dma = hw_find_cap(OBJ_DMA, 0);
	r->ports = hw_find_cap(OBJ_IO_PORTS, 0);
	r->root = hw_find_cap(OBJ_DEVICE, HW_DEV_ROOT);
	uint64_t cursor = 0, token, object, extent;
	while (r->bus_count < 8 && !sys_cap_next(OBJ_DEVICE, &cursor, &token, &object, &extent))
		if (HW_DEV_KIND(object) == HW_DEV_PCI_BUS) {
			r->bus[r->bus_count] = token;
			r->bus_first[r->bus_count] = (uint32_t)object;
			r->bus_extent[r->bus_count++] = extent;
		}
	uint64_t need = 0;
	if (r->root && !hw_machine_info(r->root, NULL, 0, &need) && need <= sizeof(desc_buf) &&
	    !hw_machine_info(r->root, desc_buf, sizeof(desc_buf), &need))
		r->desc = desc_buf;
}

static void describe(const struct mgr_device *d)
{
	char where[40];
	if (d->info.bus == BUS_PCI)
		snprintf(where, sizeof(where), "pci %04x:%02x:%02x.%x %04x:%04x",
			 d->info.sbdf >> 16, d->info.sbdf >> 8 & 0xff, d->info.sbdf >> 3 & 0x1f,
			 d->info.sbdf & 7, d->info.vendor_id, d->info.device_id);
	else if (d->info.bus == BUS_ISA)
		snprintf(where, sizeof(where), "isa %s, ports %#x+%u", d->compat,
			 d->hw.port_count ? d->hw.port_ranges[0].base : 0,
			 d->hw.port_count ? d->hw.port_ranges[0].size : 0);
	else if (d->regs)
		snprintf(where, sizeof(where), "virtio-mmio %#llx id %u",
			 (unsigned long long)d->mmio_base, d->info.virtio_id);
	else
		snprintf(where, sizeof(where), "memory (%s)", d->hw.args);
	const struct hardware_caps *hw = &d->hw;
	if (d->driver < 0)
		return log_line("%s: %s, no driver", d->name, where);
	log_line("%s: %s, driver %s (%u mmio, %u irq%s%s)", d->name, where, program_of(d),
		 hw->mmio_count, hw->interrupt_count, hw->dma ? ", dma" : "",
		 hw->pci ? ", pci" : "");
}

/* init has ended (the lifeline is revoked with its capabilities): so do we, drivers first. */
static void check_lifeline(uint64_t life)
{
	if (!life || !sys_cap_validate(life, RIGHT_READ, NULL, NULL, NULL))
		return;
	log_line("init has ended: stopping the drivers");
	stop_all();
	sys_exit(0);
}

int devmgr_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct thread_info self;
	if (sys_thread_info(0, &self))
		return 1;
	self_pid = self.process_id;
	const char *img = getenv("KESTREL_IMAGE");
	if (!img) {
		log_line("no KESTREL_IMAGE: cannot start drivers");
		return 1;
	}
	char *end;
	image = (const void *)strtoul(img, &end, 0);
	image_size = strtoul(end + 1, NULL, 0);
	if (ipc_endpoint_create(NULL, &endpoint) ||
	    sys_cap_derive(endpoint, RIGHT_WRITE | RIGHT_GRANT, &mgr_roots.manager))
		return 1;
	find_roots();
	mgr_builtin_drivers();
	mgr_enumerate();
	mgr_bind();
	for (unsigned i = 0; i < mgr_device_count; i++)
		describe(&mgr_devices[i]);
	start_bound();

	/* Tell init where we are: our endpoint, WRITE GRANT. */
	/* What init gave: 0 its endpoint, to send ours to; 1 our lifeline. */
	uint64_t boot = kestrel_given_cap(0), life = kestrel_given_cap(1), ours;
	struct ipc_buffer *b = ipc_buffer();
	if (boot && b && !sys_cap_derive(endpoint, RIGHT_WRITE | RIGHT_GRANT, &ours)) {
		uint64_t w[4] = {HELLO, mgr_device_count};
		struct ipc_message r;
		b->send_capability = ours;
		ipc_call(boot, MSG_TIMEOUT_MS(MSG_INFO(16, MSG_SMALL) | MSG_CAP, 5000), w, &r);
	}

	/* The power watcher: a power-off asked for (the shell's, a process's) stops the drivers first. */
	uint64_t power = 0, bits;
	if (notification_create(&power) || sys_power_watch(mgr_roots.root, power, 0))
		power = 0; /* another watcher: it powers off without us */
	for (;;) {
		struct ipc_message m;
		long err = ipc_receive(endpoint, LOOP_MS, &m);
		if (!err)
			serve(&m);
		else if (err != E_TIMEOUT)
			sys_sleep(LOOP_MS * 1000000ull); /* should not happen: do not spin */
		watch();
		check_lifeline(life);
		if (power && !notification_poll(power, &bits) && bits & 1) {
			log_line("power-off: stopping the drivers");
			stop_all();
			sys_power_off(mgr_roots.root, 0);
		}
	}
}
