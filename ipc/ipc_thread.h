/*
 * What IPC keeps per thread (embedded in struct kthread): where it waits,
 * the message it is sending while it waits for a receiver, its reply
 * token while it waits for a reply, the pages it has lent, and its IPC
 * buffer.
 */
#ifndef IPC_IPC_THREAD_H
#define IPC_IPC_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/abi/ipc.h"
#include "ipc/port.h"

enum ipc_state {
	IPC_IDLE,
	IPC_SENDING,	/* queued on an endpoint's senders, no reply wanted */
	IPC_CALLING,	/* queued on an endpoint's senders, a reply wanted */
	IPC_RECEIVING,	/* queued on an endpoint's receivers */
	IPC_REPLY_WAIT, /* its call was received: waiting for the reply token's use */
};

/* A message inside the kernel, whatever its way in and out. */
struct ipc_msg {
	uint64_t w[MSG_MAX_BYTES / 8];
	uint32_t len;	  /* bytes, 0..64 */
	uint8_t type;	  /* enum message_type */
	bool has_cap;	  /* `cap` is a token of the sender's to grant */
	uint64_t cap;	  /* in the sender's space */
	uint64_t channel; /* the channel it came through (0: straight to the endpoint) */
	struct {
		uintptr_t va;
		size_t len;
		bool writable;
	} mem[2]; /* XOUS_MEMORY: in_buf, out_buf; MSG_FORWARD: the pages of its buffers */
	/* MSG_FORWARD: buffer j is at (where mem[slot] is lent) + off; its address goes to word 1 + 2j. */
	struct {
		uint8_t slot; /* 0xff: no buffer */
		uintptr_t off;
	} fwd[2];
};

struct vmspace;

/* Pages lent to a receiver for the length of a call. */
struct ipc_loan {
	struct vmspace *to;
	uintptr_t va, to_va;
	size_t len;
};

struct ipc_thread {
	struct ipc_link link; /* first: on an endpoint's queue */
	uint8_t state;	      /* enum ipc_state */
	bool xous;	      /* Xous layout of results; a dead server is E_SERVER_NOT_FOUND */
	bool kcall;    /* a call the kernel makes for it (ipc/file.c): the reply goes to msg.w */
	int result;    /* what whoever woke it decided */
	uint64_t bits; /* a notification's bits it was handed (ipc/notify.c) */
	uint64_t reply_token; /* IPC_REPLY_WAIT */
	struct ipc_msg msg;   /* IPC_SENDING, IPC_CALLING */
	struct ipc_loan loans[2];
	unsigned nloans;
	uintptr_t buf_va;	/* its IPC buffer in user space, 0 until first needed */
	struct ipc_buffer *buf; /* the same page through the direct map */
};

#endif
