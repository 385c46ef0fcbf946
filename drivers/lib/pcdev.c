/*
 * The legacy PC drivers' class layer (pcdev.h): a forwarded call is
 * decoded on the control thread, run on the I/O thread (where the
 * driver's state lives), and answered with what it returned.
 */
#include "drivers/lib/pcdev.h"
#include "drivers/lib/driver.h"
#include "include/abi/file.h"
#include "ipc.h"
#include "kestrel.h"

#define CALL_NS 5000000000ull /* a call's longest run on the I/O thread */

static const struct pcdev_ops *pc_ops;

struct job {
	struct pcdev_call c;
	uint64_t r[3];
	int status;
};

static void run(void *dev, void *arg)
{
	struct job *j = arg;
	j->status = pc_ops->call(dev, &j->c, j->r);
}

static bool control(void *dev, const struct ipc_message *m)
{
	(void)dev;
	struct ipc_buffer *b = ipc_buffer();
	if (!b || MSG_TYPE(m->info) != MSG_FORWARD)
		return false; /* only what the kernel forwards */
	/* Words 0..3 came in registers, 4..7 only in the buffer. */
	uint64_t w[8];
	memcpy(w, m->w, 4 * sizeof(w[0]));
	memcpy(w + 4, &b->words[4], 4 * sizeof(w[0]));
	struct job j = {.c = {.op = w[FWD_OP],
			      .arg = w[FWD_ARG],
			      .arg2 = w[FWD_ARG2],
			      .sender = m->sender,
			      .in = w[FWD_LEN0] ? (const uint8_t *)(uintptr_t)w[FWD_BUF0] : NULL,
			      .in_len = (size_t)w[FWD_LEN0],
			      .out = w[FWD_LEN1] ? (uint8_t *)(uintptr_t)w[FWD_BUF1] : NULL,
			      .out_len = (size_t)w[FWD_LEN1]}};
	int err = driver_on_io_thread(run, &j, CALL_NS);
	if (m->reply) {
		uint64_t out[4] = {err ? (uint64_t)E_TIMEOUT : (uint64_t)j.status, j.r[0], j.r[1],
				   j.r[2]};
		ipc_reply(m->reply, MSG_INFO(32, MSG_SMALL), out);
	}
	return true;
}

void pcdev_install(const struct pcdev_ops *ops)
{
	static struct driver_class cls = {.control = control};
	pc_ops = ops;
	cls.server = ops->server;
	driver_set_class(&cls);
}
