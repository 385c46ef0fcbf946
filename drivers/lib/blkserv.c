/*
 * The block server (blkserv.h): the driver's side of the block transport
 * (blkproto.h), installed by driver_main for a driver with block ops.
 *
 * The control thread answers BLK_CTL_GEOMETRY and BLK_CTL_STATUS itself
 * and hands OPEN, NOTIFY and CLOSE to the I/O thread, where the session
 * table lives. OPEN maps the client's region (exactly blk_layout's size:
 * checked before a byte of it is read, in a window of the address space
 * kept for the session), attaches to its rings and, with
 * DMA, pins the data region once; the client gets a doorbell, a WRITE
 * capability to the driver's notification. On a doorbell the I/O thread
 * takes requests from every live session in turn, as many as the driver's
 * queue depth and each session's completion ring have room for, checks
 * each (blkserv_check) and hands it to the driver with a view of the
 * client's data; bad ones complete at once with their DriverError. A ring
 * whose index is garbage breaks its session only; a client that died is
 * noticed when its notification or region capability is gone, and its
 * session is freed once the device has finished with its memory.
 */
#include "drivers/lib/blkserv.h"
#include "hw.h"
#include "ipc.h"

#define PAGE	    4096u
#define PIN_CHUNK   512u
#define QUEUE_MAX   256u
#define CALL_NS	    5000000000ull /* the I/O thread's time for an open or a close */
#define QUIESCE_NS  5000000000ull
#define PUMP_BUDGET 64u /* passes over the sessions one pump makes before the loop goes on */
#define TIME_EVERY  8u	/* one request in this many is timed, for the statistics' latency */

enum { SS_FREE, SS_OPEN, SS_LIVE, SS_BROKEN, SS_CLOSING };

struct session {
	int state;
	uint64_t pid;	 /* who opened it: only it may NOTIFY and CLOSE */
	uint64_t region; /* the client's region (ours: a child of the client's) */
	uint8_t *mem;
	struct blk_layout lay;
	uint32_t entries;
	struct ring req, cmp;
	uint64_t *phys; /* with DMA: each data page's physical address */
	uint64_t phys_cap;
	size_t phys_len;
	bool pinned;
	uint64_t note; /* the client's notification (WRITE) */
	unsigned bit;
	uint64_t doorbell;    /* what we gave it: revoked when the session goes */
	unsigned outstanding; /* taken from its ring, not yet completed */
};

struct slot {
	struct blk_io io;
	struct dma_buffer buf;
	bool used, deferred;
};

static struct session sessions[DRIVER_MAX_SESSIONS];
static struct slot *pool;
static unsigned pool_size, pool_used, pool_deferred;
static uint16_t pool_free[QUEUE_MAX]; /* a stack of free slots' indices: pool_size - pool_used */
static const struct block_ops *bops;
static void *bdev;
static uint64_t dma;
static struct block_geometry geo;
static bool in_pump, device_busy, stopping;
static unsigned rr;	/* the session the next pass starts with */
static unsigned timing; /* requests taken, for TIME_EVERY */
/* Sessions by bit: those live (served), those with completions to signal. */
static uint32_t live_mask, signal_mask;

/*
 * The index of the lowest bit set in m (not 0), in a few instructions on
 * every ISA: RISC-V without Zbb has no count-trailing-zeros, and the
 * compiler's fallback is a call that costs more than the rest of a pass.
 */
static unsigned lowest_bit(uint32_t m)
{
	static const uint8_t debruijn[32] = {0,	 1,  28, 2,  29, 14, 24, 3,  30, 22, 20,
					     15, 25, 17, 4,  8,	 31, 27, 13, 23, 21, 19,
					     16, 7,  26, 12, 18, 6,  11, 5,  10, 9};
	return debruijn[((m & -m) * 0x077cb531u) >> 27];
}

static void set_state(struct session *s, int state)
{
	uint32_t bit = 1u << (s - sessions);
	s->state = state;
	live_mask = state == SS_LIVE ? live_mask | bit : live_mask & ~bit;
	if (state != SS_LIVE)
		signal_mask &= ~bit;
}

static void pump(void);

/* ---- Memory of our own, and the client's region ---- */

static void *anon(size_t len, uint64_t *cap)
{
	void *p;
	return sys_mmap(NULL, len, PROT_READ | PROT_WRITE, &p, cap) ? NULL : p;
}

static void anon_free(void *p, size_t len, uint64_t cap)
{
	sys_munmap(p, len);
	sys_cap_revoke(cap); /* mmap made one: the quota is not endless */
}

/*
 * Each session maps its client's region in a window of its own, far above
 * where mmap places things (below riscv64's 256 GiB user top).
 */
#define WINDOW_BASE 0x3000000000ull
#define WINDOW_SIZE (32ull << 20) /* BLK_DATA_MAX, the rings and a guard page fit */

/*
 * Map region `cap` in session n's window if it is exactly `total` bytes,
 * without a byte of it read: the window's last page free before, a guard
 * page just past it (a bigger region does not fit), and that last page
 * taken once the region is mapped (a smaller one leaves it free).
 */
static int map_region(uint64_t cap, uint64_t total, unsigned n, uint8_t **out)
{
	uint8_t *w = (uint8_t *)(uintptr_t)(WINDOW_BASE + n * WINDOW_SIZE);
	void *p, *mem;
	uint64_t pcap, gcap;
	if (sys_mmap(w + total - PAGE, PAGE, PROT_READ, &p, &pcap))
		return DRIVER_OUT_OF_RESOURCES; /* the window is not free: a defence */
	anon_free(p, PAGE, pcap);
	if (sys_mmap(w + total, PAGE, PROT_READ, &p, &gcap))
		return DRIVER_OUT_OF_RESOURCES;
	long err = sys_shared_region_map(cap, w, PROT_READ | PROT_WRITE, &mem);
	anon_free(w + total, PAGE, gcap);
	if (err)
		return err == E_OUT_OF_MEMORY ? DRIVER_OUT_OF_RESOURCES : DRIVER_INVALID_PARAMETER;
	if (!sys_mmap(w + total - PAGE, PAGE, PROT_READ, &p, &pcap)) {
		anon_free(p, PAGE, pcap);
		for (uint64_t off = 0; off < total; off += PAGE)
			sys_munmap(w + off, PAGE); /* whatever of it there is */
		return DRIVER_INVALID_PARAMETER;
	}
	*out = mem;
	return DRIVER_OK;
}

static void unpin(struct session *s)
{
	if (!s->pinned)
		return;
	size_t pages = s->lay.data_bytes / PAGE;
	for (size_t done = 0; done < pages; done += PIN_CHUNK)
		hw_dma_release(s->mem + s->lay.data + done * PAGE);
	s->pinned = false;
}

static int pin(struct session *s)
{
	size_t pages = s->lay.data_bytes / PAGE;
	s->phys_len = (pages * sizeof(uint64_t) + PAGE - 1) & ~(size_t)(PAGE - 1);
	if (!(s->phys = anon(s->phys_len, &s->phys_cap)))
		return DRIVER_OUT_OF_RESOURCES;
	for (size_t done = 0; done < pages;) {
		size_t n = pages - done < PIN_CHUNK ? pages - done : PIN_CHUNK;
		long err =
		    hw_dma_pin(dma, s->mem + s->lay.data + done * PAGE, n * PAGE, s->phys + done);
		if (err) {
			for (size_t d = 0; d < done; d += PIN_CHUNK)
				hw_dma_release(s->mem + s->lay.data + d * PAGE);
			return err == E_BUSY ? DRIVER_DEVICE_BUSY : DRIVER_DMA_ERROR;
		}
		done += n;
	}
	s->pinned = true;
	return DRIVER_OK;
}

/* Give back everything of a session (the device is done with its memory). */
static void finalize(struct session *s)
{
	unpin(s);
	if (s->phys)
		anon_free(s->phys, s->phys_len, s->phys_cap);
	if (s->mem)
		sys_munmap(s->mem, s->lay.total);
	if (s->region)
		sys_cap_revoke(s->region);
	if (s->note)
		sys_cap_revoke(s->note);
	if (s->doorbell)
		sys_cap_revoke(s->doorbell);
	*s = (struct session){.state = SS_FREE};
	set_state(s, SS_FREE);
}

static void close_session(struct session *s)
{
	if (s->state == SS_FREE)
		return;
	if (s->doorbell) {
		sys_cap_revoke(s->doorbell); /* the client's copy goes with it */
		s->doorbell = 0;
	}
	set_state(s, SS_CLOSING);
	if (!s->outstanding)
		finalize(s);
}

/* ---- Completions ---- */

static void finish(struct session *s, uint64_t offset, uint32_t length, uint32_t cookie, int status)
{
	if (s->state == SS_LIVE) {
		struct ring_desc c = {
		    .offset = offset, .length = length, .cookie = cookie, .arg = (uint64_t)status};
		if (ring_push(&s->cmp, &c))
			set_state(s, SS_BROKEN); /* its tail is garbage: it hears nothing more */
		else
			signal_mask |= 1u << (s - sessions);
	}
	if (s->outstanding)
		s->outstanding--;
	if (s->state == SS_CLOSING && !s->outstanding)
		finalize(s);
}

static void complete_slot(struct slot *sl, int status)
{
	struct blk_io *io = &sl->io;
	uint64_t bytes = status == DRIVER_OK ? (uint64_t)io->count * geo.block_size : 0;
	/* A clock read is a system call: one request in TIME_EVERY is timed. */
	driver_stats_record(bytes, io->start_ns, io->start_ns ? sys_clock() : 0,
			    status != DRIVER_OK);
	pool_deferred -= sl->deferred;
	sl->used = sl->deferred = false;
	pool_free[pool_size - pool_used--] = (uint16_t)(sl - pool);
	finish(&sessions[io->session], io->offset, (uint32_t)bytes, io->cookie, status);
}

static void send_signals(void)
{
	while (signal_mask) {
		struct session *s = &sessions[lowest_bit(signal_mask)];
		signal_mask &= signal_mask - 1;
		if (s->state == SS_LIVE && notification_signal(s->note, 1ull << s->bit))
			close_session(s); /* its notification is gone: so is the client */
	}
}

/* The driver finished a request (blk_complete), on the I/O thread. */
static void served(struct blk_io *io, int status)
{
	struct slot *sl = (struct slot *)((char *)io - __builtin_offsetof(struct slot, io));
	if (sl < pool || sl >= pool + pool_size || !sl->used)
		return; /* not one of ours */
	if (status < 0 || status >= DRIVER_ERROR_COUNT)
		status = DRIVER_HARDWARE_ERROR;
	complete_slot(sl, status);
	device_busy = false;
	if (!in_pump)
		pump();
}

/* ---- Requests ---- */

/* The piece [offset, offset + len) of the session's data as a DMA buffer view. */
static int view(struct session *s, uint64_t offset, uint32_t len, enum blk_op op,
		struct dma_buffer *b)
{
	/* Field by field: zeroing the segment array would cost more than the rest. */
	b->virt = s->mem + s->lay.data + offset;
	b->size = len;
	b->direction = op == BLK_OP_WRITE ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	b->seg_count = 0;
	b->coherent = false;
	if (!s->pinned)
		return DRIVER_OK; /* no DMA (the RAM disk): the CPU copies */
	for (uint64_t at = offset, end = offset + len; at < end;) {
		uint64_t page = at / PAGE, in = at % PAGE;
		uint32_t n = (uint32_t)(PAGE - in < end - at ? PAGE - in : end - at);
		uint64_t phys = s->phys[page] + in;
		struct dma_seg *last = b->seg_count ? &b->seg[b->seg_count - 1] : NULL;
		if (last && last->phys + last->len == phys)
			last->len += n;
		else if (b->seg_count == DMA_MAX_SEGS)
			return DRIVER_OUT_OF_RESOURCES;
		else
			b->seg[b->seg_count++] = (struct dma_seg){.phys = phys, .len = n};
		at += n;
	}
	return DRIVER_OK;
}

/* Hand a slot to the driver: DRIVER_DEVICE_BUSY keeps it for later. */
static int start(struct slot *sl)
{
	struct blk_io *io = &sl->io;
	int (*fn)(void *, struct blk_io *) = io->op == BLK_OP_READ    ? bops->read_blocks
					     : io->op == BLK_OP_WRITE ? bops->write_blocks
								      : bops->flush;
	int err = fn ? fn(bdev, io) : DRIVER_INVALID_PARAMETER;
	if (err == DRIVER_DEVICE_BUSY) {
		pool_deferred += !sl->deferred;
		sl->deferred = true;
		device_busy = true;
		return err;
	}
	pool_deferred -= sl->deferred;
	sl->deferred = false;
	if (err) /* not started: ours to complete */
		complete_slot(sl,
			      err < 0 || err >= DRIVER_ERROR_COUNT ? DRIVER_HARDWARE_ERROR : err);
	return err;
}

static struct slot *free_slot(void)
{
	return pool_used < pool_size ? &pool[pool_free[pool_size - pool_used - 1]] : NULL;
}

/* Take one request of session n, if it and the driver have room: true if one was taken. */
static bool take(unsigned n)
{
	struct session *s = &sessions[n];
	if (s->state != SS_LIVE || pool_used >= pool_size)
		return false;
	uint32_t room = s->entries - ring_pending(&s->cmp);
	if (s->outstanding >= room)
		return false; /* each request taken needs a completion slot */
	struct ring_desc d;
	int err = ring_pop(&s->req, &d);
	if (err == E_NOT_FOUND)
		return false;
	if (err) {
		set_state(s, SS_BROKEN); /* its head is garbage: stop serving it, and only it */
		return false;
	}
	s->outstanding++;
	uint32_t count;
	if ((err = blkserv_check(&d, &geo, s->lay.data_bytes, &count))) {
		driver_stats_record(0, 0, 0, true);
		finish(s, d.offset, 0, d.cookie, err);
		return true;
	}
	struct slot *sl = free_slot();
	if (!sl) { /* pool_used says there is one: a defence */
		finish(s, d.offset, 0, d.cookie, DRIVER_OUT_OF_RESOURCES);
		return true;
	}
	sl->used = true;
	pool_used++;
	enum blk_op op = (enum blk_op)BLK_ARG_OP(d.arg);
	sl->io = (struct blk_io){.op = op,
				 .lba = op == BLK_OP_FLUSH ? 0 : BLK_ARG_LBA(d.arg),
				 .count = count,
				 .buf = op == BLK_OP_FLUSH ? NULL : &sl->buf,
				 .done = served,
				 .session = n,
				 .cookie = d.cookie,
				 .offset = d.offset,
				 .start_ns = ++timing % TIME_EVERY ? 0 : sys_clock()};
	if (op != BLK_OP_FLUSH && (err = view(s, d.offset, d.length, op, &sl->buf))) {
		complete_slot(sl, err);
		return true;
	}
	start(sl);
	return true;
}

static void pump(void)
{
	if (in_pump || !bops)
		return;
	in_pump = true;
	/* A budget: clients that keep their rings full do not keep the loop from the rest. */
	unsigned budget = PUMP_BUDGET;
	for (bool progress = true; progress && !stopping;) {
		if (!budget--) {
			driver_kick(DRIVER_BIT_SESSION); /* more next time round */
			break;
		}
		progress = false;
		for (unsigned i = 0; pool_deferred && i < pool_size && !device_busy; i++)
			if (pool[i].used && pool[i].deferred &&
			    start(&pool[i]) != DRIVER_DEVICE_BUSY)
				progress = true;
		if (device_busy)
			break;
		/* The live sessions, one request each, from session rr on. */
		uint32_t m = live_mask, all = (1u << DRIVER_MAX_SESSIONS) - 1;
		m = (m >> rr | m << (DRIVER_MAX_SESSIONS - rr)) & all;
		for (; m && !device_busy; m &= m - 1)
			if (take((lowest_bit(m) + rr) % DRIVER_MAX_SESSIONS))
				progress = true;
		rr = (rr + 1) % DRIVER_MAX_SESSIONS;
	}
	in_pump = false;
	send_signals();
}

static void doorbells(void *dev, uint64_t bits)
{
	(void)dev;
	(void)bits;	     /* any bell: every session is looked at, fairly */
	device_busy = false; /* and what the driver was too busy for is tried again */
	pump();
}

/* Before stop: let what the device has finish (running its interrupts), then flush. */
static bool flushed;
static void flush_done(struct blk_io *io, int status)
{
	(void)io;
	(void)status;
	flushed = true;
}

static void wait_until(bool (*cond)(void), uint64_t deadline)
{
	while (!cond() && sys_clock() < deadline) {
		uint64_t bits = 0;
		if (notification_wait(driver_notification(), DRIVER_POLL_NS, &bits))
			bits = 0;
		/* The polled devices too: a flush on one would otherwise wait out the deadline. */
		driver_run_interrupts(bits & ((1ull << HWCAPS_MAX_IRQ) - 1));
	}
}

static bool idle(void)
{
	for (unsigned i = 0; i < pool_size; i++)
		if (pool[i].used && !pool[i].deferred)
			return false;
	return true;
}

static bool is_flushed(void)
{
	return flushed;
}

static void quiesce(void *dev)
{
	stopping = true;
	uint64_t deadline = sys_clock() + QUIESCE_NS;
	wait_until(idle, deadline);
	/* What was deferred never reached the device: it completes as not done. */
	for (unsigned i = 0; i < pool_size; i++)
		if (pool[i].used && pool[i].deferred)
			complete_slot(&pool[i], DRIVER_RESTARTED);
	send_signals();
	if (!bops->flush)
		return;
	static struct blk_io io;
	io = (struct blk_io){.op = BLK_OP_FLUSH, .done = flush_done, .start_ns = sys_clock()};
	flushed = false;
	int err = bops->flush(dev, &io);
	if (!err)
		wait_until(is_flushed, deadline);
}

/* ---- Control calls ---- */

struct open_arg {
	uint64_t region, pid;
	uint32_t entries;
	struct blk_layout lay;
	int err;
	uint32_t session;
	uint64_t doorbell;
};

static struct session *free_session(void)
{
	for (unsigned i = 0; i < DRIVER_MAX_SESSIONS; i++)
		if (sessions[i].state == SS_FREE)
			return &sessions[i];
	return NULL;
}

static void do_open(void *dev, void *varg)
{
	(void)dev;
	struct open_arg *a = varg;
	struct session *s = free_session();
	if (!s) { /* sessions of clients that died, found by their capabilities being gone */
		for (unsigned i = 0; i < DRIVER_MAX_SESSIONS; i++)
			if (sessions[i].state != SS_CLOSING &&
			    sys_cap_validate(sessions[i].region, 0, NULL, NULL, NULL))
				close_session(&sessions[i]);
		s = free_session();
	}
	if (!s || stopping) {
		a->err = stopping ? DRIVER_DEVICE_BUSY : DRIVER_OUT_OF_RESOURCES;
		return;
	}
	*s =
	    (struct session){.state = SS_OPEN, .pid = a->pid, .lay = a->lay, .entries = a->entries};
	int err = map_region(a->region, a->lay.total, (unsigned)(s - sessions), &s->mem);
	if (!err && (ring_attach(&s->req, s->mem + a->lay.req, a->lay.cmp - a->lay.req, a->entries,
				 false, false) ||
		     ring_attach(&s->cmp, s->mem + a->lay.cmp, a->lay.data - a->lay.cmp, a->entries,
				 true, false)))
		err = DRIVER_INVALID_PARAMETER;
	if (!err && dma)
		err = pin(s);
	if (!err && sys_cap_derive(driver_notification(), RIGHT_WRITE | RIGHT_GRANT, &s->doorbell))
		err = DRIVER_OUT_OF_RESOURCES;
	if (err) {
		s->region = 0; /* the caller revokes it */
		finalize(s);
		a->err = err;
		return;
	}
	s->region = a->region;
	a->session = (uint32_t)(s - sessions);
	a->doorbell = s->doorbell;
	a->err = DRIVER_OK;
}

struct sess_arg {
	uint64_t pid, session, note, bit;
	int err;
};

static struct session *session_of(struct sess_arg *a)
{
	if (a->session >= DRIVER_MAX_SESSIONS)
		return NULL;
	struct session *s = &sessions[a->session];
	return s->state != SS_FREE && s->state != SS_CLOSING && s->pid == a->pid ? s : NULL;
}

static void do_notify(void *dev, void *varg)
{
	(void)dev;
	struct sess_arg *a = varg;
	struct session *s = session_of(a);
	if (!s || s->state != SS_OPEN || a->bit > 63) {
		a->err = DRIVER_INVALID_PARAMETER;
		return;
	}
	s->note = a->note;
	s->bit = (unsigned)a->bit;
	set_state(s, SS_LIVE);
	a->err = DRIVER_OK;
	pump(); /* what it queued before */
}

static void do_close(void *dev, void *varg)
{
	(void)dev;
	struct sess_arg *a = varg;
	struct session *s = session_of(a);
	if (!s) {
		a->err = DRIVER_INVALID_PARAMETER;
		return;
	}
	close_session(s);
	a->err = DRIVER_OK;
}

static void answer(const struct ipc_message *m, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
		   unsigned words, uint64_t cap)
{
	if (!m->reply)
		return;
	uint64_t w[4] = {w0, w1, w2, w3};
	uint64_t info = MSG_INFO(words * 8, MSG_SMALL);
	struct ipc_buffer *b = ipc_buffer();
	if (cap && b) {
		b->send_capability = cap;
		info |= MSG_CAP;
	}
	ipc_reply(m->reply, info, w);
}

static bool control(void *dev, const struct ipc_message *m)
{
	struct ipc_buffer *b = ipc_buffer();
	uint64_t cap = m->info & MSG_CAP && b ? b->header.capability : 0;
	unsigned type;
	uint32_t held;
	switch (m->w[0]) {
	case BLK_CTL_GEOMETRY:
		answer(m, DRIVER_OK, geo.block_size | (uint64_t)geo.max_transfer_blocks << 32,
		       geo.total_blocks, geo.alignment | (uint64_t)geo.flags << 32, 4, 0);
		break;
	case BLK_CTL_STATUS:
		answer(m, DRIVER_OK, bops->status ? (uint64_t)bops->status(dev) : DEVICE_READY, 0,
		       0, 2, 0);
		break;
	case BLK_CTL_OPEN: {
		struct open_arg a = {.region = cap, .pid = m->sender, .entries = (uint32_t)m->w[1]};
		int err = DRIVER_OK;
		if (!cap ||
		    sys_cap_validate(cap, RIGHT_READ | RIGHT_WRITE | RIGHT_MAP, &type, NULL,
				     NULL) ||
		    type != OBJ_SHARED_REGION || m->w[1] > BLK_ENTRIES_MAX ||
		    !blk_layout((uint32_t)m->w[1], m->w[2], &a.lay))
			err = DRIVER_INVALID_PARAMETER;
		if (!err)
			err = driver_on_io_thread(do_open, &a, CALL_NS);
		if (!err)
			err = a.err;
		if (err) {
			if (cap)
				sys_cap_revoke(cap);
			answer(m, (uint64_t)err, 0, 0, 0, 1, 0);
		} else {
			answer(m, DRIVER_OK, a.session, DRIVER_BIT_SESSION + a.session, 0, 3,
			       a.doorbell);
		}
		return true;
	}
	case BLK_CTL_NOTIFY: {
		struct sess_arg a = {
		    .pid = m->sender, .session = m->w[1], .note = cap, .bit = m->w[2]};
		int err = DRIVER_OK;
		if (!cap || sys_cap_validate(cap, RIGHT_WRITE, &type, NULL, &held) ||
		    type != OBJ_NOTIFICATION)
			err = DRIVER_INVALID_PARAMETER;
		if (!err)
			err = driver_on_io_thread(do_notify, &a, CALL_NS);
		if (!err)
			err = a.err;
		if (err && cap)
			sys_cap_revoke(cap);
		answer(m, (uint64_t)err, 0, 0, 0, 1, 0);
		return true;
	}
	case BLK_CTL_CLOSE: {
		struct sess_arg a = {.pid = m->sender, .session = m->w[1]};
		int err = driver_on_io_thread(do_close, &a, CALL_NS);
		answer(m, (uint64_t)(err ? err : a.err), 0, 0, 0, 1, 0);
		break;
	}
	default:
		return false;
	}
	if (cap)
		sys_cap_revoke(cap);
	return true;
}

static const struct driver_class block_class = {
    .control = control,
    .doorbells = doorbells,
    .quiesce = quiesce,
};

void blkserv_install(const struct driver_ops *ops, void *dev)
{
	if (!ops || !ops->block)
		return;
	bops = ops->block;
	bdev = dev;
	if (bops->geometry)
		bops->geometry(dev, &geo);
	pool_size = bops->queue_depth ? bops->queue_depth : 1;
	if (pool_size > QUEUE_MAX)
		pool_size = QUEUE_MAX;
	uint64_t cap;
	pool = anon(pool_size * sizeof(struct slot), &cap);
	if (!pool)
		pool_size = 0; /* every request waits: nothing can be served */
	for (unsigned i = 0; i < pool_size; i++)
		pool_free[i] = (uint16_t)(pool_size - 1 - i); /* slot 0 on top */
	driver_set_class(&block_class);
	dma = driver_hardware()->dma;
}
