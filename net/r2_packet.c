/* r2's packet building (r2_packet.h; the layouts in include/abi/r2.h). */
#include "net/r2_packet.h"

#include "core/kstring.h"
#include "include/abi/r2.h"
#include "net/inet.h"

#define TCP_WINDOW 1024 /* rou2exOS's, whatever the request says */

static uint16_t le16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32_get(const uint8_t *p)
{
	return (uint32_t)le16_get(p) | (uint32_t)le16_get(p + 2) << 16;
}

size_t r2_ipv4_length(const uint8_t *p, size_t len)
{
	if (len < IPV4_HEADER_LEN || p[0] >> 4 != 4)
		return 0;
	size_t ihl = (size_t)(p[0] & 0xf) * 4, total = be16_get(p + 2);
	return ihl >= IPV4_HEADER_LEN && total >= ihl && total <= R2_PACKET_MAX && total <= len
		   ? total
		   : 0;
}

/* The header of a `total`-byte packet from src to dst, with its checksum, at h. */
static void ipv4_header(uint8_t *h, size_t total, uint8_t proto, const uint8_t src[4],
			const uint8_t dst[4])
{
	h[0] = 0x45, h[1] = 0; /* version 4, 20 bytes; no DSCP/ECN */
	be16_put(h + 2, (uint16_t)total);
	be16_put(h + 4, 0x1337); /* rou2exOS's identification */
	be16_put(h + 6, 0x4000); /* don't fragment */
	h[8] = 64, h[9] = proto;
	be16_put(h + 10, 0);
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	be16_put(h + 10, inet_fold(inet_sum(h, IPV4_HEADER_LEN, 0)));
}

/*
 * An IPv4 packet in, a fresh header out over the payload. libcr2's
 * request names the peer as the source: the packet built goes the other
 * way, from its destination to its source.
 */
static uint64_t craft_ipv4(uint8_t *buf, size_t len, uint8_t *pkt)
{
	size_t total = r2_ipv4_length(buf, len); /* at most R2_PACKET_MAX: pkt holds it */
	if (!total)
		return R2_INVALID_INPUT;
	memcpy(pkt, buf, total);
	if (r2_ipv4_length(pkt, total) != total)
		return R2_INVALID_INPUT; /* it changed under us */
	size_t ihl = (size_t)(pkt[0] & 0xf) * 4, data = total - ihl;
	uint8_t src[4], dst[4];
	memcpy(src, pkt + 16, 4); /* swapped: see above */
	memcpy(dst, pkt + 12, 4);
	memmove(pkt + IPV4_HEADER_LEN, pkt + ihl, data);
	ipv4_header(pkt, IPV4_HEADER_LEN + data, pkt[9], src, dst);
	memcpy(buf, pkt, IPV4_HEADER_LEN + data);
	return R2_OK;
}

/* An echo (request) of R2_ICMP_ECHO_LEN bytes becomes its reply. */
static uint64_t craft_icmp(uint8_t *buf, size_t len, uint8_t *pkt)
{
	if (len < R2_ICMP_ECHO_LEN)
		return R2_INVALID_INPUT;
	memcpy(pkt, buf, R2_ICMP_ECHO_LEN);
	pkt[0] = pkt[1] = 0; /* echo reply, code 0 */
	be16_put(pkt + 2, 0);
	be16_put(pkt + 2, inet_fold(inet_sum(pkt, R2_ICMP_ECHO_LEN, 0)));
	memcpy(buf, pkt, R2_ICMP_ECHO_LEN);
	return R2_OK;
}

/* A struct r2_tcp_request and its data become a TCP segment. */
static uint64_t craft_tcp(uint8_t *buf, size_t len, uint8_t *pkt)
{
	const size_t req = sizeof(struct r2_tcp_request);
	if (len < req)
		return R2_INVALID_INPUT;
	memcpy(pkt, buf, req);
	size_t data = le16_get(pkt + offsetof(struct r2_tcp_request, length));
	if (data > R2_TCP_DATA_MAX || req + data > len)
		return R2_INVALID_INPUT;
	memcpy(pkt + req, buf + req, data);
	uint8_t src[4], dst[4],
	    flags = pkt[offsetof(struct r2_tcp_request, data_offset_reserved_flags)];
	memcpy(src, pkt + offsetof(struct r2_tcp_request, src_ip), 4);
	memcpy(dst, pkt + offsetof(struct r2_tcp_request, dst_ip), 4);
	uint16_t sport = le16_get(pkt), dport = le16_get(pkt + 2);
	uint32_t seq = le32_get(pkt + 4), ack = le32_get(pkt + 8);
	uint8_t *h = pkt; /* the header over the request; the data moved down to follow it */
	be16_put(h, sport);
	be16_put(h + 2, dport);
	be32_put(h + 4, seq);
	be32_put(h + 8, ack);
	h[12] = (TCP_HEADER_LEN / 4) << 4, h[13] = flags;
	be16_put(h + 14, TCP_WINDOW);
	be16_put(h + 16, 0);
	be16_put(h + 18, 0);
	memmove(h + TCP_HEADER_LEN, pkt + req, data);
	size_t seg = TCP_HEADER_LEN + data;
	uint32_t sum = inet_sum(h, seg, inet_pseudo_sum(src, dst, IP_PROTO_TCP, seg));
	be16_put(h + 16, inet_fold(sum));
	memcpy(buf, pkt, seg);
	return R2_OK;
}

uint64_t r2_craft(uint64_t type, uint8_t *buf, size_t len)
{
	uint8_t pkt[R2_PACKET_MAX];
	switch (type) {
	case R2_CRAFT_IPV4:
		return craft_ipv4(buf, len, pkt);
	case R2_CRAFT_ICMP:
		return craft_icmp(buf, len, pkt);
	case R2_CRAFT_TCP:
		return craft_tcp(buf, len, pkt);
	default:
		return R2_INVALID_INPUT;
	}
}
