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

UTEST(devmgr_lists_blk0_and_ram0)
{
	UASSERT(devmgr_endpoint != 0); /* init started the manager */
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

UTEST(devmgr_lookup_of_a_missing_device_is_not_found_at_once)
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

UTEST(devmgr_gives_up_on_a_driver_that_crashes_as_it_starts)
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

UTEST(devmgr_registers_only_programs_the_image_has)
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

UTEST(devmgr_a_driver_cannot_reach_hardware_it_was_not_given)
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
