/*
 * cr2: a minimal runtime for programs written against r2apps' C library
 * (libcr2), written for Kestrel from what libcr2 declares: the same
 * structures, the same names and the same calls, so a program in libcr2's
 * style builds with this header, crt0.S and linker.ld unchanged.
 *
 * Calls go through `int $0x7f` the way libcr2 makes them: the number in
 * RDX, argument 1 in RDI, 2 in RSI, 3 in RCX, the result in RAX (Kestrel
 * answers them so for a process started with `run --libcr2`).
 */
#ifndef CR2_H
#define CR2_H

#include <stddef.h>
#include <stdint.h>

/* 0x01: the system information, 116 bytes. */
typedef struct {
	uint8_t system_name[32];
	uint8_t system_user[32];
	uint8_t system_path[32];
	uint8_t system_version[8];
	uint32_t system_path_cluster;
	uint32_t system_uptime;
	uint8_t system_ip_addr[4];
} __attribute__((packed)) SysInfo_T;
_Static_assert(sizeof(SysInfo_T) == 116, "SysInfo_T is 116 bytes");
_Static_assert(offsetof(SysInfo_T, system_path_cluster) == 104, "SysInfo_T layout");

/* 0x02: the real-time clock, 7 bytes. */
typedef struct {
	uint8_t seconds;
	uint8_t minutes;
	uint8_t hours;
	uint8_t day;
	uint8_t month;
	uint16_t year;
} __attribute__((packed)) RTC_T;
_Static_assert(sizeof(RTC_T) == 7, "RTC_T is 7 bytes");

enum {
	ScExit = 0x00,
	ScSysInfo = 0x01,
	ScRTC = 0x02,
	ScPipeSubscribe = 0x03,
	ScGetTicks = 0x04,
	ScSleep = 0x05,
	ScPrintString = 0x10,
	ScMapVram = 0x14,
	ScSetVideoMode = 0x15,
	ScPlayFreq = 0x1a,
	ScPlayStop = 0x1f,
	ScWritePort = 0x30,
	ScReadPort = 0x31,
	ScSerialPort = 0x32,
	ScNewPacket = 0x33,
	ScSendPacket = 0x34,
};

/* libcr2's network (net.h): its structures as its programs fill them, packed. */
#define CRAFT_IPV4_PACKET 0x01
#define CRAFT_ICMP_PACKET 0x02
#define CRAFT_TCP_PACKET  0x03
#define TCP_FLAG_FIN	  0x01
#define TCP_FLAG_SYN	  0x02
#define TCP_FLAG_RST	  0x04
#define TCP_FLAG_PSH	  0x08
#define TCP_FLAG_ACK	  0x10

typedef struct {
	uint8_t version; /* version << 4 | the header's length in words */
	uint8_t dscp_ecn;
	uint16_t total_length; /* big-endian, as on the wire */
	uint16_t identification;
	uint16_t flags_fragment_offset;
	uint8_t ttl;
	uint8_t protocol;
	uint16_t header_checksum;
	uint8_t source_addr[4];
	uint8_t destination_addr[4];
} __attribute__((packed)) Ipv4Header_T;
_Static_assert(sizeof(Ipv4Header_T) == 20, "Ipv4Header_T is 20 bytes");

typedef struct {
	uint16_t source_port;
	uint16_t dest_port;
	uint32_t seq_num;
	uint32_t ack_num;
	uint16_t data_offset_reserved_flags;
	uint16_t window_size;
	uint16_t checksum;
	uint16_t urgent_pointer;
} __attribute__((packed)) TcpHeader_T;

/* 0x33 CRAFT_TCP_PACKET's request: the header in the program's byte order, then the data. */
typedef struct {
	TcpHeader_T header;
	uint8_t src_ip[4];
	uint8_t dst_ip[4];
	uint16_t length;
} __attribute__((packed)) TcpPacketRequest_T;
_Static_assert(sizeof(TcpPacketRequest_T) == 30, "TcpPacketRequest_T is 30 bytes");

/* The call itself: RAX as the kernel left it. */
int64_t syscall(int64_t number, int64_t arg1, int64_t arg2, int64_t arg3);

/* 0x00, then spins should it come back; the kernel ignores pid. */
_Noreturn void exit(int64_t pid, int64_t code);
/* The wrappers answer 1 when the kernel said 0x00 (Okay), else 0. */
int64_t read_sysinfo(SysInfo_T *sysinfo);
int64_t read_rtc(RTC_T *rtc);
/* 0x03 op 1 / op 2: the kernel writes each scancode into buffer[0]. */
int64_t pipe_subscribe(const uint8_t *buffer);
int64_t pipe_unsubscribe(const uint8_t *buffer);
/* 0x10 with the length and the NUL, as libcr2 passes it; the length printed. */
int64_t print(const char *str);
/* 0x14: the VGA window's address, 0 on failure. */
uint64_t map_vram(void);
/* 0x15: 0x03 text, 0x13 320x200x256; RAX as it came. */
int64_t set_video_mode(uint8_t mode);
/* 0x1a: blocks for the length; 0 Hz is a rest. */
int64_t play_freq(uint16_t freq, uint16_t duration);
int64_t stop_speaker(void);
/* 0x30/0x31: the port and the value passed by pointer. */
int64_t write_port(uint16_t port, uint32_t value);
int64_t read_port(uint16_t port, uint32_t *value);
/* 0x32 op 1: COM2 programmed, its ring emptied. */
int64_t serial_init(void);
/* 0x32 op 2: the next byte of COM2's input (the r2 serial port); 0 when none waits. */
int64_t serial_read(uint32_t *value);
/* 0x33: build the packet in buffer (CRAFT_*). 0x34 type 1: send an IPv4 packet (SLIP on COM2). */
int64_t new_packet(uint8_t type, uint8_t *buffer);
int64_t send_packet(uint8_t type, uint8_t *buffer);
/* 0x04: milliseconds since boot. 0x05: sleep so many. */
uint64_t get_ticks(void);
int64_t sleep_ms(uint64_t ms);

/* Small helpers of the programs (not libcr2's). */
size_t strlen(const char *s);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
/* Unsigned decimal, at least width digits (zero-padded), or hex; into buf, NUL-ended. */
char *cr2_dec(char *buf, uint64_t v, unsigned width);
char *cr2_hex(char *buf, uint64_t v, unsigned width);
/* The strings one after another on one print: the last argument is NULL. */
void cr2_print(const char *first, ...);

#endif
