/*
 * The r2 gates: int 0x7d, 0x7e and 0x7f, each answered only for code
 * running in its ring (1, 2, 3); from any other ring the caller gets
 * R2_INVALID_SYSCALL in RAX and goes on. A call is decoded (numbers,
 * alignment, every pointer through mm/uaccess) before it acts, and leaves
 * every register but RAX as it was. See include/abi/r2.h and the README.
 */
#include "arch/hal/io.h"
#include "arch/hal/timer.h"
#include "cap/cap.h"
#include "config.h"
#include "arch/x86_64/console.h"
#include "core/console.h"
#include "core/hw.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "core/kthread.h"
#include "core/metrics.h"
#include "core/process.h"
#include "legacy.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "x86.h"

#define COM1	       0x3f8
#define R2_VGA_PHYS    0xa0000ul
#define R2_PRINT_CHUNK 256 /* bytes printed with interrupts off, at most */

typedef uint64_t (*r2_fn)(struct process *p, uint64_t a1, uint64_t a2);

static SysInfo_T sysinfo = {
    .system_name = KERNEL_NAME,
    .system_user = "root",
    .system_path = "/",
    .system_version = KERNEL_VERSION,
};

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

static bool aligned(uint64_t ptr)
{
	return (ptr & 7) == 0;
}

/* A pointer to a structure or word of `n` bytes: aligned, user memory, writable with `w`. */
static bool user_ok(struct process *p, uint64_t ptr, size_t n, bool w)
{
	return ptr && aligned(ptr) && user_range_ok(&p->vs, ptr, n, w) == E_OK;
}

static uint64_t r2_exit(struct process *p, uint64_t pid, uint64_t code)
{
	if (pid && pid != p->pid)
		return R2_INVALID_INPUT; /* only the caller itself */
	process_exit_self((int)code, EXIT_NORMAL, 0);
}

static uint64_t r2_sysinfo(struct process *p, uint64_t op, uint64_t ptr)
{
	SysInfo_T tmp;
	if ((op != R2_GET && op != R2_SET) || !user_ok(p, ptr, sizeof(tmp), op == R2_GET))
		return R2_INVALID_INPUT;
	if (op == R2_SET) {
		if (copy_from_user(&p->vs, &tmp, ptr, sizeof(tmp)))
			return R2_INVALID_INPUT;
		tmp.system_uptime = 0; /* the clock's, not the caller's */
		sysinfo = tmp;
		return R2_OK;
	}
	tmp = sysinfo;
	tmp.system_uptime = (uint32_t)(arch_time_ns() / 1000000000ull);
	return copy_to_user(&p->vs, ptr, &tmp, sizeof(tmp)) ? R2_INVALID_INPUT : R2_OK;
}

static uint64_t r2_rtc(struct process *p, uint64_t op, uint64_t ptr)
{
	RTC_T rtc;
	if (op != R2_GET || !user_ok(p, ptr, sizeof(rtc), true))
		return R2_INVALID_INPUT;
	cmos_rtc_read(&rtc);
	return copy_to_user(&p->vs, ptr, &rtc, sizeof(rtc)) ? R2_INVALID_INPUT : R2_OK;
}

static uint64_t r2_keyboard(struct process *p, uint64_t op, uint64_t ring)
{
	if (!user_ok(p, ring, sizeof(struct r2_kbd_ring), true))
		return R2_INVALID_INPUT;
	return kbd_call(p, op, ring);
}

static uint64_t r2_malloc(struct process *p, uint64_t reserved, uint64_t size)
{
	(void)reserved;
	return r2_heap_alloc(p, size);
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
 * To the VGA text screen (in text mode) and the serial console, a chunk at
 * a time, with interrupts let in between chunks: 64 KiB on a real 115200
 * baud UART takes seconds. Each chunk is copied afresh (another thread may
 * have unmapped the string meanwhile: InvalidInput, what went out stays
 * out); a thread whose process is ending stops printing.
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
		kprintf("%.*s", (int)n, chunk);
		vga_print(chunk, n);
		done += n;
	}
	return R2_OK;
}

static uint64_t r2_clear(struct process *p, uint64_t a1, uint64_t a2)
{
	(void)p, (void)a1, (void)a2;
	vga_clear();
	return R2_OK;
}

static uint64_t r2_pixel(struct process *p, uint64_t pos, uint64_t colour)
{
	(void)p;
	if (pos >> 32 || colour > 0xff)
		return R2_INVALID_INPUT;
	return vga_pixel(pos & 0xffff, (pos >> 16) & 0xffff, (uint8_t)colour);
}

/* Checks both buffers before the screen changes, then copies row by row. */
static uint64_t r2_mode13_buf(struct process *p, uint64_t buf, uint64_t pal)
{
	uint8_t row[R2_MODE13_W], rgb[768];
	if (vga_mode() != R2_MODE_13H || !buf ||
	    user_range_ok(&p->vs, buf, R2_MODE13_W * R2_MODE13_H, false) ||
	    (pal && user_range_ok(&p->vs, pal, sizeof(rgb), false)))
		return R2_INVALID_INPUT;
	if (pal && copy_from_user(&p->vs, rgb, pal, sizeof(rgb)))
		return R2_INVALID_INPUT;
	vga_palette(pal ? rgb : NULL);
	for (unsigned y = 0; y < R2_MODE13_H; y++) {
		if (copy_from_user(&p->vs, row, buf + y * R2_MODE13_W, sizeof(row)))
			return R2_INVALID_INPUT;
		vga_row(y, row);
	}
	return R2_OK;
}

/*
 * The VGA window's pages, uncached, user and writable, never executable: a
 * VM_PHYS region of the caller's space (never freed by it; the caller may
 * unmap it like any other region). The same address again while it is
 * there; 0 on failure, or when something else holds those addresses.
 */
static uint64_t r2_map_vga(struct process *p, uint64_t a1, uint64_t a2)
{
	const struct vm_region *r;
	if (a1 || a2)
		return 0;
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

static uint64_t r2_video_mode(struct process *p, uint64_t mode, uint64_t zero)
{
	(void)p, (void)zero;
	return vga_set_mode(mode);
}

static uint64_t r2_tone(struct process *p, uint64_t hz, uint64_t ms)
{
	return speaker_tone(p->pid, hz, ms);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * A Standard MIDI File's size, learnt from its chunk headers in user
 * memory: the MThd chunk (length 6), then as many chunks as it says
 * tracks, each an 8-byte header (type, big-endian length) and its data.
 * Every header is copied from the caller; false for a bad pointer, an
 * inconsistent header or more than R2_MIDI_MAX bytes in all. What the
 * chunks hold is midi_parse's to judge.
 */
static bool midi_size(struct process *p, uint64_t smf, uint64_t *size)
{
	uint8_t hdr[14];
	if (!smf || copy_from_user(&p->vs, hdr, smf, sizeof(hdr)) ||
	    be32(hdr) != 0x4d546864 /* "MThd" */ || be32(hdr + 4) != 6)
		return false;
	uint32_t tracks = (uint32_t)hdr[10] << 8 | hdr[11];
	if (!tracks || tracks > R2_MIDI_MAX_TRACKS)
		return false;
	uint64_t total = sizeof(hdr);
	for (uint32_t t = 0; t < tracks; t++) {
		if (total + 8 > R2_MIDI_MAX || copy_from_user(&p->vs, hdr, smf + total, 8))
			return false;
		total += 8 + (uint64_t)be32(hdr + 4);
		if (total > R2_MIDI_MAX)
			return false;
	}
	*size = total;
	return true;
}

/* Argument 2 is the file itself, as in rou2exOS; any alignment. */
static uint64_t r2_midi(struct process *p, uint64_t op, uint64_t smf)
{
	uint64_t size;
	if (op != R2_MIDI_PLAY || !midi_size(p, smf, &size) ||
	    user_range_ok(&p->vs, smf, size, false))
		return R2_INVALID_INPUT;
	uint8_t *copy = kmalloc(size);
	if (!copy)
		return R2_INVALID_INPUT;
	size_t n = 0;
	uint64_t rc = copy_from_user(&p->vs, copy, smf, size)
			  ? R2_INVALID_INPUT
			  : midi_parse(copy, size, speaker_buffer(), &n);
	kfree(copy);
	return rc ? rc : speaker_play_buffer(p->pid, n);
}

static uint64_t r2_stop(struct process *p, uint64_t a1, uint64_t a2)
{
	(void)p, (void)a1, (void)a2;
	speaker_stop();
	return R2_OK;
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

static bool port_decode(struct process *p, uint64_t id, uint64_t ptr, bool in, uint16_t *port,
			unsigned *width)
{
	uint64_t w = id >> 16;
	*port = (uint16_t)id;
	*width = (unsigned)w;
	return (w == 1 || w == 2 || w == 4) && user_ok(p, ptr, 8, in) &&
	       port_allowed(p, *port, w, in ? RIGHT_READ : RIGHT_WRITE);
}

static uint64_t r2_port_out(struct process *p, uint64_t id, uint64_t ptr)
{
	uint16_t port;
	unsigned width;
	uint64_t v;
	if (!port_decode(p, id, ptr, false, &port, &width) ||
	    copy_from_user(&p->vs, &v, ptr, sizeof(v)))
		return R2_INVALID_INPUT;
	uint32_t out = (uint32_t)v;
	arch_port_io(port, width, &out, 1); /* decoded: it cannot fail */
	return R2_OK;
}

static uint64_t r2_port_in(struct process *p, uint64_t id, uint64_t ptr)
{
	uint16_t port;
	unsigned width;
	if (!port_decode(p, id, ptr, true, &port, &width))
		return R2_INVALID_INPUT;
	uint32_t in = 0;
	arch_port_io(port, width, &in, 0);
	uint64_t v = in;
	return copy_to_user(&p->vs, ptr, &v, sizeof(v)) ? R2_INVALID_INPUT : R2_OK;
}

/* COM1 as the boot console programs it: 115200 baud, 8N1, FIFOs on, polled. */
static uint64_t r2_serial(struct process *p, uint64_t op, uint64_t ptr)
{
	uint64_t v;
	switch (op) {
	case R2_SERIAL_INIT:
		x86_64_console_reset();
		return R2_OK;
	case R2_SERIAL_READ: {
		/* From the console's input ring: the interrupt took the byte from the UART. */
		if (!user_ok(p, ptr, 8, true))
			return R2_INVALID_INPUT;
		int c = console_getc();
		if (c < 0)
			return R2_INVALID_INPUT; /* nothing waiting: the caller polls */
		v = (uint64_t)c;
		if (copy_to_user(&p->vs, ptr, &v, sizeof(v)) == 0)
			return R2_OK;
		return R2_INVALID_INPUT;
	}
	case R2_SERIAL_WRITE:
		if (!user_ok(p, ptr, 8, false) || copy_from_user(&p->vs, &v, ptr, sizeof(v)) ||
		    v > 0xff)
			return R2_INVALID_INPUT;
		for (unsigned spin = 0; spin < 1000000 && !(inb(COM1 + 5) & 0x20); spin++)
			;
		outb(COM1, (uint8_t)v);
		return R2_OK;
	default:
		return R2_INVALID_INPUT;
	}
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

/* The processes whose calls follow libcr2 (R2_CONV_LIBCR2); a slot of one that ended is free. */
#define LIBCR2_PROCS 32
static uint64_t libcr2_pids[LIBCR2_PROCS];
static unsigned libcr2_count;

bool r2_is_libcr2(uint64_t pid)
{
	for (unsigned i = 0; libcr2_count && i < LIBCR2_PROCS; i++)
		if (libcr2_pids[i] == pid)
			return true;
	return false;
}

uint64_t r2_set_convention(uint64_t pid, uint64_t conv)
{
	for (unsigned i = 0; i < LIBCR2_PROCS; i++)
		if (libcr2_pids[i] && (libcr2_pids[i] == pid || r2_process_gone(libcr2_pids[i]))) {
			libcr2_pids[i] = 0;
			libcr2_count--;
		}
	for (unsigned i = 0; conv == R2_CONV_LIBCR2 && i < LIBCR2_PROCS; i++)
		if (!libcr2_pids[i]) {
			libcr2_pids[i] = pid;
			libcr2_count++;
			return R2_OK;
		}
	return conv == R2_CONV_SEED ? R2_OK : R2_INVALID_INPUT; /* the table is full */
}

static uint64_t r2_convention(struct process *p, uint64_t pid, uint64_t conv)
{
	struct process *child = process_find(pid);
	if (conv > R2_CONV_LIBCR2 || !child || child->parent != p || child->state != P_NEW)
		return R2_INVALID_INPUT;
	return r2_set_convention(pid, conv);
}

static const r2_fn table[R2_SET_RING + 1] = {
    [R2_EXIT] = r2_exit,
    [R2_SYSINFO] = r2_sysinfo,
    [R2_RTC] = r2_rtc,
    [R2_KEYBOARD] = r2_keyboard,
    [R2_MALLOC] = r2_malloc,
    [R2_REALLOC] = r2_realloc,
    [R2_FREE] = r2_free,
    [R2_PRINT] = r2_print,
    [R2_CLEAR] = r2_clear,
    [R2_PIXEL] = r2_pixel,
    [R2_MODE13_BUF] = r2_mode13_buf,
    [R2_MAP_VGA] = r2_map_vga,
    [R2_VIDEO_MODE] = r2_video_mode,
    [R2_TONE] = r2_tone,
    [R2_MIDI] = r2_midi,
    [R2_STOP] = r2_stop,
    [R2_PORT_OUT] = r2_port_out,
    [R2_PORT_IN] = r2_port_in,
    [R2_SERIAL] = r2_serial,
    [R2_NET_FIRST... R2_NET_LAST] = r2_not_implemented,
    [R2_CONVENTION] = r2_convention,
    [R2_IO_TOKEN] = r2_io_token,
    [R2_SET_RING] = r2_ring,
};

void x86_r2_gate(struct trap_frame *tf)
{
	unsigned ring = (unsigned)(tf->cs & 3);
	struct process *p = process_current();
	uint64_t nr = p && r2_is_libcr2(p->pid) ? tf->rdx : tf->rax;
	bool file = nr >= R2_FILE_FIRST && nr <= R2_FILE_LAST;
	r2_fn fn = nr <= R2_SET_RING ? table[nr] : NULL;

	/* Vector 0x7d belongs to ring 1, 0x7e to ring 2, 0x7f to ring 3. */
	if (!p || ring == 0 || tf->vector - (R2_GATE_RING1 - 1) != ring || (!fn && !file)) {
		tf->rax = R2_INVALID_SYSCALL;
		return;
	}
	p->syscalls++;
	metrics.syscalls++;
	tf->rax = file ? r2_file_call(p, nr, tf->rdi, tf->rsi) : fn(p, tf->rdi, tf->rsi);
}
