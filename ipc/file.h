/*
 * Files in the kernel (include/abi/file.h): OBJ_FILE objects, each naming
 * a file server's endpoint and the server's handle for an open file, and
 * the forwarded call that carries the file system calls, and the r2
 * gate's file calls, to that server with the caller's buffers lent.
 */
#ifndef IPC_FILE_H
#define IPC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct process;
struct trap_frame;
struct ipc_endpoint;

/* A buffer of the caller's a forwarded call lends (len 0: none). */
struct fwd_buf {
	uintptr_t va;
	size_t len;
	bool writable;
};

/*
 * Call `ep` on behalf of the running thread with a MSG_FORWARD message:
 * words w[0..7] (FWD_*; the buffers' words are filled in here), b[0] and
 * b[1] lent for the call. The reply's status is the return value; its
 * results r0..r2 go to out[0..2].
 */
int file_forward(struct ipc_endpoint *ep, uint64_t w[8], const struct fwd_buf b[2],
		 uint64_t out[3]);
/* The endpoint of the system's file server (the Xous server FILE_SERVER_NAME), or NULL. */
struct ipc_endpoint *file_server(void);

void file_init(void);

int file_sys_read(struct trap_frame *tf, struct process *p);
int file_sys_write(struct trap_frame *tf, struct process *p);
int sys_open(struct trap_frame *tf, struct process *p);
int sys_seek(struct trap_frame *tf, struct process *p);
int sys_close(struct trap_frame *tf, struct process *p);
int sys_file_call(struct trap_frame *tf, struct process *p);

#endif
