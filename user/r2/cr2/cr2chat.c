/*
 * CR2CHAT.ELF: TCP over SLIP on the r2 serial port, the way r2apps' chat
 * does it in client mode (run --libcr2 CR2CHAT.ELF WORDS...): from
 * 10.3.3.2 to 10.3.3.1:9000, each packet built by the kernel's 0x33 (TCP,
 * then IPv4 around it) and sent by 0x34 as a SLIP frame; what comes back
 * read byte by byte through 0x32 and decoded here, as libcr2 does. Once
 * connected it sends its arguments as one line, prints each line it
 * receives as "[>] LINE" and answers pings (0x33's ICMP echo reply) all
 * along; when the peer closes, it acknowledges, closes too and exits 0.
 * Its SYN goes again each second until the peer answers, as TCP's does.
 * Exit 1 on a reset, a failed call or 60 s without the end.
 */
#include "cr2.h"

#define CHAT_PORT 9000
#define MY_PORT	  49152
#define SLIP_END  0xc0
#define SLIP_ESC  0xdb

static const uint8_t my_ip[4] = {10, 3, 3, 2}, peer_ip[4] = {10, 3, 3, 1};

static uint32_t seq, ack; /* ours next, theirs next */
static uint8_t packet[1600], frame[1600];

static uint16_t swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static _Noreturn void fail(const char *why)
{
	cr2_print("cr2chat: ", why, "\n", NULL);
	exit(0xff, 1);
}

/* A segment with these flags and data, built by the kernel and sent. */
static void send_tcp(uint8_t flags, const char *data, uint16_t len)
{
	TcpPacketRequest_T req;
	memset(&req, 0, sizeof(req));
	req.header.source_port = MY_PORT;
	req.header.dest_port = CHAT_PORT;
	req.header.seq_num = seq;
	req.header.ack_num = ack;
	req.header.window_size = 1024;
	req.header.data_offset_reserved_flags = (uint16_t)(5 << 12 | flags);
	memcpy(req.src_ip, my_ip, 4);
	memcpy(req.dst_ip, peer_ip, 4);
	req.length = len;
	static uint8_t tcp[1500];
	memcpy(tcp, &req, sizeof(req));
	memcpy(tcp + sizeof(req), data, len);
	if (!new_packet(CRAFT_TCP_PACKET, tcp))
		fail("TCP packet creation failed");
	/* libcr2's dummy IPv4 header: the peer as its source, we as its destination. */
	Ipv4Header_T ip;
	memset(&ip, 0, sizeof(ip));
	ip.version = 0x45;
	ip.protocol = 6;
	ip.total_length = swap16((uint16_t)(sizeof(ip) + 20 + len));
	memcpy(ip.source_addr, peer_ip, 4);
	memcpy(ip.destination_addr, my_ip, 4);
	memcpy(packet, &ip, sizeof(ip));
	memcpy(packet + sizeof(ip), tcp, 20u + len);
	if (!new_packet(CRAFT_IPV4_PACKET, packet))
		fail("IPv4 packet creation failed");
	if (!send_packet(0x01, packet))
		fail("send failed");
	seq += len + ((flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) ? 1 : 0);
}

/* An echo request to us: its ICMP part becomes the reply, the IPv4 header turns round. */
static void answer_ping(uint8_t *p, unsigned ihl, unsigned total)
{
	if (total - ihl != 64 || p[ihl] != 8 || p[ihl + 1] != 0 || ihl != 20 ||
	    memcmp(p + 16, my_ip, 4))
		return; /* only the usual 64-byte echo (0x33 builds no other), to us */
	if (!new_packet(CRAFT_ICMP_PACKET, p + ihl) || !new_packet(CRAFT_IPV4_PACKET, p) ||
	    !send_packet(0x01, p))
		fail("ping reply failed");
	print("cr2chat: ping answered\n");
}

/* The lines of the data, each printed as chat prints them once whole (or 128 bytes long). */
static void show(const uint8_t *d, unsigned n)
{
	static char line[129];
	static unsigned k; /* a line may come in several segments */
	for (unsigned i = 0; i < n; i++) {
		if (d[i] != '\n' && d[i] != '\r')
			line[k++] = (char)d[i];
		if (d[i] == '\n' || k == sizeof(line) - 1) {
			line[k] = 0;
			cr2_print("[>] ", line, "\n", NULL);
			k = 0;
		}
	}
}

/* One decoded packet; 1 once the connection has ended. */
static int on_packet(uint8_t *p, unsigned n, const char *line, uint16_t line_len, int *connected)
{
	if (n < 20 || p[0] >> 4 != 4)
		return 0;
	unsigned ihl = (p[0] & 0xfu) * 4, total = (unsigned)p[2] << 8 | p[3];
	if (ihl < 20 || total < ihl || total > n)
		return 0;
	if (p[9] == 1) {
		answer_ping(p, ihl, total);
		return 0;
	}
	if (p[9] != 6 || total - ihl < 20)
		return 0;
	uint8_t *t = p + ihl;
	if (((unsigned)t[0] << 8 | t[1]) != CHAT_PORT || ((unsigned)t[2] << 8 | t[3]) != MY_PORT)
		return 0;
	unsigned off = (t[12] >> 4) * 4u, flags = t[13];
	uint32_t their = be32(t + 4);
	if (off < 20 || off > total - ihl)
		return 0;
	if (flags & TCP_FLAG_RST)
		fail("connection reset");
	if (!*connected) {
		if ((flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != (TCP_FLAG_SYN | TCP_FLAG_ACK) ||
		    be32(t + 8) != seq)
			return 0; /* not the answer to our SYN */
		ack = their + 1;
		*connected = 1;
		send_tcp(TCP_FLAG_ACK, "", 0);
		print("cr2chat: [connected]\n");
		send_tcp(TCP_FLAG_PSH | TCP_FLAG_ACK, line, line_len);
		return 0;
	}
	unsigned len = total - ihl - off;
	if (their != ack)
		return 0; /* not the next byte (a retransmission): our ACK stands */
	if (len) {
		show(t + off, len);
		ack += len;
	}
	if (flags & TCP_FLAG_FIN) {
		ack++;
		send_tcp(TCP_FLAG_FIN | TCP_FLAG_ACK, "", 0);
		print("cr2chat: [disconnected]\n");
		return 1;
	}
	if (len)
		send_tcp(TCP_FLAG_ACK, "", 0);
	return 0;
}

/* s after the line's first *n bytes, as much as leaves room for its newline. */
static void append(char *line, uint16_t *n, const char *s)
{
	while (*s && *n < 126)
		line[(*n)++] = *s++;
}

int main(int argc, char **argv)
{
	static char line[128];
	uint16_t line_len = 0;
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			append(line, &line_len, " ");
		append(line, &line_len, argv[i]);
	}
	line[line_len++] = '\n';
	if (!serial_init())
		fail("serial init failed");
	print("cr2chat: [client] connecting to 10.3.3.1:9000\n");
	int connected = 0;
	unsigned got = 0, esc = 0;
	uint64_t now = get_ticks(), end = now + 60000, syn_at = now;
	while ((now = get_ticks()) < end) {
		if (!connected && now >= syn_at) {
			seq = 0; /* the same SYN again */
			send_tcp(TCP_FLAG_SYN, "", 0);
			syn_at = now + 1000;
		}
		uint32_t v;
		if (!serial_read(&v)) {
			sleep_ms(1);
			continue;
		}
		uint8_t b = (uint8_t)v;
		if (b == SLIP_END) {
			if (got && on_packet(frame, got, line, line_len, &connected))
				exit(0xff, 0);
			got = esc = 0;
		} else if (b == SLIP_ESC) {
			esc = 1;
		} else if (got < sizeof(frame)) {
			frame[got++] = esc ? (b == 0xdc ? SLIP_END : SLIP_ESC) : b;
			esc = 0;
		}
	}
	fail("no end to the conversation in 60 s");
}
