/*
 * The block transport end to end, on the RAM disk and on the virtio-blk
 * disk ci/boot gives every machine: `init driver PROGRAM` runs as a
 * process of its own under driver_main, a small fake device
 * manager here (an endpoint, a thread answering DEVMGR_READY and
 * DEVMGR_LOOKUP) starts and restarts it, and drivers/lib/blkdev.c talks
 * to it. Data round trips with 16 requests in flight; every kind of bad
 * request completes with its DriverError while the driver serves on;
 * hostile clients scribbling on their ring indices lose their session
 * and only theirs; a driver killed with requests in flight is found
 * again and the requests complete once; the control calls (ping,
 * heartbeat, info, stats, fault, stop). Every driver is gone at the end.
 */
#include "drivers/lib/blkdev.h"
#include "drivers/lib/devmgr.h"
#include "drivers/lib/virtio.h"
#include "hw.h"
#include "ipc.h"
#include "rng.h"
#include "utest.h"

#define DISK_BYTES (1u << 20)
#define DATA_BYTES (1u << 20)
#define FM_QUIT	   0x7fff
#define FM_DEVS	   2
#define FM_STACK   (32u << 10)

/* ---- The fake manager ---- */

struct fdev {
	char name[16];
	uint64_t ep;  /* the ready driver's endpoint (0: none ready) */
	uint64_t gen; /* its generation */
	bool given_up;
	uint64_t proc; /* the driver process */
	uint64_t give; /* the manager endpoint we gave it (its copy is a child of this) */
};

static struct {
	uint64_t ep, thread;
	void *stack;
	struct fdev dev[FM_DEVS];
	uint64_t pid; /* ours */
	uint64_t dma; /* given to the drivers started while set (dma=1) */
} fm;

static void fm_reply(const struct ipc_message *m, uint64_t w0, uint64_t w1, uint64_t w2,
		     uint64_t cap)
{
	uint64_t w[4] = {w0, w1, w2, 0};
	uint64_t info = MSG_INFO(24, MSG_SMALL);
	if (cap) {
		ipc_buffer()->send_capability = cap;
		info |= MSG_CAP;
	}
	if (m->reply)
		ipc_reply(m->reply, info, w);
}

static void fm_thread(uintptr_t arg)
{
	(void)arg;
	for (;;) {
		struct ipc_message m;
		if (ipc_receive(fm.ep, 0, &m))
			continue;
		uint64_t cap = m.info & MSG_CAP ? ipc_buffer()->header.capability : 0;
		if (m.w[0] == FM_QUIT) {
			fm_reply(&m, 0, 0, 0, 0);
			sys_thread_exit(0);
		} else if (m.w[0] == DEVMGR_READY && cap && m.w[1] < FM_DEVS) {
			struct fdev *v = &fm.dev[m.w[1]];
			if (v->ep)
				sys_cap_revoke(v->ep);
			v->gen = m.w[2];
			__atomic_store_n(&v->ep, cap, __ATOMIC_RELEASE);
			fm_reply(&m, DRIVER_OK, 0, 0, 0);
			continue;
		} else if (m.w[0] == DEVMGR_LOOKUP) {
			char name[17];
			devmgr_name_unpack(&m.w[1], name);
			struct fdev *v = NULL;
			for (unsigned i = 0; i < FM_DEVS; i++)
				if (!strcmp(fm.dev[i].name, name))
					v = &fm.dev[i];
			uint64_t ep = v ? __atomic_load_n(&v->ep, __ATOMIC_ACQUIRE) : 0;
			if (!v || v->given_up)
				fm_reply(&m, DRIVER_HARDWARE_NOT_FOUND, 0, 0, 0);
			else if (!ep)
				fm_reply(&m, DRIVER_DEVICE_BUSY, 0, 0, 0);
			else
				fm_reply(&m, DRIVER_OK, DEVICE_BLOCK, v->gen, ep);
		} else {
			fm_reply(&m, DRIVER_INVALID_PARAMETER, 0, 0, 0);
		}
		if (cap)
			sys_cap_revoke(cap);
	}
}

/*
 * Sessions are large (a slot for each ring entry): neither on the stack
 * nor in the image's .bss (every process of the image would carry them),
 * but mapped while a test runs (fm_setup).
 */
struct sessions {
	struct blkdev d, good, fwd, back, tail, over, many[DRIVER_MAX_SESSIONS];
};
static struct sessions *S;

static int fm_setup(void)
{
	struct thread_info ti;
	uint64_t tid;
	memset(&fm, 0, sizeof(fm));
	UASSERT_EQ(sys_thread_info(0, &ti), E_OK);
	fm.pid = ti.process_id;
	void *mem;
	UASSERT_EQ(sys_mmap(NULL, sizeof(struct sessions), PROT_READ | PROT_WRITE, &mem, NULL),
		   E_OK);
	S = mem;
	UASSERT_EQ(ipc_endpoint_create(NULL, &fm.ep), E_OK);
	UASSERT_EQ(sys_mmap(NULL, FM_STACK, PROT_READ | PROT_WRITE, &fm.stack, NULL), E_OK);
	UASSERT_EQ(sys_thread_create(fm_thread, fm.stack, FM_STACK, 0, 0, &tid, &fm.thread), E_OK);
	return 0;
}

/*
 * Start `init driver PROGRAM` as device slot `slot`, generation `gen`, with
 * the hardware in `hw` (its name, capabilities, arguments) and the manager
 * endpoint, as the manager would: KESTREL_HW, KESTREL_CAPS, KESTREL_MGR_PID.
 */
static int fm_start_hw(unsigned slot, const char *program, const struct hardware_caps *hw_in,
		       unsigned gen, const char *extra_env, uint64_t mgr_pid)
{
	struct fdev *v = &fm.dev[slot];
	const void *image;
	uint64_t size, give, pid, caps[24];
	static struct hardware_caps hw;
	UASSERT(utest_image(&image, &size));
	if (v->ep) {
		sys_cap_revoke(v->ep);
		v->ep = 0;
	}
	memcpy(v->name, hw_in->device, sizeof(hw_in->device));
	char argv[40];
	int an = snprintf(argv, sizeof(argv), "init%cdriver%c%s", 0, 0, program) + 1;
	/* The driver may call the manager, not receive its calls. */
	UASSERT_EQ(sys_cap_derive(fm.ep, RIGHT_WRITE | RIGHT_GRANT, &give), E_OK);
	hw = *hw_in;
	hw.manager = give;
	hw.slot = slot;
	hw.generation = gen;
	unsigned ncaps = hwcaps_cap_list(&hw, caps, 24);
	static char env[600];
	int n = snprintf(env, sizeof(env), "KESTREL_HW=");
	UASSERT_EQ(hwcaps_format(&hw, NULL, env + n, sizeof(env) - (size_t)n - 100), E_OK);
	n += (int)strlen(env + n);
	n += 1 + snprintf(env + n + 1, sizeof(env) - (size_t)n - 1, "KESTREL_MGR_PID=%llu",
			  (unsigned long long)mgr_pid);
	if (extra_env)
		n += 1 + snprintf(env + n + 1, sizeof(env) - (size_t)n - 1, "%s", extra_env);
	UASSERT((size_t)n + 1 < sizeof(env));
	struct process_spec spec = {
	    .image = image,
	    .image_size = size,
	    .args = argv,
	    .args_size = (uint64_t)an,
	    .env = env,
	    .env_size = (uint64_t)n + 1,
	    .caps = caps,
	    .cap_count = ncaps,
	};
	long err = sys_process_create(&spec, &pid, &v->proc);
	if (err)
		sys_cap_revoke(give);
	else
		v->give = give;
	UASSERT_EQ(err, E_OK);
	UASSERT_EQ(sys_process_start(v->proc), E_OK);
	return 0;
}

/* The RAM disk as slot `slot` called `name`, arguments `args` (commas for spaces). */
static int fm_start(unsigned slot, const char *name, const char *args, unsigned gen,
		    const char *extra_env, uint64_t mgr_pid)
{
	struct hardware_caps hw = {.dma = fm.dma};
	memcpy(hw.device, name, strlen(name) + 1);
	for (unsigned i = 0; args[i] && i + 1 < sizeof(hw.args); i++)
		hw.args[i] = args[i] == ',' ? ' ' : args[i];
	return fm_start_hw(slot, "ramdisk", &hw, gen, extra_env, mgr_pid);
}

static int fm_wait_ready(unsigned slot, unsigned gen)
{
	struct fdev *v = &fm.dev[slot];
	for (uint64_t end = sys_clock() + UTEST_PATIENCE_NS; sys_clock() < end;) {
		if (__atomic_load_n(&v->ep, __ATOMIC_ACQUIRE) && v->gen == gen)
			return 0;
		sys_sleep(5000000);
	}
	return utest_fail(__FILE__, __LINE__, "driver %s gen %u never ready", v->name, gen);
}

/* The driver of `slot` ended: how (terminated first if `kill`). */
static int fm_end(unsigned slot, bool kill, struct process_exit_info *info)
{
	struct fdev *v = &fm.dev[slot];
	struct process_exit_info unused;
	if (!info)
		info = &unused;
	if (!v->proc)
		return 0;
	if (kill)
		sys_process_terminate(v->proc, 99);
	long err = sys_process_wait(v->proc, UTEST_PATIENCE_NS, info);
	if (err == E_TIMEOUT) {
		sys_process_terminate(v->proc, 99);
		sys_process_wait(v->proc, UTEST_PATIENCE_NS, info);
	}
	sys_cap_revoke(v->proc);
	sys_cap_revoke(v->give);
	v->proc = v->give = 0;
	uint64_t ep = __atomic_exchange_n(&v->ep, 0, __ATOMIC_ACQ_REL);
	if (ep)
		sys_cap_revoke(ep);
	UASSERT_EQ(err, E_OK);
	return 0;
}

static void fm_teardown(void)
{
	for (unsigned i = 0; i < FM_DEVS; i++)
		fm_end(i, true, NULL);
	uint64_t w[4] = {FM_QUIT};
	struct ipc_message r;
	int code;
	if (fm.thread) {
		ipc_call(fm.ep, MSG_INFO(8, MSG_SMALL), w, &r);
		sys_thread_join(fm.thread, UTEST_PATIENCE_NS, &code);
	}
	if (fm.stack)
		sys_munmap(fm.stack, FM_STACK);
	if (fm.ep)
		sys_cap_revoke(fm.ep);
	memset(&fm, 0, sizeof(fm));
	if (S)
		sys_munmap(S, sizeof(struct sessions));
	S = NULL;
}

/* A control call to the driver of `slot`: the reply's word 0, or 1000 + the IPC error. */
static long ctl(unsigned slot, uint64_t w0, uint64_t w1, struct ipc_message *r)
{
	uint64_t w[4] = {w0, w1, 0, 0};
	struct ipc_message unused;
	long err = ipc_call(fm.dev[slot].ep, MSG_TIMEOUT_MS(MSG_INFO(16, MSG_SMALL), 10000), w,
			    r ? r : &unused);
	return err ? 1000 + err : (long)(r ? r : &unused)->w[0];
}

/* ---- Helpers on a session ---- */

static uint8_t pattern(uint64_t chunk, uint64_t i)
{
	return (uint8_t)(chunk * 31 + i * 7 + (i >> 9) + 1);
}

/* A raw descriptor straight onto the ring (what blkdev_submit would not send): its status. */
static long raw(struct blkdev *d, struct ring_desc desc)
{
	desc.cookie = 0x5eed;
	if (ring_push(&d->req, &desc))
		return -1;
	notification_signal(d->doorbell, 1ull << d->doorbell_bit);
	for (uint64_t end = sys_clock() + UTEST_PATIENCE_NS; sys_clock() < end;) {
		struct ring_desc c;
		if (!ring_pop(&d->cmp, &c))
			return c.cookie == 0x5eed ? (long)c.arg : -2;
		uint64_t bits;
		notification_wait(d->note, 100000000ull, &bits);
	}
	return -3;
}

/* Whether a raw request stays unanswered for `ms`. */
static bool unanswered(struct blkdev *d, struct ring_desc desc, unsigned ms)
{
	if (ring_push(&d->req, &desc))
		return true; /* it cannot even be queued */
	notification_signal(d->doorbell, 1ull << d->doorbell_bit);
	uint64_t bits;
	notification_wait(d->note, (uint64_t)ms * 1000000, &bits);
	struct ring_desc c;
	return ring_pop(&d->cmp, &c) != E_OK;
}

static struct ring_desc rd(uint64_t off, uint32_t len, uint64_t lba, unsigned op)
{
	return (struct ring_desc){.offset = off, .length = len, .arg = BLK_ARG(lba, op)};
}

/* ---- Tests ---- */

#define CHUNK_BLOCKS 8
#define CHUNK	     (CHUNK_BLOCKS * 512)
#define CHUNKS	     (DISK_BYTES / CHUNK)
#define INFLIGHT     16

/* Every chunk written in one order and read back in another, 16 requests in flight. */
static int round_trip(struct blkdev *d)
{
	uint32_t chunk_of[INFLIGHT], free_slots[INFLIGHT], nfree = INFLIGHT, cookie;
	int status;
	for (uint32_t i = 0; i < INFLIGHT; i++)
		free_slots[i] = i;
	for (int pass = 0; pass < 2; pass++) {
		unsigned step = pass ? 45 : 77;
		for (uint32_t k = 0; k < CHUNKS || nfree < INFLIGHT;) {
			if (k < CHUNKS && nfree) {
				uint32_t slot = free_slots[--nfree],
					 chunk = (k * step + 3) % CHUNKS;
				uint8_t *buf = blkdev_data(d, slot * CHUNK);
				UASSERT(buf != NULL);
				for (uint32_t i = 0; i < CHUNK; i++)
					buf[i] = pass ? 0 : pattern(chunk, i);
				chunk_of[slot] = chunk;
				bool more = nfree && k + 1 < CHUNKS && k % 4 != 3;
				UASSERT_EQ(blkdev_submit(d, pass ? BLK_OP_READ : BLK_OP_WRITE,
							 (uint64_t)chunk * CHUNK_BLOCKS,
							 CHUNK_BLOCKS, slot * CHUNK, slot, more),
					   DRIVER_OK);
				k++;
				continue;
			}
			UASSERT_EQ(blkdev_complete(d, &cookie, &status), DRIVER_OK);
			UASSERT_EQ(status, DRIVER_OK);
			UASSERT(cookie < INFLIGHT);
			if (pass) {
				const uint8_t *buf = blkdev_data(d, cookie * CHUNK);
				for (uint32_t i = 0; i < CHUNK; i++)
					if (buf[i] != pattern(chunk_of[cookie], i))
						return utest_fail(__FILE__, __LINE__,
								  "chunk %u byte %u: %u",
								  chunk_of[cookie], i, buf[i]);
			}
			free_slots[nfree++] = cookie;
		}
	}
	UASSERT_EQ(blkdev_flush(d), DRIVER_OK);
	return 0;
}

static int round_trip_body(void)
{
	UASSERT_EQ(fm_start(0, "ram9", "size=1048576", 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 1), 0);
	UASSERT_EQ(blkdev_open(&S->d, fm.ep, "ram9", 16, DATA_BYTES), DRIVER_OK);
	UASSERT_EQ(S->d.geo.block_size, 512);
	UASSERT_EQ(S->d.geo.total_blocks, DISK_BYTES / 512);
	UASSERT_EQ(S->d.geo.max_transfer_blocks, 256);
	UASSERT_EQ(S->d.geo.flags, 0);
	int fail = round_trip(&S->d);
	/* The largest request, and the last block. */
	if (!fail &&
	    (blkdev_write(&S->d, 0, 256, 0) || blkdev_read(&S->d, DISK_BYTES / 512 - 1, 1, 0)))
		fail = utest_fail(__FILE__, __LINE__, "large or last request failed");
	blkdev_close(&S->d);
	if (fail)
		return fail;
	struct ipc_message r;
	UASSERT_EQ(ctl(0, DRV_CTL_STATS, 0, &r), DRIVER_OK);
	UASSERT(r.w[1] >= 2 * CHUNKS + 3);
	UASSERT(r.w[2] >= 2ull * DISK_BYTES);
	/* Stopped, it says so and ends by itself. */
	UASSERT_EQ(ctl(0, DRV_CTL_STOP, 0, NULL), DRIVER_OK);
	struct process_exit_info info;
	UASSERT_EQ(fm_end(0, false, &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT_EQ(info.exit_code, 0);
	return 0;
}

UTEST(blk_ramdisk_round_trip)
{
	int fail = fm_setup();
	if (!fail)
		fail = round_trip_body();
	fm_teardown();
	return fail;
}

static int bad_body(void)
{
	const uint64_t end = DISK_BYTES / 512;
	UASSERT_EQ(fm_start(0, "ram9", "size=1048576", 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 1), 0);
	UASSERT_EQ(blkdev_open(&S->d, fm.ep, "ram9", 16, DATA_BYTES), DRIVER_OK);
	static const struct {
		uint64_t off;
		uint32_t len;
		uint64_t lba;
		unsigned op;
	} bad[] = {
	    {0, 512, DISK_BYTES / 512, BLK_OP_READ},	   /* past the end */
	    {0, 1024, DISK_BYTES / 512 - 1, BLK_OP_WRITE}, /* ends past it */
	    {0, 1024, (1ull << 56) - 1, BLK_OP_READ},	   /* lba + count wraps */
	    {0, 512, (1ull << 56) - 1, BLK_OP_READ},	   /* the largest LBA */
	    {1, 512, 0, BLK_OP_READ},			   /* unaligned */
	    {256, 512, 0, BLK_OP_WRITE},		   /* unaligned */
	    {0, 100, 0, BLK_OP_READ},			   /* not whole blocks */
	    {0, 513, 0, BLK_OP_READ},			   /* not whole blocks */
	    {0, 0, 0, BLK_OP_READ},			   /* no data */
	    {0, 257 * 512, 0, BLK_OP_READ},		   /* above max_transfer_blocks */
	    {0, 0xfffffe00u, 0, BLK_OP_READ},		   /* far above */
	    {DATA_BYTES, 512, 0, BLK_OP_READ},		   /* outside the data region */
	    {DATA_BYTES - 512, 1024, 0, BLK_OP_WRITE},	   /* ends outside it */
	    {0xfffffffffffffe00ull, 1024, 0, BLK_OP_READ}, /* wraps */
	    {0, 512, 0, 0},				   /* no such operation */
	    {0, 512, 0, 9},				   /* no such operation */
	    {0, 512, 0, 0xff},				   /* no such operation */
	    {0, 512, 0, BLK_OP_FLUSH},			   /* a flush with data */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long st = raw(&S->d, rd(bad[i].off, bad[i].len, bad[i].lba, bad[i].op));
		if (st != DRIVER_INVALID_PARAMETER)
			return utest_fail(__FILE__, __LINE__, "bad request %u: %ld", i, st);
	}
	/* Between and after them, it serves. */
	UASSERT_EQ(raw(&S->d, rd(512, 512, end - 1, BLK_OP_WRITE)), DRIVER_OK);
	UASSERT_EQ(raw(&S->d, rd(DATA_BYTES - 131072, 131072, end - 256, BLK_OP_READ)), DRIVER_OK);
	UASSERT_EQ(raw(&S->d, rd(0, 0, 0, BLK_OP_FLUSH)), DRIVER_OK);
	/* What the library refuses itself: an LBA that does not fit in 56 bits. */
	UASSERT_EQ(blkdev_submit(&S->d, BLK_OP_READ, 1ull << 56, 1, 0, 1, false),
		   DRIVER_INVALID_PARAMETER);
	/* And through it, a bad one comes back as its status. */
	UASSERT_EQ(blkdev_read(&S->d, end, 1, 0), DRIVER_INVALID_PARAMETER);
	uint8_t *p = blkdev_data(&S->d, 0);
	memset(p, 0xa5, 512);
	UASSERT_EQ(blkdev_write(&S->d, 7, 1, 0), DRIVER_OK);
	memset(p, 0, 512);
	UASSERT_EQ(blkdev_read(&S->d, 7, 1, 0), DRIVER_OK);
	UASSERT_EQ(p[0], 0xa5);
	UASSERT_EQ(p[511], 0xa5);
	blkdev_close(&S->d);
	struct ipc_message r;
	UASSERT_EQ(ctl(0, DRV_CTL_STATS, 0, &r), DRIVER_OK);
	UASSERT(r.w[3] >= sizeof(bad) / sizeof(bad[0]));
	/* A read-only disk refuses writes, and only writes. */
	UASSERT_EQ(fm_start(1, "ram8", "size=65536,ro", 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(1, 1), 0);
	UASSERT_EQ(blkdev_open(&S->d, fm.ep, "ram8", 4, 8192), DRIVER_OK);
	UASSERT(S->d.geo.flags & BLK_FLAG_READ_ONLY);
	UASSERT_EQ(S->d.geo.total_blocks, 128);
	UASSERT_EQ(blkdev_write(&S->d, 0, 1, 0), DRIVER_READ_ONLY);
	UASSERT_EQ(blkdev_read(&S->d, 0, 16, 0), DRIVER_OK);
	UASSERT_EQ(blkdev_flush(&S->d), DRIVER_OK);
	UASSERT_EQ(raw(&S->d, rd(0, 512, 0, BLK_OP_WRITE)), DRIVER_READ_ONLY);
	blkdev_close(&S->d);
	/* A device the manager does not have. */
	UASSERT_EQ(blkdev_open(&S->d, fm.ep, "ram7", 4, 8192), DRIVER_HARDWARE_NOT_FOUND);
	UASSERT_EQ(blkdev_open(&S->d, fm.ep, "ram8", 3, 8192), DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(blkdev_open(&S->d, fm.ep, "ram8", 4, 8191), DRIVER_INVALID_PARAMETER);
	return 0;
}

UTEST(blk_ramdisk_bad_requests)
{
	int fail = fm_setup();
	if (!fail)
		fail = bad_body();
	fm_teardown();
	return fail;
}

/* Raw control calls a client might make: refused, and nothing of them is kept. */
static int bad_calls(void)
{
	struct ipc_message r;
	uint64_t ep = fm.dev[0].ep, region[3] = {0};
	UASSERT_EQ(sys_shared_region_create(8192, PROT_READ | PROT_WRITE, NULL, &region[1]), E_OK);
	UASSERT_EQ(sys_shared_region_create(12288, PROT_READ | PROT_WRITE, NULL, &region[2]), E_OK);
	struct ipc_buffer *b = ipc_buffer();
	/* blk_layout(4, 4096) is 8192 bytes: a session on region 1, none on the others. */
	static const struct {
		uint64_t w1, w2;
		unsigned region;
		bool ok;
	} opens[] = {
	    {4, 4096, 0, false},	/* no region */
	    {16, DATA_BYTES, 1, false}, /* the region too small */
	    {4, 4096, 2, false},	/* too big */
	    {5, 4096, 1, false},	/* not a power of two */
	    {2, 4096, 1, false},	/* too few entries */
	    {512, 4096, 1, false},	/* too many */
	    {4, 4097, 1, false},	/* not whole pages */
	    {4, 0, 1, false},		/* no data */
	    {1ull << 40, 4096, 1, false},
	    {4, 4096, 1, true},
	};
	for (unsigned i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
		uint64_t w[4] = {BLK_CTL_OPEN, opens[i].w1, opens[i].w2};
		uint64_t info = MSG_INFO(24, MSG_SMALL);
		if (opens[i].region) {
			b->send_capability = region[opens[i].region];
			info |= MSG_CAP;
		}
		UASSERT_EQ(ipc_call(ep, info, w, &r), E_OK);
		if (opens[i].ok) { /* a session, closed again */
			UASSERT_EQ(r.w[0], DRIVER_OK);
			UASSERT(r.info & MSG_CAP);
			sys_cap_revoke(b->header.capability);
			uint64_t c[4] = {BLK_CTL_CLOSE, r.w[1]};
			UASSERT_EQ(ipc_call(ep, MSG_INFO(16, MSG_SMALL), c, &r), E_OK);
			UASSERT_EQ(r.w[0], DRIVER_OK);
		} else if (r.w[0] != DRIVER_INVALID_PARAMETER) {
			return utest_fail(__FILE__, __LINE__, "open %u: %llu", i,
					  (unsigned long long)r.w[0]);
		}
	}
	uint64_t n[4] = {BLK_CTL_NOTIFY, 3, 1}, c[4] = {BLK_CTL_CLOSE, 99};
	UASSERT_EQ(ipc_call(ep, MSG_INFO(24, MSG_SMALL), n, &r), E_OK);
	UASSERT_EQ(r.w[0], DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(ipc_call(ep, MSG_INFO(16, MSG_SMALL), c, &r), E_OK);
	UASSERT_EQ(r.w[0], DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(ctl(0, 0x999, 0, NULL), DRIVER_INVALID_PARAMETER);
	sys_cap_revoke(region[1]);
	sys_cap_revoke(region[2]);
	return 0;
}

static int hostile_body(void)
{
	UASSERT_EQ(fm_start(0, "ram9", "size=1048576", 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 1), 0);
	UASSERT_EQ(bad_calls(), 0);
	UASSERT_EQ(blkdev_open(&S->good, fm.ep, "ram9", 16, DATA_BYTES), DRIVER_OK);
	UASSERT_EQ(blkdev_open(&S->fwd, fm.ep, "ram9", 8, 65536), DRIVER_OK);
	UASSERT_EQ(blkdev_open(&S->back, fm.ep, "ram9", 8, 65536), DRIVER_OK);
	UASSERT_EQ(blkdev_open(&S->tail, fm.ep, "ram9", 8, 65536), DRIVER_OK);
	UASSERT_EQ(blkdev_write(&S->fwd, 0, 1, 0), DRIVER_OK); /* all of them work at first */
	UASSERT_EQ(blkdev_write(&S->back, 0, 1, 0), DRIVER_OK);
	/* Heads far forward and backward, a completion ring's tail far off. */
	uint32_t h1 = S->fwd.req.sh->head, h2 = S->back.req.sh->head;
	__atomic_store_n(&S->fwd.req.sh->head, h1 + 0x40000000u, __ATOMIC_RELEASE);
	__atomic_store_n(&S->back.req.sh->head, h2 - 1000u, __ATOMIC_RELEASE);
	__atomic_store_n(&S->tail.cmp.sh->tail, 0x12345678u, __ATOMIC_RELEASE);
	notification_signal(S->fwd.doorbell, 1ull << S->fwd.doorbell_bit);
	notification_signal(S->back.doorbell, 1ull << S->back.doorbell_bit);
	UASSERT_EQ(ring_push(&S->tail.req,
			     &(struct ring_desc){.length = 512, .arg = BLK_ARG(0, BLK_OP_READ)}),
		   E_OK);
	notification_signal(S->tail.doorbell, 1ull << S->tail.doorbell_bit);
	/* The good client is served all along. */
	UASSERT_EQ(round_trip(&S->good), 0);
	/* The others are not, even with their indices put right. */
	__atomic_store_n(&S->fwd.req.sh->head, h1, __ATOMIC_RELEASE);
	__atomic_store_n(&S->back.req.sh->head, h2, __ATOMIC_RELEASE);
	UASSERT(unanswered(&S->fwd, rd(0, 512, 0, BLK_OP_READ), 300));
	UASSERT(unanswered(&S->back, rd(0, 512, 0, BLK_OP_READ), 300));
	S->fwd.timeout_ns = 300000000ull;
	UASSERT_EQ(blkdev_read(&S->fwd, 0, 1, 0), DRIVER_TIMEOUT); /* alive, but not for it */
	UASSERT_EQ(blkdev_write(&S->good, 1, 1, 0), DRIVER_OK);
	blkdev_close(&S->fwd);
	blkdev_close(&S->back);
	blkdev_close(&S->tail);
	/* Their sessions are free again: sixteen can be open at once. */
	unsigned opened = 0;
	int fail = 0;
	while (opened < DRIVER_MAX_SESSIONS - 1 &&
	       !blkdev_open(&S->many[opened], fm.ep, "ram9", 4, 4096))
		opened++;
	if (opened != DRIVER_MAX_SESSIONS - 1)
		fail = utest_fail(__FILE__, __LINE__, "only %u more sessions", opened);
	else if (blkdev_read(&S->many[opened - 1], 3, 8, 0) != DRIVER_OK)
		fail = utest_fail(__FILE__, __LINE__, "the last session does not serve");
	if (!fail && blkdev_open(&S->over, fm.ep, "ram9", 4, 4096) != DRIVER_OUT_OF_RESOURCES)
		fail = utest_fail(__FILE__, __LINE__, "a seventeenth session");
	while (opened)
		blkdev_close(&S->many[--opened]);
	UASSERT_EQ(blkdev_read(&S->good, 0, 1, 0), DRIVER_OK);
	blkdev_close(&S->good);
	return fail;
}

UTEST(blk_ramdisk_hostile_clients)
{
	int fail = fm_setup();
	if (!fail)
		fail = hostile_body();
	fm_teardown();
	return fail;
}

/* Kill the driver of slot 0 and start generation `gen` of it. */
static int restart(unsigned gen)
{
	struct process_exit_info info;
	UASSERT_EQ(fm_end(0, true, &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_TERMINATED);
	UASSERT_EQ(fm_start(0, "ram9", "size=1048576", gen, NULL, fm.pid), 0);
	return 0;
}

static int restart_body(void)
{
	uint32_t cookie;
	int status;
	UASSERT_EQ(fm_start(0, "ram9", "size=1048576", 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 1), 0);
	UASSERT_EQ(blkdev_open(&S->d, fm.ep, "ram9", 16, DATA_BYTES), DRIVER_OK);
	/* Eight done by the first driver (not yet taken), eight it never saw. */
	for (uint32_t i = 0; i < 16; i++) {
		uint8_t *p = blkdev_data(&S->d, i * 4096);
		for (uint32_t b = 0; b < 4096; b++)
			p[b] = pattern(i, b);
		UASSERT_EQ(blkdev_submit(&S->d, BLK_OP_WRITE, i * 8, 8, i * 4096, i, i != 7),
			   DRIVER_OK);
		if (i != 7)
			continue;
		for (uint64_t end = sys_clock() + UTEST_PATIENCE_NS;
		     ring_pending(&S->d.cmp) < 8 && sys_clock() < end;)
			sys_sleep(1000000);
		UASSERT_EQ(ring_pending(&S->d.cmp), 8);
	}
	UASSERT_EQ(restart(2), 0);
	bool seen[16] = {0};
	for (int i = 0; i < 16; i++) {
		UASSERT_EQ(blkdev_complete(&S->d, &cookie, &status), DRIVER_OK);
		UASSERT(cookie < 16 && !seen[cookie]);
		seen[cookie] = true;
		UASSERT_EQ(status, DRIVER_OK);
	}
	UASSERT_EQ(S->d.reconnects, 1);
	UASSERT_EQ(S->d.restarted, 8);
	UASSERT_EQ(S->d.generation, 2);
	/* The eight resubmitted are on the new disk (a RAM disk forgets the rest). */
	UASSERT_EQ(blkdev_read(&S->d, 64, 64, 65536), DRIVER_OK);
	const uint8_t *p = blkdev_data(&S->d, 65536);
	for (uint32_t i = 8; i < 16; i++)
		for (uint32_t b = 0; b < 4096; b++)
			if (p[(i - 8) * 4096 + b] != pattern(i, b))
				return utest_fail(__FILE__, __LINE__, "write %u lost", i);
	/* Without retry they come back as DRIVER_RESTARTED. */
	S->d.retry = false;
	for (uint32_t i = 0; i < 4; i++)
		UASSERT_EQ(blkdev_submit(&S->d, BLK_OP_READ, i, 1, i * 512, 100 + i, true),
			   DRIVER_OK);
	UASSERT_EQ(restart(3), 0);
	for (int i = 0; i < 4; i++) {
		UASSERT_EQ(blkdev_complete(&S->d, &cookie, &status), DRIVER_OK);
		UASSERT(cookie >= 100 && cookie < 104);
		UASSERT_EQ(status, DRIVER_RESTARTED);
	}
	UASSERT_EQ(S->d.reconnects, 2);
	UASSERT_EQ(S->d.restarted, 12);
	S->d.retry = true;
	UASSERT_EQ(blkdev_write(&S->d, 5, 1, 0), DRIVER_OK); /* and on it goes */
	/* Given up on: what is in flight fails with DRIVER_HARDWARE_NOT_FOUND, and so does more. */
	UASSERT_EQ(blkdev_submit(&S->d, BLK_OP_READ, 0, 1, 0, 7, true), DRIVER_OK);
	fm.dev[0].given_up = true;
	struct process_exit_info info;
	UASSERT_EQ(fm_end(0, true, &info), 0);
	UASSERT_EQ(blkdev_complete(&S->d, &cookie, &status), DRIVER_OK);
	UASSERT_EQ(cookie, 7);
	UASSERT_EQ(status, DRIVER_HARDWARE_NOT_FOUND);
	UASSERT_EQ(blkdev_read(&S->d, 0, 1, 0), DRIVER_HARDWARE_NOT_FOUND);
	blkdev_close(&S->d);
	return 0;
}

UTEST(blk_ramdisk_restart)
{
	int fail = fm_setup();
	if (!fail)
		fail = restart_body();
	fm_teardown();
	return fail;
}

static int control_body(void)
{
	struct ipc_message r;
	struct process_exit_info info;
	UASSERT_EQ(fm_start(0, "ram9", "size=65536", 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 1), 0);
	UASSERT_EQ(ctl(0, DRV_CTL_PING, 0, NULL), DRIVER_OK);
	UASSERT_EQ(ctl(0, DRV_CTL_HEARTBEAT, 0, NULL), DRIVER_OK);
	UASSERT_EQ(ctl(0, DRV_CTL_INFO, 0, &r), DRIVER_OK);
	UASSERT_EQ(r.w[1], DEVICE_BLOCK);
	UASSERT_EQ(r.w[2], CAPTYPE_MEMORY);
	UASSERT_EQ(r.w[3], 1ull << 32);
	UASSERT_EQ(ctl(0, BLK_CTL_STATUS, 0, &r), DRIVER_OK);
	UASSERT_EQ(r.w[1], DEVICE_READY);
	UASSERT_EQ(ctl(0, DRV_CTL_FAULT, 77, NULL), DRIVER_INVALID_PARAMETER);
	/* Hung: it still pings, but the heartbeat is not answered. */
	UASSERT_EQ(ctl(0, DRV_CTL_FAULT, DRV_FAULT_HANG, NULL), DRIVER_OK);
	UASSERT_EQ(ctl(0, DRV_CTL_HEARTBEAT, 0, NULL), DRIVER_TIMEOUT);
	UASSERT_EQ(ctl(0, DRV_CTL_PING, 0, NULL), DRIVER_OK);
	UASSERT_EQ(fm_end(0, true, &info), 0);
	/* Crashed. */
	UASSERT_EQ(fm_start(0, "ram9", "size=65536", 2, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 2), 0);
	UASSERT_EQ(ctl(0, DRV_CTL_FAULT, DRV_FAULT_CRASH, NULL), DRIVER_OK);
	UASSERT_EQ(fm_end(0, false, &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
	/* A fault asked for by someone who is not its manager is refused. */
	UASSERT_EQ(fm_start(0, "ram9", "size=65536", 3, NULL, fm.pid + 1000), 0);
	UASSERT_EQ(fm_wait_ready(0, 3), 0);
	UASSERT_EQ(ctl(0, DRV_CTL_FAULT, DRV_FAULT_CRASH, NULL), DRIVER_INSUFFICIENT_CAPABILITIES);
	UASSERT_EQ(ctl(0, DRV_CTL_HEARTBEAT, 0, NULL), DRIVER_OK);
	UASSERT_EQ(ctl(0, DRV_CTL_STOP, 0, NULL), DRIVER_OK);
	UASSERT_EQ(fm_end(0, false, &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT_EQ(info.exit_code, 0);
	/* KESTREL_FAULT=crash-init: it faults before it is ready. */
	UASSERT_EQ(fm_start(0, "ram9", "size=65536", 4, "KESTREL_FAULT=crash-init", fm.pid), 0);
	UASSERT_EQ(fm_end(0, false, &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
	/* Bad arguments: init fails, and the driver says why in its exit code. */
	UASSERT_EQ(fm_start(0, "ram9", "size=12x", 5, NULL, fm.pid), 0);
	UASSERT_EQ(fm_end(0, false, &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT_EQ(info.exit_code, DRIVER_INVALID_PARAMETER);
	return 0;
}

UTEST(blk_driver_control)
{
	int fail = fm_setup();
	if (!fail)
		fail = control_body();
	fm_teardown();
	return fail;
}

/* With DMA the server pins each client's data (in pieces of 512 pages) and hands out segments. */
static int pinned_body(void)
{
	uint64_t dma = hw_find_cap(OBJ_DMA, 0);
	UASSERT(dma != 0);
	UASSERT_EQ(sys_cap_derive(dma, RIGHT_WRITE | RIGHT_GRANT, &fm.dma), E_OK);
	UASSERT_EQ(fm_start(0, "ram9", "size=1048576", 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 1), 0);
	UASSERT_EQ(blkdev_open(&S->d, fm.ep, "ram9", 16, 4u << 20), DRIVER_OK);
	int fail = round_trip(&S->d);
	if (fail)
		return fail;
	/* 128 KiB across the 2 MiB line where the second pin begins, and back elsewhere. */
	const uint64_t at = (2u << 20) - 65536, back = (3u << 20) + 512;
	uint8_t *p = blkdev_data(&S->d, at), *q = blkdev_data(&S->d, back);
	for (uint32_t i = 0; i < 131072; i++)
		p[i] = pattern(5, i);
	UASSERT_EQ(blkdev_write(&S->d, 100, 256, at), DRIVER_OK);
	memset(q, 0, 131072);
	UASSERT_EQ(blkdev_read(&S->d, 100, 256, back), DRIVER_OK);
	UASSERT(!memcmp(p, q, 131072));
	UASSERT_EQ(blkdev_read(&S->d, 0, 1, (4u << 20) - 512), DRIVER_OK); /* the last page */
	blkdev_close(&S->d);
	/* Opened and closed again and again: each time pinned and unpinned. */
	for (int i = 0; i < 20; i++) {
		UASSERT_EQ(blkdev_open(&S->d, fm.ep, "ram9", 4, 65536), DRIVER_OK);
		UASSERT_EQ(blkdev_read(&S->d, (uint64_t)i, 128, 0), DRIVER_OK);
		blkdev_close(&S->d);
	}
	UASSERT_EQ(ctl(0, DRV_CTL_STOP, 0, NULL), DRIVER_OK);
	struct process_exit_info info;
	UASSERT_EQ(fm_end(0, false, &info), 0);
	UASSERT_EQ(info.exit_code, 0);
	return 0;
}

UTEST(blk_ramdisk_pinned_data)
{
	int fail = fm_setup();
	if (!fail)
		fail = pinned_body();
	if (fm.dma)
		sys_cap_revoke(fm.dma);
	fm_teardown();
	return fail;
}

/* ---- Clients that die, clients that send garbage ---- */

static volatile uintptr_t wild = 8;

/* A client that opens a session, leaves requests and completions behind, and dies. */
UCHILD(blk_dying_client)
{
	struct blkdev *cd;
	if (sys_mmap(NULL, sizeof(*cd), PROT_READ | PROT_WRITE, (void **)&cd, NULL) ||
	    blkdev_open(cd, utest_cap(0), "ram9", 16, 65536))
		return 1;
	for (uint32_t i = 0; i < 8; i++)
		if (blkdev_submit(cd, BLK_OP_READ, i, 1, i * 512, i, false))
			return 2;
	for (uint32_t i = 8; i < 12; i++) /* and some never rung */
		blkdev_submit(cd, BLK_OP_WRITE, i, 1, i * 512, i, true);
	if (!strcmp(utest_child_arg, "crash"))
		*(volatile int *)wild = 1;
	return 0;
}

static int dead_body(void)
{
	uint64_t give, proc;
	struct process_exit_info info;
	UASSERT_EQ(fm_start(0, "ram9", "size=1048576", 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 1), 0);
	UASSERT_EQ(sys_cap_derive(fm.ep, RIGHT_WRITE | RIGHT_GRANT, &give), E_OK);
	static const char *const how[] = {"crash", "exit", "crash"};
	for (unsigned i = 0; i < 3; i++) {
		UASSERT_EQ(utest_start_caps("blk_dying_client", how[i], 0, &give, 1, &proc), E_OK);
		UASSERT_EQ(sys_process_wait(proc, UTEST_PATIENCE_NS, &info), E_OK);
		sys_cap_revoke(proc);
		UASSERT_EQ(info.exit_reason, i == 1 ? EXIT_NORMAL : EXIT_PAGE_FAULT);
		if (i == 1)
			UASSERT_EQ(info.exit_code, 0);
	}
	sys_cap_revoke(give);
	/* Their sessions come back to the table: all sixteen can be opened. */
	unsigned opened = 0;
	int fail = 0;
	while (opened < DRIVER_MAX_SESSIONS &&
	       !blkdev_open(&S->many[opened], fm.ep, "ram9", 4, 4096)) {
		if (blkdev_read(&S->many[opened], opened, 1, 0))
			fail = utest_fail(__FILE__, __LINE__, "session %u does not serve", opened);
		opened++;
	}
	if (!fail && opened != DRIVER_MAX_SESSIONS)
		fail = utest_fail(__FILE__, __LINE__, "%u sessions after the dead", opened);
	while (opened)
		blkdev_close(&S->many[--opened]);
	UASSERT_EQ(ctl(0, DRV_CTL_HEARTBEAT, 0, NULL), DRIVER_OK);
	return fail;
}

UTEST(blk_ramdisk_dead_clients)
{
	int fail = fm_setup();
	if (!fail)
		fail = dead_body();
	fm_teardown();
	return fail;
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 11;
}

/* Random descriptors, each completed once with some status; the driver serves on. */
static int garbage_body(void)
{
	UASSERT_EQ(fm_start(0, "ram9", "size=1048576", 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 1), 0);
	UASSERT_EQ(blkdev_open(&S->fwd, fm.ep, "ram9", 16, 65536), DRIVER_OK);
	UASSERT_EQ(blkdev_open(&S->good, fm.ep, "ram9", 16, DATA_BYTES), DRIVER_OK);
	uint64_t seed = 12345, statuses = 0;
	unsigned pending = 0, done = 0, sent = 0;
	while (done < 2000) {
		if (sent < 2000 && pending < 16) {
			uint64_t r = lcg(&seed), kind = r % 8;
			struct ring_desc rq = {
			    .offset = kind < 3 ? (lcg(&seed) % 128) * 512 : lcg(&seed) << (r % 40),
			    .length = kind < 5 ? (uint32_t)((lcg(&seed) % 300) * 512)
					       : (uint32_t)lcg(&seed),
			    .cookie = sent,
			    .arg = kind < 6 ? BLK_ARG(lcg(&seed) % 4096, 1 + lcg(&seed) % 3)
					    : lcg(&seed) * lcg(&seed)};
			UASSERT_EQ(ring_push(&S->fwd.req, &rq), E_OK);
			sent++;
			pending++;
			if (lcg(&seed) % 4 == 0 || pending == 16)
				notification_signal(S->fwd.doorbell, 1ull << S->fwd.doorbell_bit);
			continue;
		}
		struct ring_desc c;
		if (ring_pop(&S->fwd.cmp, &c)) {
			uint64_t bits;
			notification_signal(S->fwd.doorbell, 1ull << S->fwd.doorbell_bit);
			UASSERT_EQ(notification_wait(S->fwd.note, UTEST_PATIENCE_NS, &bits), E_OK);
			continue;
		}
		UASSERT(c.cookie < sent);
		UASSERT(c.arg < DRIVER_ERROR_COUNT);
		statuses |= 1ull << c.arg;
		pending--;
		done++;
	}
	/* Some of each kind got through, and some were refused. */
	UASSERT(statuses & 1ull << DRIVER_OK);
	UASSERT(statuses & 1ull << DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(round_trip(&S->good), 0);
	blkdev_close(&S->fwd);
	blkdev_close(&S->good);
	UASSERT_EQ(ctl(0, DRV_CTL_HEARTBEAT, 0, NULL), DRIVER_OK);
	return 0;
}

UTEST(blk_ramdisk_garbage_requests)
{
	int fail = fm_setup();
	if (!fail)
		fail = garbage_body();
	fm_teardown();
	return fail;
}

/* ---- A real device: the virtio-blk driver under driver_main, its DMA into the clients' pages ---- */

#define VBLK_RW_SECTORS 16384 /* ci/boot's read-write disk on virtio-pci: 8 MiB */
#define VBLK_ALL	(RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT)

static struct {
	struct hardware_caps hw;
	uint64_t derived[HWCAPS_MAX_MMIO + 3];
	unsigned n;
} vdisk;

static long vderive(uint64_t cap, uint32_t rights, uint64_t first, uint64_t extent, uint64_t *out)
{
	long err = extent ? hw_derive_range(cap, rights, first, extent, out)
			  : sys_cap_derive(cap, rights, out);
	if (!err)
		vdisk.derived[vdisk.n++] = *out;
	return err;
}

/* The disk's hardware as the manager would give it: its function, BARs, line, DMA. */
static long find_vdisk(void)
{
	uint64_t bus = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS), mmio = hw_find_cap(OBJ_MMIO, 0);
	uint64_t irq = hw_find_cap(OBJ_INTERRUPT, 0), dma = hw_find_cap(OBJ_DMA, 0);
	const void *desc = rng_machine();
	struct virtio v;
	uint32_t sbdf;
	memset(&vdisk, 0, sizeof(vdisk));
	if (!bus || !mmio || !irq || !dma || !desc)
		return E_NOT_FOUND;
	long err = virtio_pci_find(bus, VIRTIO_ID_BLOCK, &sbdf);
	for (; !err; err = virtio_pci_find_next(bus, VIRTIO_ID_BLOCK, &sbdf))
		if (!virtio_pci_place(bus, sbdf, desc) &&
		    !virtio_pci_open(&v, bus, sbdf, mmio, desc) &&
		    virtio_config(&v, 0, 8) == VBLK_RW_SECTORS)
			break;
	if (err)
		return err;
	struct hardware_caps *hw = &vdisk.hw;
	memcpy(hw->device, "blk0", 5);
	hw->sbdf = sbdf;
	if ((err = virtio_pci_describe(bus, sbdf, desc, hw->bars)) ||
	    (err = vderive(bus, VBLK_ALL, HW_DEV_ID(HW_DEV_PCI_BUS, sbdf), 1, &hw->pci)) ||
	    (err = vderive(dma, VBLK_ALL, 0, 0, &hw->dma)))
		return err;
	for (unsigned i = 0; i < 6; i++) {
		const struct pci_bar *b = &hw->bars[i];
		if (!b->size || b->io)
			continue;
		struct mmio_region *m = &hw->mmio_regions[hw->mmio_count];
		*m = (struct mmio_region){.base = b->cpu_base, .size = b->size, .writable = true};
		if ((err = vderive(mmio, VBLK_ALL | RIGHT_MAP, b->cpu_base, b->size, &m->cap)))
			return err;
		hw->mmio_count++;
	}
	hw->interrupts[0] = (struct interrupt_line){.line = v.line, .flags = v.line_flags};
	hw->interrupt_count = 1;
	return vderive(irq, VBLK_ALL, v.line, 1, &hw->interrupts[0].cap);
}

static int vblk_body(void)
{
	uint32_t cookie;
	int status;
	UASSERT_EQ(find_vdisk(), E_OK); /* ci/boot gives every machine the 8 MiB disk */
	UASSERT_EQ(fm_start_hw(0, "virtio-blk", &vdisk.hw, 1, NULL, fm.pid), 0);
	UASSERT_EQ(fm_wait_ready(0, 1), 0);
	UASSERT_EQ(blkdev_open(&S->d, fm.ep, "blk0", 16, DATA_BYTES), DRIVER_OK);
	UASSERT_EQ(S->d.geo.total_blocks * S->d.geo.block_size, VBLK_RW_SECTORS * 512ull);
	UASSERT_EQ(S->d.geo.block_size, 512);
	int fail = round_trip(&S->d);
	if (fail)
		return fail;
	/* Killed with writes in the device: each completes once, and all are on the disk. */
	for (uint32_t i = 0; i < 16; i++) {
		uint8_t *p = blkdev_data(&S->d, i * 4096);
		for (uint32_t b = 0; b < 4096; b++)
			p[b] = pattern(i + 1000, b);
		UASSERT_EQ(
		    blkdev_submit(&S->d, BLK_OP_WRITE, 4096 + i * 8, 8, i * 4096, i, i % 4 != 3),
		    DRIVER_OK);
	}
	struct process_exit_info info;
	UASSERT_EQ(fm_end(0, true, &info), 0);
	UASSERT_EQ(fm_start_hw(0, "virtio-blk", &vdisk.hw, 2, NULL, fm.pid), 0);
	bool seen[16] = {0};
	for (int i = 0; i < 16; i++) {
		UASSERT_EQ(blkdev_complete(&S->d, &cookie, &status), DRIVER_OK);
		UASSERT(cookie < 16 && !seen[cookie]);
		seen[cookie] = true;
		UASSERT_EQ(status, DRIVER_OK);
	}
	UASSERT_EQ(S->d.reconnects, 1);
	UASSERT_EQ(S->d.generation, 2);
	memset(blkdev_data(&S->d, 131072), 0, 65536);
	UASSERT_EQ(blkdev_read(&S->d, 4096, 128, 131072), DRIVER_OK);
	const uint8_t *q = blkdev_data(&S->d, 131072);
	for (uint32_t i = 0; i < 16; i++)
		for (uint32_t b = 0; b < 4096; b++)
			if (q[i * 4096 + b] != pattern(i + 1000, b))
				return utest_fail(__FILE__, __LINE__, "write %u not on the disk",
						  i);
	UASSERT_EQ(blkdev_flush(&S->d), DRIVER_OK);
	blkdev_close(&S->d);
	struct ipc_message r;
	UASSERT_EQ(ctl(0, DRV_CTL_STATS, 0, &r), DRIVER_OK);
	UASSERT(r.w[1] >= 2);
	UASSERT_EQ(ctl(0, DRV_CTL_STOP, 0, NULL), DRIVER_OK);
	UASSERT_EQ(fm_end(0, false, &info), 0);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT_EQ(info.exit_code, 0);
	return 0;
}

UTEST(blk_virtio_pci_through_the_server)
{
	int fail = fm_setup();
	if (!fail)
		fail = vblk_body();
	fm_teardown();
	for (unsigned i = 0; i < vdisk.n; i++)
		sys_cap_revoke(vdisk.derived[i]);
	memset(&vdisk, 0, sizeof(vdisk));
	return fail;
}
