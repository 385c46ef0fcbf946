/*
 * The network library (net/): the Internet checksum against RFC 1071's
 * arithmetic and a header whose checksum is well known, the packets r2's
 * 0x33 builds (each checked by a sum of our own here, and byte by byte),
 * what it refuses leaving the buffer as it was, and SLIP's framing.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "include/abi/r2.h"
#include "net/inet.h"
#include "net/r2_packet.h"
#include "net/slip.h"

/* A one's-complement sum written the plain way: every 16-bit word, carries folded at the end. */
static uint16_t plain_sum(const uint8_t *p, size_t n, uint64_t start)
{
	uint64_t s = start;
	for (size_t i = 0; i < n; i += 2)
		s += (uint64_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A well-known IPv4 header (192.168.0.1 -> 192.168.0.199, UDP): its checksum is 0xb861. */
static const uint8_t known[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
				  0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

Test(inet, checksum_of_a_known_header)
{
	uint8_t h[20];
	memcpy(h, known, sizeof(h));
	cr_assert_eq(inet_fold(inet_sum(h, sizeof(h), 0)), 0); /* with its checksum: all ones */
	h[10] = h[11] = 0;
	cr_assert_eq(inet_fold(inet_sum(h, sizeof(h), 0)), 0xb861);
	/* Odd lengths pad with zero; pieces add up. */
	const uint8_t odd[3] = {0x12, 0x34, 0x56};
	cr_assert_eq(inet_fold(inet_sum(odd, 3, 0)), (uint16_t) ~(0x1234 + 0x5600));
	cr_assert_eq(inet_fold(inet_sum(h + 10, 10, inet_sum(h, 10, 0))),
		     inet_fold(inet_sum(h, 20, 0)));
	/* A long run of 0xff bytes: carries all the way, never an overflow. */
	static uint8_t ones[70000];
	memset(ones, 0xff, sizeof(ones));
	cr_assert_eq(inet_fold(inet_sum(ones, sizeof(ones), 0)),
		     (uint16_t)~plain_sum(ones, sizeof(ones), 0));
}

static const uint8_t me[4] = {10, 3, 3, 2}, peer[4] = {10, 3, 3, 1};

Test(r2_packet, ipv4_gets_a_fresh_header_going_the_other_way)
{
	uint8_t buf[200];
	memset(buf, 0xee, sizeof(buf));
	/* As libcr2 asks: the peer as the source, IHL 6 (four option bytes), then 10 bytes. */
	memset(buf, 0, 24);
	buf[0] = 0x46, buf[9] = IP_PROTO_TCP;
	be16_put(buf + 2, 34);
	memcpy(buf + 12, peer, 4);
	memcpy(buf + 16, me, 4);
	memcpy(buf + 24, "0123456789", 10);
	cr_assert_eq(r2_craft(R2_CRAFT_IPV4, buf, 34), R2_OK);
	const uint8_t head[12] = {0x45, 0, 0, 30, 0x13, 0x37, 0x40, 0, 64, IP_PROTO_TCP};
	cr_assert_arr_eq(buf, head, 10);
	cr_assert_arr_eq(buf + 12, me, 4);
	cr_assert_arr_eq(buf + 16, peer, 4);
	cr_assert_eq(plain_sum(buf, 20, 0), 0xffff, "the header's checksum");
	cr_assert_arr_eq(buf + 20, "0123456789", 10);
	cr_assert_eq(buf[34], 0xee); /* nothing past the lent bytes */
}

Test(r2_packet, tcp_segment_in_network_order_with_its_checksum)
{
	uint8_t buf[64];
	memset(buf, 0xee, sizeof(buf));
	struct r2_tcp_request r = {
	    .source_port = 9000,
	    .dest_port = 80,
	    .seq_num = 0x01020304,
	    .ack_num = 0xa0b0c0d0,
	    .data_offset_reserved_flags = 5 << 12 | 0x118, /* PSH ACK, and a bit past the byte */
	    .window_size = 7,
	    .length = 5,
	};
	memcpy(r.src_ip, me, 4);
	memcpy(r.dst_ip, peer, 4);
	memcpy(buf, &r, sizeof(r));
	memcpy(buf + sizeof(r), "hello", 5);
	cr_assert_eq(r2_craft(R2_CRAFT_TCP, buf, sizeof(r) + 5), R2_OK);
	const uint8_t want[16] = {0x23, 0x28, 0,    80,	  1,	2,    3,    4,
				  0xa0, 0xb0, 0xc0, 0xd0, 0x50, 0x18, 0x04, 0x00};
	cr_assert_arr_eq(buf, want, sizeof(want));
	cr_assert_eq(buf[18] | buf[19], 0, "no urgent pointer");
	cr_assert_arr_eq(buf + 20, "hello", 5);
	/* The pseudo-header (addresses, 0, 6, length 25) and the segment sum to all ones. */
	uint8_t pseudo[12] = {10, 3, 3, 2, 10, 3, 3, 1, 0, IP_PROTO_TCP, 0, 25};
	cr_assert_eq(plain_sum(buf, 25, plain_sum(pseudo, 12, 0)), 0xffff);
	cr_assert_arr_eq(buf + 30, "hello", 5); /* the request's tail, past the segment, stays */
	cr_assert_eq(buf[35], 0xee);
}

Test(r2_packet, icmp_echo_becomes_its_reply)
{
	uint8_t buf[R2_ICMP_ECHO_LEN];
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	buf[0] = 8, buf[1] = 0; /* an echo request */
	uint8_t before[sizeof(buf)];
	memcpy(before, buf, sizeof(buf));
	cr_assert_eq(r2_craft(R2_CRAFT_ICMP, buf, sizeof(buf)), R2_OK);
	cr_assert_eq(buf[0], 0);
	cr_assert_eq(buf[1], 0);
	cr_assert_arr_eq(buf + 4, before + 4, sizeof(buf) - 4, "identifier, sequence and data");
	cr_assert_eq(plain_sum(buf, sizeof(buf), 0), 0xffff);
}

/* Each refused: the buffer exactly as it was. */
static void refused(uint64_t type, uint8_t *buf, size_t len)
{
	uint8_t copy[1600];
	memcpy(copy, buf, len);
	cr_assert_eq(r2_craft(type, buf, len), R2_INVALID_INPUT, "type %lu, %zu bytes",
		     (unsigned long)type, len);
	cr_assert_arr_eq(buf, copy, len);
}

Test(r2_packet, malformed_requests_are_refused_untouched)
{
	static uint8_t buf[1600];
	memset(buf, 0x5a, sizeof(buf));
	refused(0, buf, 100);
	refused(4, buf, 100);
	buf[0] = 0x45;
	be16_put(buf + 2, 40);
	refused(R2_CRAFT_IPV4, buf, 39); /* longer than what was lent */
	refused(R2_CRAFT_IPV4, buf, 19);
	buf[0] = 0x44; /* IHL 4 */
	refused(R2_CRAFT_IPV4, buf, 40);
	buf[0] = 0x4f; /* 60 bytes of header in a 40-byte packet */
	refused(R2_CRAFT_IPV4, buf, 40);
	buf[0] = 0x65; /* version 6 */
	refused(R2_CRAFT_IPV4, buf, 40);
	buf[0] = 0x45;
	be16_put(buf + 2, R2_PACKET_MAX + 1);
	refused(R2_CRAFT_IPV4, buf, sizeof(buf));
	refused(R2_CRAFT_ICMP, buf, R2_ICMP_ECHO_LEN - 1);
	refused(R2_CRAFT_TCP, buf, sizeof(struct r2_tcp_request) - 1);
	struct r2_tcp_request r = {.length = 10};
	memcpy(buf, &r, sizeof(r));
	refused(R2_CRAFT_TCP, buf, sizeof(r) + 9);
	r.length = R2_TCP_DATA_MAX + 1;
	memcpy(buf, &r, sizeof(r));
	refused(R2_CRAFT_TCP, buf, sizeof(buf));
}

Test(r2_packet, ipv4_length_of_a_packet_to_send)
{
	uint8_t p[60] = {0x45};
	be16_put(p + 2, 60);
	cr_assert_eq(r2_ipv4_length(p, 60), 60);
	cr_assert_eq(r2_ipv4_length(p, 59), 0);
	be16_put(p + 2, 19);
	cr_assert_eq(r2_ipv4_length(p, 60), 0);
	be16_put(p + 2, 20);
	p[0] = 0x35;
	cr_assert_eq(r2_ipv4_length(p, 60), 0);
}

Test(slip, frames_escape_end_and_esc)
{
	const uint8_t pkt[] = {1, SLIP_END, 2, SLIP_ESC, 3};
	uint8_t out[SLIP_FRAME_MAX(sizeof(pkt))];
	const uint8_t want[] = {SLIP_END,     1, SLIP_ESC, SLIP_ESC_END, 2, SLIP_ESC,
				SLIP_ESC_ESC, 3, SLIP_END};
	cr_assert_eq(slip_encode(pkt, sizeof(pkt), out, sizeof(out)), sizeof(want));
	cr_assert_arr_eq(out, want, sizeof(want));
	cr_assert_eq(slip_encode(pkt, sizeof(pkt), out, sizeof(want)),
		     sizeof(want)); /* just fits */
	cr_assert_eq(slip_encode(pkt, sizeof(pkt), out, sizeof(want) - 1), 0);
	cr_assert_eq(slip_encode(pkt, 0, out, 2), 2);
	cr_assert_eq(slip_encode(pkt, 0, out, 1), 0);
	/* The worst case: every byte escaped. */
	uint8_t ends[100], big[SLIP_FRAME_MAX(100)];
	memset(ends, SLIP_END, sizeof(ends));
	cr_assert_eq(slip_encode(ends, sizeof(ends), big, sizeof(big)), sizeof(big));
}
