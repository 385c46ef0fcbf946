/*
 * IPC from user space: the native calls of the Kernel API (endpoints,
 * channels, send, receive, call, reply) and the Xous calls (servers,
 * connections, scalar and memory messages, processes, interrupts,
 * memory). Each returns the call's tag: 0 or an E_* code.
 */
#ifndef USER_IPC_H
#define USER_IPC_H

#include "include/abi/ipc.h"
#include "kestrel.h"

/* A native message as it arrives. */
struct ipc_message {
	uint64_t info;	 /* MSG_LEN, MSG_TYPE, MSG_CAP */
	uint64_t reply;	 /* reply token, 0 if none is expected */
	uint64_t sender; /* process id, 0 for the kernel */
	uint64_t w[4];	 /* words 0..3; 4..7 are in ipc_buffer()->words */
};

static inline long ipc_sys(unsigned long nr, uint64_t a0, uint64_t a1, uint64_t a2,
			   const uint64_t w[4], struct ipc_message *out)
{
	uintptr_t r[7];
	long tag = sys(nr, a0, a1, a2, w ? w[0] : 0, w ? w[1] : 0, w ? w[2] : 0, w ? w[3] : 0, r);
	if (!tag && out) {
		out->info = r[IPC_R_INFO];
		out->reply = r[IPC_R_REPLY];
		out->sender = r[IPC_R_SENDER];
		for (unsigned i = 0; i < 4; i++)
			out->w[i] = r[IPC_R_WORD0 + i];
	}
	return tag;
}

/* The calling thread's IPC buffer (words 4..7, the last header, a capability to send). */
static inline struct ipc_buffer *ipc_buffer(void)
{
	uintptr_t r[7];
	return SYS0(SYS_IPC_BUFFER, r) ? NULL : (struct ipc_buffer *)r[0];
}

static inline long ipc_endpoint_create(uint64_t *id, uint64_t *cap)
{
	uintptr_t r[7];
	long tag = SYS0(SYS_IPC_ENDPOINT_CREATE, r);
	if (!tag) {
		if (id)
			*id = r[0];
		*cap = r[1];
	}
	return tag;
}

/* A channel between two endpoints: *to_b sends to `b`, *to_a to `a`. */
static inline long ipc_channel_create(uint64_t a, uint64_t b, uint64_t *to_b, uint64_t *to_a)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_IPC_CHANNEL_CREATE, a, b, r);
	if (!tag) {
		*to_b = r[1];
		*to_a = r[2];
	}
	return tag;
}

static inline long ipc_channel_close(uint64_t cap)
{
	return SYS1(SYS_IPC_CHANNEL_CLOSE, cap, NULL);
}

/* `info`: MSG_INFO(len, type), | MSG_CAP, MSG_TIMEOUT_MS(.., ms). */
static inline long ipc_send(uint64_t cap, uint64_t info, const uint64_t w[4])
{
	return ipc_sys(SYS_IPC_SEND, cap, info, 0, w, NULL);
}

static inline long ipc_call(uint64_t cap, uint64_t info, const uint64_t w[4],
			    struct ipc_message *reply)
{
	return ipc_sys(SYS_IPC_CALL, cap, info, 0, w, reply);
}

static inline long ipc_receive(uint64_t ep, uint32_t timeout_ms, struct ipc_message *msg)
{
	return ipc_sys(SYS_IPC_RECEIVE, ep, MSG_TIMEOUT_MS(0, timeout_ms), 0, NULL, msg);
}

static inline long ipc_reply(uint64_t token, uint64_t info, const uint64_t w[4])
{
	return ipc_sys(SYS_IPC_REPLY, token, info, 0, w, NULL);
}

/* Reply, then wait on `ep` for the next message (the server loop's one call). */
static inline long ipc_reply_receive(uint64_t token, uint64_t info, const uint64_t w[4],
				     uint64_t ep, struct ipc_message *msg)
{
	return ipc_sys(SYS_IPC_REPLY, token, info, ep, w, msg);
}

/* Xous: a message as server_receive gives it. */
struct xous_message {
	uint64_t sender; /* reply token; 0 for a plain scalar */
	unsigned kind;	 /* enum message_type */
	uint64_t id;
	uint64_t a[4]; /* scalar arguments, or in_buf, in_size, out_buf, out_size */
};

static inline long xous_sys(unsigned long nr, uintptr_t a0, uintptr_t a1, uintptr_t a2,
			    uintptr_t a3, uintptr_t a4, uintptr_t a5, uintptr_t a6,
			    struct xous_message *m)
{
	uintptr_t r[7];
	long tag = sys(nr, a0, a1, a2, a3, a4, a5, a6, r);
	if (!tag && m) {
		m->sender = r[0];
		m->kind = (unsigned)r[1];
		m->id = r[2];
		for (unsigned i = 0; i < 4; i++)
			m->a[i] = r[3 + i];
	}
	return tag;
}

static inline long xous_server_create(const char *name, uint64_t *sid)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_XOUS_SERVER_CREATE, name, strlen(name), r);
	if (!tag)
		*sid = r[0];
	return tag;
}

static inline long xous_server_receive(uint64_t sid, struct xous_message *m)
{
	return xous_sys(SYS_XOUS_SERVER_RECEIVE, sid, 0, 0, 0, 0, 0, 0, m);
}

/* Reply with five scalars; with `sid`, wait on it for the next message into *m. */
static inline long xous_server_reply(uint64_t sender, uint64_t sid, const uint64_t v[5],
				     struct xous_message *m)
{
	return xous_sys(SYS_XOUS_SERVER_REPLY, sender, sid, v[0], v[1], v[2], v[3], v[4], m);
}

static inline long xous_client_connect(const char *name, uint64_t *conn)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_XOUS_CLIENT_CONNECT, name, strlen(name), r);
	if (!tag)
		*conn = r[0];
	return tag;
}

/* A scalar message: the sender goes on once it is received. */
static inline long xous_send_scalar(uint64_t conn, uint64_t id, uint64_t a1, uint64_t a2,
				    uint64_t a3, uint64_t a4)
{
	return sys(SYS_XOUS_CLIENT_SEND, conn, XOUS_SCALAR, id, a1, a2, a3, a4, NULL);
}

/* A blocking scalar: the reply's five scalars in out[] (timeout_ms 0: none). */
static inline long xous_send_blocking(uint64_t conn, uint64_t id, const uint64_t a[4],
				      uint32_t timeout_ms, uint64_t out[5])
{
	uintptr_t r[7];
	long tag = sys(SYS_XOUS_CLIENT_SEND, conn, MSG_TIMEOUT_MS(XOUS_BLOCKING_SCALAR, timeout_ms),
		       id, a[0], a[1], a[2], a[3], r);
	if (!tag && out)
		for (unsigned i = 0; i < 5; i++)
			out[i] = r[2 + i];
	return tag;
}

/* A memory message: in (read) and out (written) lent to the server until it replies. */
static inline long xous_send_memory(uint64_t conn, uint64_t id, const void *in, size_t in_size,
				    void *out, size_t out_size, uint64_t result[5])
{
	uintptr_t r[7];
	long tag = sys(SYS_XOUS_CLIENT_SEND, conn, XOUS_MEMORY, id, (uintptr_t)in, in_size,
		       (uintptr_t)out, out_size, r);
	if (!tag && result)
		for (unsigned i = 0; i < 5; i++)
			result[i] = r[2 + i];
	return tag;
}

static inline long xous_process_spawn(const void *code, uintptr_t target, size_t size,
				      uint64_t *pid, uint64_t *cap)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_XOUS_PROCESS_SPAWN, code, target, size, r);
	if (!tag) {
		*pid = r[0];
		*cap = r[1];
	}
	return tag;
}

static inline long xous_process_yield(void)
{
	return SYS0(SYS_XOUS_PROCESS_YIELD, NULL);
}

static inline long xous_process_suspend(uint64_t pid)
{
	return SYS2(SYS_XOUS_PROCESS_SUSPEND, pid, 0, NULL);
}

static inline long xous_process_resume(uint64_t pid)
{
	return SYS1(SYS_XOUS_PROCESS_RESUME, pid, NULL);
}

static inline long xous_process_terminate(uint64_t pid)
{
	return SYS1(SYS_XOUS_PROCESS_TERMINATE, pid, NULL);
}

static inline long xous_interrupt_claim(unsigned irq, uint64_t sid)
{
	return SYS2(SYS_XOUS_INTERRUPT_CLAIM, irq, sid, NULL);
}

static inline long xous_memory_allocate(uintptr_t phys, uintptr_t virt, size_t size,
					uint64_t mmio_cap, void **out)
{
	uintptr_t r[7];
	long tag = sys(SYS_XOUS_MEMORY_ALLOCATE, phys, virt, size, mmio_cap, 0, 0, 0, r);
	if (!tag)
		*out = (void *)r[0];
	return tag;
}

static inline long xous_heap_resize(size_t size, void **base)
{
	uintptr_t r[7];
	long tag = SYS1(SYS_XOUS_HEAP_RESIZE, size, r);
	if (!tag && base)
		*base = (void *)r[0];
	return tag;
}

/* Notifications (Driver API): a word of pending bits. */
static inline long notification_create(uint64_t *cap)
{
	uintptr_t r[7];
	long tag = SYS0(SYS_NOTIFICATION_CREATE, r);
	if (!tag)
		*cap = r[0];
	return tag;
}

static inline long notification_signal(uint64_t cap, uint64_t bits)
{
	return SYS2(SYS_NOTIFICATION_SIGNAL, cap, bits, NULL);
}

/* Wait for bits (timeout_ns 0: for ever); they are taken and cleared. */
static inline long notification_wait(uint64_t cap, uint64_t timeout_ns, uint64_t *bits)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_NOTIFICATION_WAIT, cap, timeout_ns, r);
	if (!tag)
		*bits = r[0];
	return tag;
}

static inline long notification_poll(uint64_t cap, uint64_t *bits)
{
	uintptr_t r[7];
	long tag = SYS1(SYS_NOTIFICATION_POLL, cap, r);
	if (!tag)
		*bits = r[0];
	return tag;
}

#endif
