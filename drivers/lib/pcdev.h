/*
 * The class layer of the legacy PC device drivers (include/abi/pcdev.h):
 * the driver's endpoint becomes the Xous server `server`, and each call
 * the kernel forwards there (MSG_FORWARD) is decoded into a pcdev_call
 * and run on the I/O thread, where all driver state lives; the reply
 * carries the status and results it returns. Calls of any other kind
 * are refused, but the manager's control calls from the manager.
 */
#ifndef DRIVERS_LIB_PCDEV_H
#define DRIVERS_LIB_PCDEV_H

#include <stddef.h>
#include <stdint.h>

struct pcdev_call {
	uint64_t op, arg, arg2;
	uint64_t sender;   /* the pid the kernel made the call for */
	const uint8_t *in; /* buf0 as lent in this process (len0 bytes; NULL if none) */
	size_t in_len;
	uint8_t *out; /* buf1 (len1 bytes; writable when the gate lent it so) */
	size_t out_len;
};

struct pcdev_ops {
	const char *server; /* the Xous name (PCDEV_*_NAME) */
	/*
	 * On the I/O thread: one forwarded call. Returns the status (0, or an
	 * enum kerror for a malformed call) and fills r[0] (the r2 code), r[1],
	 * r[2].
	 */
	int (*call)(void *dev, const struct pcdev_call *c, uint64_t r[3]);
};

/* From the driver's init: serve `ops` (its strings and functions live as long as the driver). */
void pcdev_install(const struct pcdev_ops *ops);

#endif
