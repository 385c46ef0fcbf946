/*
 * Files in the kernel: an OBJ_FILE capability names a file object, which
 * names a file server's endpoint and that server's handle for one open
 * file. The kernel knows nothing of file systems: SYS_OPEN asks the
 * server named FILE_SERVER_NAME to open a path and makes a capability of
 * the handle it answers with; every other call on a file, and the calls
 * on paths, are forwarded to the server as a MSG_FORWARD call from the
 * calling thread, its buffers lent for the call (include/abi/file.h). When
 * the last capability for a file object goes (closed, revoked, its
 * holders ended), the server is told with a FILE_OP_RELEASE message.
 */
#include "ipc/file.h"
#include "arch/hal/mmu.h"
#include "cap/cap.h"
#include "core/kstring.h"
#include "core/process.h"
#include "core/syscall.h"
#include "include/abi/file.h"
#include "ipc/ipc.h"
#include "mm/uaccess.h"
#include "mm/vmspace.h"
#include "core/kthread.h"

#define FILE_OBJECTS 1024u	 /* open files in the whole system */
#define FILE_IO_MAX  (16u << 20) /* the most one read or write lends */

struct file_obj {
	uint64_t ep; /* the server's endpoint id; 0: a free slot */
	uint64_t handle;
	uint32_t refs;
};

static struct file_obj files[FILE_OBJECTS];

static struct file_obj *file_of(uint64_t id)
{
	return id && id <= FILE_OBJECTS && files[id - 1].ep ? &files[id - 1] : NULL;
}

static void file_get(uint64_t id)
{
	struct file_obj *f = file_of(id);
	if (f)
		f->refs++;
}

static void file_put(uint64_t id)
{
	struct file_obj *f = file_of(id);
	if (!f || --f->refs)
		return;
	struct ipc_endpoint *ep = ipc_endpoint_find(f->ep);
	if (ep)
		ipc_file_released(ep, f->handle);
	f->ep = 0;
}

void file_init(void)
{
	static const struct cap_object_ops ops = {file_get, file_put};
	memset(files, 0, sizeof(files));
	cap_set_object_ops(OBJ_FILE, &ops);
}

struct ipc_endpoint *file_server(void)
{
	return names_find(FILE_SERVER_NAME, sizeof(FILE_SERVER_NAME) - 1);
}

static uintptr_t page_down(uintptr_t v)
{
	return v & ~(uintptr_t)(PAGE_SIZE - 1);
}

static uintptr_t page_up(uintptr_t v)
{
	return (v + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1);
}

/*
 * The pages of b[0] and b[1] as the message's loans: one span each, or
 * one for both when their pages meet (a page is lent once).
 */
static int plan_loans(struct process *p, struct ipc_msg *m, const struct fwd_buf b[2])
{
	m->mem[0].len = m->mem[1].len = 0;
	unsigned n = 0;
	for (unsigned j = 0; j < 2; j++) {
		m->fwd[j].slot = 0xff;
		if (!b[j].len)
			continue;
		if (b[j].va + b[j].len < b[j].va || b[j].va + b[j].len > USER_TOP)
			return E_MEM_BAD_ADDRESS;
		uintptr_t lo = page_down(b[j].va), hi = page_up(b[j].va + b[j].len);
		/* The caller's own memory, lendable (not lent, a device's or shared), writable if need be. */
		CHECK(vmspace_lend_check(&p->vs, lo, hi - lo, b[j].writable));
		if (n && lo < m->mem[0].va + m->mem[0].len && m->mem[0].va < hi) { /* they meet */
			uintptr_t old = m->mem[0].va;
			uintptr_t end = m->mem[0].va + m->mem[0].len;
			m->mem[0].va = lo < old ? lo : old;
			m->mem[0].len = (hi > end ? hi : end) - m->mem[0].va;
			m->mem[0].writable |= b[j].writable;
			m->fwd[0].off += old - m->mem[0].va;
			m->fwd[j].slot = 0;
			m->fwd[j].off = b[j].va - m->mem[0].va;
			continue;
		}
		m->mem[n].va = lo;
		m->mem[n].len = hi - lo;
		m->mem[n].writable = b[j].writable;
		m->fwd[j].slot = (uint8_t)n;
		m->fwd[j].off = b[j].va - lo;
		n++;
	}
	return E_OK;
}

int file_forward(struct ipc_endpoint *ep, uint64_t w[8], const struct fwd_buf b[2], uint64_t out[3])
{
	struct kthread *self = kthread_current();
	struct ipc_msg *m = &self->ipc.msg;
	if (!ep)
		return E_NO_FILE_SERVER;
	m->type = MSG_FORWARD;
	m->len = MSG_MAX_BYTES;
	m->has_cap = false;
	m->channel = 0;
	w[FWD_BUF0] = w[FWD_BUF1] = 0;
	w[FWD_LEN0] = b[0].len;
	w[FWD_LEN1] = b[1].len;
	memcpy(m->w, w, sizeof(m->w));
	CHECK(plan_loans(self->proc, m, b));
	self->ipc.xous = false;
	self->ipc.kcall = true;
	int err = ipc_send(ep, true, 0);
	self->ipc.kcall = false;
	if (err == E_SERVER_NOT_FOUND || err == E_IPC_CLOSED ||
	    (err == E_PROCESS_TERMINATED && !self->killed))
		return E_NO_FILE_SERVER; /* it went before or while it had the call */
	CHECK(err);
	if (m->w[0] >= 256)
		return E_IPC_INVALID_REPLY; /* not a status: a server gone wrong */
	out[0] = m->w[1];
	out[1] = m->w[2];
	out[2] = m->w[3];
	return (int)m->w[0];
}

/* The file object an OBJ_FILE capability with `rights` names. */
static int file_cap(struct process *p, uint64_t token, uint32_t rights, struct file_obj **out)
{
	struct capability cap;
	CHECK(cap_lookup(&p->caps, token, OBJ_FILE, rights, &cap));
	*out = file_of(cap.object_id);
	return *out ? E_OK : E_INVALID_CAPABILITY;
}

/* A call on an open file: its server and handle into the words. */
static int forward_file(struct file_obj *f, uint64_t w[8], const struct fwd_buf b[2],
			uint64_t out[3])
{
	w[FWD_HANDLE] = f->handle;
	return file_forward(ipc_endpoint_find(f->ep), w, b, out);
}

static int read_or_write(struct trap_frame *tf, struct process *p, bool write)
{
	struct file_obj *f;
	CHECK(file_cap(p, ARG(0), write ? RIGHT_WRITE : RIGHT_READ, &f));
	size_t len = ARG(2);
	if (len > FILE_IO_MAX)
		len = FILE_IO_MAX; /* a short count: the caller goes on */
	uint64_t w[8] = {write ? FILE_OP_WRITE : FILE_OP_READ};
	struct fwd_buf b[2] = {{0}, {0}};
	b[write ? 0 : 1] = (struct fwd_buf){.va = ARG(1), .len = len, .writable = !write};
	uint64_t out[3];
	CHECK(forward_file(f, w, b, out));
	RESULT(0, out[0] <= len ? out[0] : len);
	return E_OK;
}

int file_sys_read(struct trap_frame *tf, struct process *p)
{
	return read_or_write(tf, p, false);
}

int file_sys_write(struct trap_frame *tf, struct process *p)
{
	return read_or_write(tf, p, true);
}

/* A free file object, or NULL. */
static struct file_obj *file_slot(void)
{
	for (unsigned i = 0; i < FILE_OBJECTS; i++)
		if (!files[i].ep)
			return &files[i];
	return NULL;
}

int sys_open(struct trap_frame *tf, struct process *p)
{
	uint64_t flags = ARG(2);
	if (!ARG(1) || ARG(1) > FILE_PATH_MAX ||
	    flags &
		~(uint64_t)(FILE_READ | FILE_WRITE | FILE_CREATE | FILE_TRUNCATE | FILE_APPEND) ||
	    !(flags & (FILE_READ | FILE_WRITE)) ||
	    (flags & (FILE_CREATE | FILE_TRUNCATE | FILE_APPEND) && !(flags & FILE_WRITE)))
		return E_INVALID_PARAMETER;
	if (!file_slot())
		return E_RESOURCE_EXHAUSTED;
	CHECK(cap_space_room(&p->caps, 1, 1));
	struct ipc_endpoint *ep = file_server();
	if (!ep)
		return E_NO_FILE_SERVER;
	uint64_t id = ep->id, w[8] = {FILE_OP_OPEN, [FWD_ARG] = flags}, out[3];
	const struct fwd_buf b[2] = {{.va = ARG(0), .len = ARG(1)}, {0}};
	CHECK(file_forward(ep, w, b, out));
	/* The call blocked: what was checked before may have changed; see again. */
	struct file_obj *f = file_slot();
	ep = ipc_endpoint_find(id);
	int err = !ep  ? E_NO_FILE_SERVER
		  : !f ? E_RESOURCE_EXHAUSTED
		       : cap_space_room(&p->caps, 1, 1);
	struct capability cap;
	if (!err) {
		*f = (struct file_obj){.ep = ep->id, .handle = out[0], .refs = 0};
		uint32_t rights = RIGHT_GRANT | RIGHT_DELETE |
				  (flags & FILE_READ ? RIGHT_READ : 0) |
				  (flags & FILE_WRITE ? RIGHT_WRITE : 0);
		err =
		    create_capability(&p->caps, OBJ_FILE, (uint64_t)(f - files) + 1, rights, &cap);
		if (err)
			f->ep = 0;
	}
	if (err) { /* the server opened it: let it go again */
		if (ep)
			ipc_file_released(ep, out[0]);
		return err;
	}
	RESULT(0, cap.token);
	RESULT(1, out[1]);
	return E_OK;
}

int sys_seek(struct trap_frame *tf, struct process *p)
{
	struct file_obj *f;
	CHECK(file_cap(p, ARG(0), 0, &f));
	if (ARG(2) > SEEK_END)
		return E_INVALID_PARAMETER;
	uint64_t w[8] = {FILE_OP_SEEK, [FWD_ARG] = ARG(1), [FWD_ARG2] = ARG(2)}, out[3];
	const struct fwd_buf b[2] = {{0}, {0}};
	CHECK(forward_file(f, w, b, out));
	RESULT(0, out[0]);
	return E_OK;
}

int sys_close(struct trap_frame *tf, struct process *p)
{
	struct file_obj *f;
	CHECK(file_cap(p, ARG(0), 0, &f));
	/* The capability goes; with the file's last one the server hears FILE_OP_RELEASE. */
	return revoke_capability(&p->caps, ARG(0));
}

int sys_file_call(struct trap_frame *tf, struct process *p)
{
	(void)p; /* the forward lends from the running thread's process */
	uint64_t op = ARG(0);
	bool out_buf = op == FILE_OP_STAT || op == FILE_OP_READDIR || op == FILE_OP_CHECK;
	if (op < FILE_OP_STAT || op > FILE_OP_USER_LAST || ARG(2) > FILE_PATH_MAX ||
	    (!out_buf && ARG(4) > FILE_PATH_MAX) || ARG(4) > FILE_IO_MAX)
		return E_INVALID_PARAMETER;
	uint64_t w[8] = {op, [FWD_ARG] = ARG(5)}, out[3];
	const struct fwd_buf b[2] = {{.va = ARG(1), .len = ARG(2)},
				     {.va = ARG(3), .len = ARG(4), .writable = out_buf}};
	CHECK(file_forward(file_server(), w, b, out));
	RESULT(0, out[0]);
	RESULT(1, out[1]);
	RESULT(2, out[2]);
	return E_OK;
}
