/*
 * IPC as user space sees it, shared with the kernel: the message info
 * word, the per-thread IPC buffer, the MessageHeader of the Kernel API and
 * the Xous message kinds.
 *
 * A small message (at most 64 bytes, eight words) travels in registers:
 * words 0..3 in argument registers 3..6 both ways; words 4..7, the
 * header's sequence and recipient, and a capability that travels with it,
 * in the thread's IPC buffer (SYS_IPC_BUFFER gives its address). A large
 * message is a small one of type MSG_LARGE naming a shared region
 * (region id, offset, length), whose capability travels with it.
 */
#ifndef ABI_IPC_H
#define ABI_IPC_H

#include <stdint.h>

#define MSG_MAX_BYTES 64u
#define MSG_REG_WORDS 4u /* words carried in registers */

/* MessageType: the type byte of the info word. */
enum message_type {
	MSG_SMALL = 0,
	MSG_LARGE = 1, /* words: shared region id, offset, length */
	/* Xous messages (ipc/xous.c): word 0 the message id, words 1..4 its arguments. */
	XOUS_SCALAR = 2,	  /* the sender goes on once it is received */
	XOUS_BLOCKING_SCALAR = 3, /* the sender waits for a scalar reply */
	XOUS_MEMORY = 4,	  /* in_buf, in_size, out_buf, out_size: lent until the reply */
	XOUS_INTERRUPT = 5, /* from the kernel: word 1 the IRQ, word 2 how many since the last */
	MSG_FORWARD = 6, /* from the kernel alone: a call made for a process (include/abi/file.h) */
};

/*
 * The info word (argument 1 of send/call/reply; result 0 of a delivered
 * native message): the length in bytes, the type, flags, and for a
 * blocking call a timeout in milliseconds (0: none).
 */
#define MSG_INFO(len, type)	 ((uint64_t)(len) | (uint64_t)(type) << 8)
#define MSG_LEN(info)		 ((unsigned)((info)&0xff))
#define MSG_TYPE(info)		 ((unsigned)((info) >> 8 & 0xff))
#define MSG_CAP			 (1ull << 16) /* a capability travels: buffer.header.capability */
#define MSG_TIMEOUT_MS(info, ms) ((info) | (uint64_t)(ms) << 32)
#define MSG_INFO_TIMEOUT(info)	 ((uint32_t)((info) >> 32))

/* MessageHeader of the Kernel API. */
struct message_header {
	uint64_t sender;    /* process id */
	uint64_t recipient; /* process id */
	uint64_t message_type;
	uint64_t sequence;   /* per endpoint, from 1 */
	uint64_t capability; /* a token in the receiver's space, 0 for none */
};

/* The per-thread IPC buffer: one page of user memory the kernel also reaches. */
struct ipc_buffer {
	uint64_t words[MSG_MAX_BYTES / 8]; /* the whole message; 0..3 also in registers */
	struct message_header header;	   /* of the last message delivered to the thread */
	uint64_t send_capability;	   /* with MSG_CAP: the token to send (GRANT needed) */
};

/*
 * Interrupt numbers for SYS_XOUS_INTERRUPT_CLAIM: IRQ_TICK is the kernel's
 * timer tick on every arch (the claimer gets a message per tick; the
 * kernel keeps the line).
 */
#define IRQ_TICK 0x100u

/* Where SYS_XOUS_HEAP_RESIZE grows a process's heap. */
#define XOUS_HEAP_BASE 0x200000000ull

/* Results of a native receive, call or reply-and-receive. */
enum {
	IPC_R_INFO = 0,	 /* the info word */
	IPC_R_REPLY = 1, /* reply token (0: no reply expected) */
	IPC_R_SENDER = 2,
	IPC_R_WORD0 = 3, /* 3..6: words 0..3 */
};

#endif
