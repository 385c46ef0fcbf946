/*
 * Console input: what the console's UART receives goes into one ring, from
 * its interrupt (or, without one, from polling while someone reads), and
 * kernel threads read it from there, blocking or not. Output stays with
 * kprintf() and arch_console_putc().
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

struct boot_info;

#define CONSOLE_RING_SIZE 1024 /* bytes received and not read yet */
#define CONSOLE_BREAK	  0x03 /* Ctrl-C */

/* Take input by interrupt when the arch can (after irq_init()), else by polling. */
void console_init(const struct boot_info *bi);
/* True when input comes by interrupt; false when it is polled. */
bool console_irq_driven(void);
/* The interrupt line input comes on, or -1 when it is polled. */
int console_irq_line(void);
/* The next byte received, without blocking; -1 when none is waiting. */
int console_getc(void);
/*
 * The next byte received, waiting for it at most `timeout_ns` (0: for
 * ever); -E_TIMEOUT when none came in time. Any kernel thread but the idle
 * one may wait; several may (each byte goes to one of them).
 */
int console_read(uint64_t timeout_ns);
/*
 * While armed, Ctrl-C (CONSOLE_BREAK) is taken out of the input and runs
 * `fn(arg)` with interrupts off (in the interrupt handler, or in
 * console_poll()); every other byte stays in the ring for whoever reads
 * next. console_arm_break(NULL, NULL) disarms: Ctrl-C is a byte again.
 */
void console_arm_break(void (*fn)(void *arg), void *arg);
/*
 * A process's break (SYS_CONSOLE_BREAK, core/sys_console.c) comes first:
 * while `fn` is set, Ctrl-C runs it (interrupts off), and the armed break,
 * or else the byte, follows only when it returns false. NULL unsets it.
 */
void console_hold_break(bool (*fn)(void));
/* A byte typed on another input device (a PC's keyboard) into the ring; interrupts off. */
void console_input(uint8_t c);
/* Move what the device holds into the ring (for a polled console; harmless otherwise). */
void console_poll(void);

/* Figures for the shell: bytes received, dropped because the ring was full, interrupts. */
struct console_stats {
	uint64_t received, dropped, interrupts;
};
void console_stats(struct console_stats *out);

#endif
