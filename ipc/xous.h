/*
 * The Xous model over the same endpoints: named servers, connections,
 * scalar and memory messages (memory is lent for the length of the call),
 * process spawn/yield/suspend/resume/terminate by pid for the parent,
 * interrupts as messages, memory allocation and a heap.
 */
#ifndef IPC_XOUS_H
#define IPC_XOUS_H

struct trap_frame;
struct process;
struct ipc_endpoint;

/* The endpoint is going: its name and interrupt claims go with it (ipc/ipc.c). */
void xous_endpoint_gone(struct ipc_endpoint *ep);
/* The kernel's tick: a message to whoever claimed IRQ_TICK (interrupt context). */
void xous_tick(void);

int sys_xous_process_spawn(struct trap_frame *tf, struct process *p);
int sys_xous_process_suspend(struct trap_frame *tf, struct process *p);
int sys_xous_process_resume(struct trap_frame *tf, struct process *p);
int sys_xous_process_terminate(struct trap_frame *tf, struct process *p);
int sys_xous_interrupt_claim(struct trap_frame *tf, struct process *p);
int sys_xous_memory_allocate(struct trap_frame *tf, struct process *p);
int sys_xous_heap_resize(struct trap_frame *tf, struct process *p);
int sys_xous_server_create(struct trap_frame *tf, struct process *p);
int sys_xous_server_receive(struct trap_frame *tf, struct process *p);
int sys_xous_server_reply(struct trap_frame *tf, struct process *p);
int sys_xous_client_connect(struct trap_frame *tf, struct process *p);
int sys_xous_client_send(struct trap_frame *tf, struct process *p);

#endif
