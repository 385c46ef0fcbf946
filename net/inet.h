/*
 * The Internet checksum (RFC 1071) and the byte order of the wire: the
 * portable arithmetic every IPv4, ICMP and TCP builder shares. Nothing
 * here allocates or keeps state; every length is the caller's.
 */
#ifndef NET_INET_H
#define NET_INET_H

#include <stddef.h>
#include <stdint.h>

#define IPV4_HEADER_LEN 20
#define TCP_HEADER_LEN	20
#define IP_PROTO_TCP	6

/* The big-endian 16- and 32-bit words at p, and p written so. */
static inline uint16_t be16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void be16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static inline void be32_put(uint8_t *p, uint32_t v)
{
	be16_put(p, (uint16_t)(v >> 16)), be16_put(p + 2, (uint16_t)v);
}

/*
 * The one's-complement sum of n bytes as big-endian 16-bit words (an odd
 * last byte padded with zero), added to `sum`; not yet folded. Sums of
 * several pieces add up as long as each piece but the last is even.
 */
uint32_t inet_sum(const uint8_t *p, size_t n, uint32_t sum);
/* The checksum field's value: the folded sum, complemented. */
uint16_t inet_fold(uint32_t sum);
/* The sum of TCP's pseudo-header (RFC 793 3.1): addresses, protocol, segment length. */
uint32_t inet_pseudo_sum(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, size_t len);

#endif
