/*
 * SLIP (RFC 1055): IP packets framed on a serial line. A frame is END,
 * the packet with every END byte sent as ESC ESC_END and every ESC as
 * ESC ESC_ESC, and END again (the leading END flushes whatever line noise
 * came before, as RFC 1055 suggests). Receiving is the reader's: an r2
 * program decodes what it reads from the port itself, as libcr2 does.
 */
#ifndef NET_SLIP_H
#define NET_SLIP_H

#include <stddef.h>
#include <stdint.h>

#define SLIP_END     0xc0
#define SLIP_ESC     0xdb
#define SLIP_ESC_END 0xdc
#define SLIP_ESC_ESC 0xdd

/* The longest frame of an n-byte packet: every byte escaped, and the two ENDs. */
#define SLIP_FRAME_MAX(n) (2 * (n) + 2)

/* The frame of packet p (n bytes) into out (cap bytes); its length, or 0 if it does not fit. */
size_t slip_encode(const uint8_t *p, size_t n, uint8_t *out, size_t cap);

#endif
