/*
 * The console from user space (core/sys_console.c): SYS_READ on fd 0 and
 * SYS_CONSOLE_BREAK, whose holder takes Ctrl-C before the kernel shell's
 * break (core/console.h's console_arm_break()).
 */
#ifndef CORE_SYS_CONSOLE_H
#define CORE_SYS_CONSOLE_H

struct process;
struct trap_frame;

/*
 * SYS_READ on fd 0: wait for one byte, then take what has come, up to the
 * length. Length 0 waits for nothing: it reads a polled console's device,
 * so that a Ctrl-C typed there reaches the break holder.
 */
int sys_console_read(struct trap_frame *tf, struct process *p);
/* SYS_CONSOLE_BREAK: a notification cap (WRITE) and a bit take Ctrl-C; cap 0 gives it back. */
int sys_console_break(struct trap_frame *tf, struct process *p);
/* A process ends: if it held the break, Ctrl-C goes back to the kernel (interrupts off). */
void console_process_exit(struct process *p);

#endif
