/*
 * The Xous system calls (the Xous seed) as a front end over the kernel's
 * endpoints and processes. A server is an endpoint with a unique name; a
 * connection is a capability to send to it. Scalar messages carry an id
 * and four words; a memory message lends the client's pages to the server
 * until the reply, and the client cannot touch them meanwhile. Results
 * come back in the Xous layout (include/abi/syscall.h).
 */
#include "ipc/xous.h"
#include "core/hw.h"
#include "arch/hal/cpu.h"
#include "arch/hal/user.h"
#include "cap/cap.h"
#include "core/kstring.h"
#include "core/process.h"
#include "core/syscall.h"
#include "ipc/ipc.h"
#include "mm/heap.h"
#include "mm/uaccess.h"

#define MAX_SPAWN (16u << 20)
#define MAX_HEAP  (256ul << 20)

static struct ipc_endpoint *tick_claim; /* the server IRQ_TICK goes to */

static bool page_aligned(uintptr_t v)
{
	return !(v & (PAGE_SIZE - 1));
}

void xous_endpoint_gone(struct ipc_endpoint *ep)
{
	names_remove(ep);
	if (tick_claim == ep)
		tick_claim = NULL;
	hw_endpoint_gone(ep);
}

void xous_tick(void)
{
	if (tick_claim)
		ipc_notify_irq(tick_claim, IRQ_TICK);
}

/* A child of `p` by pid. */
static int child_of(struct process *p, uint64_t pid, struct process **out)
{
	struct process *q = process_find(pid);
	if (!q || q->state == P_ZOMBIE)
		return E_PROCESS_NOT_FOUND;
	if (q->parent != p)
		return E_PROCESS_NOT_CHILD;
	*out = q;
	return E_OK;
}

/*
 * Spawn: the caller's pages [origin, origin + size) leave it and become
 * the code of a new process at `target`, entered there with a fresh stack.
 * The child waits for process_resume.
 */
int sys_xous_process_spawn(struct trap_frame *tf, struct process *p)
{
	uintptr_t origin = ARG(0), target = ARG(1);
	size_t size = ARG(2);
	if (!page_aligned(origin) || !page_aligned(target) || !page_aligned(size))
		return E_BAD_ALIGNMENT;
	if (!size || size > MAX_SPAWN)
		return E_INVALID_PARAMETER;
	if (vmspace_can_unmap(&p->vs, origin, size)) /* lent, pinned (an IPC buffer), holes */
		return E_MEM_BAD_ADDRESS;
	CHECK(user_range_ok(&p->vs, origin, size, false));
	CHECK(cap_space_room(&p->caps, 1, 1));
	void *code = kmalloc(size);
	if (!code)
		return E_OUT_OF_MEMORY;
	static const char args[] = "xous-child";
	struct process_spec spec = {
	    .image = code,
	    .image_size = size,
	    .args = args,
	    .args_size = sizeof(args),
	    .flags = PROCESS_FLAT,
	    .load_address = target,
	};
	struct process *child = NULL;
	int err = copy_from_user(&p->vs, code, origin, size);
	if (!err)
		err = process_create(p, &spec, &child);
	kfree(code);
	CHECK(err);
	struct capability cap;
	err = create_capability(&p->caps, OBJ_PROCESS, child->pid, RIGHTS_ALL, &cap);
	if (!err && (err = vmspace_unmap(&p->vs, origin, size))) /* the pages leave the caller */
		revoke_capability(&p->caps, cap.token);
	if (err) {
		process_terminate(child, -1, EXIT_TERMINATED, 0);
		process_detach(child);
		process_start(child); /* it dies before its first instruction */
		return err;
	}
	RESULT(0, child->pid);
	RESULT(1, cap.token);
	return E_OK;
}

int sys_xous_process_suspend(struct trap_frame *tf, struct process *p)
{
	struct process *q;
	CHECK(child_of(p, ARG(0), &q));
	if (ARG(1) != 0) /* the CPU it runs on: one CPU runs user code today */
		return E_PROCESS_NOT_FOUND;
	process_suspend(q);
	return E_OK;
}

int sys_xous_process_resume(struct trap_frame *tf, struct process *p)
{
	struct process *q;
	CHECK(child_of(p, ARG(0), &q));
	return process_resume(q);
}

int sys_xous_process_terminate(struct trap_frame *tf, struct process *p)
{
	struct process *q;
	CHECK(child_of(p, ARG(0), &q));
	process_terminate(q, -1, EXIT_TERMINATED, 0);
	return E_OK;
}

/* A server of the caller's own, by its id (a capability with READ). */
static int own_server(struct process *p, uint64_t sid, struct ipc_endpoint **ep)
{
	CHECK(ipc_endpoint_of(p, sid, RIGHT_READ, ep));
	return (*ep)->owner == p ? E_OK : E_PERMISSION_DENIED;
}

int sys_xous_interrupt_claim(struct trap_frame *tf, struct process *p)
{
	struct ipc_endpoint *ep;
	CHECK(own_server(p, ARG(1), &ep));
	/* One line a server: its pending interrupt (ipc.c) names one. */
	if (ARG(0) != IRQ_TICK)
		return tick_claim == ep ? E_BUSY : hw_xous_claim(p, ARG(0), ep);
	if (hw_endpoint_has_line(ep))
		return E_BUSY;
	if (tick_claim && tick_claim != ep)
		return E_INTERRUPT_IN_USE;
	irqflags_t irq = arch_irq_save();
	tick_claim = ep;
	arch_irq_restore(irq);
	return E_OK;
}

/* Whether an MMIO capability covers [phys, phys + size) (the kernel's own it never does). */
static bool mmio_covers(const struct capability *cap, uint64_t phys, size_t size)
{
	uint64_t off = phys - cap->object_id;
	return phys >= cap->object_id && size && off <= cap->extent && size <= cap->extent - off &&
	       !hw_phys_is_kernel(phys, size);
}

/*
 * The caller's authority over [phys, phys + size): the MMIO capability
 * `token` names, or (token 0, as Xous passes none) any MMIO capability
 * with MAP the caller holds that covers it.
 */
static int mmio_authority(struct process *p, uint64_t token, uint64_t phys, size_t size,
			  uint32_t *rights)
{
	struct capability cap;
	if (token) {
		CHECK(cap_lookup(&p->caps, token, OBJ_MMIO, RIGHT_MAP | RIGHT_READ, &cap));
		*rights = cap.rights;
		return mmio_covers(&cap, phys, size) ? E_OK : E_PERMISSION_DENIED;
	}
	/* The most a covering capability allows: one with WRITE wins. */
	int err = E_PERMISSION_DENIED;
	for (uint32_t cursor = 0; cap_next(&p->caps, OBJ_MMIO, &cursor, &cap) == E_OK;)
		if ((cap.rights & (RIGHT_MAP | RIGHT_READ)) == (RIGHT_MAP | RIGHT_READ) &&
		    mmio_covers(&cap, phys, size) && (err || cap.rights & RIGHT_WRITE)) {
			*rights = cap.rights;
			err = E_OK;
		}
	return err;
}

/*
 * Memory: zeroed pages, or with `phys` the physical range an MMIO
 * capability (MAP and READ; WRITE for a writable mapping) covers, never
 * the kernel's own (core/hw.c); device memory, never executable.
 */
int sys_xous_memory_allocate(struct trap_frame *tf, struct process *p)
{
	uintptr_t phys = ARG(0), virt = ARG(1);
	size_t size = ARG(2);
	if (!page_aligned(phys) || !page_aligned(virt) || !page_aligned(size))
		return E_BAD_ALIGNMENT;
	if (!size)
		return E_INVALID_PARAMETER;
	uint32_t rights = RIGHT_READ | RIGHT_WRITE; /* fresh memory is the caller's own */
	if (phys)
		CHECK(mmio_authority(p, ARG(3), phys, size, &rights));
	if (!virt && !(virt = vmspace_find_free(&p->vs, USER_MMAP_BASE, size)))
		return E_OUT_OF_MEMORY;
	unsigned flags = (rights & RIGHT_WRITE ? PTE_WRITABLE : 0) | PTE_NO_EXECUTE;
	if (phys)
		CHECK(vmspace_map_phys(&p->vs, virt, phys, size, flags | PTE_CACHE_DISABLE));
	else
		CHECK(vmspace_map(&p->vs, virt, size, flags));
	RESULT(0, virt);
	return E_OK;
}

/* sbrk: the heap at XOUS_HEAP_BASE grows or shrinks to `size` (rounded up to pages). */
int sys_xous_heap_resize(struct trap_frame *tf, struct process *p)
{
	size_t size = (ARG(0) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (ARG(0) > MAX_HEAP)
		return E_OUT_OF_MEMORY;
	if (size > p->heap_size)
		CHECK(vmspace_map(&p->vs, XOUS_HEAP_BASE + p->heap_size, size - p->heap_size,
				  PTE_WRITABLE | PTE_NO_EXECUTE));
	else if (size < p->heap_size)
		CHECK(vmspace_unmap(&p->vs, XOUS_HEAP_BASE + size, p->heap_size - size));
	p->heap_size = size;
	RESULT(0, XOUS_HEAP_BASE);
	RESULT(1, size);
	return E_OK;
}

static int copy_name(struct process *p, uintptr_t name, size_t len, char *out)
{
	if (!len || len > SERVER_NAME_MAX)
		return E_INVALID_STRING;
	CHECK(copy_from_user(&p->vs, out, name, len));
	return utf8_valid(out, len) ? E_OK : E_INVALID_STRING;
}

int sys_xous_server_create(struct trap_frame *tf, struct process *p)
{
	char name[SERVER_NAME_MAX];
	size_t len = ARG(1);
	struct ipc_endpoint *ep;
	struct capability cap;
	CHECK(copy_name(p, ARG(0), len, name));
	if (names_find(name, len))
		return E_SERVER_EXISTS;
	if (ipc_servers_of(p) >= SERVERS_PER_PROCESS)
		return E_RESOURCE_EXHAUSTED; /* the names are shared: nobody takes them all */
	if (names_full())
		return E_RESOURCE_EXHAUSTED;
	CHECK(cap_space_room(&p->caps, 1, 1));
	CHECK(ipc_endpoint_new(p, true, &ep));
	int err = names_add(name, len, ep);
	if (!err)
		err =
		    create_capability(&p->caps, OBJ_IPC_ENDPOINT, ep->id,
				      RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT | RIGHT_DELETE, &cap);
	if (err) {
		ipc_endpoint_destroy(ep);
		return err;
	}
	RESULT(0, cap.token);
	RESULT(1, ep->id);
	return E_OK;
}

int sys_xous_server_receive(struct trap_frame *tf, struct process *p)
{
	struct ipc_endpoint *ep;
	CHECK(ipc_endpoint_of(p, ARG(0), RIGHT_READ, &ep));
	return ipc_receive(ep, true, 0);
}

int sys_xous_server_reply(struct trap_frame *tf, struct process *p)
{
	const struct ipc_fast fast = {
	    .xous = true,
	    .info = XOUS_BLOCKING_SCALAR,
	    .w = {ARG(2), ARG(3), ARG(4), ARG(5), ARG(6)},
	};
	int r = ipc_fast_reply_wait(p, ARG(0), ARG(1), &fast);
	if (r >= 0)
		return r;
	struct ipc_endpoint *then = NULL;
	if (ARG(1))
		CHECK(ipc_endpoint_of(p, ARG(1), RIGHT_READ, &then));
	struct kthread *self = kthread_current();
	struct ipc_msg *m = &self->ipc.msg;
	m->type = XOUS_BLOCKING_SCALAR;
	m->len = 40;
	m->has_cap = false;
	m->mem[0].len = m->mem[1].len = 0;
	m->w[0] = ARG(2);
	m->w[1] = ARG(3);
	m->w[2] = ARG(4);
	m->w[3] = ARG(5);
	m->w[4] = ARG(6);
	m->w[5] = m->w[6] = m->w[7] = 0; /* a native receiver sees all eight */
	self->ipc.xous = true;
	return ipc_reply(ARG(0), then);
}

int sys_xous_client_connect(struct trap_frame *tf, struct process *p)
{
	char name[SERVER_NAME_MAX];
	size_t len = ARG(1);
	struct capability cap;
	CHECK(copy_name(p, ARG(0), len, name));
	struct ipc_endpoint *ep = names_find(name, len);
	if (!ep)
		return E_SERVER_NOT_FOUND;
	CHECK(create_capability(&p->caps, OBJ_IPC_ENDPOINT, ep->id, RIGHT_WRITE, &cap));
	RESULT(0, cap.token);
	return E_OK;
}

/* A memory message's buffer: page aligned, the caller's, readable (writable for out). */
static int check_buffer(struct process *p, uintptr_t va, size_t len, bool write)
{
	if (!len)
		return va ? E_INVALID_PARAMETER : E_OK;
	if (!page_aligned(va) || !page_aligned(len))
		return E_BAD_ALIGNMENT;
	return user_range_ok(&p->vs, va, len, write);
}

int sys_xous_client_send(struct trap_frame *tf, struct process *p)
{
	if (ARG(1) == XOUS_BLOCKING_SCALAR) { /* no timeout: the fast path may do */
		const struct ipc_fast fast = {
		    .xous = true,
		    .info = XOUS_BLOCKING_SCALAR,
		    .w = {ARG(2), ARG(3), ARG(4), ARG(5), ARG(6)},
		};
		int r = ipc_fast_call(p, ARG(0), &fast);
		if (r >= 0)
			return r;
	}
	struct ipc_endpoint *ep;
	uint64_t channel;
	int err = ipc_target(p, ARG(0), &ep, &channel);
	if (err == E_IPC_CLOSED)
		return E_SERVER_NOT_FOUND;
	CHECK(err);
	unsigned kind = MSG_LEN(ARG(1)); /* the low byte */
	struct kthread *self = kthread_current();
	struct ipc_msg *m = &self->ipc.msg;
	m->type = (uint8_t)kind;
	m->len = 40;
	m->has_cap = false;
	m->channel = channel;
	m->mem[0].len = m->mem[1].len = 0;
	m->w[0] = ARG(2);
	m->w[1] = ARG(3);
	m->w[2] = ARG(4);
	m->w[3] = ARG(5);
	m->w[4] = ARG(6);
	m->w[5] = m->w[6] = m->w[7] = 0; /* a native receiver sees all eight */
	switch (kind) {
	case XOUS_SCALAR:
	case XOUS_BLOCKING_SCALAR:
		break;
	case XOUS_MEMORY:
		CHECK(check_buffer(p, m->w[1], m->w[2], false));
		CHECK(check_buffer(p, m->w[3], m->w[4], true));
		m->mem[0].va = m->w[1];
		m->mem[0].len = m->w[2];
		m->mem[0].writable = false;
		m->mem[1].va = m->w[3];
		m->mem[1].len = m->w[4];
		m->mem[1].writable = true;
		break;
	default:
		return E_INVALID_PARAMETER;
	}
	self->ipc.xous = true;
	return ipc_send(ep, kind != XOUS_SCALAR, (uint64_t)MSG_INFO_TIMEOUT(ARG(1)) * 1000000ull);
}
