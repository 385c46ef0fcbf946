/*
 * The r2 gates: int 0x7d, 0x7e and 0x7f, each answered only for code
 * running in its ring (1, 2, 3); from any other ring the caller gets
 * R2_INVALID_SYSCALL in RAX and goes on. A call is decoded (numbers,
 * every pointer through mm/uaccess) before it acts, and leaves
 * every register but RAX as it was. See include/abi/r2.h and the README.
 */
#include "arch/hal/io.h"
#include "arch/hal/timer.h"
#include "cap/cap.h"
#include "config.h"
#include "core/hw.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "core/kthread.h"
#include "core/metrics.h"
#include "core/process.h"
#include "include/abi/pcdev.h"
#include "ipc/file.h"
#include "legacy.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "x86.h"

#define R2_VGA_PHYS    0xa0000ul
#define R2_PRINT_CHUNK 256 /* bytes printed with interrupts off, at most */

typedef uint64_t (*r2_fn)(struct process *p, uint64_t a1, uint64_t a2);

static SysInfoIp_T sysinfo = {.info = {
				  .system_name = KERNEL_NAME,
				  .system_user = "root",
				  .system_path = "/",
				  .system_version = KERNEL_VERSION,
			      }};

bool r2_process_gone(uint64_t pid)
{
	const struct process *p = process_find(pid);
	return !p || p->state == P_ZOMBIE;
}

/* Are the caller's pages at R2_VGA_USER_VA the VGA window (not another device's)? */
static bool vga_mapped(struct process *p)
{
	for (uint64_t off = 0, pa; off < R2_VGA_SIZE; off += PAGE_SIZE)
		if (translate(&p->vs.pt, R2_VGA_USER_VA + off, &pa) || pa != R2_VGA_PHYS + off)
			return false;
	return true;
}

/* A pointer to a structure or word of `n` bytes (any alignment): user memory, writable with `w`. */
bool user_ok(struct process *p, uint64_t ptr, size_t n, bool w)
{
	return ptr && user_range_ok(&p->vs, ptr, n, w) == E_OK;
}

/* Argument 1 is ignored, as rou2exOS ignores it (libcr2 passes argc, gfxtest 0xff). */
static uint64_t r2_exit(struct process *p, uint64_t any, uint64_t code)
{
	(void)p, (void)any;
	process_exit_self((int)code, EXIT_NORMAL, 0);
}

/* The 116-byte SysInfo_T for libcr2 processes, the seed's 112 bytes for the others. */
static size_t sysinfo_size(const struct process *p)
{
	unsigned c = r2_convention_of(p->pid);
	return c & R2_CONV_LIBCR2 && !(c & R2_CONV_SYSINFO112) ? sizeof(SysInfoIp_T)
							       : sizeof(SysInfo_T);
}

static uint64_t r2_sysinfo(struct process *p, uint64_t op, uint64_t ptr)
{
	SysInfoIp_T tmp = sysinfo;
	size_t n = sysinfo_size(p);
	if ((op != R2_GET && op != R2_SET) || !user_ok(p, ptr, n, op == R2_GET))
		return R2_INVALID_INPUT;
	if (op == R2_SET) {
		if (copy_from_user(&p->vs, &tmp, ptr, n))
			return R2_INVALID_INPUT;
		tmp.info.system_uptime = 0; /* the clock's, not the caller's */
		sysinfo = tmp;
		return R2_OK;
	}
	tmp.info.system_uptime = (uint32_t)(arch_time_ns() / 1000000000ull);
	return copy_to_user(&p->vs, ptr, &tmp, n) ? R2_INVALID_INPUT : R2_OK;
}

void r2_set_cwd(const char *path, size_t len, uint32_t cluster)
{
	SysInfo_T *i = &sysinfo.info;
	memset(i->system_path, 0, sizeof(i->system_path));
	memcpy(i->system_path, path,
	       len < sizeof(i->system_path) ? len : sizeof(i->system_path) - 1);
	i->system_path_cluster = cluster;
}

/* Block the calling thread for `ms` (interrupts off, as in every gate); false if it is killed. */
bool r2_wait_ms(uint64_t ms)
{
	if (ms)
		(void)kthread_block(BLOCK_SLEEP, ms * 1000000ull);
	return !kthread_current()->killed;
}

static uint64_t r2_ticks(struct process *p, uint64_t a1, uint64_t a2)
{
	(void)p, (void)a1, (void)a2;
	return arch_time_ns() / 1000000ull;
}

static uint64_t r2_sleep(struct process *p, uint64_t ms, uint64_t a2)
{
	(void)p, (void)a2;
	if (ms > R2_SLEEP_MAX_MS)
		return R2_INVALID_INPUT;
	r2_wait_ms(ms);
	return R2_OK;
}

/* The CMOS driver's date, in its reply (nothing of the caller's is lent), to the caller's RTC_T. */
static uint64_t r2_rtc(struct process *p, uint64_t op, uint64_t ptr)
{
	RTC_T rtc;
	if (op != R2_GET || !user_ok(p, ptr, sizeof(rtc), true))
		return R2_INVALID_INPUT;
	const struct fwd_buf none[2] = {{0}, {0}};
	uint64_t out[3];
	uint64_t rc = r2_dev_call(PCDEV_RTC_NAME, PCDEV_RTC_GET, 0, 0, none, out);
	if (rc != R2_OK)
		return rc;
	memcpy(&rtc, &out[1], sizeof(rtc));
	return copy_to_user(&p->vs, ptr, &rtc, sizeof(rtc)) ? R2_INVALID_INPUT : R2_OK;
}

/*
 * A libcr2 process's buffer: byte 0 written (polled), and R2_KBD_READ's 16
 * bytes; the seed's: Kestrel's ring.
 */
static uint64_t r2_keyboard(struct process *p, uint64_t op, uint64_t buf)
{
	bool cr2 = r2_is_libcr2(p->pid);
	size_t n = !cr2 ? sizeof(struct r2_kbd_ring) : op == R2_KBD_READ ? R2_KBD_READ_BYTES : 1;
	if (!user_ok(p, buf, n, true))
		return R2_INVALID_INPUT;
	return kbd_call(p, op, buf, cr2);
}

/* (size, 0) as libcr2 calls it, or the seed's (0, size). */
static uint64_t r2_malloc(struct process *p, uint64_t a1, uint64_t a2)
{
	return r2_heap_alloc(p, a2 ? a2 : a1);
}

static uint64_t r2_realloc(struct process *p, uint64_t addr, uint64_t size)
{
	return r2_heap_realloc(p, addr, size);
}

static uint64_t r2_free(struct process *p, uint64_t addr, uint64_t zero)
{
	(void)zero;
	return r2_heap_free(p, addr);
}

/*
 * The gates are interrupt gates: a call runs with interrupts off, the
 * kernel's lock. A long one opens them for an instant between its steps,
 * where it holds nothing the rest of the kernel could change: a pending
 * tick or IRQ is taken, and the tick may run other threads meanwhile
 * (sti takes effect after the next instruction, hence the nop).
 */
static void let_interrupts_in(void)
{
	__asm__ volatile("sti\n\tnop\n\tcli" : : : "memory");
}

/*
 * To the serial console and the VGA text screen (the VGA driver draws it,
 * in text mode only; with console=vga the console's own copy is the
 * screen's), a chunk at a time, with interrupts let in between chunks: 64
 * KiB on a real 115200 baud UART takes seconds. Each chunk is copied
 * afresh (another thread may have unmapped the string meanwhile:
 * InvalidInput, what went out stays out); a thread whose process is
 * ending stops printing. A NUL ends the string (libcr2 counts its
 * terminator in the length), nothing after it is printed. The screen
 * missing (no VGA driver runs) is no error: the console had the text.
 */
static uint64_t r2_print(struct process *p, uint64_t str, uint64_t len)
{
	char chunk[R2_PRINT_CHUNK];
	if (len > R2_PRINT_MAX || (len && user_range_ok(&p->vs, str, len, false)))
		return R2_INVALID_INPUT;
	for (uint64_t done = 0; done < len;) {
		if (done) {
			let_interrupts_in();
			if (kthread_current()->killed)
				return R2_INVALID_INPUT; /* never seen: it dies on its way out */
		}
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if (copy_from_user(&p->vs, chunk, str + done, n))
			return R2_INVALID_INPUT;
		size_t end = strnlen(chunk, n);
		kprintf("%.*s", (int)end, chunk);
		if (!vgacon_on && end) {
			const struct fwd_buf b[2] = {{.va = str + done, .len = end}, {0}};
			uint64_t out[3];
			(void)r2_dev_call(PCDEV_VGA_NAME, PCDEV_VGA_PRINT, 0, 0, b, out);
		}
		if (end < n)
			break;
		done += n;
	}
	return R2_OK;
}

/* A call on the VGA driver that lends nothing. */
static uint64_t vga_call(uint64_t op, uint64_t a1, uint64_t a2, uint64_t out[3])
{
	const struct fwd_buf none[2] = {{0}, {0}};
	return r2_dev_call(PCDEV_VGA_NAME, op, a1, a2, none, out);
}

static uint64_t r2_clear(struct process *p, uint64_t a1, uint64_t a2)
{
	uint64_t out[3];
	(void)p, (void)a1, (void)a2;
	vga_console_clear(); /* the console's cursor home too */
	return vga_call(PCDEV_VGA_CLEAR, 0, 0, out);
}

/* x << 16 | y and an RGB colour, as rou2exOS and libcr2 have them (the driver decodes them). */
static uint64_t r2_pixel(struct process *p, uint64_t pos, uint64_t rgb)
{
	uint64_t out[3];
	(void)p;
	if (pos >> 32 || rgb > 0xffffff)
		return R2_INVALID_INPUT;
	return vga_call(PCDEV_VGA_PIXEL, pos, rgb, out);
}

/*
 * Both buffers lent, so checked before the screen changes: to the
 * framebuffer's driver when there is one (any VGA mode: indices through
 * the palette, stretched over the screen), else to the VGA driver, which
 * copies it in mode 13h only.
 */
static uint64_t r2_mode13_buf(struct process *p, uint64_t buf, uint64_t pal)
{
	FBInfo_T fi;
	const struct fwd_buf b[2] = {{.va = buf, .len = R2_MODE13_W * R2_MODE13_H},
				     {.va = pal, .len = pal ? 768 : 0}};
	uint64_t out[3];
	if (!buf || !user_ok(p, buf, b[0].len, false) || (pal && !user_ok(p, pal, b[1].len, false)))
		return R2_INVALID_INPUT;
	if (fb_info(&fi))
		return r2_dev_call(PCDEV_FB_NAME, PCDEV_FB_FRAME, fb_geometry(), 0, b, out);
	return r2_dev_call(PCDEV_VGA_NAME, PCDEV_VGA_FRAME, 0, 0, b, out);
}

/*
 * The VGA window's pages, uncached, user and writable, never executable: a
 * VM_PHYS region of the caller's space (never freed by it; the caller may
 * unmap it like any other region). The same address again while it is
 * there; 0 on failure, or when something else holds those addresses.
 */
static uint64_t map_vga(struct process *p)
{
	const struct vm_region *r;
	(void)vga_window(); /* the kernel's mapping, which copies through the direct map use */
	for (uintptr_t va = R2_VGA_USER_VA; va < R2_VGA_USER_VA + R2_VGA_SIZE; va += PAGE_SIZE)
		if ((r = vmspace_region(&p->vs, va)) != NULL)
			return r->kind == VM_PHYS && r->start <= R2_VGA_USER_VA &&
				       r->end >= R2_VGA_USER_VA + R2_VGA_SIZE && vga_mapped(p)
				   ? R2_VGA_USER_VA
				   : 0;
	return vmspace_map_phys(&p->vs, R2_VGA_USER_VA, R2_VGA_PHYS, R2_VGA_SIZE,
				PTE_WRITABLE | PTE_NO_EXECUTE | PTE_CACHE_DISABLE)
		   ? 0
		   : R2_VGA_USER_VA;
}

/* (0, 0): the address in RAX (the seed's); (0, uint64_t *): written there, RAX 0 (rou2exOS's). */
static uint64_t r2_map_vga(struct process *p, uint64_t a1, uint64_t out)
{
	if (a1)
		return out ? R2_INVALID_INPUT : 0;
	if (!out)
		return map_vga(p);
	if (!user_ok(p, out, sizeof(uint64_t), true))
		return R2_INVALID_INPUT;
	uint64_t va = map_vga(p);
	return !va || copy_to_user(&p->vs, out, &va, sizeof(va)) ? R2_INVALID_INPUT : R2_OK;
}

/*
 * With a linear framebuffer (GRUB's, ci/boot --framebuffer): its size, bpp
 * 32. Without one (VGA only, every -kernel boot): 1, as rou2exOS answers then.
 */
static uint64_t r2_fb_info(struct process *p, uint64_t info, uint64_t a2)
{
	FBInfo_T fi;
	(void)a2;
	if (!user_ok(p, info, sizeof(FBInfo_T), true))
		return R2_INVALID_INPUT;
	if (!fb_info(&fi))
		return 1;
	return copy_to_user(&p->vs, info, &fi, sizeof(fi)) ? R2_INVALID_INPUT : R2_OK;
}

/*
 * A frame of 0x00RRGGBB pixels: (pixels, 0) the framebuffer's own size;
 * (pixels, w << 16 | h) w x h of them (1..4096 each), stretched over it
 * (nearest). The whole source is lent to the framebuffer's driver, so it
 * is checked before the screen changes.
 */
static uint64_t r2_blit(struct process *p, uint64_t pixels, uint64_t dims)
{
	FBInfo_T fi;
	if (!fb_info(&fi))
		return user_ok(p, pixels, 4, false) ? 1 : R2_INVALID_INPUT;
	uint64_t w = fi.width, h = fi.height, out[3];
	if (dims) {
		w = dims >> 16 & 0xffff, h = dims & 0xffff;
		if (dims >> 32 || !w || !h || w > FB_MAX_DIM || h > FB_MAX_DIM)
			return R2_INVALID_INPUT;
	}
	const struct fwd_buf b[2] = {{.va = pixels, .len = w * h * 4}, {0}};
	if (!user_ok(p, pixels, b[0].len, false))
		return R2_INVALID_INPUT;
	return r2_dev_call(PCDEV_FB_NAME, PCDEV_FB_BLIT, fb_geometry(), dims, b, out);
}

/* The text font's glyphs, 16 bytes each, as many whole ones as fit (256 at most): the driver's. */
static uint64_t r2_font(struct process *p, uint64_t buf, uint64_t size)
{
	size_t n = size < 256 * 16 ? (size_t)size / 16 * 16 : 256 * 16;
	if (!n || !user_ok(p, buf, n, true))
		return 0;
	const struct fwd_buf b[2] = {{0}, {.va = buf, .len = n, .writable = true}};
	uint64_t out[3];
	return r2_dev_call(PCDEV_VGA_NAME, PCDEV_VGA_FONT, 0, 0, b, out) == 16 ? 16 : 0;
}

/* The driver sets the mode; the console learns it (it draws in text mode only). */
static uint64_t r2_video_mode(struct process *p, uint64_t mode, uint64_t zero)
{
	uint64_t out[3];
	(void)p, (void)zero;
	if (mode != R2_MODE_TEXT && mode != R2_MODE_0DH && mode != R2_MODE_12H &&
	    mode != R2_MODE_13H)
		return R2_INVALID_INPUT; /* decoded here first, driver or not */
	uint64_t rc = vga_call(PCDEV_VGA_MODE, mode, 0, out);
	if (rc == R2_OK)
		vga_console_mode(out[1]);
	return rc;
}

/* Does `p` hold an I/O port capability with `right` covering [port, port + width)? */
static bool port_allowed(struct process *p, uint64_t port, uint64_t width, uint32_t right)
{
	struct capability c;
	for (uint32_t cursor = 0; cap_next(&p->caps, OBJ_IO_PORTS, &cursor, &c) == E_OK;) {
		if ((c.rights & right) && port >= c.object_id &&
		    port + width <= c.object_id + c.extent)
			return !hw_ports_are_kernel((uint32_t)port, (uint32_t)width);
	}
	return false;
}

/*
 * The seed's (port | width << 16, uint64_t *) or libcr2's (uint16_t *,
 * uint32_t *, a byte access): a port argument of R2_PORT_PTR_MIN and above
 * is a pointer. For out, *value is read here; both forms checked whole.
 */
static bool port_decode(struct process *p, uint64_t id, uint64_t ptr, bool in, uint16_t *port,
			unsigned *width, uint32_t *value)
{
	uint64_t v = 0;
	size_t vsize = sizeof(uint64_t);
	if (id >= R2_PORT_PTR_MIN) {
		if (!user_ok(p, id, sizeof(*port), false) ||
		    copy_from_user(&p->vs, port, id, sizeof(*port)))
			return false;
		*width = 1;
		vsize = sizeof(uint32_t);
	} else {
		*port = (uint16_t)id;
		*width = (unsigned)(id >> 16);
		if (*width != 1 && *width != 2 && *width != 4)
			return false;
	}
	if (!user_ok(p, ptr, vsize, in) ||
	    !port_allowed(p, *port, *width, in ? RIGHT_READ : RIGHT_WRITE))
		return false;
	if (!in && copy_from_user(&p->vs, &v, ptr, vsize))
		return false;
	*value = (uint32_t)v;
	return in || vsize == sizeof(uint64_t) || v <= 0xff;
}

static uint64_t r2_port_out(struct process *p, uint64_t id, uint64_t ptr)
{
	uint16_t port;
	unsigned width;
	uint32_t out;
	if (!port_decode(p, id, ptr, false, &port, &width, &out))
		return R2_INVALID_INPUT;
	arch_port_io(port, width, &out, 1); /* decoded: it cannot fail */
	return R2_OK;
}

static uint64_t r2_port_in(struct process *p, uint64_t id, uint64_t ptr)
{
	uint16_t port;
	unsigned width;
	uint32_t in = 0;
	if (!port_decode(p, id, ptr, true, &port, &width, &in))
		return R2_INVALID_INPUT;
	arch_port_io(port, width, &in, 0);
	uint64_t v = in;
	return copy_to_user(&p->vs, ptr, &v, id >= R2_PORT_PTR_MIN ? sizeof(in) : sizeof(v))
		   ? R2_INVALID_INPUT
		   : R2_OK;
}

/*
 * COM2, the pcuart driver's (include/abi/pcdev.h; COM1 is the kernel's
 * console): decoded here, the byte or the read's result in the call's
 * words, nothing lent. The byte to write is itself (<= 0xff, as libcr2
 * passes it) or behind a pointer (the seed's; never below a page); a read
 * lands in the caller's uint32_t (the seed's u64 holds it in its low half).
 */
static uint64_t r2_serial(struct process *p, uint64_t op, uint64_t ptr)
{
	const struct fwd_buf none[2] = {{0}, {0}};
	uint64_t out[3], byte = ptr;
	uint32_t w;
	if (op != R2_SERIAL_INIT && op != R2_SERIAL_READ && op != R2_SERIAL_WRITE)
		return R2_INVALID_INPUT;
	if (op == R2_SERIAL_READ && !user_ok(p, ptr, sizeof(w), true))
		return R2_INVALID_INPUT;
	if (op == R2_SERIAL_WRITE && ptr > 0xff) {
		if (!user_ok(p, ptr, sizeof(w), false) ||
		    copy_from_user(&p->vs, &w, ptr, sizeof(w)) || w > 0xff)
			return R2_INVALID_INPUT;
		byte = w;
	}
	uint64_t dev_op = op == R2_SERIAL_INIT	 ? PCDEV_SERIAL_INIT
			  : op == R2_SERIAL_READ ? PCDEV_SERIAL_READ
						 : PCDEV_SERIAL_WRITE;
	uint64_t rc =
	    r2_dev_call(PCDEV_SERIAL_NAME, dev_op, op == R2_SERIAL_WRITE ? byte : 0, 0, none, out);
	if (rc != R2_OK || op != R2_SERIAL_READ)
		return rc;
	w = (uint32_t)(out[1] & 0xff);
	return copy_to_user(&p->vs, ptr, &w, sizeof(w)) ? R2_INVALID_INPUT : R2_OK;
}

/*
 * The big-endian 16-bit word at ptr + off (a length of the caller's
 * packet), or -1 when it is not the caller's.
 */
static int64_t user_be16(struct process *p, uint64_t ptr, size_t off)
{
	uint8_t b[2];
	if (!user_ok(p, ptr, off + sizeof(b), false) ||
	    copy_from_user(&p->vs, b, ptr + off, sizeof(b)))
		return -1;
	return b[0] << 8 | b[1];
}

/* The total length of the caller's IPv4 packet at ptr, or -1 if shorter than a header. */
static int64_t user_ipv4_len(struct process *p, uint64_t ptr)
{
	int64_t n = user_be16(p, ptr, 2);
	return n >= 20 ? n : -1;
}

/*
 * r2's SLIP network (include/abi/r2.h, R2_CRAFT_IPV4), COM2's driver's:
 * the gate finds how long the caller's packet is (an IPv4 header's total
 * length, the TCP request's data length), checks those bytes are the
 * caller's and lends them; the driver checks the packet and builds it.
 */
static uint64_t r2_packet(struct process *p, uint64_t type, uint64_t ptr)
{
	int64_t n = -1;
	switch (type) {
	case R2_CRAFT_IPV4:
		n = user_ipv4_len(p, ptr);
		break;
	case R2_CRAFT_ICMP:
		n = R2_ICMP_ECHO_LEN;
		break;
	case R2_CRAFT_TCP:
		n = user_be16(p, ptr, offsetof(struct r2_tcp_request, length));
		n = n >= 0 ? (n & 0xff) << 8 | n >> 8 : -1; /* little-endian, that one */
		n = n >= 0 && n <= R2_TCP_DATA_MAX ? (int64_t)sizeof(struct r2_tcp_request) + n
						   : -1;
		break;
	}
	if (n < 0 || n > R2_PACKET_MAX || !user_ok(p, ptr, (size_t)n, true))
		return R2_INVALID_INPUT;
	const struct fwd_buf b[2] = {{0}, {ptr, (size_t)n, true}};
	uint64_t out[3];
	return r2_dev_call(PCDEV_SERIAL_NAME, PCDEV_SERIAL_CRAFT, type, 0, b, out);
}

static uint64_t r2_send(struct process *p, uint64_t type, uint64_t ptr)
{
	if (type == R2_SEND_ETHERNET)
		return R2_NOT_IMPLEMENTED; /* the network's, when it comes */
	int64_t n = type == R2_SEND_IPV4 ? user_ipv4_len(p, ptr) : -1;
	if (n < 0 || n > R2_PACKET_MAX || !user_ok(p, ptr, (size_t)n, false))
		return R2_INVALID_INPUT;
	const struct fwd_buf b[2] = {{ptr, (size_t)n, false}, {0}};
	uint64_t out[3];
	return r2_dev_call(PCDEV_SERIAL_NAME, PCDEV_SERIAL_SEND, 0, 0, b, out);
}

static uint64_t r2_not_implemented(struct process *p, uint64_t a1, uint64_t a2)
{
	(void)p, (void)a1, (void)a2;
	return R2_NOT_IMPLEMENTED;
}

/* The first I/O port capability the caller holds, so it can grant or derive it; 0 if none. */
static uint64_t r2_io_token(struct process *p, uint64_t a1, uint64_t a2)
{
	struct capability c;
	uint32_t cursor = 0;
	if (a1 || a2)
		return 0;
	return cap_next(&p->caps, OBJ_IO_PORTS, &cursor, &c) == E_OK ? c.token : 0;
}

static uint64_t r2_ring(struct process *p, uint64_t pid, uint64_t ring)
{
	return r2_set_ring(p, pid, ring);
}

/* The processes with a convention other than the seed's; a slot of one that ended is free. */
#define CONV_PROCS 32
static struct {
	uint64_t pid;
	unsigned conv;
} convs[CONV_PROCS];
static unsigned conv_count;

unsigned r2_convention_of(uint64_t pid)
{
	for (unsigned i = 0; conv_count && i < CONV_PROCS; i++)
		if (convs[i].pid == pid)
			return convs[i].conv;
	return R2_CONV_SEED;
}

bool r2_is_libcr2(uint64_t pid)
{
	return r2_convention_of(pid) & R2_CONV_LIBCR2;
}

uint64_t r2_set_convention(uint64_t pid, uint64_t conv)
{
	for (unsigned i = 0; i < CONV_PROCS; i++)
		if (convs[i].pid && (convs[i].pid == pid || r2_process_gone(convs[i].pid))) {
			convs[i].pid = 0;
			conv_count--;
		}
	for (unsigned i = 0; conv != R2_CONV_SEED && i < CONV_PROCS; i++)
		if (!convs[i].pid) {
			convs[i].pid = pid;
			convs[i].conv = (unsigned)conv;
			conv_count++;
			return R2_OK;
		}
	return conv == R2_CONV_SEED ? R2_OK : R2_INVALID_INPUT; /* the table is full */
}

static uint64_t r2_convention(struct process *p, uint64_t pid, uint64_t conv)
{
	struct process *child = process_find(pid);
	if (!R2_CONV_VALID(conv) || !child || child->parent != p || child->state != P_NEW)
		return R2_INVALID_INPUT;
	return r2_set_convention(pid, conv);
}

static const r2_fn table[R2_HEAP_CONTAINS + 1] = {
    [R2_EXIT] = r2_exit,
    [R2_SYSINFO] = r2_sysinfo,
    [R2_RTC] = r2_rtc,
    [R2_KEYBOARD] = r2_keyboard,
    [R2_TICKS] = r2_ticks,
    [R2_SLEEP] = r2_sleep,
    [R2_MALLOC] = r2_malloc,
    [R2_REALLOC] = r2_realloc,
    [R2_FREE] = r2_free,
    [R2_PRINT] = r2_print,
    [R2_CLEAR] = r2_clear,
    [R2_PIXEL] = r2_pixel,
    [R2_MODE13_BUF] = r2_mode13_buf,
    [R2_MAP_VGA] = r2_map_vga,
    [R2_VIDEO_MODE] = r2_video_mode,
    [R2_FB_INFO] = r2_fb_info,
    [R2_BLIT] = r2_blit,
    [R2_FONT] = r2_font,
    [R2_TONE] = r2_tone,
    [R2_MIDI] = r2_midi,
    [R2_STOP] = r2_stop,
    [R2_TASKS] = r2_tasks,
    [R2_PORT_OUT] = r2_port_out,
    [R2_PORT_IN] = r2_port_in,
    [R2_SERIAL] = r2_serial,
    [R2_PACKET] = r2_packet,
    [R2_SEND] = r2_send,
    [R2_NET_FIRST... R2_NET_LAST] = r2_not_implemented,
    [R2_KILL] = r2_kill,
    [R2_MEMINFO] = r2_meminfo,
    [R2_CONVENTION] = r2_convention,
    [R2_IO_TOKEN] = r2_io_token,
    [R2_SET_RING] = r2_ring,
    [R2_HEAP_CONTAINS] = r2_heap_has,
};

void x86_r2_gate(struct trap_frame *tf)
{
	unsigned ring = (unsigned)(tf->cs & 3);
	struct process *p = process_current();
	unsigned conv = p ? r2_convention_of(p->pid) : R2_CONV_SEED;
	uint64_t nr = conv & R2_CONV_LIBCR2 && !(conv & R2_CONV_RAX) ? tf->rdx : tf->rax;
	bool file = R2_IS_FILE_CALL(nr);
	r2_fn fn = nr <= R2_HEAP_CONTAINS ? table[nr] : NULL;

	/* Vector 0x7d belongs to ring 1, 0x7e to ring 2, 0x7f to ring 3. */
	if (!p || ring == 0 || tf->vector - (R2_GATE_RING1 - 1) != ring || (!fn && !file)) {
		tf->rax = R2_INVALID_SYSCALL;
		return;
	}
	p->syscalls++;
	metrics.syscalls++;
	tf->rax = file ? r2_file_call(p, nr, tf->rdi, tf->rsi) : fn(p, tf->rdi, tf->rsi);
}
