/*
 * The file server: one FAT12 volume (fs/fat.h) on a block device of the
 * device manager's, served as the Xous server FILE_SERVER_NAME. It takes
 * only what the kernel forwards (MSG_FORWARD, include/abi/file.h): the
 * kernel has checked the caller's capability and lent its buffers, and
 * the words name the operation, the buffers as they appear here, and the
 * handle of an open file. Everything in them is checked again here before
 * anything changes: a handle must be live, a path short and free of NULs,
 * a buffer as long as the call says.
 *
 * An open file is a handle: the path it was opened by, a position and the
 * open flags. The kernel tells us when the last capability for one goes
 * (FILE_OP_RELEASE). Every change reaches the disk, in the library's
 * order, and is flushed before the reply: what a client saw acknowledged
 * survives the server's end, however it ends.
 */
#include "fs/server/fsserv.h"
#include "drivers/lib/blkdev.h"
#include "drivers/lib/devmgr.h"
#include "fs/fat.h"
#include "fs/server/blkfat.h"
#include "fs/server/fsserv_internal.h"
#include "include/abi/file.h"
#include "ipc.h"
#include "kestrel.h"

#define HANDLES		 128
#define POLL_MS		 200 /* how often the lifeline is looked at while idle */
#define FIND_PATIENCE_NS 10000000000ull
#define EXIT_NO_VOLUME	 2

struct handle {
	bool used;
	uint16_t gen;
	uint32_t flags;
	uint32_t pos;
	char path[FILE_PATH_MAX + 1];
};

static struct fat_vol vol;
static struct blkdev disk;
static struct handle handles[HANDLES];

int fs_error(int fat_err)
{
	switch (fat_err) {
	case FAT_OK:
		return E_OK;
	case FAT_E_IO:
		return E_FS_IO;
	case FAT_E_CORRUPT:
		return E_FS_CORRUPT;
	case FAT_E_NOT_FOUND:
		return E_NOT_FOUND;
	case FAT_E_EXISTS:
		return E_FILE_EXISTS;
	case FAT_E_NOT_DIR:
		return E_NOT_DIRECTORY;
	case FAT_E_IS_DIR:
		return E_IS_DIRECTORY;
	case FAT_E_NOT_EMPTY:
		return E_DIR_NOT_EMPTY;
	case FAT_E_NO_SPACE:
		return E_NO_SPACE;
	case FAT_E_NAME:
		return E_BAD_NAME;
	case FAT_E_READ_ONLY:
		return E_READ_ONLY;
	default:
		return E_INVALID_PARAMETER;
	}
}

struct fat_vol *fs_volume(void)
{
	return &vol;
}

/* A path the kernel lent (len bytes at va, no NUL needed) as a C string: absolute, no NULs. */
int fs_path(uint64_t va, uint64_t len, char out[FILE_PATH_MAX + 1])
{
	if (!va || !len || len > FILE_PATH_MAX)
		return E_INVALID_PARAMETER;
	memcpy(out, (const void *)(uintptr_t)va, len);
	out[len] = 0;
	if (strlen(out) != len || out[0] != '/')
		return E_INVALID_PARAMETER;
	return E_OK;
}

/* A handle's word: the slot and its generation, so a stale word names nothing. */
static uint64_t handle_word(const struct handle *h)
{
	return (uint64_t)(h - handles) | (uint64_t)h->gen << 16;
}

static struct handle *handle_of(uint64_t word)
{
	uint64_t slot = word & 0xffff;
	if (slot >= HANDLES || !handles[slot].used || handles[slot].gen != (word >> 16 & 0xffff) ||
	    word >> 32)
		return NULL;
	return &handles[slot];
}

static int op_open(const uint64_t *w, uint64_t *r)
{
	struct handle *h = NULL;
	for (unsigned i = 0; i < HANDLES && !h; i++)
		if (!handles[i].used)
			h = &handles[i];
	if (!h)
		return E_RESOURCE_EXHAUSTED;
	char path[FILE_PATH_MAX + 1];
	CHECKED(fs_path(w[FWD_BUF0], w[FWD_LEN0], path));
	uint32_t flags = (uint32_t)w[FWD_ARG];
	struct fat_stat st;
	int err = fat_stat(&vol, path, &st);
	static const uint8_t none;
	if (err == FAT_E_NOT_FOUND && flags & FILE_CREATE)
		err = fat_write(&vol, path, 0, &none, 0, true, false);
	else if (!err && st.dir)
		return E_IS_DIRECTORY;
	else if (!err && flags & FILE_WRITE && st.attr & FAT_ATTR_READ_ONLY)
		return E_READ_ONLY;
	else if (!err && flags & FILE_TRUNCATE)
		err = fat_write(&vol, path, 0, &none, 0, false, true);
	if (!err)
		err = fat_stat(&vol, path, &st);
	if (err)
		return fs_error(err);
	h->used = true;
	h->gen++;
	h->flags = flags;
	h->pos = 0;
	memcpy(h->path, path, sizeof(path));
	r[0] = handle_word(h);
	r[1] = st.size;
	return E_OK;
}

static int op_read(struct handle *h, const uint64_t *w, uint64_t *r)
{
	uint32_t got = 0, len = w[FWD_LEN1] > UINT32_MAX ? UINT32_MAX : (uint32_t)w[FWD_LEN1];
	if (!(h->flags & FILE_READ))
		return E_PERMISSION_DENIED;
	int err = fat_read(&vol, h->path, h->pos, (void *)(uintptr_t)w[FWD_BUF1], len, &got);
	if (err)
		return fs_error(err);
	h->pos += got;
	r[0] = got;
	return E_OK;
}

static int op_write(struct handle *h, const uint64_t *w, uint64_t *r)
{
	if (!(h->flags & FILE_WRITE))
		return E_PERMISSION_DENIED;
	uint64_t len = w[FWD_LEN0];
	if (h->flags & FILE_APPEND) {
		struct fat_stat st;
		int err = fat_stat(&vol, h->path, &st);
		if (err)
			return fs_error(err);
		h->pos = st.size;
	}
	if (len > UINT32_MAX - h->pos)
		return E_NO_SPACE; /* past what a FAT file can hold */
	int err = fat_write(&vol, h->path, h->pos, (const void *)(uintptr_t)w[FWD_BUF0],
			    (uint32_t)len, false, false);
	if (err)
		return fs_error(err);
	h->pos += (uint32_t)len;
	r[0] = len;
	return E_OK;
}

static int op_seek(struct handle *h, const uint64_t *w, uint64_t *r)
{
	struct fat_stat st;
	int64_t base = 0, off = (int64_t)w[FWD_ARG];
	if (w[FWD_ARG2] == SEEK_CUR) {
		base = h->pos;
	} else if (w[FWD_ARG2] == SEEK_END) {
		int err = fat_stat(&vol, h->path, &st);
		if (err)
			return fs_error(err);
		base = st.size;
	} else if (w[FWD_ARG2] != SEEK_SET) {
		return E_INVALID_PARAMETER;
	}
	if ((off < 0 && -off > base) || (off > 0 && (uint64_t)(base + off) > UINT32_MAX))
		return E_INVALID_PARAMETER;
	h->pos = (uint32_t)(base + off);
	r[0] = h->pos;
	return E_OK;
}

static void stat_out(const struct fat_stat *st, struct file_stat *out)
{
	*out = (struct file_stat){.size = st->size,
				  .attr = st->attr,
				  .first_cluster = st->first_cluster,
				  .date = st->date,
				  .time = st->time};
}

/* The output buffer of a call, if it is there and holds `need` bytes. */
static void *out_buf(const uint64_t *w, size_t need)
{
	return w[FWD_BUF1] && w[FWD_LEN1] >= need ? (void *)(uintptr_t)w[FWD_BUF1] : NULL;
}

static int op_stat(const uint64_t *w)
{
	char path[FILE_PATH_MAX + 1];
	CHECKED(fs_path(w[FWD_BUF0], w[FWD_LEN0], path));
	struct file_stat *out = out_buf(w, sizeof(*out));
	if (!out)
		return E_INVALID_PARAMETER;
	struct fat_stat st;
	int err = fat_stat(&vol, path, &st);
	if (err)
		return fs_error(err);
	stat_out(&st, out);
	return E_OK;
}

static int op_readdir(const uint64_t *w, uint64_t *r)
{
	char path[FILE_PATH_MAX + 1];
	CHECKED(fs_path(w[FWD_BUF0], w[FWD_LEN0], path));
	struct file_dirent *out = out_buf(w, sizeof(*out));
	if (!out)
		return E_INVALID_PARAMETER;
	size_t max = w[FWD_LEN1] / sizeof(*out);
	uint32_t index = w[FWD_ARG] > UINT32_MAX ? UINT32_MAX : (uint32_t)w[FWD_ARG];
	size_t n = 0;
	for (; n < max; n++, index++) {
		struct fat_stat st;
		int err = fat_readdir(&vol, path, index, &st);
		if (err == FAT_E_NOT_FOUND && (n || index))
			break; /* the end (a missing directory at index 0 is an error) */
		if (err)
			return fs_error(err);
		struct file_dirent *e = &out[n];
		memset(e, 0, sizeof(*e));
		memcpy(e->name, st.name, sizeof(e->name));
		e->name[sizeof(e->name) - 1] = 0;
		e->attr = st.attr;
		e->date = st.date;
		e->time = st.time;
		e->size = st.size;
	}
	r[0] = n;
	r[1] = index;
	return E_OK;
}

/* MKDIR, RMDIR, UNLINK: one path. */
static int op_path(const uint64_t *w)
{
	char path[FILE_PATH_MAX + 1];
	CHECKED(fs_path(w[FWD_BUF0], w[FWD_LEN0], path));
	int err = w[FWD_OP] == FILE_OP_MKDIR   ? fat_mkdir(&vol, path)
		  : w[FWD_OP] == FILE_OP_RMDIR ? fat_rmdir(&vol, path)
					       : fat_unlink(&vol, path);
	return fs_error(err);
}

static int op_rename(const uint64_t *w)
{
	char from[FILE_PATH_MAX + 1], to[FILE_PATH_MAX + 1];
	CHECKED(fs_path(w[FWD_BUF0], w[FWD_LEN0], from));
	CHECKED(fs_path(w[FWD_BUF1], w[FWD_LEN1], to));
	return fs_error(fat_rename(&vol, from, to));
}

static int op_check(const uint64_t *w)
{
	struct file_check *out = out_buf(w, sizeof(*out));
	if (!out)
		return E_INVALID_PARAMETER;
	struct fat_check_report rep;
	int err = fat_check(&vol, &rep);
	if (err)
		return fs_error(err);
	*out = (struct file_check){.lost_clusters = rep.lost_clusters,
				   .cross_linked = rep.cross_linked,
				   .bad_sizes = rep.bad_sizes,
				   .bad_chains = rep.bad_chains,
				   .fat_mismatch = rep.fat_copies_differ,
				   .files = rep.files,
				   .dirs = rep.dirs};
	return E_OK;
}

/* The FAT date and time of now (UTC) for what is written next; 1980-01-01 without a clock. */
static void stamp_now(void)
{
	uint64_t ns;
	if (sys_clock_realtime(&ns))
		return;
	uint64_t secs = ns / 1000000000ull, days = secs / 86400, t = secs % 86400;
	/* The civil date of a day count from 1970 (Howard Hinnant's days-to-civil steps). */
	uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	unsigned d = (unsigned)(doy - (153 * mp + 2) / 5 + 1),
		 m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	unsigned y = (unsigned)(yoe + era * 400 + (m <= 2));
	if (y < 1980 || y > 2107)
		return;
	fat_set_clock(&vol, fat_date(y, m, d),
		      fat_time((unsigned)(t / 3600), (unsigned)(t / 60 % 60), (unsigned)(t % 60)));
}

/* One forwarded call: its status, results in r[0..2]. */
static int serve(const uint64_t *w, uint64_t *r)
{
	uint64_t op = w[FWD_OP];
	if (op != FILE_OP_READ && op != FILE_OP_STAT && op != FILE_OP_READDIR)
		stamp_now(); /* what may write gets the time it happens at */
	if (op >= FILE_OP_R2 && op <= FILE_OP_R2 + 0xff)
		return fs_r2(w, r);
	struct handle *h = NULL;
	if (op == FILE_OP_READ || op == FILE_OP_WRITE || op == FILE_OP_SEEK) {
		if (!(h = handle_of(w[FWD_HANDLE])))
			return E_INVALID_CAPABILITY; /* stale: from before a restart, or released */
	}
	switch (op) {
	case FILE_OP_OPEN:
		return op_open(w, r);
	case FILE_OP_READ:
		return op_read(h, w, r);
	case FILE_OP_WRITE:
		return op_write(h, w, r);
	case FILE_OP_SEEK:
		return op_seek(h, w, r);
	case FILE_OP_STAT:
		return op_stat(w);
	case FILE_OP_READDIR:
		return op_readdir(w, r);
	case FILE_OP_MKDIR:
	case FILE_OP_RMDIR:
	case FILE_OP_UNLINK:
		return op_path(w);
	case FILE_OP_RENAME:
		return op_rename(w);
	case FILE_OP_CHECK:
		return op_check(w);
	case FILE_OP_SYNC:
		return blkdev_flush(&disk) ? E_FS_IO : E_OK;
	default:
		return E_NOT_IMPLEMENTED;
	}
}

/* 1: mounted; 0: the disk is there and holds no FAT12; -1: no such disk (yet). */
static int try_disk(uint64_t mgr, const char *name)
{
	if (blkdev_open(&disk, mgr, name, 16, BLKFAT_WINDOW))
		return -1;
	struct fat_dev dev = blkfat_dev(&disk);
	if (disk.geo.block_size == FAT_SECTOR && !fat_mount(&vol, &dev))
		return 1;
	blkdev_close(&disk);
	return 0;
}

/* Whether none of the manager's devices is still coming up (a driver starting or restarting). */
static bool devices_settled(uint64_t mgr)
{
	unsigned state;
	for (unsigned i = 0; !devmgr_list(mgr, i, NULL, NULL, &state, NULL, NULL); i++)
		if (state == DEVSTATE_STARTING || state == DEVSTATE_RESTARTING)
			return false;
	return true;
}

/*
 * The named disk, or the first block device holding FAT12. The manager
 * may still be starting them: a disk not there yet is waited for while
 * drivers are coming up, a while at most.
 */
static bool find_volume(uint64_t mgr, const char *want)
{
	uint64_t deadline = sys_clock() + FIND_PATIENCE_NS;
	do {
		bool settled = devices_settled(mgr); /* before the look: a disk up since is seen */
		if (want && want[0]) {
			int r = try_disk(mgr, want);
			if (r >= 0)
				return r > 0;
		}
		char name[8];
		for (unsigned n = 0; !(want && want[0]) && n < 8; n++) {
			snprintf(name, sizeof(name), "blk%u", n);
			if (try_disk(mgr, name) > 0)
				return true;
		}
		if (settled)
			return false; /* every disk is up, and none holds FAT12 */
		sys_sleep(200000000);
	} while (sys_clock() < deadline);
	return false;
}

static bool lifeline_gone(uint64_t life)
{
	return life && sys_cap_validate(life, RIGHT_READ, NULL, NULL, NULL);
}

int fsserv_main(int argc, char **argv)
{
	uint64_t mgr = kestrel_given_cap(0), life = kestrel_given_cap(1), ep;
	if (!find_volume(mgr, argc >= 1 ? argv[0] : NULL)) {
		printf("fsserv: no FAT12 volume on any disk\n");
		return EXIT_NO_VOLUME;
	}
	if (xous_server_create(FILE_SERVER_NAME, &ep)) {
		printf("fsserv: the name %s is taken\n", FILE_SERVER_NAME);
		blkdev_close(&disk);
		return 1;
	}
	/* A write cut short (a crash, our own kill) leaves lost clusters at most: free them. */
	struct fat_check_report rep;
	int rec = fat_recover(&vol, &rep);
	if (rec || rep.lost_clusters || rep.fat_copies_differ)
		printf("fsserv: %s: %s (%u lost clusters, %u FAT entries differing)\n", disk.name,
		       rec ? "damaged: served as it is" : "recovered", rep.lost_clusters,
		       rep.fat_copies_differ);
	printf("fsserv: serving %s (FAT12, %u clusters of %u bytes)\n", disk.name, vol.clusters,
	       vol.cluster_size);
	struct ipc_message m;
	long rc = ipc_receive(ep, POLL_MS, &m);
	for (unsigned served = 0;; served++) {
		/* Looked at while idle, and now and then while busy. */
		if ((rc || !(served % 256)) && lifeline_gone(life))
			break;
		if (rc) {
			fs_r2_reap();
			rc = ipc_receive(ep, POLL_MS, &m);
			continue;
		}
		uint64_t w[8], r[3] = {0, 0, 0}, out[4];
		memcpy(w, m.w, 4 * sizeof(w[0]));
		memcpy(w + 4, &ipc_buffer()->words[4], 4 * sizeof(w[0]));
		bool forwarded = MSG_TYPE(m.info) == MSG_FORWARD;
		if (forwarded && !m.sender && w[FWD_OP] == FILE_OP_RELEASE) {
			struct handle *h = handle_of(w[FWD_HANDLE]);
			if (h)
				h->used = false;
			rc = ipc_receive(ep, POLL_MS, &m);
			continue;
		}
		int status =
		    forwarded ? serve(w, r) : E_PERMISSION_DENIED; /* not from the kernel */
		if (!m.reply) {
			rc = ipc_receive(ep, POLL_MS, &m);
			continue;
		}
		out[0] = (uint64_t)status;
		out[1] = r[0];
		out[2] = r[1];
		out[3] = r[2];
		/* A failed reply (the caller went meanwhile) leaves rc set: the loop receives. */
		rc = ipc_reply_receive(m.reply, MSG_INFO(32, MSG_SMALL), out, ep, &m);
	}
	blkdev_flush(&disk);
	blkdev_close(&disk);
	return 0;
}
