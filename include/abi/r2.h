/*
 * The rou2exOS (r2) legacy ABI, x86_64 only, shared by the kernel's
 * personality (arch/x86_64/legacy/) and user space (user/r2/r2.h).
 *
 * A call is `int 0x7f` from ring 3 (`int 0x7e` from ring 2, `int 0x7d` from
 * ring 1; a gate used from another ring answers R2_INVALID_SYSCALL): the
 * number in RAX, argument 1 in RDI, argument 2 in RSI, the result or a
 * return code in RAX. Every other register comes back unchanged. Values
 * and pointers are 64-bit words; a pointer needs no alignment (libcr2's
 * structures are packed), only to be the caller's memory.
 * Where the seed's table and rou2exOS's kernel read a call differently and
 * the two can be told apart by the arguments, both are taken (see each call).
 * Where they cannot, the caller's convention (R2_CONVENTION) decides.
 */
#ifndef ABI_R2_H
#define ABI_R2_H

#include <stddef.h>
#include <stdint.h>

/* The gates, one per ring that may use it. */
#define R2_GATE_RING1 0x7d
#define R2_GATE_RING2 0x7e
#define R2_GATE_RING3 0x7f

/* Return codes (uint64 in RAX). */
#define R2_OK		    0x00
#define R2_NOT_IMPLEMENTED  0xfb
#define R2_INVALID_INPUT    0xfc
#define R2_FILESYSTEM_ERROR 0xfd
#define R2_FILE_NOT_FOUND   0xfe
#define R2_INVALID_SYSCALL  0xff

/* Call numbers. */
enum r2_call {
	R2_EXIT = 0x00,	    /* ignored (libcr2 passes argc), code */
	R2_SYSINFO = 0x01,  /* R2_GET / R2_SET, SysInfo_T * */
	R2_RTC = 0x02,	    /* R2_GET, RTC_T * */
	R2_KEYBOARD = 0x03, /* R2_KBD_*, struct r2_kbd_ring * -> count read (R2_KBD_READ) */
	R2_TICKS = 0x04,    /* 0, 0 -> milliseconds since boot */
	R2_SLEEP = 0x05,    /* milliseconds (at most R2_SLEEP_MAX_MS), 0 -> 0x00 once they passed */
	R2_MALLOC = 0x0a,   /* size, 0 (libcr2) or 0, size (the seed) -> address, 0 on failure */
	R2_REALLOC = 0x0b,  /* address, size -> new address, 0 on failure (the old block stays) */
	R2_FREE = 0x0f,	    /* address, 0 */
	R2_PRINT = 0x10,    /* string, length */
	R2_CLEAR = 0x11,    /* 0, 0 */
	R2_PIXEL = 0x12,    /* R2_PIXEL_POS(x, y), colour 0x00RRGGBB */
	R2_MODE13_BUF = 0x13, /* 64000-byte buffer, 768-byte RGB palette or 0 (default palette) */
	R2_MAP_VGA = 0x14,    /* 0, uint64_t * (written; RAX 0) or 0 (RAX the address) */
	R2_VIDEO_MODE = 0x15, /* R2_MODE_TEXT, R2_MODE_0DH, R2_MODE_12H or R2_MODE_13H */
	R2_FB_INFO = 0x16,    /* FBInfo_T * -> 0x00, or 1: no linear framebuffer */
	R2_BLIT = 0x17,	      /* 32-bit pixels, 0 or w << 16 | h -> 0x00, or 1: no framebuffer */
	R2_FONT = 0x18,	      /* buffer, its size -> bytes per glyph (16), 0 on failure */
	R2_TONE = 0x1a,	      /* frequency Hz (0: a rest), length ms */
	R2_MIDI = 0x1b, /* R2_MIDI_PLAY (0x01), the file ("MThd"...) or its name on the disk */
	R2_STOP = 0x1f, /* 0, 0 */
	R2_FILE_FIRST = 0x20, /* 0x20..0x2e: the FAT12 calls, served by the file server */
	R2_FILE_LAST = 0x2e,  /* and the three below (include/abi/r2_vfs.h): R2_IS_FILE_CALL */
	R2_TASKS = 0x2f,      /* TaskInfo_T *, how many at most -> how many written */
	R2_PORT_OUT = 0x30,   /* R2_PORT(port, width), uint64_t *; or uint16_t *, uint32_t * */
	R2_PORT_IN = 0x31,    /* the same, the value written */
	R2_SERIAL = 0x32,     /* R2_SERIAL_*, a byte or a pointer to one (see R2_SERIAL) */
	R2_PACKET = 0x33,     /* R2_CRAFT_*, the packet's buffer, rewritten (see R2_CRAFT_IPV4) */
	R2_SEND = 0x34,	      /* R2_SEND_IPV4, an IPv4 packet: a SLIP frame out of COM2 */
	R2_NET_FIRST = 0x35,  /* 0x35..0x37: the socket and Ethernet calls, R2_NOT_IMPLEMENTED */
	R2_NET_LAST = 0x37,
	R2_READ_AT = 0x39,    /* name, ReadRange_T * -> bytes read (include/abi/r2_vfs.h) */
	R2_WRITE_AT = 0x3a,   /* name, WriteRange_T * -> bytes written */
	R2_KILL = 0x3b,	      /* pid (or its low byte, as R2_TASKS gives it), 0 -> 0x00 */
	R2_MEMINFO = 0x3c,    /* MemInfo_T * (argument 2 not 2) or MemInfo2_T * (2) -> 0x00 */
	R2_CONVENTION = 0x3d, /* Kestrel's: pid of a child not yet started, R2_CONV_* */
	R2_IO_TOKEN = 0x3e, /* Kestrel's: 0, 0 -> the token of an I/O port capability held, or 0 */
	R2_SET_RING = 0x3f, /* Kestrel's: pid of a child not yet started, ring 1 or 2 */
	R2_FS_STAT = 0x40,  /* path, FsStat_T * (include/abi/r2_vfs.h) */
	R2_HEAP_CONTAINS = 0x43, /* address, size -> 1: inside the caller's r2 heap, else 0 */
};

/* The calls the file server answers. */
#define R2_IS_FILE_CALL(nr)                                                       \
	(((nr) >= R2_FILE_FIRST && (nr) <= R2_FILE_LAST) || (nr) == R2_READ_AT || \
	 (nr) == R2_WRITE_AT || (nr) == R2_FS_STAT)

/*
 * R2_CONVENTION, a set of bits: how a process's calls are to be read where
 * nothing in the registers tells. 0 (R2_CONV_SEED): as the seed's table
 * says: the number in RAX, the 112-byte SysInfo_T, Kestrel's keyboard
 * ring, tones that return at once, the pid of 0x29/0x2a as a uint64_t.
 * R2_CONV_LIBCR2: a program of r2apps' C library (libcr2), as rou2exOS's
 * kernel reads it: the number in RDX (libcr2's older stub leaves RAX
 * unset), the 116-byte SysInfo_T (with ip_addr), the keyboard written into
 * byte 0 of the registered buffer, tones that last their length, the pid
 * as one byte; what it starts through 0x29/0x2a follows its convention.
 * With it, R2_CONV_RAX: the number in RAX (libcr2's newer stub loads both
 * registers, its crt0's exit only RAX) and R2_CONV_SYSINFO112: SysInfo_T
 * as libcr2 had it before ip_addr (112 bytes).
 */
#define R2_CONV_SEED	   0
#define R2_CONV_LIBCR2	   1
#define R2_CONV_RAX	   2
#define R2_CONV_SYSINFO112 4
#define R2_CONV_VALID(c)   ((c) == 0 || ((c)&R2_CONV_LIBCR2 && (c) < 8))

/* Argument 1 of the get/set style calls. */
#define R2_GET 0x01
#define R2_SET 0x02

/* R2_KEYBOARD. */
#define R2_KBD_REGISTER	  0x01
#define R2_KBD_UNREGISTER 0x02
#define R2_KBD_READ	  0x03
#define R2_KBD_RING_SIZE  64

/*
 * The circular buffer a process registers for IRQ1's scancodes. The
 * kernel writes data[head % R2_KBD_RING_SIZE] and then advances head on
 * R2_KBD_READ; the reader consumes from tail and advances it. The kernel
 * never passes tail: scancodes that find the ring full stay queued in the
 * kernel (up to 256 of them; beyond that they are dropped and counted).
 */
struct r2_kbd_ring {
	uint64_t head;	  /* written by the kernel */
	uint64_t tail;	  /* written by the reader */
	uint64_t dropped; /* written by the kernel */
	uint8_t data[R2_KBD_RING_SIZE];
};

/*
 * R2_PRINT: the longest string. It goes out 256 bytes at a time, with
 * interrupts let in between: the call takes as long as the console needs,
 * the rest of the system does not wait for it.
 */
#define R2_PRINT_MAX 65536

/* R2_PIXEL: x in bits 16..31, y in bits 0..15 (rou2exOS's); the colour is 0x00RRGGBB. */
#define R2_PIXEL_POS(x, y) ((uint64_t)(uint16_t)(x) << 16 | (uint64_t)(uint16_t)(y))

/* R2_SLEEP: the longest sleep of one call. */
#define R2_SLEEP_MAX_MS 3600000

/*
 * R2_PACKET (0x33): a packet built in the caller's buffer, as rou2exOS's
 * kernel builds them for libcr2's SLIP network (r2apps' chat). COM2's
 * driver builds them (drivers/pc/serial.c with net/r2_packet.c); each
 * rewrites the buffer's first bytes, the rest stays as it was.
 *  R2_CRAFT_IPV4: the buffer holds an IPv4 packet (IHL >= 5, total length
 *   big-endian, at most R2_PACKET_MAX): it becomes a fresh 20-byte header
 *   (version 4, IHL 5, identification 0x1337, DF, TTL 64, the same
 *   protocol, its checksum) with source and destination swapped (libcr2
 *   passes the peer as the source), followed by the payload.
 *  R2_CRAFT_ICMP: R2_ICMP_ECHO_LEN bytes of ICMP (an echo request: 8
 *   header bytes, 56 of data; its type is not looked at, as rou2exOS
 *   does not): type and code become 0 (echo reply), identifier,
 *   sequence and data stay, the checksum is set.
 *  R2_CRAFT_TCP: a struct r2_tcp_request followed by `length` bytes of
 *   data becomes a TCP segment: the 20-byte header in network order
 *   (ports, sequence, acknowledgement; data offset 5 and the flags' low
 *   byte; window 1024, as rou2exOS always sets; urgent pointer 0; the
 *   checksum over the pseudo-header of src_ip and dst_ip), then the data.
 * R2_SEND (0x34) with R2_SEND_IPV4: the IPv4 packet at the pointer (its
 * total length, 20 to R2_PACKET_MAX, from its header) goes out of COM2 as
 * one SLIP frame (RFC 1055). 0x34 type 4, a raw Ethernet frame, is the
 * network's: R2_NOT_IMPLEMENTED.
 */
#define R2_CRAFT_IPV4	 0x01
#define R2_CRAFT_ICMP	 0x02
#define R2_CRAFT_TCP	 0x03
#define R2_SEND_IPV4	 0x01
#define R2_SEND_ETHERNET 0x04
#define R2_PACKET_MAX	 1500 /* the longest IPv4 packet (Ethernet's MTU; rou2exOS takes 1499) */
#define R2_ICMP_ECHO_LEN 64
#define R2_TCP_DATA_MAX	 (R2_PACKET_MAX - 40) /* what fits beside both headers */

/* libcr2's TcpPacketRequest_T: the header's fields in the caller's (little-endian) order. */
struct r2_tcp_request {
	uint16_t source_port;
	uint16_t dest_port;
	uint32_t seq_num;
	uint32_t ack_num;
	uint16_t data_offset_reserved_flags; /* the low byte: the flags */
	uint16_t window_size;		     /* ignored: 1024 */
	uint16_t checksum;		     /* ignored */
	uint16_t urgent_pointer;	     /* ignored */
	uint8_t src_ip[4];
	uint8_t dst_ip[4];
	uint16_t length; /* the data's, at most R2_TCP_DATA_MAX */
} __attribute__((packed));
_Static_assert(sizeof(struct r2_tcp_request) == 30, "libcr2's TcpPacketRequest_T is 30 bytes");

/* R2_VIDEO_MODE. */
#define R2_MODE_TEXT 0x03 /* 80x25 colour text */
#define R2_MODE_0DH  0x0d /* 320x200, 16 colours, four planes at 0xA0000 */
#define R2_MODE_12H  0x12 /* 640x480, 16 colours, four planes at 0xA0000 */
#define R2_MODE_13H  0x13 /* 320x200, 256 colours, linear at 0xA0000 */
#define R2_MODE13_W  320
#define R2_MODE13_H  200

/* R2_MAP_VGA: where the VGA window 0xA0000..0xAFFFF appears in the caller. */
#define R2_VGA_USER_VA 0xa00000ul
#define R2_VGA_SIZE    0x10000ul

/*
 * R2_TONE limits; R2_MIDI_PLAY and the largest SMF accepted. R2_MIDI's
 * argument 2 points at the file itself (any alignment; the call returns at
 * once): the kernel finds its size from the chunk headers, the MThd chunk
 * and then as many chunks as it says tracks (each "MTrk", a big-endian
 * length and that many bytes). Or, when it does not start with "MThd", it
 * is a file name on the disk, as rou2exOS takes it: the call returns when
 * the tune has played. A tone or tune stops when the process that started
 * it ends. A file has at most R2_MIDI_MAX_TRACKS tracks.
 */
#define R2_TONE_MIN_HZ	   20
#define R2_TONE_MAX_HZ	   20000
#define R2_TONE_MAX_MS	   60000
#define R2_MIDI_PLAY	   0x01
#define R2_MIDI_MAX	   65536
#define R2_MIDI_MAX_TRACKS 64

/*
 * R2_PORT_*: argument 1 is the port in bits 0..15 and the width in bytes
 * (1, 2 or 4) above, argument 2 a uint64_t * (the seed's), or, as libcr2
 * passes them, argument 1 a uint16_t * to the port and argument 2 a
 * uint32_t * to the value, a byte access (VGA, PIT, CMOS registers; a
 * value above 0xff is refused). A pointer is never below 0x50000, which
 * tells the two apart.
 */
#define R2_PORT_PTR_MIN	     0x50000
#define R2_PORT(port, width) ((uint64_t)(uint16_t)(port) | (uint64_t)(width) << 16)

/*
 * A process may use port P if it holds a live OBJ_IO_PORTS capability
 * (object id: the first port, extent: how many; include/abi/hw.h) with
 * first <= P and P + width <= first + count, with RIGHT_WRITE for
 * R2_PORT_OUT and RIGHT_READ for R2_PORT_IN.
 */

/* R2_SERIAL (COM2, 115200 8N1: the pcuart driver's, include/abi/pcdev.h). */
#define R2_SERIAL_INIT	0x01
#define R2_SERIAL_READ	0x02 /* into a uint32_t *; R2_INVALID_INPUT when no byte is waiting */
#define R2_SERIAL_WRITE 0x03 /* the byte itself (<= 0xff, libcr2), or a pointer to a uint32_t */

/* The structures of the r2 ABI, packed, exactly as it gives them. */
typedef struct {
	uint8_t system_name[32];
	uint8_t system_user[32];
	uint8_t system_path[32];
	uint8_t system_version[8];
	uint32_t system_path_cluster;
	uint32_t system_uptime; /* seconds since boot, live */
} __attribute__((packed)) SysInfo_T;

/* SysInfo_T as libcr2 has it now: the seed's and the IPv4 address (0.0.0.0 without a network). */
typedef struct {
	SysInfo_T info;
	uint8_t ip_addr[4];
} __attribute__((packed)) SysInfoIp_T;

/* R2_FB_INFO's answer. */
typedef struct {
	uint32_t width;
	uint32_t height;
	uint32_t pitch;
	uint32_t bpp;
} __attribute__((packed)) FBInfo_T;

/*
 * R2_TASKS: one process. mode 1 (user); status R2_TASK_*. The newest
 * rou2exOS has 28 bytes, a saved RIP after the name: TaskInfo2_T, for the
 * programs of the newest libcr2 (R2_CONV_RAX).
 */
typedef struct {
	uint8_t id; /* the pid's low byte */
	uint8_t mode;
	uint8_t status;
	uint8_t pad;
	uint8_t name[16];
} __attribute__((packed)) TaskInfo_T;
typedef struct {
	TaskInfo_T t;
	uint64_t rip; /* 0: Kestrel shows no process another's registers */
} __attribute__((packed)) TaskInfo2_T;
#define R2_TASK_READY	 0
#define R2_TASK_RUNNING	 1
#define R2_TASK_DEAD	 5
#define R2_TASKS_MAX	 64
#define R2_TASKS_DEFAULT 10 /* how many at most when argument 2 is 0 */

/*
 * R2_MEMINFO, as rou2exOS lays it out (its process slots and their frames
 * are Kestrel's r2 heaps: one per process, R2_HEAPS of them). Version 1,
 * 256 bytes, 16 slots; version 2 (argument 2 is 2), 400 bytes, 32 slots.
 * heap_* describe the caller's own heap; heap_by_slot[i] the bytes used in
 * heap i, the last entry (untagged) 0; frame_* 0 (Kestrel loads a program
 * where its ELF says, no fixed frame); slot_task[i] the pid's low byte of
 * heap i's process, 0xff for a free one.
 */
#define R2_MEMINFO_V2 2
#define R2_HEAPS      8
#define R2_MEMINFO(n_slots)                                                               \
	struct {                                                                          \
		uint64_t version, total_ram, heap_start, heap_size, heap_used, heap_free; \
		uint64_t heap_largest_free, heap_blocks, heap_free_blocks;                \
		uint64_t heap_by_slot[(n_slots) + 1];                                     \
		uint64_t frame_base, frame_size, frame_virt, slots;                       \
		uint8_t slot_task[n_slots];                                               \
	} __attribute__((packed))
typedef R2_MEMINFO(16) MemInfo_T;
typedef R2_MEMINFO(32) MemInfo2_T;

typedef struct {
	uint8_t seconds;
	uint8_t minutes;
	uint8_t hours;
	uint8_t day;
	uint8_t month;
	uint16_t year; /* the full year, 2026 */
} __attribute__((packed)) RTC_T;

typedef struct {
	uint8_t name[8];
	uint8_t ext[3];
	uint8_t attr;
	uint8_t reserved;
	uint8_t tenths;
	uint16_t create_time;
	uint16_t create_date;
	uint16_t last_access_time;
	uint16_t high_cluster;
	uint16_t write_time;
	uint16_t write_date;
	uint16_t start_cluster;
	uint32_t file_size;
} __attribute__((packed)) Entry_T;

_Static_assert(sizeof(SysInfo_T) == 112, "SysInfo size");
_Static_assert(offsetof(SysInfo_T, system_user) == 32, "SysInfo.system_user");
_Static_assert(offsetof(SysInfo_T, system_path) == 64, "SysInfo.system_path");
_Static_assert(offsetof(SysInfo_T, system_version) == 96, "SysInfo.system_version");
_Static_assert(offsetof(SysInfo_T, system_path_cluster) == 104, "SysInfo.system_path_cluster");
_Static_assert(offsetof(SysInfo_T, system_uptime) == 108, "SysInfo.system_uptime");
_Static_assert(sizeof(SysInfoIp_T) == 116, "SysInfo with ip_addr size");
_Static_assert(sizeof(FBInfo_T) == 16, "FBInfo size");
_Static_assert(sizeof(TaskInfo_T) == 20, "TaskInfo size");
_Static_assert(sizeof(TaskInfo2_T) == 28, "TaskInfo (newest) size");
_Static_assert(sizeof(MemInfo_T) == 256, "MemInfo size");
_Static_assert(sizeof(MemInfo2_T) == 400, "MemInfo2 size");
_Static_assert(offsetof(MemInfo2_T, frame_base) == 336, "MemInfo2.frame_base");
_Static_assert(sizeof(RTC_T) == 7, "RTC size");
_Static_assert(offsetof(RTC_T, month) == 4 && offsetof(RTC_T, year) == 5, "RTC.year");
_Static_assert(sizeof(Entry_T) == 32, "Entry size");
_Static_assert(offsetof(Entry_T, ext) == 8 && offsetof(Entry_T, attr) == 11, "Entry.ext, attr");
_Static_assert(offsetof(Entry_T, create_time) == 14, "Entry.create_time");
_Static_assert(offsetof(Entry_T, high_cluster) == 20, "Entry.high_cluster");
_Static_assert(offsetof(Entry_T, start_cluster) == 26, "Entry.start_cluster");
_Static_assert(offsetof(Entry_T, file_size) == 28, "Entry.file_size");
_Static_assert(sizeof(struct r2_kbd_ring) == 24 + R2_KBD_RING_SIZE, "r2_kbd_ring size");

#endif
