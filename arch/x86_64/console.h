/* The x86_64 console's boot-time half. */
#ifndef X86_64_CONSOLE_H
#define X86_64_CONSOLE_H

/* The PC's first serial port, the boot-time console. */
#define COM1_PORT 0x3f8
/* The second, which the kernel leaves to a driver (the r2 serial call's, drivers/pc/serial.c). */
#define COM2_PORT 0x2f8

/* Program COM1 (115200 8N1) so arch_console_putc() works before kmain(). */
void x86_64_console_early_init(void);

#endif
