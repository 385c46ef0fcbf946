/*
 * The r2 (rou2exOS) legacy ABI from ring 3: every call's results and
 * return codes, the ring check of the gates, bad pointers (null, kernel,
 * unmapped, read-only; any alignment is good) and bad arguments, and the
 * calls as a libcr2 process (R2_CONVENTION) makes them.
 */
#include "cr2_call.h"
#include "drivers/lib/devmgr.h"
#include "drivers/lib/driver.h"
#include "hw.h"
#include "include/abi/pcdev.h"
#include "ipc.h"
#include "r2.h"
#include "utest.h"

#define KERNEL_ADDR 0xffffffff80000000ul
#define UNMAPPED    0x30000000ul

static uint64_t aligned_buf[1024]; /* 8 KiB of aligned, writable memory */
static const uint64_t rodata_word = 1;

DEVMGR_UTEST(r2_gates_answer_only_their_ring)
{
	/* Ring 3 may use 0x7f only: the other gates answer InvalidSyscall and we go on. */
	UASSERT_EQ(R2_CALL_GATE(0x7d, R2_STOP, 0, 0), R2_INVALID_SYSCALL);
	UASSERT_EQ(R2_CALL_GATE(0x7e, R2_STOP, 0, 0), R2_INVALID_SYSCALL);
	UASSERT_EQ(R2_CALL_GATE(0x7f, R2_STOP, 0, 0), R2_OK);
	/* Numbers outside the table. */
	UASSERT_EQ(r2_call(0x06, 0, 0), R2_INVALID_SYSCALL);
	UASSERT_EQ(r2_call(0x38, 0, 0), R2_INVALID_SYSCALL);
	UASSERT_EQ(r2_call(0xff, 0, 0), R2_INVALID_SYSCALL);
	UASSERT_EQ(r2_call(1ull << 40, 0, 0), R2_INVALID_SYSCALL);
	/* Every register but RAX comes back as it went in. */
	uint64_t rax = R2_CLEAR, rdi = 0, rsi = 0, rbx = 0x1111, rdx = 0x2222, r8 = 0x3333;
	__asm__ volatile("movq %[b], %%rbx\n\tmovq %[d], %%rdx\n\tmovq %[e], %%r8\n\t"
			 "int $0x7f\n\t"
			 "movq %%rbx, %[b]\n\tmovq %%rdx, %[d]\n\tmovq %%r8, %[e]"
			 : "+a"(rax), "+D"(rdi),
			   "+S"(rsi), [b] "+m"(rbx), [d] "+m"(rdx), [e] "+m"(r8)
			 :
			 : "rbx", "rdx", "r8", "memory");
	UASSERT_EQ(rax, R2_OK);
	UASSERT_EQ(rdi, 0);
	UASSERT_EQ(rbx, 0x1111);
	UASSERT_EQ(rdx, 0x2222);
	UASSERT_EQ(r8, 0x3333);
	return 0;
}

UTEST(r2_not_implemented_calls)
{
	/* The file calls without a file server (tests/user/x86_64/test_r2_files.c has one). */
	for (uint64_t nr = R2_FILE_FIRST; nr <= R2_FILE_LAST; nr++)
		UASSERT(r2_call(nr, 0, 0) == R2_INVALID_INPUT ||
			r2_call(nr, 0, 0) == R2_FILESYSTEM_ERROR);
	UASSERT_EQ(r2_call(0x25, 2, 0), R2_FILESYSTEM_ERROR); /* well formed: nobody serves it */
	for (uint64_t nr = R2_NET_FIRST; nr <= R2_NET_LAST; nr++)
		UASSERT_EQ(r2_call(nr, 1, (uintptr_t)aligned_buf), R2_NOT_IMPLEMENTED);
	return 0;
}

UTEST(r2_sysinfo)
{
	SysInfo_T *si = (SysInfo_T *)aligned_buf, saved;
	UASSERT_EQ(r2_sysinfo_get(si), R2_OK);
	UASSERT(!strcmp((const char *)si->system_name, "Kestrel"));
	/* The uptime is live: the clock's seconds then, give or take one. */
	uint64_t before = sys_clock() / 1000000000ull;
	UASSERT_EQ(r2_sysinfo_get(si), R2_OK);
	uint64_t after = sys_clock() / 1000000000ull;
	UASSERT(si->system_uptime + 1 >= before && si->system_uptime <= after + 1);
	memcpy(&saved, si, sizeof(saved));
	memcpy(si->system_user, "tester", 7);
	si->system_path_cluster = 19;
	UASSERT_EQ(r2_sysinfo_set(si), R2_OK);
	memset(si, 0, sizeof(*si));
	UASSERT_EQ(r2_sysinfo_get(si), R2_OK);
	UASSERT(!strcmp((const char *)si->system_user, "tester"));
	UASSERT_EQ(si->system_path_cluster, 19);
	/* Any alignment: libcr2's structures are packed. */
	SysInfo_T *odd = (SysInfo_T *)((char *)aligned_buf + 1024 + 3);
	UASSERT_EQ(r2_sysinfo_get(odd), R2_OK);
	UASSERT(!strcmp((const char *)odd->system_user, "tester"));
	UASSERT_EQ(r2_sysinfo_set(odd), R2_OK);
	memcpy(si, &saved, sizeof(saved));
	UASSERT_EQ(r2_sysinfo_set(si), R2_OK);
	/* Bad pointers and operations. */
	UASSERT_EQ(r2_sysinfo_get(NULL), R2_INVALID_INPUT);
	UASSERT_EQ(r2_sysinfo_get((SysInfo_T *)KERNEL_ADDR), R2_INVALID_INPUT);
	UASSERT_EQ(r2_sysinfo_get((SysInfo_T *)UNMAPPED), R2_INVALID_INPUT);
	UASSERT_EQ(r2_sysinfo_get((SysInfo_T *)(uintptr_t)&rodata_word), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SYSINFO, 3, (uintptr_t)si), R2_INVALID_INPUT);
	return 0;
}

/*
 * The clock, the screen and COM2 are drivers' (drivers/pc/): without a device
 * manager nobody serves them; what the gates decode themselves is refused
 * first, as ever, and the text still goes to the console.
 */
UTEST(r2_devices_without_their_drivers)
{
	RTC_T *rtc = (RTC_T *)aligned_buf;
	UASSERT_EQ(r2_rtc(rtc), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_rtc(NULL), R2_INVALID_INPUT);
	UASSERT_EQ(r2_video_mode(R2_MODE_13H), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_pixel(1, 1, 0xffffff), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_call(R2_PIXEL, 1ull << 32, 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_clear(), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_call(R2_FONT, (uintptr_t)aligned_buf, 4096), 0);
	UASSERT_EQ(r2_print("  (r2 print, no screen)\n", 24), R2_OK);
	/* COM2 is pcuart's: its calls, once decoded, find no driver. */
	uint64_t *w = aligned_buf;
	UASSERT_EQ(r2_serial_init(), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_call(R2_SERIAL, R2_SERIAL_WRITE, 'x'), R2_NOT_IMPLEMENTED);
	*w = 'x';
	UASSERT_EQ(r2_serial_write(w), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_serial_read(w), R2_NOT_IMPLEMENTED);
	*w = 0x100;
	UASSERT_EQ(r2_serial_write(w), R2_INVALID_INPUT);
	UASSERT_EQ(r2_serial_read((uint64_t *)KERNEL_ADDR), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SERIAL, 4, 0), R2_INVALID_INPUT);
	/* So are the SLIP network's packet calls; a bad pointer or type is refused first. */
	uint8_t pkt[64] = {0x45, 0, 0, 20};
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_IPV4, (uintptr_t)pkt), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, (uintptr_t)pkt), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_call(R2_PACKET, 9, (uintptr_t)pkt), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_ICMP, KERNEL_ADDR), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, UNMAPPED), R2_INVALID_INPUT);
	return 0;
}

/*
 * An r2 device call made again every 20 ms while no driver serves it
 * (R2_NOT_IMPLEMENTED: none yet, or one restarting after its backoff), for
 * UTEST_PATIENCE_NS at most; what it answered last.
 */
#define WHEN_SERVED(call)                                                          \
	({                                                                         \
		uint64_t end_ = sys_clock() + UTEST_PATIENCE_NS, rc_;              \
		while ((rc_ = (call)) == R2_NOT_IMPLEMENTED && sys_clock() < end_) \
			sys_sleep(20000000);                                       \
		rc_;                                                               \
	})

DEVMGR_UTEST(r2_device_drivers_restart_after_a_crash)
{
	RTC_T *rtc = (RTC_T *)aligned_buf;
	UASSERT_EQ(WHEN_SERVED(r2_rtc(rtc)), R2_OK);
	UASSERT_EQ(devmgr_fault(devmgr_endpoint, "rtc", DEVMGR_FAULT_CRASH, 0), DRIVER_OK);
	memset(rtc, 0, sizeof(*rtc));
	UASSERT_EQ(WHEN_SERVED(r2_rtc(rtc)), R2_OK);
	UASSERT(rtc->year >= 2000 && rtc->month >= 1 && rtc->month <= 12);
	/* The VGA driver dies in mode 13h: the next one starts in text mode, and serves again. */
	UASSERT_EQ(WHEN_SERVED(r2_video_mode(R2_MODE_13H)), R2_OK);
	UASSERT_EQ(r2_pixel(3, 3, 0xffffff), R2_OK);
	UASSERT_EQ(devmgr_fault(devmgr_endpoint, "vga", DEVMGR_FAULT_CRASH, 0), DRIVER_OK);
	UASSERT_EQ(WHEN_SERVED(r2_video_mode(R2_MODE_TEXT)), R2_OK);
	UASSERT_EQ(r2_pixel(3, 3, 0xffffff), R2_INVALID_INPUT); /* text mode: it says so */
	/* The font mode 13h drew over is back (the first driver kept a copy): 'A' lit, ' ' not. */
	uint8_t *font = (uint8_t *)aligned_buf + 64;
	UASSERT_EQ(r2_call(R2_FONT, (uintptr_t)font, 4096), 16);
	unsigned lit_a = 0, lit_space = 0;
	for (unsigned r = 0; r < 16; r++)
		lit_a += font['A' * 16 + r] != 0, lit_space += font[' ' * 16 + r] != 0;
	UASSERT(lit_a >= 6 && lit_space == 0);
	UASSERT_EQ(r2_video_mode(R2_MODE_13H), R2_OK);
	UASSERT_EQ(r2_pixel(3, 3, 0xffffff), R2_OK);
	UASSERT_EQ(r2_video_mode(R2_MODE_TEXT), R2_OK);
	/* COM2's driver: served again after a crash, its UART programmed anew. */
	UASSERT_EQ(WHEN_SERVED(r2_serial_init()), R2_OK);
	UASSERT_EQ(devmgr_fault(devmgr_endpoint, "com2", DEVMGR_FAULT_CRASH, 0), DRIVER_OK);
	UASSERT_EQ(WHEN_SERVED(r2_serial_init()), R2_OK);
	UASSERT_EQ(r2_call(R2_SERIAL, R2_SERIAL_WRITE, '\n'), R2_OK);
	return 0;
}

/*
 * GRUB's linear framebuffer through its driver (pcfb), in a boot that has
 * one (ktest-framebuffer; without one, 0x17 answers 1 and that is all):
 * blits and mode-13h frames drawn, bad sources refused before anything
 * is drawn, and the driver served again after a crash.
 */
DEVMGR_UTEST(r2_framebuffer_through_its_driver)
{
	FBInfo_T *fi = (FBInfo_T *)((char *)aligned_buf + 1);
	static uint32_t px[64 * 64];
	uint64_t got = r2_call(R2_FB_INFO, (uintptr_t)fi, 0);
	if (got == 1) { /* ktest-framebuffer fails on this line: that boot has one */
		printf("r2: no framebuffer in this boot\n");
		UASSERT_EQ(r2_call(R2_BLIT, (uintptr_t)px, 0), 1);
		return 0;
	}
	UASSERT_EQ(got, R2_OK);
	UASSERT(fi->bpp == 32 && fi->width && fi->height && fi->pitch >= fi->width * 4);
	for (unsigned i = 0; i < 64 * 64; i++)
		px[i] = i * 0x010203u & 0xffffff;
	UASSERT_EQ(WHEN_SERVED(r2_call(R2_BLIT, (uintptr_t)px, 64 << 16 | 64)), R2_OK);
	/* Refused whole: sizes, bits above 31, memory not the caller's or not there. */
	UASSERT_EQ(r2_call(R2_BLIT, (uintptr_t)px, 0 << 16 | 64), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_BLIT, (uintptr_t)px, 4097u << 16 | 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_BLIT, (uintptr_t)px, 1ull << 32 | 1 << 16 | 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_BLIT, UNMAPPED, 1 << 16 | 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_BLIT, KERNEL_ADDR, 1 << 16 | 1), R2_INVALID_INPUT);
	void *m;
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, &m, NULL), E_OK);
	UASSERT_EQ(r2_call(R2_BLIT, (uintptr_t)m, 32 << 16 | 33),
		   R2_INVALID_INPUT); /* past its end */
	UASSERT_EQ(r2_call(R2_BLIT, (uintptr_t)m, 32 << 16 | 32), R2_OK);
	UASSERT_EQ(sys_munmap(m, 4096), E_OK);
	volatile uint8_t *vga = r2_map_vga();
	UASSERT(vga != NULL);
	UASSERT_EQ(r2_call(R2_BLIT, (uintptr_t)vga, 8 << 16 | 8),
		   R2_INVALID_INPUT); /* a device's */
	/* A mode-13h frame, with the default palette and with one of its own. */
	UASSERT_EQ(sys_mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, &m, NULL), E_OK);
	uint8_t *frame = m;
	UASSERT_EQ(r2_mode13_buffer(frame + 16 * 4096 - 63999, NULL), R2_INVALID_INPUT); /* short */
	for (unsigned i = 0; i < R2_MODE13_W * R2_MODE13_H; i++)
		frame[i] = (uint8_t)i;
	UASSERT_EQ(r2_mode13_buffer(frame, NULL), R2_OK);
	UASSERT_EQ(r2_mode13_buffer(frame, frame + 64000), R2_OK);
	UASSERT_EQ(r2_mode13_buffer(frame, (const uint8_t *)UNMAPPED), R2_INVALID_INPUT);
	/* The driver dies: its calls find none for a while, then the next one serves. */
	UASSERT_EQ(devmgr_fault(devmgr_endpoint, "framebuffer", DEVMGR_FAULT_CRASH, 0), DRIVER_OK);
	UASSERT_EQ(WHEN_SERVED(r2_call(R2_BLIT, (uintptr_t)px, 64 << 16 | 64)), R2_OK);
	UASSERT_EQ(r2_mode13_buffer(frame, NULL), R2_OK);
	UASSERT_EQ(sys_munmap(m, 16 * 4096), E_OK);
	return 0;
}

/*
 * The drivers' names anyone may connect to: what is not forwarded by the
 * kernel is refused, the manager's control calls included (a stop from us
 * stops nothing), and the driver goes on serving.
 */
DEVMGR_UTEST(r2_device_drivers_take_only_the_kernels_calls)
{
	RTC_T *rtc = (RTC_T *)aligned_buf;
	UASSERT_EQ(WHEN_SERVED(r2_rtc(rtc)), R2_OK);
	uint64_t conn;
	UASSERT_EQ(xous_client_connect(PCDEV_RTC_NAME, &conn), E_OK);
	static const uint64_t calls[][4] = {{DRV_CTL_STOP}, {DRV_CTL_PING}, {PCDEV_RTC_GET}, {0}};
	for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct ipc_message r;
		UASSERT_EQ(ipc_call(conn, MSG_INFO(32, MSG_SMALL), calls[i], &r), E_OK);
		UASSERT_EQ(r.w[0], E_PERMISSION_DENIED);
	}
	sys_cap_revoke(conn);
	UASSERT_EQ(r2_rtc(rtc), R2_OK); /* still there */
	/* Nor may we type: scancodes come from the keyboard's driver, by its interrupt line. */
	uint64_t ports = 0, cursor = 0;
	UASSERT_EQ(sys_cap_next(OBJ_IO_PORTS, &cursor, &ports, NULL, NULL), E_OK);
	UASSERT_EQ(SYS3(SYS_KEYBOARD_INPUT, ports, 0x1e, 1, NULL), E_INVALID_CAPABILITY);
	UASSERT_EQ(SYS3(SYS_KEYBOARD_INPUT, 0, 0x1e, 1, NULL), E_INVALID_CAPABILITY);
	return 0;
}

/*
 * A device's name taken by a process the device manager did not start
 * (a grandchild of ours: its parent holds no root device capability) is
 * not served: the gates lend nothing to it, and answer as with no driver.
 */
UTEST(r2_device_names_taken_by_others_are_not_forwarded_to)
{
	uint64_t cap, conn = 0, end = sys_clock() + UTEST_PATIENCE_NS;
	struct process_exit_info info;
	UASSERT_EQ(utest_start("r2_squatter_parent", NULL, 0, &cap), E_OK);
	while (xous_client_connect(PCDEV_VGA_NAME, &conn) && sys_clock() < end)
		sys_sleep(10000000);
	UASSERT(conn != 0);
	sys_cap_revoke(conn);
	UASSERT_EQ(r2_video_mode(R2_MODE_13H), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_print("  (r2 print, not to a squatter)\n", 32), R2_OK);
	UASSERT_EQ(r2_call(R2_FONT, (uintptr_t)aligned_buf, 4096), 0);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0); /* it was sent nothing */
	return 0;
}

/* Starts the squatter (no capabilities) and ends with its exit code. */
UCHILD(r2_squatter_parent)
{
	uint64_t cap;
	struct process_exit_info info;
	if (utest_start("r2_squatter", NULL, 0, &cap) || sys_process_wait(cap, 0, &info))
		return 2;
	return info.exit_code;
}

/* Takes the VGA driver's name, and says (exit 1) whether anything came in a second and a half. */
UCHILD(r2_squatter)
{
	uint64_t ep;
	if (xous_server_create(PCDEV_VGA_NAME, &ep))
		return 3;
	struct ipc_message m;
	return ipc_receive(ep, 1500, &m) == E_TIMEOUT ? 0 : 1;
}

DEVMGR_UTEST(r2_rtc)
{
	RTC_T *rtc = (RTC_T *)aligned_buf;
	UASSERT_EQ(r2_rtc(rtc), R2_OK);
	UASSERT(rtc->seconds < 60 && rtc->minutes < 60 && rtc->hours < 24);
	UASSERT(rtc->day >= 1 && rtc->day <= 31 && rtc->month >= 1 && rtc->month <= 12);
	UASSERT(rtc->year >= 2000 && rtc->year < 2100);
	UASSERT_EQ(r2_rtc(NULL), R2_INVALID_INPUT);
	UASSERT_EQ(r2_rtc((RTC_T *)KERNEL_ADDR), R2_INVALID_INPUT);
	RTC_T *odd = (RTC_T *)((char *)aligned_buf + 1);
	UASSERT_EQ(r2_rtc(odd), R2_OK); /* any alignment */
	UASSERT(odd->year >= 2000 && odd->year < 2100 && odd->month >= 1 && odd->month <= 12);
	UASSERT_EQ(r2_call(R2_RTC, R2_SET, (uintptr_t)rtc), R2_INVALID_INPUT);
	return 0;
}

UTEST(r2_keyboard_buffer)
{
	struct r2_kbd_ring *ring = (struct r2_kbd_ring *)aligned_buf;
	memset(ring, 0, sizeof(*ring));
	UASSERT_EQ(r2_kbd_read(ring), R2_INVALID_INPUT); /* not registered */
	UASSERT_EQ(r2_kbd_unregister(ring), R2_INVALID_INPUT);
	UASSERT_EQ(r2_kbd_register(NULL), R2_INVALID_INPUT);
	UASSERT_EQ(r2_kbd_register((struct r2_kbd_ring *)KERNEL_ADDR), R2_INVALID_INPUT);
	UASSERT_EQ(r2_kbd_register((struct r2_kbd_ring *)((char *)aligned_buf + 4)), R2_OK);
	UASSERT_EQ(r2_kbd_unregister((struct r2_kbd_ring *)((char *)aligned_buf + 4)), R2_OK);
	UASSERT_EQ(r2_kbd_register(ring), R2_OK);
	UASSERT_EQ(r2_kbd_read(ring), 0); /* nobody types in the test suite */
	/* One holder at a time: a child is refused while we hold the keyboard. */
	struct process_exit_info info;
	UASSERT_EQ(utest_spawn("r2_keyboard_taken", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, R2_INVALID_INPUT);
	UASSERT_EQ(ring->head, 0);
	UASSERT_EQ(r2_kbd_read((struct r2_kbd_ring *)(aligned_buf + 64)), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_KEYBOARD, 4, (uintptr_t)ring), R2_INVALID_INPUT);
	UASSERT_EQ(r2_kbd_unregister(ring), R2_OK);
	UASSERT_EQ(r2_kbd_unregister(ring), R2_INVALID_INPUT);
	return 0;
}

UCHILD(r2_keyboard_taken)
{
	static struct r2_kbd_ring ring;
	return (int)r2_kbd_register(&ring);
}

UTEST(r2_heap)
{
	char *a = r2_malloc(100), *b = r2_malloc(5000);
	UASSERT(a && b && a != b);
	UASSERT_EQ((uintptr_t)a % 16, 0);
	UASSERT((uintptr_t)b >= (uintptr_t)a + 100 || (uintptr_t)b + 5000 <= (uintptr_t)a);
	memset(a, 'a', 100);
	memset(b, 'b', 5000);
	/* Grown in place or moved, the contents stay. */
	char *a2 = r2_realloc(a, 20000);
	UASSERT(a2 != NULL);
	for (unsigned i = 0; i < 100; i++)
		UASSERT_EQ(a2[i], 'a');
	UASSERT_EQ(b[4999], 'b');
	UASSERT_EQ(r2_free(a2), R2_OK);
	UASSERT_EQ(r2_free(a2), R2_INVALID_INPUT);     /* twice */
	UASSERT_EQ(r2_free(b + 16), R2_INVALID_INPUT); /* not a block's start */
	UASSERT_EQ(r2_free(aligned_buf), R2_INVALID_INPUT);
	UASSERT(r2_realloc(a2, 10) == NULL); /* freed */
	UASSERT(r2_realloc(b, 0) == NULL);   /* size 0: b stays */
	UASSERT_EQ(b[0], 'b');
	UASSERT(r2_malloc(0) == NULL);
	UASSERT(r2_malloc(1ull << 40) == NULL);
	UASSERT(r2_malloc(2ul << 20) == NULL); /* more than the heap */
	char *c = r2_realloc(NULL, 64);
	UASSERT(c != NULL);
	UASSERT_EQ(r2_free(c), R2_OK);
	UASSERT_EQ(r2_free(b), R2_OK);
	/* All of it, in pieces, then nothing more. */
	void *blocks[16];
	for (unsigned i = 0; i < 16; i++)
		UASSERT((blocks[i] = r2_malloc(64 * 1024)) != NULL);
	UASSERT(r2_malloc(16) == NULL);
	for (unsigned i = 0; i < 16; i++)
		UASSERT_EQ(r2_free(blocks[i]), R2_OK);
	return 0;
}

DEVMGR_UTEST(r2_print_and_clear)
{
	static const char msg[] = "  (r2 print)\n";
	UASSERT_EQ(r2_print(msg, sizeof(msg) - 1), R2_OK);
	UASSERT_EQ(r2_print(msg, 0), R2_OK);
	UASSERT_EQ(r2_print(NULL, 4), R2_INVALID_INPUT);
	UASSERT_EQ(r2_print((const char *)KERNEL_ADDR, 4), R2_INVALID_INPUT);
	UASSERT_EQ(r2_print(msg, 1ull << 40), R2_INVALID_INPUT);
	/* Several chunks (interrupts are let in between them). */
	char *line = (char *)aligned_buf;
	memset(line, '.', 700);
	memcpy(line, "  (r2 print, ", 13);
	memcpy(line + 698, ")\n", 2);
	UASSERT_EQ(r2_print(line, 700), R2_OK);
	/* One byte too long, though all of it is mapped: refused before anything goes out. */
	char *big = r2_malloc(R2_PRINT_MAX + 1);
	UASSERT(big != NULL);
	memset(big, '!', R2_PRINT_MAX + 1);
	UASSERT_EQ(r2_print(big, R2_PRINT_MAX + 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_free(big), R2_OK);
	/* A string running into an unmapped page: refused as a whole, nothing printed. */
	void *m;
	UASSERT_EQ(sys_mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, &m, NULL), E_OK);
	UASSERT_EQ(sys_munmap((char *)m + 4096, 4096), E_OK);
	memset(m, '!', 4096);
	UASSERT_EQ(r2_print((char *)m + 4096 - 300, 301), R2_INVALID_INPUT);
	UASSERT_EQ(sys_munmap(m, 4096), E_OK);
	UASSERT_EQ(r2_clear(), R2_OK);
	return 0;
}

DEVMGR_UTEST(r2_video)
{
	UASSERT_EQ(r2_video_mode(0x14), R2_INVALID_INPUT);
	UASSERT_EQ(r2_video_mode(0x1000000000013ull), R2_INVALID_INPUT);
	/* The planar modes: a pixel there (the 16 EGA colours), clear, then text again. */
	UASSERT_EQ(r2_video_mode(R2_MODE_12H), R2_OK);
	UASSERT_EQ(r2_pixel(639, 479, 0xffffff), R2_OK);
	UASSERT_EQ(r2_pixel(640, 0, 0xffffff), R2_INVALID_INPUT);
	UASSERT_EQ(r2_pixel(0, 480, 0xffffff), R2_INVALID_INPUT);
	UASSERT_EQ(r2_clear(), R2_OK);
	UASSERT_EQ(r2_video_mode(R2_MODE_0DH), R2_OK);
	UASSERT_EQ(r2_pixel(319, 199, 0x00aa00), R2_OK);
	UASSERT_EQ(r2_pixel(320, 0, 0), R2_INVALID_INPUT);
	UASSERT_EQ(r2_video_mode(R2_MODE_TEXT), R2_OK);
	UASSERT_EQ(r2_pixel(0, 0, 1), R2_INVALID_INPUT); /* text mode */
	UASSERT_EQ(r2_mode13_buffer((const uint8_t *)aligned_buf, NULL), R2_INVALID_INPUT);
	volatile uint8_t *vga = r2_map_vga();
	UASSERT_EQ((uintptr_t)vga, R2_VGA_USER_VA);
	UASSERT_EQ((uintptr_t)r2_map_vga(), R2_VGA_USER_VA); /* again: the same */
	UASSERT_EQ(r2_call(R2_MAP_VGA, 1, 0), 0);
	/* rou2exOS's form: the address written to the pointer (any alignment), RAX 0. */
	uint8_t *out = (uint8_t *)aligned_buf + 5;
	memset(out, 0, 8);
	UASSERT_EQ(r2_call(R2_MAP_VGA, 0, (uintptr_t)out), R2_OK);
	uint64_t base;
	memcpy(&base, out, sizeof(base));
	UASSERT_EQ(base, R2_VGA_USER_VA);
	UASSERT_EQ(r2_call(R2_MAP_VGA, 0, KERNEL_ADDR), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_MAP_VGA, 0, UNMAPPED), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_MAP_VGA, 0, (uintptr_t)&rodata_word), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_MAP_VGA, 1, (uintptr_t)out), R2_INVALID_INPUT);
	/* A region of our space like any other: taken for mmap, and ours to unmap. */
	void *m;
	UASSERT_EQ(sys_mmap((void *)(R2_VGA_USER_VA + 0x8000), 4096, PROT_READ, &m, NULL),
		   E_MEM_ALREADY_MAPPED);
	UASSERT_EQ(sys_munmap((void *)R2_VGA_USER_VA, R2_VGA_SIZE), E_OK);
	UASSERT_EQ(sys_munmap((void *)R2_VGA_USER_VA, R2_VGA_SIZE), E_MEM_NOT_MAPPED);
	/* Our own memory in the way: no window. */
	UASSERT_EQ(sys_mmap((void *)(R2_VGA_USER_VA + 0x8000), 4096, PROT_READ, &m, NULL), E_OK);
	UASSERT(r2_map_vga() == NULL);
	UASSERT_EQ(sys_munmap(m, 4096), E_OK);
	UASSERT_EQ((uintptr_t)r2_map_vga(), R2_VGA_USER_VA);
	UASSERT_EQ(r2_video_mode(R2_MODE_13H), R2_OK);
	/* RGB, as the default palette's nearest colour: EGA blue (1) and white (15, before 31). */
	UASSERT_EQ(r2_pixel(10, 20, 0x0000aa), R2_OK);
	UASSERT_EQ(r2_pixel(319, 199, 0xffffff), R2_OK);
	UASSERT_EQ(r2_call(R2_PIXEL, (11ull << 16) | 20, 0x0000a8), R2_OK); /* x << 16 | y */
	UASSERT_EQ(vga[20 * 320 + 10], 1); /* what the kernel drew, through our window */
	UASSERT_EQ(vga[20 * 320 + 11], 1);
	UASSERT_EQ(vga[199 * 320 + 319], 15);
	vga[5] = 0x33; /* and we draw too */
	UASSERT_EQ(vga[5], 0x33);
	UASSERT_EQ(r2_pixel(320, 0, 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_pixel(0, 200, 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_PIXEL, R2_PIXEL_POS(1, 1), 1u << 24), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_PIXEL, 200, 0), R2_INVALID_INPUT); /* y 200 */
	UASSERT_EQ(r2_call(R2_PIXEL, 1ull << 32, 1), R2_INVALID_INPUT);
	/* A whole frame from the r2 heap, with a palette of our own. */
	uint8_t *frame = r2_malloc(320 * 200), *pal = r2_malloc(768);
	UASSERT(frame && pal);
	for (unsigned i = 0; i < 320 * 200; i++)
		frame[i] = (uint8_t)(i % 251);
	for (unsigned i = 0; i < 768; i++)
		pal[i] = (uint8_t)i;
	UASSERT_EQ(r2_mode13_buffer(frame, pal), R2_OK);
	UASSERT_EQ(vga[320 * 100 + 7], (32000 + 7) % 251);
	UASSERT_EQ(r2_mode13_buffer(frame, NULL), R2_OK);
	UASSERT_EQ(r2_mode13_buffer(NULL, NULL), R2_INVALID_INPUT);
	UASSERT_EQ(r2_mode13_buffer((const uint8_t *)KERNEL_ADDR, NULL), R2_INVALID_INPUT);
	/* 32000 bytes of the VGA window, then nothing mapped: too short. */
	UASSERT_EQ(r2_mode13_buffer((const uint8_t *)vga + R2_VGA_SIZE - 32000, NULL),
		   R2_INVALID_INPUT);
	UASSERT_EQ(r2_mode13_buffer(frame, (const uint8_t *)UNMAPPED), R2_INVALID_INPUT);
	UASSERT_EQ(r2_free(frame), R2_OK);
	UASSERT_EQ(r2_free(pal), R2_OK);
	UASSERT_EQ(r2_clear(), R2_OK);
	UASSERT_EQ(vga[20 * 320 + 10], 0);
	UASSERT_EQ(r2_video_mode(R2_MODE_TEXT), R2_OK);
	UASSERT_EQ(r2_pixel(0, 0, 1), R2_INVALID_INPUT);
	/* Text mode: the window shows planes through odd/even; the text at 0xB8000 is ours to print. */
	UASSERT_EQ(r2_print("r2 text\n", 8), R2_OK);
	return 0;
}

static uint64_t speaker_bits(void)
{
	uint64_t v = 0;
	return r2_port_in(0x61, 1, &v) == R2_OK ? v & 3 : 0xff;
}

/*
 * The speaker's bits once the driver has fallen silent, or after
 * UTEST_PATIENCE_NS: it ends sounds on its own clock, which a busy host
 * may hold up.
 */
static uint64_t speaker_bits_once_silent(void)
{
	uint64_t end = sys_clock() + UTEST_PATIENCE_NS, bits;
	while ((bits = speaker_bits()) && sys_clock() < end)
		sys_sleep(5000000);
	return bits;
}

/* The speaker is a driver's (drivers/pc/speaker.c): without a device manager nobody plays. */
UTEST(r2_speaker_without_its_driver)
{
	UASSERT_EQ(r2_tone(440, 100), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_tone(0, 100), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_tone(19, 100), R2_INVALID_INPUT); /* decoded first, as ever */
	UASSERT_EQ(r2_midi(NULL), R2_INVALID_INPUT);
	UASSERT_EQ(r2_stop(), R2_OK); /* nothing sounds */
	return 0;
}

DEVMGR_UTEST(r2_speaker_tone_and_stop)
{
	/* As long a tone as there is: no busy host makes it end before the stop. */
	UASSERT_EQ(r2_tone(440, 60000), R2_OK);
	UASSERT_EQ(speaker_bits(), 3); /* gate and speaker on */
	UASSERT_EQ(r2_stop(), R2_OK);
	UASSERT_EQ(speaker_bits(), 0);
	/* A short tone ends by itself. */
	UASSERT_EQ(r2_tone(1000, 30), R2_OK);
	UASSERT_EQ(sys_sleep(100000000ull), E_OK);
	UASSERT_EQ(speaker_bits_once_silent(), 0);
	UASSERT_EQ(r2_tone(0, 100), R2_OK); /* a rest: silence (the seed's returns at once) */
	UASSERT_EQ(speaker_bits(), 0);
	UASSERT_EQ(r2_tone(0, 0), R2_INVALID_INPUT);
	UASSERT_EQ(r2_tone(19, 100), R2_INVALID_INPUT);
	UASSERT_EQ(r2_tone(20001, 100), R2_INVALID_INPUT);
	UASSERT_EQ(r2_tone(440, 0), R2_INVALID_INPUT);
	UASSERT_EQ(r2_tone(440, 60001), R2_INVALID_INPUT);
	UASSERT_EQ(speaker_bits(), 0);
	return 0;
}

/* Until the manager has started the speaker's driver anew after `generation`: its state. */
static unsigned speaker_restarted(uint64_t generation)
{
	uint64_t end = sys_clock() + UTEST_PATIENCE_NS, gen = generation;
	unsigned state = DEVSTATE_UNBOUND, restarts;
	while (sys_clock() < end &&
	       (devmgr_status(devmgr_endpoint, "speaker", &state, &gen, &restarts) ||
		gen == generation || (state != DEVSTATE_RUNNING && state != DEVSTATE_HEALTHY)))
		sys_sleep(20000000);
	return gen == generation ? DEVSTATE_UNBOUND : state;
}

/* A crash while a tone sounds: the driver comes back silent, and plays again. */
DEVMGR_UTEST(r2_speaker_driver_restarts_after_a_crash)
{
	uint64_t gen;
	unsigned state, restarts;
	UASSERT_EQ(devmgr_status(devmgr_endpoint, "speaker", &state, &gen, &restarts), DRIVER_OK);
	UASSERT_EQ(r2_tone(440, 60000), R2_OK);
	UASSERT_EQ(speaker_bits(), 3);
	UASSERT_EQ(devmgr_fault(devmgr_endpoint, "speaker", DEVMGR_FAULT_CRASH, 0), DRIVER_OK);
	state = speaker_restarted(gen);
	UASSERT(state == DEVSTATE_RUNNING || state == DEVSTATE_HEALTHY);
	UASSERT_EQ(speaker_bits(), 0);
	UASSERT_EQ(r2_tone(440, 60000), R2_OK);
	UASSERT_EQ(speaker_bits(), 3);
	UASSERT_EQ(r2_stop(), R2_OK);
	UASSERT_EQ(speaker_bits(), 0);
	return 0;
}

/* A format-0 file: tempo 120 bpm, 96 ticks a quarter; C4 then E4, an eighth each. */
static const uint8_t tune[] = {
    'M',  'T',	'h',  'd',  0, 0, 0,  6,    0,	  0,	0,    1,    0,	  96,	'M',
    'T',  'r',	'k',  0,    0, 0, 26, 0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20, /* tempo 500000 us */
    0x00, 0x90, 60,   100,							/* C4 on */
    0x30, 0x80, 60,   0,    /* off after 48 ticks */
    0x00, 0x90, 64,   100,  /* E4 on */
    0x30, 64,	0,	    /* running status: note on, velocity 0 = off */
    0x00, 0xff, 0x2f, 0x00, /* end of track */
};

/* `n` bytes of `src`, `off` bytes into aligned_buf (any alignment), zeros around them. */
static uint8_t *midi_at(size_t off, const uint8_t *src, size_t n)
{
	uint8_t *m = (uint8_t *)aligned_buf + off;
	memset(aligned_buf, 0, sizeof(aligned_buf));
	memcpy(m, src, n);
	return m;
}

static uint64_t play_mutated(size_t at, uint8_t value)
{
	uint8_t *m = midi_at(0, tune, sizeof(tune));
	m[at] = value;
	return r2_midi(m);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The tune with its track's length set to `len` (the bytes after it are the caller's). */
static uint64_t play_track_len(uint8_t *m, uint32_t len)
{
	memcpy(m, tune, sizeof(tune));
	put_be32(m + 18, len);
	return r2_midi(m);
}

DEVMGR_UTEST(r2_midi)
{
	/* Argument 2 is the file itself, "MThd" first, as in rou2exOS. */
	UASSERT_EQ(r2_midi(midi_at(0, tune, sizeof(tune))), R2_OK);
	UASSERT_EQ(speaker_bits(), 3); /* C4 sounds */
	UASSERT_EQ(r2_stop(), R2_OK);
	UASSERT_EQ(speaker_bits(), 0);
	UASSERT_EQ(r2_midi(midi_at(3, tune, sizeof(tune))),
		   R2_OK); /* a byte buffer: any alignment */
	UASSERT_EQ(r2_stop(), R2_OK);
	/* Malformed files, each an InvalidInput and never a crash or a hang. */
	/* Not "MThd": a file name then (rou2exOS's form), "XThd", and no file server here. */
	uint64_t named = play_mutated(0, 'X');
	UASSERT(named == R2_FILESYSTEM_ERROR || named == R2_FILE_NOT_FOUND);
	UASSERT_EQ(play_mutated(7, 7), R2_INVALID_INPUT);     /* MThd's length */
	UASSERT_EQ(play_mutated(9, 2), R2_INVALID_INPUT);     /* format 2 */
	UASSERT_EQ(play_mutated(11, 0), R2_INVALID_INPUT);    /* no tracks */
	UASSERT_EQ(play_mutated(11, 65), R2_INVALID_INPUT);   /* too many tracks */
	UASSERT_EQ(play_mutated(11, 2), R2_INVALID_INPUT);    /* a second track of zeros: no MTrk */
	UASSERT_EQ(play_mutated(12, 0x80), R2_INVALID_INPUT); /* SMPTE */
	UASSERT_EQ(play_mutated(14, 'X'), R2_INVALID_INPUT);  /* not MTrk */
	UASSERT_EQ(play_mutated(21, 22), R2_INVALID_INPUT);   /* no end of track */
	UASSERT_EQ(play_mutated(30, 0x30), R2_INVALID_INPUT); /* data, no status */
	UASSERT_EQ(play_mutated(23, 0x9f), R2_INVALID_INPUT); /* the track's first event */
	UASSERT_EQ(play_mutated(18, 0x01), R2_INVALID_INPUT); /* a track of 16 MiB */
	UASSERT_EQ(play_mutated(18, 0xff), R2_INVALID_INPUT); /* of 4 GiB */
	UASSERT_EQ(r2_midi(NULL), R2_INVALID_INPUT);
	UASSERT_EQ(r2_midi((const void *)KERNEL_ADDR), R2_INVALID_INPUT);
	UASSERT_EQ(r2_midi((const void *)UNMAPPED), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_MIDI, 2, (uintptr_t)midi_at(0, tune, sizeof(tune))),
		   R2_INVALID_INPUT);
	/* Format 1: a tempo track, then the notes; the size is the sum of both chunks. */
	uint8_t *m = midi_at(0, tune, 14);
	m[9] = 1;
	m[11] = 2;
	static const uint8_t tempo[] = {'M',  'T',  'r',  'k',	0,    0,    0,	  11,	0x00, 0xff,
					0x51, 0x03, 0x07, 0xa1, 0x20, 0x00, 0xff, 0x2f, 0x00};
	memcpy(m + 14, tempo, sizeof(tempo));
	memcpy(m + 14 + sizeof(tempo), tune + 14, 8);
	memcpy(m + 22 + sizeof(tempo), tune + 29, sizeof(tune) - 29);
	put_be32(m + 18 + sizeof(tempo), sizeof(tune) - 29);
	UASSERT_EQ(r2_midi(m), R2_OK);
	UASSERT_EQ(speaker_bits(), 3);
	UASSERT_EQ(r2_stop(), R2_OK);
	m[11] = 3; /* a third track that is not there: zeros */
	UASSERT_EQ(r2_midi(m), R2_INVALID_INPUT);
	/* At most R2_MIDI_MAX bytes: a file of exactly that plays, one byte more is refused. */
	uint8_t *big = r2_malloc(R2_MIDI_MAX + 64);
	UASSERT(big != NULL);
	memset(big, 0, R2_MIDI_MAX + 64);
	UASSERT_EQ(play_track_len(big, R2_MIDI_MAX - 22), R2_OK); /* end of track, then zeros */
	UASSERT_EQ(r2_stop(), R2_OK);
	UASSERT_EQ(play_track_len(big, R2_MIDI_MAX - 22 + 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_free(big), R2_OK);
	/* A file ending where the memory does; one that would run past it, or whose track is missing. */
	void *page;
	UASSERT_EQ(sys_mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, &page, NULL), E_OK);
	UASSERT_EQ(sys_munmap((char *)page + 4096, 4096), E_OK);
	uint8_t *end = (uint8_t *)page + 4096;
	UASSERT_EQ(play_track_len(end - sizeof(tune), sizeof(tune) - 22), R2_OK);
	UASSERT_EQ(r2_stop(), R2_OK);
	UASSERT_EQ(play_track_len(end - sizeof(tune), sizeof(tune) - 22 + 1), R2_INVALID_INPUT);
	memcpy(end - 14, tune, 14);
	UASSERT_EQ(r2_midi(end - 14), R2_INVALID_INPUT);
	memcpy(end - 20, tune, 20); /* half a track header */
	UASSERT_EQ(r2_midi(end - 20), R2_INVALID_INPUT);
	UASSERT_EQ(r2_midi(end - 10), R2_INVALID_INPUT); /* not even the MThd chunk */
	UASSERT_EQ(sys_munmap(page, 4096), E_OK);
	UASSERT_EQ(speaker_bits(), 0); /* nothing refused changed what plays */
	/*
	 * Every byte changed to every few values: OK or InvalidInput, nothing
	 * else; with "MThd" changed, a name, and no file server runs here.
	 */
	static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0x90, 0xf0, 0xff};
	for (size_t at = 0; at < sizeof(tune); at++)
		for (unsigned v = 0; v < sizeof(values); v++) {
			uint64_t rc = play_mutated(at, values[v]);
			if (rc != R2_OK && rc != R2_INVALID_INPUT &&
			    !(at < 4 && (rc == R2_FILESYSTEM_ERROR || rc == R2_FILE_NOT_FOUND)))
				return utest_fail(__FILE__, __LINE__, "byte %zu = %#x: %#llx", at,
						  values[v], (unsigned long long)rc);
		}
	UASSERT_EQ(r2_stop(), R2_OK);
	return 0;
}

/*
 * What a process leaves behind when it ends lapses at once, even while it
 * is a zombie its parent has not waited for: its keyboard registration, its
 * r2 heap slot, the sound it started.
 */

UTEST(r2_keyboard_of_an_ended_child)
{
	struct r2_kbd_ring *ring = (struct r2_kbd_ring *)aligned_buf;
	struct process_exit_info info;
	uint64_t cap;
	memset(ring, 0, sizeof(*ring));
	/* Above our priority, it has the CPU from our yield until it ends (a zombie). */
	UASSERT_EQ(utest_start("r2_keyboard_kept", NULL, UTEST_PRIO_FIRST, &cap), E_OK);
	sys_yield();
	UASSERT_EQ(r2_kbd_register(ring), R2_OK);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, R2_OK); /* it did hold the keyboard */
	UASSERT_EQ(r2_kbd_read(ring), 0);
	UASSERT_EQ(r2_kbd_unregister(ring), R2_OK);
	return 0;
}

/* Registers the keyboard and ends without unregistering. */
UCHILD(r2_keyboard_kept)
{
	static struct r2_kbd_ring ring;
	return (int)r2_kbd_register(&ring);
}

DEVMGR_UTEST(r2_sound_of_an_ended_child)
{
	struct process_exit_info info;
	uint64_t cap;
	static const char *const children[] = {"r2_tone_left_on", "r2_tune_left_on"};
	for (unsigned i = 0; i < 2; i++) {
		/*
		 * Above our priority, it starts the sound and ends before our yield
		 * returns; the driver sees it has ended within its next few polls.
		 */
		UASSERT_EQ(utest_start(children[i], NULL, UTEST_PRIO_FIRST, &cap), E_OK);
		sys_yield();
		UASSERT_EQ(sys_sleep(20000000ull), E_OK);
		UASSERT_EQ(speaker_bits_once_silent(), 0); /* silent, though it is not reaped */
		UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
		UASSERT_EQ(info.exit_code, 3); /* the sound was on when it ended */
	}
	/* Ours goes on while another process ends. */
	UASSERT_EQ(r2_tone(440, 60000), R2_OK);
	UASSERT_EQ(utest_spawn("r2_exit_42", NULL, 0, &info), E_OK);
	UASSERT_EQ(sys_sleep(30000000ull), E_OK);
	UASSERT_EQ(speaker_bits(), 3);
	UASSERT_EQ(r2_stop(), R2_OK);
	return 0;
}

/* A 10 s tone or the tune, then gone: exit code 3 when the sound started. */
UCHILD(r2_tone_left_on)
{
	return r2_tone(1000, 10000) == R2_OK ? 3 : 1;
}

UCHILD(r2_tune_left_on)
{
	uint8_t *m = midi_at(0, tune, sizeof(tune));
	return r2_midi(m) == R2_OK ? 3 : 1;
}

UTEST(r2_heap_slots_of_ended_children)
{
	/* More children than heap slots, each ending with a block allocated, none reaped yet. */
	enum { CHILDREN = 10 };
	uint64_t caps[CHILDREN];
	struct process_exit_info info;
	void *ours = r2_malloc(16); /* our own slot, held throughout */
	UASSERT(ours != NULL);
	for (unsigned i = 0; i < CHILDREN; i++) {
		/* Above our priority: it allocates and ends before our yield returns. */
		UASSERT_EQ(utest_start("r2_heap_child", NULL, UTEST_PRIO_FIRST, &caps[i]), E_OK);
		sys_yield();
	}
	unsigned ok = 0;
	for (unsigned i = 0; i < CHILDREN; i++) {
		UASSERT_EQ(sys_process_wait(caps[i], 0, &info), E_OK);
		ok += info.exit_code == 0;
	}
	UASSERT_EQ(r2_free(ours), R2_OK);
	UASSERT_EQ(ok, CHILDREN);
	return 0;
}

UCHILD(r2_heap_child)
{
	char *b = r2_malloc(4096);
	if (!b)
		return 1;
	memset(b, 'h', 4096);
	return 0;
}

UTEST(r2_ports)
{
	/* The VGA's graphics controller index: what goes out comes back. */
	uint64_t *v = aligned_buf;
	*v = 0x05;
	UASSERT_EQ(r2_port_out(0x3ce, 1, v), R2_OK);
	*v = 0;
	UASSERT_EQ(r2_port_in(0x3ce, 1, v), R2_OK);
	UASSERT_EQ(*v, 0x05);
	/* The kernel's ports are refused, whoever holds a capability: COM1's scratch register. */
	UASSERT_EQ(r2_port_in(0x3ff, 1, v), R2_INVALID_INPUT);
	UASSERT_EQ(r2_port_in(0x3ce, 3, v), R2_INVALID_INPUT); /* width */
	UASSERT_EQ(r2_call(R2_PORT_IN, R2_PORT(0x3ce, 1) | 1ull << 40, (uintptr_t)v),
		   R2_INVALID_INPUT);
	UASSERT_EQ(r2_port_in(0x3ce, 1, (uint64_t *)((char *)aligned_buf + 2)),
		   R2_OK); /* any alignment */
	/* libcr2's form: pointers to a 16-bit port and a 32-bit value, at any alignment; a byte. */
	uint8_t *pv = (uint8_t *)aligned_buf + 33, *pp = (uint8_t *)aligned_buf + 17;
	uint16_t port = 0x3ce;
	uint32_t val = 0x06;
	memcpy(pp, &port, sizeof(port));
	memcpy(pv, &val, sizeof(val));
	UASSERT_EQ(r2_call(R2_PORT_OUT, (uintptr_t)pp, (uintptr_t)pv), R2_OK);
	memset(pv, 0xee, 4);
	UASSERT_EQ(r2_call(R2_PORT_IN, (uintptr_t)pp, (uintptr_t)pv), R2_OK);
	memcpy(&val, pv, sizeof(val));
	UASSERT_EQ(val, 0x06); /* the whole word written: the byte, zero above */
	UASSERT_EQ(pv[4], 0);  /* and nothing past it (aligned_buf was zero there) */
	val = 0x106;	       /* more than a byte */
	memcpy(pv, &val, sizeof(val));
	UASSERT_EQ(r2_call(R2_PORT_OUT, (uintptr_t)pp, (uintptr_t)pv), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_PORT_OUT, UNMAPPED, (uintptr_t)pv), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_PORT_IN, (uintptr_t)pp, KERNEL_ADDR), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_PORT_IN, (uintptr_t)pp, (uintptr_t)&rodata_word), R2_INVALID_INPUT);
	port = 0x3ff; /* COM1's: the kernel's, in this form too */
	memcpy(pp, &port, sizeof(port));
	UASSERT_EQ(r2_call(R2_PORT_IN, (uintptr_t)pp, (uintptr_t)pv), R2_INVALID_INPUT);
	UASSERT_EQ(r2_port_in(0x3ce, 1, NULL), R2_INVALID_INPUT);
	UASSERT_EQ(r2_port_in(0x3ce, 1, (uint64_t *)(uintptr_t)&rodata_word), R2_INVALID_INPUT);
	UASSERT_EQ(r2_port_out(0x3ce, 1, (const uint64_t *)KERNEL_ADDR), R2_INVALID_INPUT);
	/* A child holds no I/O port capability: refused. */
	struct process_exit_info info;
	UASSERT_EQ(utest_spawn("r2_ports_without_cap", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, R2_INVALID_INPUT);
	return 0;
}

UTEST(r2_ports_granted_to_a_child)
{
	/* Our I/O port capability, narrowed to READ (and GRANT, to pass it on), for a child. */
	uint64_t token = r2_io_token(), narrowed, pid, cap;
	UASSERT(token != 0);
	UASSERT_EQ(r2_call(R2_IO_TOKEN, 1, 0), 0);
	unsigned type;
	uint64_t object, extent;
	UASSERT_EQ(
	    sys_cap_validate(token, RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, &type, &object, NULL),
	    E_OK);
	UASSERT_EQ(type, OBJ_IO_PORTS);
	UASSERT_EQ(object, 0);
	UASSERT_EQ(sys_cap_extent(token, &extent), E_OK);
	UASSERT_EQ(extent, 0x10000);
	UASSERT_EQ(sys_cap_derive(token, RIGHT_READ | RIGHT_GRANT, &narrowed), E_OK);
	static const char args[] = "init\0child\0r2_ports_read_only";
	struct process_spec spec = {
	    .args = args, .args_size = sizeof(args), .caps = &narrowed, .cap_count = 1};
	UASSERT(utest_image(&spec.image, &spec.image_size));
	struct process_exit_info info;
	UASSERT_EQ(sys_process_create(&spec, &pid, &cap), E_OK);
	UASSERT_EQ(sys_process_start(cap), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0);
	UASSERT_EQ(sys_cap_revoke(narrowed), E_OK);
	return 0;
}

/* Holds a read-only I/O port capability: in works, out is refused. */
UCHILD(r2_ports_read_only)
{
	uint64_t *v = aligned_buf;
	*v = 0;
	if (r2_io_token() == 0)
		return 1;
	if (r2_port_in(0x3ce, 1, v) != R2_OK)
		return 2;
	if (r2_port_out(0x3ce, 1, v) != R2_INVALID_INPUT)
		return 3;
	return 0;
}

UCHILD(r2_ports_without_cap)
{
	uint64_t *v = aligned_buf;
	*v = 0x5a;
	uint64_t out = r2_port_out(0x3ce, 1, v), in = r2_port_in(0x3ce, 1, v);
	if (r2_io_token() != 0)
		return 1001;
	return out == in ? (int)out : 1000;
}

/*
 * COM2, through its driver (drivers/pc/serial.c; ci/boot attaches it to
 * every x86_64 machine): writes of the byte or a pointer to it, reads of
 * an empty ring after a bounded drain, and what the gate refuses itself.
 */
DEVMGR_UTEST(r2_serial)
{
	uint64_t *v = aligned_buf;
	UASSERT_EQ(WHEN_SERVED(r2_serial_init()), R2_OK);
	*v = '.';
	UASSERT_EQ(r2_serial_write(v), R2_OK);
	*v = '\n';
	UASSERT_EQ(r2_serial_write(v), R2_OK);
	UASSERT_EQ(r2_call(R2_SERIAL, R2_SERIAL_WRITE, 'k'), R2_OK);
	UASSERT_EQ(r2_call(R2_SERIAL, R2_SERIAL_WRITE, 0), R2_OK); /* a NUL is a byte too */
	*v = 0x100;
	UASSERT_EQ(r2_serial_write(v), R2_INVALID_INPUT);
	UASSERT_EQ(r2_serial_write((uint64_t *)UNMAPPED), R2_INVALID_INPUT);
	UASSERT_EQ(r2_serial_write((uint64_t *)KERNEL_ADDR), R2_INVALID_INPUT);
	/* Whatever the host sent is read first (a bounded drain); then nothing waits. */
	unsigned sent = 0;
	while (r2_serial_read(v) == R2_OK && sent < 4096)
		sent++;
	UASSERT(sent < 4096);
	UASSERT_EQ(r2_serial_read(v), R2_INVALID_INPUT);
	UASSERT_EQ(r2_serial_read((uint64_t *)KERNEL_ADDR), R2_INVALID_INPUT);
	UASSERT_EQ(r2_serial_read((uint64_t *)&rodata_word), R2_INVALID_INPUT);
	UASSERT_EQ(r2_serial_read(NULL), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SERIAL, 4, (uintptr_t)v), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SERIAL, 0, (uintptr_t)v), R2_INVALID_INPUT);
	/* Init again: the ring emptied, the port still writable. */
	UASSERT_EQ(r2_serial_init(), R2_OK);
	UASSERT_EQ(r2_serial_read(v), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SERIAL, R2_SERIAL_WRITE, '\n'), R2_OK);
	return 0;
}

/* The one's-complement sum of n bytes (big-endian words), folded: 0xffff over a right checksum. */
static uint16_t ones_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * r2's SLIP network through COM2's driver (drivers/pc/serial.c,
 * net/r2_packet.c), as libcr2 makes its calls: a TCP segment and its
 * IPv4 packet built in the caller's buffer at an odd address, right to
 * their checksums, an echo reply, one SLIP frame sent; what is malformed
 * or not the caller's refused with the buffer as it was.
 */
DEVMGR_UTEST(r2_packets_for_the_slip_line)
{
	static uint8_t packets[2560]; /* its own: other tests count on aligned_buf's zeros */
	UASSERT_EQ(WHEN_SERVED(r2_serial_init()), R2_OK);
	uint8_t *b = packets + 1;
	struct r2_tcp_request r = {.source_port = 49152,
				   .dest_port = 9000,
				   .seq_num = 7,
				   .ack_num = 0x10203040,
				   .data_offset_reserved_flags = 5 << 12 | 0x18,
				   .src_ip = {10, 3, 3, 2},
				   .dst_ip = {10, 3, 3, 1},
				   .length = 3};
	memset(b, 0xee, 100);
	memcpy(b, &r, sizeof(r));
	memcpy(b + sizeof(r), "hi\n", 3);
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_TCP, (uintptr_t)b), R2_OK);
	static const uint8_t head[16] = {0xc0, 0,    0x23, 0x28, 0,    0,    0,	   7,
					 0x10, 0x20, 0x30, 0x40, 0x50, 0x18, 0x04, 0};
	UASSERT(!memcmp(b, head, sizeof(head)) && !memcmp(b + 20, "hi\n", 3));
	static const uint8_t pseudo[12] = {10, 3, 3, 2, 10, 3, 3, 1, 0, 6, 0, 23};
	UASSERT_EQ(ones_sum(b, 23, ones_sum(pseudo, 12, 0)), 0xffff);
	UASSERT_EQ(b[sizeof(r) + 3], 0xee); /* nothing past the request */
	/* The IPv4 packet around it, from a header naming the peer as the source (libcr2's). */
	uint8_t *ip = b + 200;
	memset(ip, 0, 20);
	ip[0] = 0x45, ip[3] = 43, ip[9] = 6;
	memcpy(ip + 12, r.dst_ip, 4);
	memcpy(ip + 16, r.src_ip, 4);
	memcpy(ip + 20, b, 23);
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_IPV4, (uintptr_t)ip), R2_OK);
	UASSERT(ip[0] == 0x45 && ip[3] == 43 && ip[4] == 0x13 && ip[5] == 0x37 && ip[6] == 0x40 &&
		ip[8] == 64 && ip[9] == 6);
	UASSERT(!memcmp(ip + 12, r.src_ip, 4) && !memcmp(ip + 16, r.dst_ip, 4));
	UASSERT_EQ(ones_sum(ip, 20, 0), 0xffff);
	UASSERT(!memcmp(ip + 20, b, 23));
	/* Out of COM2 as a SLIP frame (the test boot's COM2 has no peer: it goes nowhere). */
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, (uintptr_t)ip), R2_OK);
	/* An echo request becomes its reply. */
	uint8_t *icmp = b + 400;
	for (unsigned i = 0; i < R2_ICMP_ECHO_LEN; i++)
		icmp[i] = (uint8_t)(3 * i);
	icmp[0] = 8;
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_ICMP, (uintptr_t)icmp), R2_OK);
	UASSERT(icmp[0] == 0 && icmp[1] == 0 && icmp[63] == (uint8_t)(3 * 63));
	UASSERT_EQ(ones_sum(icmp, R2_ICMP_ECHO_LEN, 0), 0xffff);
	/* Refused, untouched: lengths past the lent bytes, bad headers, types, pointers. */
	uint8_t copy[64];
	memcpy(copy, ip, sizeof(copy));
	ip[0] = 0x44;
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_IPV4, (uintptr_t)ip), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, (uintptr_t)ip), R2_INVALID_INPUT);
	ip[0] = 0x65; /* IPv6's version: not for this line */
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_IPV4, (uintptr_t)ip), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, (uintptr_t)ip), R2_INVALID_INPUT);
	ip[0] = 0x45, ip[2] = 0x06, ip[3] = 0; /* 1536 bytes */
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_IPV4, (uintptr_t)ip), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, (uintptr_t)ip), R2_INVALID_INPUT);
	ip[2] = 0, ip[3] = 19;
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_IPV4, (uintptr_t)ip), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, (uintptr_t)ip), R2_INVALID_INPUT);
	ip[0] = 0x45, ip[2] = 0, ip[3] = 43;
	UASSERT(!memcmp(ip + 4, copy + 4, sizeof(copy) - 4));
	r.length = R2_TCP_DATA_MAX + 1;
	memcpy(b, &r, sizeof(r));
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_TCP, (uintptr_t)b), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_PACKET, 0, (uintptr_t)b), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_TCP, (uintptr_t)&rodata_word), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_ICMP, KERNEL_ADDR), R2_INVALID_INPUT);
	/* The longest packet, 1500 bytes, is built and sent; one byte more is not. */
	uint8_t *big = packets + 1024;
	memset(big, 0x55, R2_PACKET_MAX);
	big[0] = 0x45, big[2] = R2_PACKET_MAX >> 8, big[3] = R2_PACKET_MAX & 0xff;
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_IPV4, (uintptr_t)big), R2_OK);
	UASSERT(ones_sum(big, 20, 0) == 0xffff && big[R2_PACKET_MAX - 1] == 0x55);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, (uintptr_t)big), R2_OK);
	big[3]++;
	UASSERT_EQ(r2_call(R2_PACKET, R2_CRAFT_IPV4, (uintptr_t)big), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, (uintptr_t)big), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_ETHERNET, (uintptr_t)ip), R2_NOT_IMPLEMENTED);
	UASSERT_EQ(r2_call(R2_SEND, 2, (uintptr_t)ip), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_SEND, R2_SEND_IPV4, UNMAPPED), R2_INVALID_INPUT);
	return 0;
}

DEVMGR_UTEST(r2_calls_as_libcr2_makes_them)
{
	/* Allocate: (size, 0) as libcr2 calls it, beside the seed's (0, size). */
	char *a = (char *)(uintptr_t)r2_call(R2_MALLOC, 100, 0);
	UASSERT(a != NULL);
	memset(a, 'a', 100);
	UASSERT_EQ(r2_free(a), R2_OK);
	UASSERT_EQ(r2_call(R2_MALLOC, 0, 0), 0);
	UASSERT_EQ(r2_call(R2_MALLOC, 1ull << 40, 0), 0);
	/* Print: the NUL libcr2 counts ends the string; nothing after it is drawn. */
	UASSERT_EQ(r2_print("r2: printed up to the NUL\n\0NOT-PRINTED\n", 40), R2_OK);
	UASSERT_EQ(r2_print((const char *)KERNEL_ADDR, 4), R2_INVALID_INPUT);
	/* Milliseconds since boot, and a sleep of at least its length. */
	uint64_t t0 = r2_call(R2_TICKS, 0, 0), c0 = sys_clock() / 1000000ull;
	UASSERT(t0 + 1 >= c0 - 1 && t0 <= c0 + 1);
	UASSERT_EQ(r2_call(R2_SLEEP, 50, 0), R2_OK);
	UASSERT(r2_call(R2_TICKS, 0, 0) >= t0 + 50);
	UASSERT_EQ(r2_call(R2_SLEEP, 0, 0), R2_OK);
	UASSERT_EQ(r2_call(R2_SLEEP, R2_SLEEP_MAX_MS + 1, 0), R2_INVALID_INPUT);
	/* Tasks: ourselves among them (after the manager's drivers), running, at any alignment. */
	TaskInfo_T *t = (TaskInfo_T *)((char *)aligned_buf + 3);
	uint64_t n = r2_call(R2_TASKS, (uintptr_t)t, R2_TASKS_MAX);
	UASSERT(n >= 1 && n <= R2_TASKS_MAX);
	struct thread_info ti;
	UASSERT_EQ(sys_thread_info(0, &ti), E_OK);
	uint64_t me = ti.process_id;
	bool found = false;
	for (uint64_t i = 0; i < n; i++)
		found |= t[i].id == (uint8_t)me && t[i].status == R2_TASK_RUNNING && t[i].mode == 1;
	UASSERT(found);
	n = r2_call(R2_TASKS, (uintptr_t)t, 0); /* 0: ten at most */
	UASSERT(n >= 1 && n <= R2_TASKS_DEFAULT);
	UASSERT_EQ(r2_call(R2_TASKS, (uintptr_t)t, R2_TASKS_MAX + 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_TASKS, KERNEL_ADDR, 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_TASKS, (uintptr_t)&rodata_word, 1), R2_INVALID_INPUT);
	/* No linear framebuffer: 1, for a good pointer; a bad one is invalid input. */
	UASSERT_EQ(r2_call(R2_FB_INFO, (uintptr_t)aligned_buf, 0), 1);
	UASSERT_EQ(r2_call(R2_FB_INFO, KERNEL_ADDR, 0), R2_INVALID_INPUT);
	UASSERT_EQ(r2_call(R2_BLIT, (uintptr_t)aligned_buf, 0), 1);
	UASSERT_EQ(r2_call(R2_BLIT, UNMAPPED, 0), R2_INVALID_INPUT);
	/* The font: 16 bytes a glyph, 256 of them; 'A' has lit rows, ' ' none. */
	uint8_t *font = r2_malloc(4096);
	UASSERT(font != NULL);
	UASSERT_EQ(r2_call(R2_FONT, (uintptr_t)font, 4096), 16);
	unsigned lit_a = 0, lit_space = 0;
	for (unsigned r = 0; r < 16; r++)
		lit_a += font['A' * 16 + r] != 0, lit_space += font[' ' * 16 + r] != 0;
	UASSERT(lit_a >= 6 && lit_space == 0);
	UASSERT_EQ(r2_call(R2_FONT, (uintptr_t)font, 15), 0);
	UASSERT_EQ(r2_call(R2_FONT, KERNEL_ADDR, 4096), 0);
	UASSERT_EQ(r2_free(font), R2_OK);
	/* COM2 write: the byte itself, as libcr2 passes it. */
	UASSERT_EQ(r2_call(R2_SERIAL, R2_SERIAL_WRITE, '\n'), R2_OK);
	return 0;
}

/*
 * A libcr2 process's SysInfo_T (116 bytes, or 112 with R2_CONV_SYSINFO112,
 * the byte after it untouched), tones that last their length and rests;
 * its step that failed, 0 for none.
 */
static int cr2_checks(uint64_t (*call)(uint64_t, uint64_t, uint64_t), size_t sysinfo)
{
	uint8_t *b = (uint8_t *)aligned_buf + 1; /* packed: any alignment */
	memset(b, 0xaa, 200);
	if (call(R2_SYSINFO, R2_GET, (uintptr_t)b) != R2_OK || memcmp(b, "Kestrel", 8))
		return 1;
	if (b[sysinfo] != 0xaa || b[sysinfo - 1] == 0xaa) /* ip_addr 0.0.0.0, or the uptime's top */
		return 2;
	uint64_t t0 = call(R2_TICKS, 0, 0);
	if (call(R2_TONE, 440, 60) != R2_OK || call(R2_TICKS, 0, 0) < t0 + 60)
		return 3;
	if (call(R2_TONE, 0, 40) != R2_OK || call(R2_TICKS, 0, 0) < t0 + 100)
		return 4;
	if (call(R2_TONE, 0, 0) != R2_INVALID_INPUT || call(R2_TONE, 19, 10) != R2_INVALID_INPUT)
		return 6;
	return 0;
}

UCHILD(r2_cr2_rdx)
{
	return cr2_checks(cr2_rdx, sizeof(SysInfoIp_T));
}

UCHILD(r2_cr2_rdx_112)
{
	return cr2_checks(cr2_rdx, sizeof(SysInfo_T));
}

UCHILD(r2_cr2_both)
{
	return cr2_checks(cr2_both, sizeof(SysInfoIp_T));
}

static long run_with_convention(const char *name, uint64_t conv, struct process_exit_info *info)
{
	uint64_t pid, cap;
	long err = utest_create(name, NULL, 0, NULL, 0, &pid, &cap);
	if (err)
		return err;
	if (r2_call(R2_CONVENTION, pid, conv) != R2_OK || sys_process_start(cap)) {
		sys_process_terminate(cap, -1);
		err = -1;
	}
	long w = sys_process_wait(cap, 0, info);
	sys_cap_revoke(cap);
	return err ? err : w;
}

DEVMGR_UTEST(r2_libcr2_conventions)
{
	struct process_exit_info info;
	UASSERT_EQ(run_with_convention("r2_cr2_rdx", R2_CONV_LIBCR2, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0);
	UASSERT_EQ(
	    run_with_convention("r2_cr2_rdx_112", R2_CONV_LIBCR2 | R2_CONV_SYSINFO112, &info),
	    E_OK);
	UASSERT_EQ(info.exit_code, 0);
	UASSERT_EQ(run_with_convention("r2_cr2_both", R2_CONV_LIBCR2 | R2_CONV_RAX, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0);
	return 0;
}

UTEST(r2_exit)
{
	struct process_exit_info info;
	UASSERT_EQ(utest_spawn("r2_exit_42", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 42);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	return 0;
}

UCHILD(r2_exit_42)
{
	r2_call(R2_EXIT, 123456, 42); /* argument 1 is ignored, as rou2exOS ignores it */
	return 1;
}

/* `init child NAME` created as our child, not started: its pid and capability. */

/* Run child NAME in `ring` to its end. */
static long run_in_ring(const char *name, unsigned ring, struct process_exit_info *info)
{
	uint64_t pid, cap;
	long err = utest_create(name, NULL, 0, NULL, 0, &pid, &cap);
	if (err)
		return err;
	if (r2_set_ring(pid, ring) != R2_OK) {
		sys_process_terminate(cap, -1);
		sys_process_wait(cap, 0, info);
		return E_INVALID_PARAMETER;
	}
	err = sys_process_start(cap);
	if (!err)
		err = sys_process_wait(cap, 0, info);
	return err;
}

UTEST(r2_rings_1_and_2_run_their_own_gate)
{
	struct process_exit_info info;
	for (unsigned ring = 1; ring <= 2; ring++) {
		UASSERT_EQ(run_in_ring("r2_ring_child", ring, &info), E_OK);
		UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
		UASSERT_EQ(info.exit_code, (int)ring * 100);
	}
	return 0;
}

UTEST(r2_rings_1_and_2_do_not_see_the_kernel)
{
	struct process_exit_info info;
	static const char *const children[] = {"r2_ring_reads_kernel", "r2_ring_reads_direct_map",
					       "r2_ring_writes_kernel_stack_area"};
	for (unsigned ring = 1; ring <= 2; ring++)
		for (unsigned i = 0; i < 3; i++) {
			UASSERT_EQ(run_in_ring(children[i], ring, &info), E_OK);
			UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
		}
	/*
	 * What is mapped for traps is read-only: the IDT, the GDT and the TSS
	 * (its rsp0). sidt/sgdt find them; with UMIP (-cpu max) those fault first.
	 */
	static const char *const tables[] = {"r2_ring_writes_idt", "r2_ring_writes_gdt",
					     "r2_ring_writes_tss", "r2_ring_writes_its_code"};
	for (unsigned i = 0; i < 4; i++) {
		UASSERT_EQ(run_in_ring(tables[i], 1 + i % 2, &info), E_OK);
		UASSERT(info.exit_reason == EXIT_PAGE_FAULT ||
			(i < 3 && info.exit_reason == EXIT_ILLEGAL));
	}
	/* Lowering itself to ring 2 does not get a ring 1 thread the kernel's tables. */
	UASSERT_EQ(run_in_ring("r2_ring_lowers_itself", 1, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_ILLEGAL); /* killed at its way back */
	/* Port instructions stay privileged (IOPL 0). */
	UASSERT_EQ(run_in_ring("r2_ring_port_instruction", 1, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_ILLEGAL);
	return 0;
}

UTEST(r2_set_ring_refusals)
{
	uint64_t pid, cap;
	struct process_exit_info info;
	UASSERT_EQ(utest_create("r2_exit_42", NULL, 0, NULL, 0, &pid, &cap), E_OK);
	UASSERT_EQ(r2_set_ring(pid, 0), R2_INVALID_INPUT);
	UASSERT_EQ(r2_set_ring(pid, 3), R2_INVALID_INPUT);
	UASSERT_EQ(r2_set_ring(pid, 1ull << 32 | 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_set_ring(0, 1), R2_INVALID_INPUT);
	UASSERT_EQ(r2_set_ring(pid + 1000, 1), R2_INVALID_INPUT);
	UASSERT_EQ(sys_process_start(cap), E_OK);
	UASSERT_EQ(r2_set_ring(pid, 1), R2_INVALID_INPUT); /* started already */
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 42); /* ran in ring 3 */
	/* Once per child. */
	UASSERT_EQ(utest_create("r2_ring_child", NULL, 0, NULL, 0, &pid, &cap), E_OK);
	UASSERT_EQ(r2_set_ring(pid, 2), R2_OK);
	UASSERT_EQ(r2_set_ring(pid, 1), R2_INVALID_INPUT);
	UASSERT_EQ(sys_process_start(cap), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 200);
	/* Without an I/O port capability to grant, a process may not set rings. */
	UASSERT_EQ(utest_spawn("r2_set_ring_without_cap", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, R2_INVALID_INPUT);
	return 0;
}

UCHILD(r2_set_ring_without_cap)
{
	uint64_t pid, cap;
	struct process_exit_info info;
	if (utest_create("r2_exit_42", NULL, 0, NULL, 0, &pid, &cap))
		return 1;
	uint64_t rc = r2_set_ring(pid, 1);
	sys_process_start(cap);
	sys_process_wait(cap, 0, &info);
	return (int)rc;
}

/* In ring 1 or 2: exit code ring * 100 when all is as it should be, else the failing line. */
UCHILD(r2_ring_child)
{
	unsigned ring = r2_current_ring();
	if (ring != 1 && ring != 2)
		return __LINE__;
	SysInfo_T *si = (SysInfo_T *)aligned_buf;
	if (r2_call_ring(ring, R2_SYSINFO, R2_GET, (uintptr_t)si) != R2_OK ||
	    strcmp((const char *)si->system_name, "Kestrel"))
		return __LINE__;
	/* The other rings' gates answer InvalidSyscall. */
	if (R2_CALL_GATE(0x7f, R2_STOP, 0, 0) != R2_INVALID_SYSCALL ||
	    r2_call_ring(3 - ring, R2_STOP, 0, 0) != R2_INVALID_SYSCALL)
		return __LINE__;
	/* Native system calls work from here too (SYSCALL, out through iretq). */
	if (sys_thread_self() == 0 || sys_sleep(1000000) != E_OK)
		return __LINE__;
	/* The r2 heap appears in the ring's tables after the call mapped it. */
	char *b = (char *)(uintptr_t)r2_call_ring(ring, R2_MALLOC, 0, 4096);
	if (!b)
		return __LINE__;
	memset(b, 'r', 4096);
	if (b[4095] != 'r' || r2_call_ring(ring, R2_FREE, (uintptr_t)b, 0) != R2_OK)
		return __LINE__;
	/* So does memory from MMAP, a fresh region in a fresh part of the space. */
	void *m;
	if (sys_mmap(NULL, 8192, PROT_READ | PROT_WRITE, &m, NULL) != E_OK)
		return __LINE__;
	((volatile char *)m)[8191] = 1;
	if (sys_munmap(m, 8192) != E_OK)
		return __LINE__;
	/* No I/O port capability was granted: refused. */
	uint64_t *v = aligned_buf;
	if (r2_call_ring(ring, R2_PORT_IN, R2_PORT(0x61, 1), (uintptr_t)v) != R2_INVALID_INPUT)
		return __LINE__;
	/* FP state works (lazy switching through #NM from this ring). */
	volatile double x = 1.5;
	if (x * 2 != 3.0)
		return __LINE__;
	return (int)ring * 100;
}

UCHILD(r2_ring_reads_kernel)
{
	/* Inside the kernel's text, which the kernel's own tables map: not mapped here. */
	return (int)*(volatile uint64_t *)(KERNEL_ADDR + 0x110000);
}

UCHILD(r2_ring_reads_direct_map)
{
	/* Physical 64 MiB through the direct map (RAM on every tested shape). */
	return (int)*(volatile uint64_t *)(0xffff800000000000ul + 0x4000000);
}

static uint8_t r2_spin_stack[16384] __attribute__((aligned(16)));
static volatile unsigned long r2_spins;
static void r2_spinner(uintptr_t a)
{
	(void)a;
	for (;;) {
		r2_spins++;
		sys_yield();
	}
}

/*
 * Ring 1 lowers itself to ring 2 with iretq (allowed: a less privileged
 * ring), then spins until the tick preempts it (the other thread ran): it
 * must not come back to ring 2 on the full page tables, where the kernel
 * is supervisor memory. (A system call would not do: its frame records the
 * ring the thread was given.)
 */
UCHILD(r2_ring_lowers_itself)
{
	uint64_t tid, tcap;
	if (sys_thread_create(r2_spinner, r2_spin_stack, sizeof(r2_spin_stack), 0, 0, &tid, &tcap))
		return 1;
	uint64_t ss = 0x58 | 2, cs = 0x50 | 2;
	__asm__ volatile("movq %%rsp, %%rax\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:\n\t"
			 :
			 : [ss] "r"(ss), [cs] "r"(cs)
			 : "rax", "memory");
	if (r2_current_ring() != 2)
		return 2;
	unsigned long seen = r2_spins;
	for (unsigned long i = 0; r2_spins == seen; i++)
		if (i == 1ul << 32)
			return 4; /* never preempted */
	volatile uint64_t *dm = (volatile uint64_t *)(0xffff800000000000ul + 0x4000000);
	*dm = *dm; /* kernel memory: must never work */
	R2_CALL_GATE(0x7e, R2_EXIT, 0, 77);
	return 3;
}

UCHILD(r2_ring_writes_kernel_stack_area)
{
	/* The kernel's stacks area (mm/kvm.h): only our own stack is mapped, at its top. */
	*(volatile uint64_t *)(0xffffffff80000000ul - 0x80000000ul + 0x1000) = 1;
	return 0;
}

struct __attribute__((packed)) table_ptr {
	uint16_t limit;
	uint64_t base;
};

UCHILD(r2_ring_writes_idt)
{
	struct table_ptr idt;
	__asm__ volatile("sidt %0" : "=m"(idt));
	*(volatile uint64_t *)idt.base = 0; /* vector 0's gate */
	return 0;
}

UCHILD(r2_ring_writes_gdt)
{
	struct table_ptr gdt;
	__asm__ volatile("sgdt %0" : "=m"(gdt));
	*(volatile uint64_t *)(gdt.base + 8) = 0; /* the kernel's code segment */
	return 0;
}

UCHILD(r2_ring_writes_tss)
{
	struct table_ptr gdt;
	uint16_t tr;
	__asm__ volatile("sgdt %0" : "=m"(gdt));
	__asm__ volatile("str %0" : "=r"(tr));
	/* The 16-byte TSS descriptor: base 0..23 in bits 16..39, 24..31 in 56..63, 32..63 next. */
	const volatile uint64_t *d = (const uint64_t *)(gdt.base + (tr & ~7u));
	uint64_t lo = d[0], base = (lo >> 16 & 0xffffff) | (lo >> 56 & 0xff) << 24 | d[1] << 32;
	*(volatile uint64_t *)(base + 4) = 0x1000; /* rsp0: where the next trap would push */
	return 0;
}

UCHILD(r2_ring_writes_its_code)
{
	*(volatile uint8_t *)(uintptr_t)&utest_create = 0xcc;
	return 0;
}

UCHILD(r2_ring_port_instruction)
{
	uint8_t v;
	__asm__ volatile("inb $0x61, %0" : "=a"(v));
	return v;
}
