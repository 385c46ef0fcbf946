/* HAL: the early console, the kernel's own serial port. */
#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H

struct console_desc;

/*
 * Start using the console the firmware described. Before this call
 * arch_console_putc() uses the arch's boot-time default (COM1, the SBI
 * console, the UART the DTB named at entry) so early errors are visible.
 */
void arch_console_init(const struct console_desc *desc);
/* Write one character, blocking until the device takes it; "\n" is sent as is. */
void arch_console_putc(char c);
/* Read one character without blocking; -1 when none is waiting. */
int arch_console_getc(void);

#endif
