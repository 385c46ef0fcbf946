/*
 * The packets r2's 0x33 builds and 0x34 sends (include/abi/r2.h,
 * R2_CRAFT_IPV4): portable, run by COM2's driver on memory the caller
 * lent. r2_craft works on a copy it checked and writes its result back
 * whole, so what the caller changes meanwhile changes nothing here.
 */
#ifndef NET_R2_PACKET_H
#define NET_R2_PACKET_H

#include <stddef.h>
#include <stdint.h>

/*
 * R2_CRAFT_* (type) on the `len` bytes at buf: R2_OK with the packet
 * written over their start, R2_INVALID_INPUT (nothing written) for
 * another type or a packet that is not whole in them or not well formed.
 */
uint64_t r2_craft(uint64_t type, uint8_t *buf, size_t len);

/*
 * How many of the `len` bytes at p an R2_SEND_IPV4 sends: the IPv4
 * header's total length when the packet is version 4, its header (IHL
 * >= 5) inside it and all of it, at most R2_PACKET_MAX, within len;
 * else 0.
 */
size_t r2_ipv4_length(const uint8_t *p, size_t len);

#endif
