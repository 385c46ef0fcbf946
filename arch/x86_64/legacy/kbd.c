/*
 * The r2 keyboard calls over the scancodes of the PS/2 keyboard, which its
 * user-space driver (drivers/pc/kbd.c) reads and hands the kernel
 * (SYS_KEYBOARD_INPUT, arch_keyboard_input): the kernel touches no port of
 * the keyboard's. Scancodes are queued in the kernel while a process holds
 * the keyboard (else they are the VGA console's, when it is on, or
 * dropped); for a seed process R2_KBD_READ moves them into the registered
 * ring in the caller's memory. A libcr2 process polls byte 0 of its
 * buffer, as rou2exOS writes each scancode there: the next one goes there,
 * from the interrupt or the tick, once the program has taken the last (set
 * byte 0 back to 0), the rest waiting in order (a queue of their own);
 * its R2_KBD_READ copies up to 16 of the main queue into another buffer.
 * One process at a time holds the keyboard; a dead holder's registration
 * lapses (a zombie not yet reaped is dead).
 */
#include "arch/hal/io.h"
#include "arch/hal/irq.h"
#include "core/process.h"
#include "include/abi/error.h"
#include "legacy.h"
#include "mm/uaccess.h"

#define ISA_IRQ_KEYBOARD 1
#define QUEUE		 256

static uint64_t holder;	      /* pid with a registered ring, 0 for none */
static uintptr_t holder_ring; /* its user address */
static bool holder_cr2;	      /* a libcr2 buffer: byte 0 written */
static uint8_t queue[QUEUE];
static unsigned q_head, q_tail; /* free-running; q_head - q_tail bytes queued */
static uint64_t dropped;
static uint8_t pushq[QUEUE]; /* a libcr2 holder's scancodes not yet in byte 0 */
static unsigned p_head, p_tail;

static bool console; /* vgacon's: unheld scancodes typed */

void kbd_console(bool on)
{
	console = on;
}

static bool holder_alive(void)
{
	if (holder && r2_process_gone(holder))
		holder = 0; /* ended without unregistering */
	return holder != 0;
}

/* The next scancode into byte 0 of a libcr2 holder's buffer, if the last was taken. */
static void push(void)
{
	struct process *p;
	uint8_t b0;
	if (!holder_cr2 || p_head == p_tail || !holder_alive() || !(p = process_find(holder)) ||
	    copy_from_user(&p->vs, &b0, holder_ring, 1) || b0)
		return;
	if (copy_to_user(&p->vs, holder_ring, &pushq[p_tail % QUEUE], 1) == 0)
		p_tail++;
}

void kbd_tick(void)
{
	push();
}

int arch_keyboard_line(unsigned *line)
{
	unsigned flags;
	*line = arch_irq_isa(ISA_IRQ_KEYBOARD, &flags);
	return *line == IRQ_NONE ? E_NOT_SUPPORTED : E_OK;
}

void arch_keyboard_input(const uint8_t *codes, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t sc = codes[i];
		if (!holder_alive()) { /* nobody's, or the console's (a holder that ended lapses) */
			if (console)
				vgacon_key(sc);
			continue;
		}
		if (q_head - q_tail == QUEUE)
			dropped++;
		else
			queue[q_head++ % QUEUE] = sc;
		if (holder_cr2 && p_head - p_tail < QUEUE)
			pushq[p_head++ % QUEUE] = sc;
	}
	push();
}

/* Move queued scancodes into the ring at `ring`; the count moved. */
static uint64_t drain(struct process *p, uintptr_t ring)
{
	struct r2_kbd_ring hdr;
	if (copy_from_user(&p->vs, &hdr, ring, offsetof(struct r2_kbd_ring, data)))
		return R2_INVALID_INPUT;
	uint64_t moved = 0;
	while (q_head != q_tail && hdr.head - hdr.tail < R2_KBD_RING_SIZE) {
		uint8_t sc = queue[q_tail++ % QUEUE];
		if (copy_to_user(&p->vs,
				 ring + offsetof(struct r2_kbd_ring, data) +
				     hdr.head % R2_KBD_RING_SIZE,
				 &sc, 1))
			return R2_INVALID_INPUT;
		hdr.head++;
		moved++;
	}
	hdr.dropped = dropped;
	if (copy_to_user(&p->vs, ring, &hdr.head, sizeof(hdr.head)) ||
	    copy_to_user(&p->vs, ring + offsetof(struct r2_kbd_ring, dropped), &hdr.dropped,
			 sizeof(hdr.dropped)))
		return R2_INVALID_INPUT;
	return moved;
}

/* A libcr2 read: up to 16 queued scancodes into `buf`, then a 0 if fewer. */
static uint64_t drain_bytes(struct process *p, uintptr_t buf)
{
	uint8_t b[R2_KBD_READ_BYTES] = {0};
	unsigned n = 0;
	while (q_head != q_tail && n < sizeof(b))
		b[n++] = queue[q_tail++ % QUEUE];
	return copy_to_user(&p->vs, buf, b, n < sizeof(b) ? n + 1 : n) ? R2_INVALID_INPUT : R2_OK;
}

uint64_t kbd_call(struct process *p, uint64_t op, uintptr_t ring, bool libcr2)
{
	switch (op) {
	case R2_KBD_REGISTER:
		if (holder_alive() && holder != p->pid)
			return R2_INVALID_INPUT; /* someone else has the keyboard */
		holder = p->pid;
		holder_ring = ring;
		holder_cr2 = libcr2;
		q_head = q_tail = p_head = p_tail = 0; /* what came before is not this holder's */
		dropped = 0;
		return R2_OK;
	case R2_KBD_UNREGISTER:
		if (holder != p->pid || holder_ring != ring)
			return R2_INVALID_INPUT;
		holder = 0;
		return R2_OK;
	case R2_KBD_READ:
		if (libcr2)
			return holder == p->pid ? drain_bytes(p, ring) : R2_INVALID_INPUT;
		if (holder != p->pid || holder_ring != ring)
			return R2_INVALID_INPUT;
		return drain(p, ring);
	default:
		return R2_INVALID_INPUT;
	}
}
