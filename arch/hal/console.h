/* HAL: the early console, the kernel's own serial port. */
#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H

struct boot_info;
struct console_desc;

/*
 * Start using the console the firmware described. Before this call
 * arch_console_putc() uses the arch's boot-time default (COM1, the SBI
 * console, the UART the DTB named at entry) so early errors are visible.
 */
void arch_console_init(const struct console_desc *desc);
/* Write one character, blocking until the device takes it; "\n" is sent as is. */
void arch_console_putc(char c);
/* Read one character from the device without blocking; -1 when none is waiting. */
int arch_console_getc(void);
/*
 * Make the console's UART interrupt when it receives (after arch_irq_init):
 * the line (arch/hal/irq.h) its receive interrupt comes on, or a negative
 * E_* when input can only be polled (the SBI console, no interrupt in the
 * device tree). The portable handler (core/console.c) then empties the
 * device with arch_console_getc(), which quietens the interrupt.
 */
int arch_console_rx_irq(const struct boot_info *bi);

#endif
