/*
 * IPC in the kernel: endpoints (a queue of senders, a queue of
 * receivers), channels joining two endpoints, synchronous send and
 * receive with timeouts, call and reply with one-shot reply tokens,
 * capabilities carried by messages, and the fast path: a call to a
 * receiver already waiting switches straight to it, and a reply to a
 * caller from a server that waits again switches straight back. System
 * calls run with interrupts off (the kernel lock), so none of this locks.
 * The Xous servers (ipc/xous.c) are endpoints with names.
 */
#ifndef IPC_IPC_H
#define IPC_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "ipc/ipc_thread.h"
#include "ipc/port.h"

struct process;
struct kthread;
struct trap_frame;

#define IPC_RELEASED_MAX 32u

struct ipc_endpoint {
	uint64_t id;
	struct process *owner;
	struct ipc_queue senders, receivers;
	uint64_t sequence;    /* of the last message delivered */
	bool xous;	      /* a Xous server: senders learn E_SERVER_NOT_FOUND when it goes */
	uint32_t irq_pending; /* claimed interrupts not yet delivered (ipc/xous.c) */
	uint32_t irq;	      /* ... and the last one's number */
	uint32_t refs;	      /* capabilities naming it: it goes with the last (or its owner) */
	/* File handles whose last capability went, for the server's next receive (ipc/file.c). */
	uint64_t released[IPC_RELEASED_MAX];
	uint32_t nreleased;
	uint32_t released_lost; /* released while the queue was full */
};

/* Endpoints (servers included) and channels one process may own at a time, and servers. */
#define IPC_PER_PROCESS	    32u
#define SERVERS_PER_PROCESS 8u

void ipc_init(void);
/* A new endpoint owned by `owner`. */
int ipc_endpoint_new(struct process *owner, bool xous, struct ipc_endpoint **out);
struct ipc_endpoint *ipc_endpoint_find(uint64_t id);
/* The Xous servers `p` owns. */
unsigned ipc_servers_of(const struct process *p);
/* The endpoint an endpoint capability with `rights` names. */
int ipc_endpoint_of(struct process *p, uint64_t token, uint32_t rights, struct ipc_endpoint **ep);
/* Waiters fail (senders: E_PROCESS_TERMINATED or E_SERVER_NOT_FOUND), the endpoint goes. */
void ipc_endpoint_destroy(struct ipc_endpoint *ep);
/* The endpoint a send through `token` reaches (endpoint or channel capability, WRITE). */
int ipc_target(struct process *p, uint64_t token, struct ipc_endpoint **ep, uint64_t *channel);

/*
 * Send the running thread's ipc.msg to `ep` (the caller fills it); with
 * `call`, wait for the reply too, which lands in the caller's registers.
 */
int ipc_send(struct ipc_endpoint *ep, bool call, uint64_t timeout_ns);
/* Receive on `ep` into the running thread's registers (Xous layout with `xous`). */
int ipc_receive(struct ipc_endpoint *ep, bool xous, uint64_t timeout_ns);
/* Reply with the running thread's ipc.msg; then receive on `then` unless NULL. */
int ipc_reply(uint64_t token, struct ipc_endpoint *then);
/*
 * The fast paths of a call and of a reply-and-wait (see ipc.c): -1 when
 * they do not apply and the general path must run; else the call's tag.
 */
struct ipc_fast {
	bool xous;     /* the Xous layout: info is the kind, w[0..4] id and arguments */
	uint64_t info; /* native: the info word (registers only) */
	uint64_t w[5];
};
int ipc_fast_call(struct process *p, uint64_t target, const struct ipc_fast *m);
int ipc_fast_reply_wait(struct process *p, uint64_t reply, uint64_t then, const struct ipc_fast *m);
/* Tell `ep`'s receiver that file `handle` is released (a message from the kernel, no reply). */
void ipc_file_released(struct ipc_endpoint *ep, uint64_t handle);
/* Deliver an interrupt claimed by `ep`'s owner (interrupt context). */
void ipc_notify_irq(struct ipc_endpoint *ep, unsigned irq);

/* A thread ends: give back its IPC buffer. */
void ipc_thread_exit(struct kthread *t);
/* A process ends (its threads are gone, its space not yet): its endpoints and replies go. */
void ipc_process_exit(struct process *p);
/* Print endpoints and waiters (debug_dump_ipc). */
void ipc_dump(void);

/* System calls (core/syscall.c's table). */
int sys_ipc_send(struct trap_frame *tf, struct process *p);
int sys_ipc_receive(struct trap_frame *tf, struct process *p);
int sys_ipc_call(struct trap_frame *tf, struct process *p);
int sys_ipc_reply(struct trap_frame *tf, struct process *p);
int sys_ipc_endpoint_create(struct trap_frame *tf, struct process *p);
int sys_ipc_channel_create(struct trap_frame *tf, struct process *p);
int sys_ipc_channel_close(struct trap_frame *tf, struct process *p);
int sys_ipc_buffer(struct trap_frame *tf, struct process *p);

#endif
