/*
 * The block client library (blkdev.h): a session with a block driver
 * over the transport (blkproto.h), and its survival of driver restarts.
 *
 * The client owns the shared region and formats its rings; a request's
 * ring cookie is the index of its slot here (the caller's cookie stays
 * here), so whatever a driver sends back is checked against the slots in
 * use before it is believed. Waiting is in slices of WAIT_SLICE_NS; after
 * a quiet slice the driver is pinged, and an error other than a timeout
 * means it is gone: the completions it had made are kept, the library
 * looks the device up again until the manager has a new generation of it
 * (DRIVER_DEVICE_BUSY: later; DRIVER_HARDWARE_NOT_FOUND: give up, every
 * request in flight completes with that), formats the rings again, puts
 * the kept completions back, resubmits what was lost (or completes it
 * with DRIVER_RESTARTED if !retry) and opens a new session on the same
 * region.
 */
#include "drivers/lib/blkdev.h"
#include "drivers/lib/devmgr.h"
#include "ipc.h"

#define WAIT_SLICE_NS	   100000000ull /* a quiet slice, then a ping */
#define PING_MS		   1000u
#define CALL_MS		   10000u
#define RETRY_SLEEP_NS	   20000000ull
#define DEFAULT_TIMEOUT_NS 60000000000ull
#define GONE		   0xffffffffu /* d->session once the manager gave the device up */

static long call(uint64_t ep, const uint64_t w[4], unsigned words, uint64_t cap, uint32_t ms,
		 struct ipc_message *r)
{
	if (!ep)
		return E_INVALID_CAPABILITY;
	uint64_t info = MSG_TIMEOUT_MS(MSG_INFO(words * 8, MSG_SMALL), ms);
	if (cap) {
		struct ipc_buffer *b = ipc_buffer();
		if (!b)
			return E_INVALID_PARAMETER;
		b->send_capability = cap;
		info |= MSG_CAP;
	}
	return ipc_call(ep, info, w, r);
}

/* An IPC failure as a DriverError: the driver is not there. */
static int ipc_failed(long err)
{
	return err == E_TIMEOUT ? DRIVER_TIMEOUT : DRIVER_HARDWARE_NOT_FOUND;
}

static bool alive(const struct blkdev *d)
{
	uint64_t w[4] = {DRV_CTL_PING};
	struct ipc_message r;
	long err = call(d->endpoint, w, 1, 0, PING_MS, &r);
	return !err || err == E_TIMEOUT; /* a slow driver is the manager's to judge */
}

static void drop(uint64_t *cap)
{
	if (*cap)
		sys_cap_revoke(*cap);
	*cap = 0;
}

/* Format both rings (ours to format: we are the producer of one and the consumer of the other). */
static int format_rings(struct blkdev *d)
{
	const struct blk_layout *l = &d->layout;
	if (ring_attach(&d->req, d->mem + l->req, l->cmp - l->req, d->entries, true, true) ||
	    ring_attach(&d->cmp, d->mem + l->cmp, l->data - l->cmp, d->entries, false, true))
		return DRIVER_INVALID_PARAMETER;
	return DRIVER_OK;
}

/* What a restart puts back on the fresh rings before the new driver sees them. */
struct refill {
	struct ring_desc kept[BLKDEV_MAX_INFLIGHT]; /* completions the old driver made */
	unsigned nkept;
	bool done[BLKDEV_MAX_INFLIGHT]; /* by slot: completed already */
	int fail;			/* != 0: complete the lost ones with this instead */
};

static struct ring_desc request_of(const struct blkdev *d, unsigned i)
{
	const struct blkdev_req *q = &d->slot[i];
	uint32_t len = q->op == BLK_OP_FLUSH ? 0 : q->count * d->geo.block_size;
	return (struct ring_desc){
	    .offset = q->offset, .length = len, .cookie = i, .arg = BLK_ARG(q->lba, q->op)};
}

static void refill(struct blkdev *d, const struct refill *f)
{
	format_rings(d);
	/* Our own producer view of the completion ring, for what is already decided. */
	struct ring p;
	ring_attach(&p, d->mem + d->layout.cmp, d->layout.data - d->layout.cmp, d->entries, true,
		    false);
	for (unsigned k = 0; k < f->nkept; k++)
		ring_push(&p, &f->kept[k]);
	for (unsigned i = 0; i < d->entries; i++) {
		if (!d->slot[i].used || f->done[i])
			continue;
		if (f->fail) {
			ring_push(&p, &(struct ring_desc){.cookie = i, .arg = (uint64_t)f->fail});
		} else {
			struct ring_desc r = request_of(d, i);
			ring_push(&d->req, &r);
		}
	}
}

/*
 * A session on endpoint `ep`: the geometry, the rings made afresh (with
 * `f`'s completions and requests on them), OPEN, NOTIFY.
 */
static int connect(struct blkdev *d, uint64_t ep, const struct refill *f)
{
	struct ipc_message r;
	struct ipc_buffer *b = ipc_buffer();
	uint64_t w[4] = {BLK_CTL_GEOMETRY};
	long e = call(ep, w, 1, 0, CALL_MS, &r);
	if (e)
		return ipc_failed(e);
	if (r.w[0])
		return (int)r.w[0];
	struct block_geometry g = {.block_size = (uint32_t)r.w[1],
				   .max_transfer_blocks = (uint32_t)(r.w[1] >> 32),
				   .total_blocks = r.w[2],
				   .alignment = (uint32_t)r.w[3],
				   .flags = (uint32_t)(r.w[3] >> 32)};
	if (!g.block_size || g.block_size & (g.block_size - 1))
		return DRIVER_HARDWARE_ERROR;
	d->geo = g;
	if (f)
		refill(d, f);
	else if (format_rings(d))
		return DRIVER_INVALID_PARAMETER;
	uint64_t ow[4] = {BLK_CTL_OPEN, d->entries, d->layout.data_bytes};
	e = call(ep, ow, 3, d->region, CALL_MS, &r);
	if (e)
		return ipc_failed(e);
	if (r.w[0])
		return (int)r.w[0];
	if (!(r.info & MSG_CAP) || !b || r.w[2] > 63)
		return DRIVER_HARDWARE_ERROR;
	uint64_t doorbell = b->header.capability, note;
	uint32_t session = (uint32_t)r.w[1];
	unsigned bit = (unsigned)r.w[2];
	/* The driver may signal our notification, nothing more (the derived one goes with d->note). */
	if (sys_cap_derive(d->note, RIGHT_WRITE | RIGHT_GRANT, &note)) {
		sys_cap_revoke(doorbell);
		return DRIVER_OUT_OF_RESOURCES;
	}
	uint64_t bits;
	notification_poll(d->note, &bits); /* what an old session left */
	uint64_t nw[4] = {BLK_CTL_NOTIFY, session, d->note_bit};
	e = call(ep, nw, 3, note, CALL_MS, &r);
	if (e || r.w[0]) {
		sys_cap_revoke(note);
		sys_cap_revoke(doorbell);
		return e ? ipc_failed(e) : (int)r.w[0];
	}
	d->endpoint = ep;
	d->doorbell = doorbell;
	d->doorbell_bit = bit;
	d->session = session;
	if (f && !f->fail)
		notification_signal(d->doorbell, 1ull << d->doorbell_bit);
	return DRIVER_OK;
}

/* The device's endpoint from the manager; DRIVER_DEVICE_BUSY is waited out until `deadline`. */
static int lookup(struct blkdev *d, uint64_t deadline, uint64_t *ep, uint64_t *gen)
{
	for (;;) {
		int err = devmgr_lookup(d->mgr, d->name, DEVICE_BLOCK, ep, gen);
		if (err != DRIVER_DEVICE_BUSY)
			return err;
		if (sys_clock() >= deadline)
			return DRIVER_TIMEOUT;
		sys_sleep(RETRY_SLEEP_NS);
	}
}

int blkdev_open(struct blkdev *d, uint64_t mgr, const char *name, uint32_t entries,
		uint64_t data_bytes)
{
	if (!d)
		return DRIVER_INVALID_PARAMETER;
	*d = (struct blkdev){
	    .timeout_ns = DEFAULT_TIMEOUT_NS, .retry = true, .mgr = mgr ? mgr : devmgr_endpoint};
	size_t n = name ? strlen(name) : 0;
	if (!n || n >= sizeof(d->name) || !blk_layout(entries, data_bytes, &d->layout))
		return DRIVER_INVALID_PARAMETER;
	memcpy(d->name, name, n + 1);
	d->entries = entries;
	uint64_t ep, gen;
	int err = lookup(d, sys_clock() + d->timeout_ns, &ep, &gen);
	if (err)
		return err;
	d->generation = gen;
	void *mem;
	if (notification_create(&d->note) ||
	    sys_shared_region_create(d->layout.total, PROT_READ | PROT_WRITE, NULL, &d->region) ||
	    sys_shared_region_map(d->region, NULL, 0, &mem)) {
		sys_cap_revoke(ep);
		blkdev_close(d);
		return DRIVER_OUT_OF_RESOURCES;
	}
	d->mem = mem;
	d->data = d->mem + d->layout.data;
	err = connect(d, ep, NULL);
	if (err) {
		sys_cap_revoke(ep);
		blkdev_close(d);
	}
	return err;
}

void blkdev_close(struct blkdev *d)
{
	if (!d)
		return;
	if (d->endpoint && d->session != GONE) {
		uint64_t w[4] = {BLK_CTL_CLOSE, d->session};
		struct ipc_message r;
		call(d->endpoint, w, 2, 0, PING_MS, &r);
	}
	drop(&d->endpoint);
	drop(&d->doorbell);
	if (d->mem)
		sys_munmap(d->mem, d->layout.total);
	drop(&d->region);
	drop(&d->note); /* and what we derived from it for the drivers */
	*d = (struct blkdev){0};
}

void *blkdev_data(struct blkdev *d, uint64_t offset)
{
	return d && d->data && offset < d->layout.data_bytes ? d->data + offset : NULL;
}

int blkdev_submit(struct blkdev *d, enum blk_op op, uint64_t lba, uint32_t count, uint64_t offset,
		  uint32_t cookie, bool more)
{
	if (!d || !d->mem || lba >> 56)
		return DRIVER_INVALID_PARAMETER; /* 56 bits of LBA travel */
	if (d->session == GONE)
		return DRIVER_HARDWARE_NOT_FOUND;
	uint64_t len = op == BLK_OP_FLUSH ? 0 : (uint64_t)count * d->geo.block_size;
	if (len > UINT32_MAX)
		return DRIVER_INVALID_PARAMETER;
	unsigned i = 0;
	while (i < d->entries && d->slot[i].used)
		i++;
	if (i == d->entries)
		return DRIVER_DEVICE_BUSY;
	d->slot[i] = (struct blkdev_req){.used = true,
					 .op = (uint8_t)op,
					 .lba = lba,
					 .count = count,
					 .offset = offset,
					 .cookie = cookie};
	struct ring_desc r = request_of(d, i);
	int err = ring_push(&d->req, &r);
	if (err) {
		d->slot[i].used = false;
		/* Full; or the driver wrote garbage for its index, and the wait will find out. */
		return DRIVER_DEVICE_BUSY;
	}
	d->inflight++;
	d->submitted++;
	if (!more && d->doorbell)
		notification_signal(d->doorbell, 1ull << d->doorbell_bit);
	return DRIVER_OK;
}

/*
 * The driver is gone: keep what it completed, find its successor and start
 * again there. DRIVER_OK when every request in flight is resubmitted or
 * has its completion waiting on the ring; DRIVER_TIMEOUT past `deadline`.
 */
static int reconnect(struct blkdev *d, uint64_t deadline)
{
	static struct refill f; /* large: not on a thread's stack (one caller at a time) */
	f.nkept = 0;
	f.fail = 0;
	memset(f.done, 0, sizeof(f.done));
	struct ring_desc c;
	while (f.nkept < d->entries && ring_pop(&d->cmp, &c) == E_OK)
		if (c.cookie < d->entries && d->slot[c.cookie].used && !f.done[c.cookie]) {
			f.done[c.cookie] = true;
			f.kept[f.nkept++] = c;
		}
	d->reconnects++;
	for (unsigned i = 0; i < d->entries; i++)
		if (d->slot[i].used && !f.done[i])
			d->restarted++;
	if (!d->retry)
		f.fail = DRIVER_RESTARTED;
	uint64_t old = d->generation;
	drop(&d->endpoint);
	drop(&d->doorbell);
	int err;
	for (;;) {
		uint64_t ep = 0, gen = 0;
		err = lookup(d, deadline, &ep, &gen);
		if (err == DRIVER_HARDWARE_NOT_FOUND)
			break; /* the manager gave up on it */
		if (!err && gen == old) {
			/* The manager has not seen it die yet; or it lives and only our call failed. */
			struct blkdev probe = {.endpoint = ep};
			if (alive(&probe)) {
				uint64_t w[4] = {BLK_CTL_CLOSE, d->session};
				struct ipc_message r;
				call(ep, w, 2, 0, PING_MS, &r);
			} else {
				sys_cap_revoke(ep);
				err = DRIVER_DEVICE_BUSY;
			}
		}
		if (!err) {
			err = connect(d, ep, &f);
			if (!err) {
				d->generation = gen;
				return DRIVER_OK;
			}
			sys_cap_revoke(ep); /* it died too, or refused: look again */
		}
		if (sys_clock() >= deadline) {
			err = DRIVER_TIMEOUT;
			break;
		}
		sys_sleep(RETRY_SLEEP_NS);
	}
	if (err == DRIVER_HARDWARE_NOT_FOUND) {
		f.fail = err; /* given up: everything in flight ends with it */
		d->session = GONE;
	} else {
		f.fail = 0;
	}
	refill(d, &f); /* what was completed is still to be taken */
	return err == DRIVER_HARDWARE_NOT_FOUND ? DRIVER_OK : err;
}

int blkdev_complete(struct blkdev *d, uint32_t *cookie, int *status)
{
	if (!d || !d->mem || !cookie || !status)
		return DRIVER_INVALID_PARAMETER;
	/*
	 * The clock (a system call) is read only when a wait brings no
	 * completion: the timeout runs from then, a slice late at most.
	 */
	uint64_t timeout = d->timeout_ns ? d->timeout_ns : DEFAULT_TIMEOUT_NS, deadline = 0,
		 now = 0;
	for (;;) {
		struct ring_desc c;
		int err = ring_pop(&d->cmp, &c);
		if (!err) {
			if (c.cookie >= d->entries || !d->slot[c.cookie].used)
				continue; /* not a request of ours: a driver's garbage */
			struct blkdev_req *q = &d->slot[c.cookie];
			*cookie = q->cookie;
			*status = c.arg < DRIVER_ERROR_COUNT ? (int)c.arg : DRIVER_HARDWARE_ERROR;
			q->used = false;
			d->inflight--;
			d->completed++;
			return DRIVER_OK;
		}
		if (!d->inflight)
			return DRIVER_INVALID_PARAMETER; /* nothing to wait for */
		bool gone = err == E_INVALID_PARAMETER || d->session == GONE;
		long w = E_TIMEOUT;
		if (!gone) {
			uint64_t bits, slice = deadline && deadline - now < WAIT_SLICE_NS
						   ? deadline - now
						   : WAIT_SLICE_NS;
			w = notification_wait(d->note, slice, &bits);
			if (!w && ring_pending(&d->cmp))
				continue; /* the common case: woken with a completion */
		}
		now = sys_clock();
		if (!deadline)
			deadline = now + timeout;
		if (now >= deadline)
			return DRIVER_TIMEOUT;
		if (!gone) {
			if (!w || ring_pending(&d->cmp))
				continue;
			gone = !alive(d);
		}
		if (gone && d->session != GONE) {
			int r = reconnect(d, deadline);
			if (r)
				return r;
		} else if (gone) {
			return DRIVER_HARDWARE_NOT_FOUND;
		}
	}
}

/* One request and its completion, with nothing else in flight. */
static int one(struct blkdev *d, enum blk_op op, uint64_t lba, uint32_t count, uint64_t offset)
{
	if (!d || d->inflight)
		return DRIVER_DEVICE_BUSY;
	int err = blkdev_submit(d, op, lba, count, offset, 0, false);
	if (err)
		return err;
	uint32_t cookie;
	int status;
	err = blkdev_complete(d, &cookie, &status);
	return err ? err : status;
}

int blkdev_read(struct blkdev *d, uint64_t lba, uint32_t count, uint64_t offset)
{
	return one(d, BLK_OP_READ, lba, count, offset);
}

int blkdev_write(struct blkdev *d, uint64_t lba, uint32_t count, uint64_t offset)
{
	return one(d, BLK_OP_WRITE, lba, count, offset);
}

int blkdev_flush(struct blkdev *d)
{
	return one(d, BLK_OP_FLUSH, 0, 0, 0);
}
