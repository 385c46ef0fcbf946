/*
 * The PS/2 keyboard on ISA IRQ 1: its GSI through the I/O APIC, or line 1
 * of the master 8259 when there is no I/O APIC (irq.c chooses; this line
 * is never the portable dispatch's). It is unmasked only while a process
 * has a buffer registered. The interrupt handler queues scancodes in the
 * kernel; for a seed process R2_KBD_READ moves them into the registered
 * ring in the caller's memory. A libcr2 process polls byte 0 of its
 * buffer, as rou2exOS writes each scancode there: the next one goes there,
 * from the interrupt or the tick, once the program has taken the last (set
 * byte 0 back to 0), the rest waiting in order (a queue of their own);
 * its R2_KBD_READ copies up to 16 of the main queue into another buffer.
 * One process at a time holds the keyboard; a dead holder's registration
 * lapses (a zombie not yet reaped is dead), and IRQ1 is masked again.
 */
#include "core/process.h"
#include "irq.h"
#include "legacy.h"
#include "mm/uaccess.h"
#include "x86.h"

#define PS2_DATA   0x60
#define PS2_STATUS 0x64
#define PS2_OBF	   0x01 /* output buffer full: a byte to read */
#define QUEUE	   256

static uint64_t holder;	      /* pid with a registered ring, 0 for none */
static uintptr_t holder_ring; /* its user address */
static bool holder_cr2;	      /* a libcr2 buffer: byte 0 written */
static uint8_t queue[QUEUE];
static unsigned q_head, q_tail; /* free-running; q_head - q_tail bytes queued */
static uint64_t dropped;
static uint8_t pushq[QUEUE]; /* a libcr2 holder's scancodes not yet in byte 0 */
static unsigned p_head, p_tail;

static bool console; /* vgacon's: unmasked always, unheld scancodes typed */

static void irq1_mask(bool masked)
{
	x86_64_kbd_mask(masked && !console);
}

void kbd_console(bool on)
{
	console = on;
	irq1_mask(!on);
}

static bool holder_alive(void)
{
	if (holder && r2_process_gone(holder)) {
		holder = 0; /* ended without unregistering */
		irq1_mask(true);
	}
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

void x86_r2_keyboard_irq(void)
{
	/* Read even when nobody listens: the controller sends nothing more until we do. */
	for (unsigned i = 0; i < 16 && (inb(PS2_STATUS) & PS2_OBF); i++) {
		uint8_t sc = inb(PS2_DATA);
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
	x86_64_kbd_eoi();
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
		q_head = q_tail = p_head = p_tail = 0;
		dropped = 0;
		/* Stale bytes from before; bounded, as an absent controller reads all ones. */
		for (unsigned i = 0; i < 64 && (inb(PS2_STATUS) & PS2_OBF); i++)
			(void)inb(PS2_DATA);
		irq1_mask(false);
		return R2_OK;
	case R2_KBD_UNREGISTER:
		if (holder != p->pid || holder_ring != ring)
			return R2_INVALID_INPUT;
		holder = 0;
		irq1_mask(true);
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
