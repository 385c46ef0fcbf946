/*
 * The 16550 UART's registers (offsets from its base) and the bits Kestrel
 * uses: the PC's COM ports (the kernel's console on COM1, the r2 serial
 * port's driver on COM2, drivers/pc/serial.c) and the NS16550 of other
 * boards. Constants only.
 */
#ifndef CORE_UART16550_H
#define CORE_UART16550_H

#define UART_RBR 0 /* receive buffer (read, DLAB 0) */
#define UART_THR 0 /* transmit holding (write, DLAB 0) */
#define UART_DLL 0 /* divisor low (DLAB 1) */
#define UART_IER 1 /* interrupt enable (DLAB 0) */
#define UART_DLM 1 /* divisor high (DLAB 1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */

#define LCR_8N1	    0x03
#define LCR_DLAB    0x80
#define FCR_ENABLE  0x01
#define FCR_CLEAR   0x06 /* clear both FIFOs */
#define MCR_DTR_RTS 0x03
#define MCR_OUT2    0x08    /* gates the UART's interrupt onto the bus on a PC */
#define IER_RX	    0x01    /* interrupt when a byte was received */
#define LSR_DR	    0x01    /* a byte is waiting */
#define LSR_THRE    0x20    /* the transmitter takes a byte */
#define UART_CLOCK  1843200 /* the PC's: 115200 baud is divisor 1 */

#endif
