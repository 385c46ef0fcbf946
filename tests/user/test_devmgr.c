/*
 * The device manager (drivers/manager/), which `init test` starts before
 * the suite: it lists the disk ci/boot attaches (blk0) and its RAM disks;
 * a name nobody has is reported at once, not waited on; a driver that
 * keeps failing to start is given up on (ram1, DEVMGR_FAULT_CRASH_START);
 * drivers are registered only by programs the image has; and a driver
 * given one BAR's registers cannot map anything else (the kernel refuses).
 */
#include "drivers/lib/devmgr.h"
#include "drivers/lib/restart.h"
#include "drivers/lib/virtio.h"
#include "hw.h"
#include "ipc.h"
#include "utest.h"

#define SETTLE_NS 20000000000ull /* the crash loop's backoffs and starts, with room */

/* The index'th device's name and program; false past the last. */
static bool listed(const char *name, char program[17], unsigned *type, unsigned *state)
{
	char n[17];
	for (unsigned i = 0; !devmgr_list(devmgr_endpoint, i, n, type, state, NULL, program); i++)
		if (!strcmp(n, name))
			return true;
	return false;
}

DEVMGR_UTEST(devmgr_lists_blk0_and_ram0)
{
	UASSERT(devmgr_endpoint != 0);
	char prog[17];
	unsigned type, state;
	UASSERT(listed("blk0", prog, &type, &state)); /* ci/boot's default disk */
	UASSERT(!strcmp(prog, "virtio-blk"));
	UASSERT_EQ(type, DEVICE_BLOCK);
	UASSERT(state <= DEVSTATE_STOPPED);
	UASSERT(listed("ram0", prog, &type, &state));
	UASSERT(!strcmp(prog, "ramdisk"));
	UASSERT_EQ(type, DEVICE_BLOCK);
	UASSERT(listed("ram1", prog, NULL, NULL));
	/* Past the last: not found; a status of each named device. */
	unsigned n = 0;
	while (!devmgr_list(devmgr_endpoint, n, NULL, NULL, NULL, NULL, NULL))
		n++;
	UASSERT(n >= 3);
	UASSERT_EQ(devmgr_list(devmgr_endpoint, n, NULL, NULL, NULL, NULL, NULL),
		   DRIVER_HARDWARE_NOT_FOUND);
	uint64_t gen;
	UASSERT_EQ(devmgr_status(devmgr_endpoint, "ram0", &state, &gen, NULL), DRIVER_OK);
	UASSERT(gen >= 1); /* it was started at least once */
	return 0;
}

DEVMGR_UTEST(devmgr_lookup_of_a_missing_device_is_not_found_at_once)
{
	uint64_t ep, gen, t0 = sys_clock();
	UASSERT_EQ(devmgr_lookup(devmgr_endpoint, "blk9", 0, &ep, &gen), DRIVER_HARDWARE_NOT_FOUND);
	UASSERT_EQ(devmgr_lookup(devmgr_endpoint, "nosuch", DEVICE_BLOCK, &ep, &gen),
		   DRIVER_HARDWARE_NOT_FOUND);
	UASSERT_EQ(devmgr_status(devmgr_endpoint, "nosuch", NULL, NULL, NULL),
		   DRIVER_HARDWARE_NOT_FOUND);
	UASSERT(sys_clock() - t0 < 1000000000ull); /* reported, not waited on */
	/* A name too long for two words never reaches the manager. */
	UASSERT_EQ(devmgr_lookup(devmgr_endpoint, "a-name-far-too-long", 0, &ep, &gen),
		   DRIVER_INVALID_PARAMETER);
	/* A device of another type: not found either. */
	UASSERT_EQ(devmgr_lookup(devmgr_endpoint, "ram0", DEVICE_NETWORK, &ep, &gen),
		   DRIVER_HARDWARE_NOT_FOUND);
	return 0;
}

DEVMGR_UTEST(devmgr_gives_up_on_a_driver_that_crashes_as_it_starts)
{
	/* Every start fails in init from now on, and the running driver is killed. */
	UASSERT_EQ(devmgr_fault(devmgr_endpoint, "ram1", DEVMGR_FAULT_CRASH_START,
				RESTART_MAX_FAILURES + 1),
		   DRIVER_OK);
	unsigned state = 0, restarts = 0;
	uint64_t gen = 0, end = sys_clock() + SETTLE_NS;
	for (;;) {
		UASSERT_EQ(devmgr_status(devmgr_endpoint, "ram1", &state, &gen, &restarts),
			   DRIVER_OK);
		if (state == DEVSTATE_FAILED || sys_clock() > end)
			break;
		sys_sleep(20000000);
	}
	UASSERT_EQ(state, DEVSTATE_FAILED);
	UASSERT(restarts >= RESTART_MAX_FAILURES - 1);
	UASSERT(gen >= RESTART_MAX_FAILURES);
	uint64_t ep;
	UASSERT_EQ(devmgr_lookup(devmgr_endpoint, "ram1", 0, &ep, NULL), DRIVER_HARDWARE_NOT_FOUND);
	/* Given up on: no more starts. */
	sys_sleep(300000000);
	uint64_t later;
	UASSERT_EQ(devmgr_status(devmgr_endpoint, "ram1", &state, &later, NULL), DRIVER_OK);
	UASSERT_EQ(later, gen);
	UASSERT_EQ(state, DEVSTATE_FAILED);
	return 0;
}

DEVMGR_UTEST(devmgr_registers_only_programs_the_image_has)
{
	struct device_matcher none = {0x1234, 0x5678, -1, -1, -1, NULL};
	uint64_t h;
	UASSERT_EQ(devmgr_register_driver(devmgr_endpoint, "no-such-driver", &none, &h),
		   DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(devmgr_register_driver(devmgr_endpoint, "virtio-blk", &none, &h), DRIVER_OK);
	struct driver_statistics st;
	UASSERT_EQ(devmgr_statistics(devmgr_endpoint, h, &st), DRIVER_OK);
	UASSERT_EQ(st.operations_completed, 0); /* it drives nothing */
	UASSERT_EQ(devmgr_unregister(devmgr_endpoint, h), DRIVER_OK);
	UASSERT_EQ(devmgr_unregister(devmgr_endpoint, h), DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(devmgr_statistics(devmgr_endpoint, h, &st), DRIVER_INVALID_PARAMETER);
	return 0;
}

static bool holds_any(unsigned type)
{
	uint64_t cursor = 0, token;
	return !sys_cap_next(type, &cursor, &token, NULL, NULL);
}

/*
 * A driver given the registers of one BAR (utest_cap(0), that BAR's page
 * range at the address in the argument): mapping them works, anything
 * else is refused, and capabilities it was never given do not exist.
 */
UCHILD(devmgr_one_bar_driver)
{
	uint64_t mmio = utest_cap(0), base = strtoul(utest_child_arg, NULL, 0);
	void *va = NULL;
	if (!mmio || hw_mmio_map(mmio, base, 4096, &va))
		return 1;
	va = NULL;
	if (hw_mmio_map(mmio, base + 0x100000, 4096, &va) != E_PERMISSION_DENIED)
		return 2; /* another device's registers */
	va = NULL;
	if (hw_mmio_map(mmio, base - 4096, 8192, &va) != E_PERMISSION_DENIED)
		return 3; /* straddling its edge */
	va = NULL;
	long err = hw_mmio_map(mmio + 1, base, 4096, &va);
	if (err != E_INVALID_CAPABILITY && err != E_PERMISSION_DENIED)
		return 4; /* a token it was not given */
	if (holds_any(OBJ_INTERRUPT) || holds_any(OBJ_DMA) || holds_any(OBJ_DEVICE) ||
	    holds_any(OBJ_IO_PORTS))
		return 5; /* nothing but its one capability */
	return 0;
}

DEVMGR_UTEST(devmgr_a_driver_cannot_reach_hardware_it_was_not_given)
{
	uint64_t bus = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS), mmio = hw_find_cap(OBJ_MMIO, 0);
	uint64_t root = hw_find_cap(OBJ_DEVICE, HW_DEV_ROOT);
	UASSERT(bus && mmio && root);
	static _Alignas(8) char desc[65536];
	uint64_t need = 0;
	UASSERT_EQ(hw_machine_info(root, desc, sizeof(desc), &need), E_OK);
	UASSERT(need <= sizeof(desc));
	/* ci/boot's disk, as the manager placed it: its BAR 4 (virtio's usual one). */
	uint32_t sbdf;
	UASSERT_EQ(virtio_pci_find(bus, 2, &sbdf), E_OK);
	uint64_t cpu = 0;
	unsigned bar = 0;
	for (; bar < 6 && !virtio_pci_bar(bus, sbdf, bar, desc, &cpu); bar++)
		;
	UASSERT(bar < 6 && cpu);
	uint64_t page = cpu & ~4095ull, cap;
	UASSERT_EQ(hw_derive_range(mmio, RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_GRANT, page,
				   4096, &cap),
		   E_OK);
	char arg[24];
	snprintf(arg, sizeof(arg), "%#llx", (unsigned long long)page);
	uint64_t proc;
	UASSERT_EQ(utest_start_caps("devmgr_one_bar_driver", arg, 0, &cap, 1, &proc), E_OK);
	struct process_exit_info info;
	UASSERT_EQ(sys_process_wait(proc, UTEST_PATIENCE_NS, &info), E_OK);
	sys_cap_revoke(cap);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT_EQ(info.exit_code, 0);
	return 0;
}

/*
 * A stand-in driver for the manager's own protocol (the framework's
 * driver_main does this for real drivers): it reads its capabilities,
 * fails in init when told to, says READY with its endpoint, then answers
 * the control calls: HEARTBEAT and PING at once, STATS with 7 operations,
 * STOP by ending, FAULT HANG by answering nothing more, FAULT CRASH by a
 * wild store.
 */
UCHILD(devmgr_fake)
{
	struct hardware_caps hw;
	if (hwcaps_parse(getenv("KESTREL_HW"), getenv("KESTREL_CAPS"), &hw))
		return 20;
	const char *fault = getenv("KESTREL_FAULT");
	if (fault && !strcmp(fault, "crash-init"))
		return 21;
	uint64_t ep, send;
	struct ipc_buffer *b = ipc_buffer();
	if (!b || ipc_endpoint_create(NULL, &ep) ||
	    sys_cap_derive(ep, RIGHT_WRITE | RIGHT_GRANT, &send))
		return 22;
	b->send_capability = send;
	uint64_t w[4] = {DEVMGR_READY, hw.slot, hw.generation};
	struct ipc_message m;
	if (ipc_call(hw.manager, MSG_INFO(24, MSG_SMALL) | MSG_CAP, w, &m) || m.w[0] != DRIVER_OK)
		return 23;
	for (bool hung = false;;) {
		long err = ipc_receive(ep, 1000, &m);
		if (err == E_TIMEOUT && !sys_cap_validate(hw.manager, 0, NULL, NULL, NULL))
			continue;
		if (err)
			return err == E_TIMEOUT ? 0 : 24; /* the manager has ended: so do we */
		if (hung)
			continue; /* its event loop spins: nothing is answered */
		uint64_t r[4] = {DRIVER_OK};
		switch (m.w[0]) {
		case DRV_CTL_STATS:
			r[1] = 7;
			b->words[4] = b->words[5] = 0;
			ipc_reply(m.reply, MSG_INFO(48, MSG_SMALL), r);
			break;
		case DRV_CTL_STOP:
			ipc_reply(m.reply, MSG_INFO(8, MSG_SMALL), r);
			return 0;
		case DRV_CTL_FAULT:
			ipc_reply(m.reply, MSG_INFO(8, MSG_SMALL), r);
			if (m.w[1] == DRV_FAULT_CRASH)
				*(volatile int *)(uintptr_t)m.w[2] = 1; /* w2 is 0: a wild store */
			hung = true;
			break;
		default:
			ipc_reply(m.reply, MSG_INFO(8, MSG_SMALL), r);
		}
	}
}

/* Poll `name`'s status until it is `want` with a generation past `after`, 15 s at most. */
static bool settles(const char *name, unsigned want, uint64_t after, uint64_t *gen,
		    unsigned *restarts)
{
	uint64_t end = sys_clock() + 15000000000ull;
	unsigned state;
	while (sys_clock() < end) {
		if (!devmgr_status(devmgr_endpoint, name, &state, gen, restarts) && state == want &&
		    *gen > after)
			return true;
		sys_sleep(20000000);
	}
	return false;
}

static long ping(uint64_t ep)
{
	uint64_t w[4] = {DRV_CTL_PING};
	struct ipc_message r;
	long err = ipc_call(ep, MSG_TIMEOUT_MS(MSG_INFO(8, MSG_SMALL), 1000), w, &r);
	return err ? err : (long)r.w[0];
}

DEVMGR_UTEST(devmgr_starts_watches_and_restarts_a_driver)
{
	/* The virtio-rng-pci ci/boot gives every machine: no built-in driver takes it. */
	struct device_matcher rng = {0x1af4, 0x1044, -1, -1, -1, NULL};
	uint64_t h;
	UASSERT_EQ(devmgr_register_driver(devmgr_endpoint, "devmgr_fake", &rng, &h), DRIVER_OK);
	char name[17] = "", n[17], prog[17];
	for (unsigned i = 0; !devmgr_list(devmgr_endpoint, i, n, NULL, NULL, NULL, prog); i++)
		if (!strcmp(prog, "devmgr_fake") && !name[0])
			memcpy(name, n, sizeof(name));
	UASSERT(name[0]);
	/* Started, READY, answered a heartbeat: healthy; its endpoint is handed out. */
	uint64_t gen = 0, gen2, ep, old;
	unsigned restarts;
	UASSERT(settles(name, DEVSTATE_HEALTHY, 0, &gen, &restarts));
	UASSERT_EQ(devmgr_lookup(devmgr_endpoint, name, 0, &ep, &gen2), DRIVER_OK);
	UASSERT_EQ(gen2, gen);
	UASSERT_EQ(ping(ep), DRIVER_OK);
	struct driver_statistics st;
	UASSERT_EQ(devmgr_statistics(devmgr_endpoint, h, &st), DRIVER_OK);
	UASSERT(st.operations_completed >= 7 && st.operations_completed % 7 == 0);
	/* Killed: restarted (a new generation), the old endpoint gone with it. */
	old = ep;
	UASSERT_EQ(devmgr_fault(devmgr_endpoint, name, DEVMGR_FAULT_KILL, 0), DRIVER_OK);
	UASSERT(settles(name, DEVSTATE_HEALTHY, gen, &gen2, &restarts));
	UASSERT(restarts >= 1);
	UASSERT(ping(old) != DRIVER_OK);
	UASSERT_EQ(devmgr_lookup(devmgr_endpoint, name, 0, &ep, &gen), DRIVER_OK);
	UASSERT_EQ(gen, gen2);
	UASSERT_EQ(ping(ep), DRIVER_OK);
	/* Crashed: restarted. */
	UASSERT_EQ(devmgr_fault(devmgr_endpoint, name, DEVMGR_FAULT_CRASH, 0), DRIVER_OK);
	UASSERT(settles(name, DEVSTATE_HEALTHY, gen, &gen, &restarts));
	/* Hung: the heartbeats go unanswered, it is ended and restarted. */
	UASSERT_EQ(devmgr_fault(devmgr_endpoint, name, DEVMGR_FAULT_HANG, 0), DRIVER_OK);
	UASSERT(settles(name, DEVSTATE_HEALTHY, gen, &gen2, &restarts));
	UASSERT(restarts >= 3);
	/* Unregistered: stopped, the device unbound. */
	UASSERT_EQ(devmgr_unregister(devmgr_endpoint, h), DRIVER_OK);
	unsigned state;
	UASSERT_EQ(devmgr_status(devmgr_endpoint, name, &state, NULL, NULL), DRIVER_OK);
	UASSERT_EQ(state, DEVSTATE_UNBOUND);
	UASSERT_EQ(devmgr_lookup(devmgr_endpoint, name, 0, &ep, NULL), DRIVER_HARDWARE_NOT_FOUND);
	return 0;
}

DEVMGR_UTEST(devmgr_ready_only_from_the_process_it_started)
{
	uint64_t w[4] = {DEVMGR_READY, 0, 1}, ep;
	struct ipc_message r;
	struct ipc_buffer *b = ipc_buffer();
	UASSERT(b);
	UASSERT_EQ(ipc_endpoint_create(NULL, &ep), E_OK);
	b->send_capability = ep;
	UASSERT_EQ(ipc_call(devmgr_endpoint, MSG_INFO(24, MSG_SMALL) | MSG_CAP, w, &r), E_OK);
	UASSERT_EQ(r.w[0], DRIVER_INVALID_PARAMETER);
	sys_cap_revoke(ep);
	return 0;
}

/* Memory BAR addresses of `sbdf` (unassigned ones read 0) into a[], how many. */
static unsigned mem_bars(uint64_t bus, uint32_t sbdf, unsigned nbars, uint64_t *a)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nbars; i++) {
		uint32_t lo = 0, hi = 0;
		hw_pci_read(bus, sbdf, 0x10 + 4 * i, 4, &lo);
		if (lo & 1)
			continue; /* I/O */
		bool is64 = (lo & 6) == 4;
		if (is64)
			hw_pci_read(bus, sbdf, 0x14 + 4 * i++, 4, &hi);
		uint64_t addr = (lo & ~0xfull) | (uint64_t)hi << 32;
		if (addr)
			a[n++] = addr;
	}
	return n;
}

/*
 * After the manager's enumeration: bridges lead somewhere (their buses
 * numbered), forward memory and DMA, and their memory window holds every
 * BAR behind them; no two BARs share a page; every function with a BAR has
 * memory decoding on.
 */
DEVMGR_UTEST(devmgr_placed_bars_and_bridge_windows)
{
	uint64_t bus = 0, cursor = 0, token, object;
	while (!bus && !sys_cap_next(OBJ_DEVICE, &cursor, &token, &object, NULL))
		if (HW_DEV_KIND(object) == HW_DEV_PCI_BUS)
			bus = token;
	UASSERT(bus);
	uint32_t first = (uint32_t)object & 0xffff00u;
	uint64_t seen[64];
	unsigned nseen = 0, bridges = 0;
	for (unsigned dev = 0; dev < 32; dev++) {
		uint32_t sbdf = first | dev << 3, id = 0, hdr = 0, cmd = 0;
		if (hw_pci_read(bus, sbdf, 0, 4, &id) || (id & 0xffff) == 0xffff)
			continue;
		hw_pci_read(bus, sbdf, 0x0e, 1, &hdr);
		hw_pci_read(bus, sbdf, 0x04, 2, &cmd);
		uint64_t a[6];
		unsigned n = mem_bars(bus, sbdf, (hdr & 0x7f) == 1 ? 2 : 6, a);
		for (unsigned i = 0; i < n && nseen < 64; i++)
			seen[nseen++] = a[i];
		if (n)
			UASSERT(cmd & 2);
		if ((hdr & 0x7f) != 1)
			continue;
		bridges++;
		uint32_t sec = 0, base = 0, limit = 0;
		hw_pci_read(bus, sbdf, 0x19, 1, &sec);
		hw_pci_read(bus, sbdf, 0x20, 2, &base);
		hw_pci_read(bus, sbdf, 0x22, 2, &limit);
		UASSERT(sec > (first >> 8 & 0xff));
		UASSERT((cmd & 6) == 6);
		uint64_t lo = (uint64_t)(base & 0xfff0) << 16,
			 hi = (uint64_t)(limit & 0xfff0) << 16 | 0xfffff;
		for (unsigned d2 = 0; d2 < 32; d2++) {
			uint32_t behind = (first & 0xff0000u) | sec << 8 | d2 << 3;
			if (hw_pci_read(bus, behind, 0, 4, &id) || (id & 0xffff) == 0xffff)
				continue;
			n = mem_bars(bus, behind, 6, a);
			for (unsigned i = 0; i < n; i++) {
				UASSERT(a[i] >= lo && a[i] <= hi);
				if (nseen < 64)
					seen[nseen++] = a[i];
			}
		}
	}
	for (unsigned i = 0; i < nseen; i++)
		for (unsigned j = i + 1; j < nseen; j++)
			UASSERT((seen[i] >> 12) != (seen[j] >> 12));
	UASSERT(nseen >= 2); /* the disk and the virtio-rng at least */
#if defined(__riscv)
	UASSERT_EQ(bridges, 1); /* ci/boot's pci-bridge, a virtio-rng behind it */
#endif
	(void)bridges;
	return 0;
}

/*
 * A process that starts a manager and then goes without stopping it
 * (tests/kernel/test_orphan.c: manager_ends_with_its_starter). Mode
 * "exit": it ends at once; "killed": it sleeps until it is terminated;
 * "manager_killed": it terminates the manager itself, leaving the drivers
 * to notice. Its exit code is the number of drivers that were running.
 */
UCHILD(devmgr_starter)
{
	uint64_t mgr;
	if (utest_devmgr_up(&mgr))
		return 0;
	unsigned state, running = 0;
	char prog[17];
	for (unsigned i = 0; !devmgr_list(devmgr_endpoint, i, NULL, NULL, &state, NULL, prog); i++)
		running += prog[0] && state == DEVSTATE_HEALTHY;
	if (!strcmp(utest_child_arg, "killed"))
		for (;;)
			sys_sleep(1000000000ull);
	if (!strcmp(utest_child_arg, "manager_killed")) {
		struct process_exit_info info;
		sys_process_terminate(mgr, -1);
		sys_process_wait(mgr, 0, &info);
	}
	return (int)running;
}
