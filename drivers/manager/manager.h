/*
 * The device manager's own state (drivers/manager/): the devices it found,
 * the drivers it knows, and what each device's driver was given. Shared by
 * the enumeration (enumerate.c) and the server and watcher (manager.c).
 */
#ifndef DRIVERS_MANAGER_MANAGER_H
#define DRIVERS_MANAGER_MANAGER_H

#include "drivers/lib/devmgr.h"
#include "drivers/lib/restart.h"
#include "include/abi/hw.h"

#define MGR_MAX_DEVICES 32
#define MGR_MAX_DRIVERS 16
#define MGR_NAME_MAX	16

/* A driver the manager can bind: a program of the image and what it matches. */
struct mgr_driver {
	bool used;
	char program[MGR_NAME_MAX];
	struct device_matcher match;
	unsigned type;	    /* enum device_type of what it drives */
	const char *prefix; /* device names ("blk"), NULL: the device keeps its own */
};

struct mgr_device {
	char name[MGR_NAME_MAX];
	char compat[HW_COMPAT_MAX];
	struct device_info info;
	int driver;		 /* index into the driver table, -1: unbound */
	struct hardware_caps hw; /* the capabilities (the manager's tokens) and the text's fields */
	/* For resets. */
	uint64_t bus;		/* PCI: the bus capability */
	volatile uint8_t *regs; /* virtio-mmio: the manager's mapping of the registers */
	uint64_t mmio_base;	/* virtio-mmio: where they are */
	/* The watcher's. */
	unsigned state; /* enum devmgr_state */
	uint32_t generation;
	struct restart_policy policy;
	uint64_t process, pid;		/* the running driver (0: none) */
	uint64_t endpoint, client;	/* its endpoint (from READY), the copy lookups hand out */
	uint64_t restart_at, next_beat; /* ns */
	uint64_t ready_by;		/* ns: a start not ready by then hangs */
	unsigned misses, crash_starts;	/* heartbeats unanswered in a row; starts to fail */
	bool hung, stopping;		/* why it was terminated */
};

extern struct mgr_device mgr_devices[MGR_MAX_DEVICES];
extern unsigned mgr_device_count;
extern struct mgr_driver mgr_drivers[MGR_MAX_DRIVERS];

/* The root capabilities the manager holds. */
struct mgr_roots {
	uint64_t mmio, irq, dma, ports, root;
	uint64_t manager; /* the manager's endpoint, WRITE GRANT: every driver's hw.manager */
	uint64_t bus[8];
	uint32_t bus_first[8]; /* segment << 16 | first bus << 8 */
	uint64_t bus_extent[8];
	unsigned bus_count;
	const void *desc; /* the machine description */
};
extern struct mgr_roots mgr_roots;

/* Enumerate PCI (placing BARs, numbering buses) and the platform devices into mgr_devices. */
void mgr_enumerate(void);
/* Bind every unbound device a driver matches, naming it; true if any was bound. */
bool mgr_bind(void);
/* Return a device's hardware to a quiet state after its driver died. */
void mgr_reset_device(struct mgr_device *d);
/* Is `program` one the image carries? */
bool mgr_program_known(const char *program);
/* The built-in driver table into mgr_drivers. */
void mgr_builtin_drivers(void);

#endif
