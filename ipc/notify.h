/*
 * Notification objects in the kernel (the bookkeeping is
 * ipc/notification.h): each is named by an id, owned by the process that
 * made it, and goes with its last capability or its owner, whichever is
 * first; its waiters then learn E_IPC_CLOSED. Interrupt lines will signal
 * them from interrupt context, so signalling never blocks.
 */
#ifndef IPC_NOTIFY_H
#define IPC_NOTIFY_H

#include <stdint.h>

struct process;
struct trap_frame;

/* Notifications one process may own at a time. */
#define NOTIFICATIONS_PER_PROCESS 32u

void notify_init(void);
/* Signal the notification `id` names (interrupts off); E_IPC_CLOSED if it is gone. */
int notify_signal(uint64_t id, uint64_t bits);
/* A process ends: the notifications it owns go. */
void notify_process_exit(struct process *p);
/* Live notifications (tests). */
unsigned notify_live(void);

/* System calls (core/syscall.c's table). */
int sys_notification_create(struct trap_frame *tf, struct process *p);
int sys_notification_signal(struct trap_frame *tf, struct process *p);
int sys_notification_wait(struct trap_frame *tf, struct process *p);
int sys_notification_poll(struct trap_frame *tf, struct process *p);

#endif
