/*
 * Capabilities as user space sees them: the object types and rights a
 * token can carry (a token itself is an opaque 64-bit number).
 */
#ifndef ABI_CAP_H
#define ABI_CAP_H

/* ObjectType of the Kernel API, plus the hardware objects of the Driver API. */
enum object_type {
	OBJ_MEMORY,
	OBJ_PROCESS,
	OBJ_THREAD,
	OBJ_IPC_ENDPOINT,
	OBJ_FILE,
	OBJ_DEVICE,
	OBJ_INTERRUPT,
	OBJ_IO_PORTS,
	OBJ_MMIO,
	OBJ_DMA,
	OBJ_IPC_CHANNEL,   /* one end of a channel: sends to the other end's endpoint */
	OBJ_SHARED_REGION, /* a shared memory region (SYS_SHARED_REGION_*) */
	OBJ_NOTIFICATION,  /* a word of pending bits (SYS_NOTIFICATION_*) */
	OBJ_TYPE_COUNT,
};

/* Rights of the Kernel API. */
enum {
	RIGHT_READ = 1u << 0,
	RIGHT_WRITE = 1u << 1,
	RIGHT_EXECUTE = 1u << 2,
	RIGHT_DELETE = 1u << 3,
	RIGHT_GRANT = 1u << 4,
	RIGHT_MAP = 1u << 5,
	RIGHTS_ALL = (1u << 6) - 1,
};

#endif
