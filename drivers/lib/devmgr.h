/*
 * The device manager's interface (drivers/manager/): its calls, the
 * DeviceMatcher it matches drivers with, and the client side of them.
 *
 * The manager is the only process holding the root hardware capabilities.
 * It enumerates PCI and the platform devices, names each device it drives
 * ("blk0", "blk1" in PCI then MMIO order; "ram0"...), starts each driver
 * as `init driver PROGRAM` with exactly its hardware capabilities
 * (driver.h's hardware_caps), watches it (exit, fault, heartbeat) and
 * restarts it (restart.h's policy). Calls go by native IPC on its
 * endpoint, word 0 the call; the reply's word 0 is a DriverError, or an
 * E_* code where noted. A device name travels in two words (16 bytes,
 * NUL padded: devmgr_name_pack).
 */
#ifndef DRIVERS_LIB_DEVMGR_H
#define DRIVERS_LIB_DEVMGR_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/lib/driver.h"

enum devmgr_call {
	/* w1 w2 name, w3 device type (0: any) -> w1 type, w2 generation;
	 * MSG_CAP the driver's endpoint (WRITE GRANT: a capability travels with the
	 * rights it has, and only with GRANT). DRIVER_DEVICE_BUSY while it
	 * (re)starts, DRIVER_HARDWARE_NOT_FOUND for no such device or one given up on. */
	DEVMGR_LOOKUP = 0x200,
	/* w1 index -> w1 w2 name, w3 type | state << 8 | restarts << 16;
	 * words 4 5 the driver's program name. DRIVER_HARDWARE_NOT_FOUND past the last. */
	DEVMGR_LIST = 0x201,
	/* w1 w2 name -> w1 state, w2 generation, w3 restarts */
	DEVMGR_STATUS = 0x202,
	/* From a driver: w1 slot, w2 generation; MSG_CAP its endpoint (WRITE GRANT) -> */
	DEVMGR_READY = 0x203,
	/* w1 w2 program name, w3 which fields are given (bit 0 vendor, 1 device,
	 * 2 class, 3 subclass, 4 interface), word 4: their values,
	 * vendor | device << 16 | class << 32 | subclass << 40 | interface << 48 ->
	 * w1 the DriverHandle. Devices it matches that no driver has are started at once. */
	DEVMGR_REGISTER_DRIVER = 0x204,
	DEVMGR_UNREGISTER = 0x205, /* w1 handle -> : its drivers stopped, their devices unbound */
	/* w1 handle -> w1 operations, w2 bytes, w3 errors, words 4 latency, 5 peak (summed) */
	DEVMGR_STATISTICS = 0x206,
	/* w1 w2 name, w3 DEVMGR_FAULT_* | count << 8 -> : a test hook */
	DEVMGR_FAULT = 0x207,
	/* -> : every driver stopped in order (block drivers flush first), then replies */
	DEVMGR_POWER_OFF = 0x208,
};

enum devmgr_state {
	DEVSTATE_UNBOUND = 0,	 /* no driver matches it */
	DEVSTATE_STARTING = 1,	 /* started, not yet ready */
	DEVSTATE_RUNNING = 2,	 /* ready */
	DEVSTATE_HEALTHY = 3,	 /* ready and has answered a heartbeat since */
	DEVSTATE_RESTARTING = 4, /* died or hung; restart pending (backoff) */
	DEVSTATE_FAILED = 5,	 /* given up on */
	DEVSTATE_STOPPED = 6,	 /* stopped by power-off or unregister */
};

enum {
	DEVMGR_FAULT_KILL = 1,	      /* the manager terminates the driver */
	DEVMGR_FAULT_HANG = 2,	      /* the driver's event loop spins for ever */
	DEVMGR_FAULT_CRASH = 3,	      /* the driver faults (a wild store) */
	DEVMGR_FAULT_CRASH_START = 4, /* its next `count` starts fault in init */
};

/* DeviceInfo: what a matcher sees of a device. */
enum device_bus { BUS_PCI = 1, BUS_PLATFORM = 2, BUS_ISA = 3 }; /* ISA: compatible a PNP id */
struct device_info {
	enum device_bus bus;
	uint16_t vendor_id, device_id; /* PCI */
	uint8_t class_code, subclass, interface;
	uint32_t sbdf;
	const char *compatible; /* platform: its compatible strings, NUL-separated ("" for PCI) */
	uint32_t compatible_len;
	uint32_t virtio_id; /* virtio-mmio: its DeviceID register (0: none or not virtio) */
};

/* DeviceMatcher: a field of -1 matches anything; custom_match (may be NULL) decides last. */
struct device_matcher {
	int32_t vendor_id, device_id;
	int16_t class_code, subclass, interface;
	bool (*custom_match)(const struct device_info *info);
};

bool devmgr_match(const struct device_matcher *m, const struct device_info *info);

/* A name as two words, and back (names longer than 15 bytes are refused). */
bool devmgr_name_pack(const char *name, uint64_t w[2]);
void devmgr_name_unpack(const uint64_t w[2], char name[17]);

/* The client side: each returns the DriverError, or the E_* of the IPC that failed. */
int devmgr_lookup(uint64_t mgr, const char *name, unsigned type, uint64_t *endpoint,
		  uint64_t *generation);
int devmgr_status(uint64_t mgr, const char *name, unsigned *state, uint64_t *generation,
		  unsigned *restarts);
/* LIST: the index'th device (DRIVER_HARDWARE_NOT_FOUND past the last); outputs may be NULL. */
int devmgr_list(uint64_t mgr, unsigned index, char name[17], unsigned *type, unsigned *state,
		unsigned *restarts, char program[17]);
int devmgr_fault(uint64_t mgr, const char *name, unsigned kind, unsigned count);
int devmgr_power_off(uint64_t mgr);
/* register_driver: PROGRAM must be one the image carries (drivers/manager/programs.c). */
int devmgr_register_driver(uint64_t mgr, const char *program, const struct device_matcher *m,
			   uint64_t *handle);
int devmgr_unregister(uint64_t mgr, uint64_t handle);
int devmgr_statistics(uint64_t mgr, uint64_t handle, struct driver_statistics *out);

/* The manager's endpoint as this process knows it (init sets it; 0: none). */
extern uint64_t devmgr_endpoint;

/* The manager process's main (`init manager`), with the root hardware capabilities. */
int devmgr_main(int argc, char **argv);
/*
 * Start the manager as a process of its own with every hardware
 * capability the caller holds (init's root ones) and wait until it
 * answers: its endpoint in *endpoint (and devmgr_endpoint).
 */
int devmgr_start(uint64_t *endpoint, uint64_t *process);
/* Every driver stopped (block devices flush), then the manager ended, waited for and forgotten. */
void devmgr_stop(uint64_t process);

#endif
