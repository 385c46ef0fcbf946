/*
 * Starting the device manager (devmgr_start, devmgr.h): init gives a
 * process of its own, `init manager`, every hardware capability init holds
 * and, first, a capability to an endpoint of init's. The manager makes its
 * own endpoint (so that it is the receiver, and calls to a dead manager
 * fail instead of waiting) and sends it back on init's in a first call;
 * init answers, keeps that and drops its own.
 *
 * The second capability is the manager's lifeline: a READ capability to a
 * notification init keeps until devmgr_stop. When init ends, however it
 * ends, the lifeline is revoked with init's capabilities, and the manager
 * stops its drivers and ends too (a manager can do nothing useful once
 * what init granted is gone, and must not be left running for good).
 */
#include "drivers/lib/devmgr.h"
#include "hw.h"
#include "ipc.h"
#include "kestrel.h"

#define HELLO		  0x2ffu
#define START_PATIENCE_NS 20000000000ull /* enumeration and the first starts */
#define MAX_CAPS	  16		 /* what a process is given at creation */

static uint64_t lifeline; /* init's notification; the manager holds a capability derived from it */

int devmgr_start(uint64_t *endpoint, uint64_t *process)
{
	const char *img = getenv("KESTREL_IMAGE");
	if (!img)
		return E_NOT_FOUND;
	char *end;
	const void *image = (const void *)strtoul(img, &end, 0);
	uint64_t image_size = strtoul(end + 1, NULL, 0);

	uint64_t boot, boot_send, life, life_send;
	if (ipc_endpoint_create(NULL, &boot))
		return E_OUT_OF_MEMORY;
	if (notification_create(&life)) {
		sys_cap_revoke(boot);
		return E_OUT_OF_MEMORY;
	}
	long err = sys_cap_derive(boot, RIGHT_WRITE | RIGHT_GRANT, &boot_send);
	if (!err)
		err = sys_cap_derive(life, RIGHT_READ | RIGHT_GRANT, &life_send);
	if (err) {
		sys_cap_revoke(boot);
		sys_cap_revoke(life);
		return (int)err;
	}
	uint64_t caps[MAX_CAPS] = {boot_send, life_send};
	unsigned n = 2;
	static const unsigned types[] = {OBJ_DEVICE, OBJ_MMIO, OBJ_IO_PORTS, OBJ_INTERRUPT,
					 OBJ_DMA};
	for (unsigned t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		uint64_t cursor = 0, token;
		while (n < MAX_CAPS && !sys_cap_next(types[t], &cursor, &token, NULL, NULL))
			caps[n++] = token;
	}
	static const char args[] = "init\0manager";
	struct process_spec spec = {
	    .image = image,
	    .image_size = image_size,
	    .args = args,
	    .args_size = sizeof(args),
	    .caps = caps,
	    .cap_count = n,
	    .flags = PROCESS_MAP_IMAGE,
	};
	uint64_t pid = 0, proc = 0;
	bool ended = false;
	err = sys_process_create(&spec, &pid, &proc);
	if (!err && (err = sys_process_start(proc)))
		sys_process_terminate(proc, -1);
	uint64_t ep = 0;
	uint64_t deadline = sys_clock() + START_PATIENCE_NS;
	while (!err && !ep) {
		struct ipc_message m;
		long r = ipc_receive(boot, 100, &m);
		struct ipc_buffer *b = ipc_buffer();
		if (!r && m.sender == pid && m.w[0] == HELLO && (m.info & MSG_CAP) && b) {
			ep = b->header.capability;
			uint64_t w[4] = {0};
			ipc_reply(m.reply, MSG_INFO(8, MSG_SMALL), w);
		} else if (!r && m.reply) {
			uint64_t w[4] = {E_PERMISSION_DENIED};
			ipc_reply(m.reply, MSG_INFO(8, MSG_SMALL), w);
		} else if (r && r != E_TIMEOUT) {
			err = r;
		}
		struct process_exit_info info;
		if (!err && !ep && !sys_process_wait(proc, 1, &info)) {
			ended = true;
			err = E_NOT_FOUND; /* it ended before it answered */
		} else if (!ep && sys_clock() > deadline)
			err = E_TIMEOUT;
	}
	sys_cap_revoke(boot); /* and the manager's copy with it */
	if (err) {
		if (proc && !ended) {
			struct process_exit_info info;
			sys_process_terminate(proc, -1);
			sys_process_wait(proc, 0, &info);
		}
		sys_cap_revoke(life);
		return (int)err;
	}
	lifeline = life;
	*endpoint = devmgr_endpoint = ep;
	*process = proc;
	return E_OK;
}

void devmgr_stop(uint64_t process)
{
	struct process_exit_info info;
	devmgr_power_off(devmgr_endpoint);
	sys_process_terminate(process, 0);
	sys_process_wait(process, 0, &info);
	sys_cap_revoke(process);
	sys_cap_revoke(devmgr_endpoint);
	sys_cap_revoke(lifeline);
	devmgr_endpoint = lifeline = 0;
}
