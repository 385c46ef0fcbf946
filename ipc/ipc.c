/*
 * IPC in the kernel (see ipc.h). Endpoints are rendezvous points: a sender
 * finding no receiver queues itself (its message stays in its own thread)
 * and blocks; a receiver finding no sender does the same. Whoever arrives
 * second moves the message from one thread's registers to the other's,
 * so no message is ever buffered in the kernel. A call that was received
 * waits on a reply token; the reply writes straight into the caller's
 * registers.
 */
#include "ipc/ipc.h"
#include "ipc/file.h"
#include "include/abi/file.h"
#include "ipc/notify.h"
#include "ipc/xous.h"
#include "arch/hal/cpu.h"
#include "arch/hal/user.h"
#include "cap/cap.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "core/metrics.h"
#include "core/process.h"
#include "core/syscall.h"
#include "mm/heap.h"
#include "mm/phys.h"

/* One page of IPC buffer per thread, in a window below the first stack. */
#define BUF_SLOTS  64u
#define BUF_WINDOW (USER_TOP - 0x800000ul)

struct ipc_channel {
	uint64_t id;
	uint64_t ep[2]; /* end 0 sends to ep[1], end 1 to ep[0] */
	struct process *owner;
	uint32_t refs; /* capabilities for either end: it closes with the last */
};

static struct ipc_table endpoints, channels;

#define current kthread_current()

static struct kthread *thread_of_link(struct ipc_link *l)
{
	return (struct kthread *)((char *)l - offsetof(struct kthread, ipc.link));
}

static void channel_close(struct ipc_channel *ch);

/*
 * Capabilities hold references (cap/cap.h's object hooks, keyed by object
 * id, so a capability outliving its object finds nothing): an endpoint or
 * a channel goes with its last capability, or with its owner.
 */
static void endpoint_get(uint64_t id)
{
	struct ipc_endpoint *ep = ipc_endpoint_find(id);
	if (ep)
		ep->refs++;
}

static void endpoint_put(uint64_t id)
{
	struct ipc_endpoint *ep = ipc_endpoint_find(id);
	if (ep && !--ep->refs)
		ipc_endpoint_destroy(ep);
}

static void channel_get(uint64_t id)
{
	struct ipc_channel *ch = ipc_table_get(&channels, id >> 1);
	if (ch)
		ch->refs++;
}

static void channel_put(uint64_t id)
{
	struct ipc_channel *ch = ipc_table_get(&channels, id >> 1);
	if (ch && !--ch->refs)
		channel_close(ch);
}

void ipc_init(void)
{
	static const struct cap_object_ops endpoint_ops = {endpoint_get, endpoint_put};
	static const struct cap_object_ops channel_ops = {channel_get, channel_put};
	memset(&endpoints, 0, sizeof(endpoints));
	memset(&channels, 0, sizeof(channels));
	reply_init();
	names_init();
	cap_set_object_ops(OBJ_IPC_ENDPOINT, &endpoint_ops);
	cap_set_object_ops(OBJ_IPC_CHANNEL, &channel_ops);
	notify_init();
	file_init();
}

/*
 * The thread's IPC buffer, mapped at its first use in a free slot of the
 * window and pinned there (mm/vmspace.h): while the thread lives no
 * munmap, lend or spawn can take the page the kernel writes through.
 */
static int buffer_of(struct kthread *t, struct ipc_buffer **out)
{
	if (!t->ipc.buf) {
		struct process *p = t->proc;
		uintptr_t va = 0;
		unsigned slot;
		int err = E_OK;
		for (slot = 0; slot < BUF_SLOTS; slot++) {
			if (p->ipc_slots >> slot & 1)
				continue;
			va = BUF_WINDOW + slot * PAGE_SIZE;
			err = vmspace_map(&p->vs, va, PAGE_SIZE, PTE_WRITABLE | PTE_NO_EXECUTE);
			if (err !=
			    E_MEM_ALREADY_MAPPED) /* the process may have put something there */
				break;
		}
		if (slot == BUF_SLOTS)
			return E_RESOURCE_EXHAUSTED;
		CHECK(err);
		uint64_t pa;
		translate(&p->vs.pt, va, &pa); /* just mapped: it cannot fail */
		vmspace_pin(&p->vs, va, true);
		p->ipc_slots |= 1ull << slot;
		t->ipc.buf_va = va;
		t->ipc.buf = phys_to_virt(pa);
	}
	if (out)
		*out = t->ipc.buf;
	return E_OK;
}

void ipc_thread_exit(struct kthread *t)
{
	if (!t->ipc.buf)
		return;
	struct process *p = t->proc;
	vmspace_pin(&p->vs, t->ipc.buf_va, false);
	vmspace_unmap(&p->vs, t->ipc.buf_va, PAGE_SIZE);
	p->ipc_slots &= ~(1ull << ((t->ipc.buf_va - BUF_WINDOW) / PAGE_SIZE));
	t->ipc.buf = NULL;
	t->ipc.buf_va = 0;
}

/* Give back what `t` lent for its call. */
static void unlend_all(struct kthread *t)
{
	while (t->ipc.nloans) {
		struct ipc_loan *l = &t->ipc.loans[--t->ipc.nloans];
		vmspace_unlend(&t->proc->vs, l->va, l->len, l->to, l->to_va);
	}
}

/* The lender is dying: what it lent stays with the borrower, as the borrower's own. */
static void orphan_all(struct kthread *t)
{
	while (t->ipc.nloans) {
		struct ipc_loan *l = &t->ipc.loans[--t->ipc.nloans];
		vmspace_lend_orphan(&t->proc->vs, l->va, l->len, l->to, l->to_va);
	}
}

/*
 * Lend a memory message's buffers to `to`; their addresses there go into
 * words 1 and 3 (for MSG_FORWARD, each buffer's place in the pages lent).
 */
static int lend(struct kthread *from, struct ipc_msg *m, struct kthread *to)
{
	for (unsigned i = 0; i < 2; i++) /* both checked before either is lent */
		if (m->mem[i].len)
			CHECK(vmspace_lend_check(&from->proc->vs, m->mem[i].va, m->mem[i].len,
						 m->mem[i].writable));
	uintptr_t at[2] = {0, 0};
	for (unsigned i = 0; i < 2; i++) {
		if (!m->mem[i].len)
			continue;
		struct ipc_loan *l = &from->ipc.loans[from->ipc.nloans];
		int err = vmspace_lend(&from->proc->vs, m->mem[i].va, m->mem[i].len, &to->proc->vs,
				       USER_MMAP_BASE, m->mem[i].writable, &l->to_va);
		if (err) { /* only memory for the mapping can fail now */
			unlend_all(from);
			return err;
		}
		l->to = &to->proc->vs;
		l->va = m->mem[i].va;
		l->len = m->mem[i].len;
		from->ipc.nloans++;
		at[i] = l->to_va;
		m->w[1 + 2 * i] = l->to_va;
	}
	if (m->type == MSG_FORWARD)
		for (unsigned j = 0; j < 2; j++)
			m->w[1 + 2 * j] =
			    m->fwd[j].slot < 2 ? at[m->fwd[j].slot] + m->fwd[j].off : 0;
	return E_OK;
}

/* A native message's registers and header into `to` (words 4..7 are the caller's business). */
static inline void put_native(struct kthread *to, uint64_t info, uint64_t token, uint64_t sender,
			      const uint64_t w[4], uint64_t seq, uint64_t cap)
{
	struct trap_frame *tf = arch_user_frame(to->stack_top);
	/* Register by register, constant indices: no loop over the arch's register map. */
	RESULT(IPC_R_INFO, info);
	RESULT(IPC_R_REPLY, token);
	RESULT(IPC_R_SENDER, sender);
	RESULT(IPC_R_WORD0, w[0]);
	RESULT(IPC_R_WORD0 + 1, w[1]);
	RESULT(IPC_R_WORD0 + 2, w[2]);
	RESULT(IPC_R_WORD0 + 3, w[3]);
	struct ipc_buffer *b = to->ipc.buf; /* a native receiver or caller always has one */
	if (b)
		b->header = (struct message_header){
		    .sender = sender,
		    .recipient = to->proc->pid,
		    .message_type = MSG_TYPE(info),
		    .sequence = seq,
		    .capability = cap,
		};
	metrics.ipc_messages++;
}

/* A Xous message's registers into `to`: reply token, kind, id and four words. */
static inline void put_xous(struct kthread *to, uint64_t token, uint64_t kind, const uint64_t w[5])
{
	struct trap_frame *tf = arch_user_frame(to->stack_top);
	RESULT(0, token);
	RESULT(1, kind);
	RESULT(2, w[0]);
	RESULT(3, w[1]);
	RESULT(4, w[2]);
	RESULT(5, w[3]);
	RESULT(6, w[4]);
	metrics.ipc_messages++;
}

/*
 * Move `m` (from `from`, NULL for the kernel) into `to`'s registers and
 * IPC buffer: its capability granted, its memory lent. `token`: the reply
 * token the receiver gets (0: none).
 */
static int deliver(struct kthread *from, struct ipc_msg *m, struct kthread *to,
		   struct ipc_endpoint *ep, uint64_t token)
{
	struct capability cap = {.token = 0}, orig;
	if (to->ipc.kcall) { /* the reply to a call the kernel made: words only, no capability */
		memcpy(to->ipc.msg.w, m->w, sizeof(m->w));
		metrics.ipc_messages++;
		return E_OK;
	}
	/* The capability and the receiver's room for it first: lending is the last step that fails. */
	if (from && m->has_cap) {
		CHECK(validate_capability(&from->proc->caps, m->cap, RIGHT_GRANT, &orig));
		CHECK(cap_space_room(&to->proc->caps, 1, 1));
	}
	if (from && (m->type == XOUS_MEMORY || m->type == MSG_FORWARD))
		CHECK(lend(from, m, to));
	if (from && m->has_cap) {
		int err =
		    grant_capability(&from->proc->caps, m->cap, &to->proc->caps, orig.rights, &cap);
		if (err) { /* checked above: only a defence */
			unlend_all(from);
			return err;
		}
	}
	uint64_t seq = ep ? ++ep->sequence : 0;
	uint64_t sender = from ? from->proc->pid : 0;
	if (to->ipc.xous) {
		put_xous(to, token, m->type, m->w);
	} else {
		uint64_t info = MSG_INFO(m->len, m->type) | (cap.token ? MSG_CAP : 0);
		put_native(to, info, token, sender, m->w, seq, cap.token);
		if (to->ipc.buf && m->len > MSG_REG_WORDS * 8)
			memcpy(&to->ipc.buf->words[MSG_REG_WORDS], &m->w[MSG_REG_WORDS],
			       sizeof(m->w) - MSG_REG_WORDS * 8);
	}
	return E_OK;
}

/*
 * The first waiter of `q` still blocked on it. One whose timeout fired or
 * whose process is ending is ready already: it is taken off the queue and
 * told why, and will find that out when it runs.
 */
static struct kthread *take_waiter(struct ipc_queue *q)
{
	struct ipc_link *l;
	while ((l = ipcq_pop(q))) {
		struct kthread *t = thread_of_link(l);
		if (t->se.state == T_BLOCKED && !t->killed)
			return t;
		t->ipc.state = IPC_IDLE;
		t->ipc.result = t->killed ? E_PROCESS_TERMINATED : E_TIMEOUT;
	}
	return NULL;
}

/* Release a waiter with `result`. */
static void release(struct kthread *t, int result)
{
	t->ipc.state = IPC_IDLE;
	t->ipc.result = result;
	if (t->se.state == T_BLOCKED)
		wake_thread(&t->se);
}

/* A higher priority thread woke: let it run. */
static void preempt_point(void)
{
	if (sched_need_resched(0))
		kthread_schedule();
}

/* The running thread has woken (`err` from the block): what its call returns. */
static int finish_wait(int err)
{
	struct kthread *self = current;
	struct ipc_thread *it = &self->ipc;
	int why = self->killed ? E_PROCESS_TERMINATED : err ? err : E_TIMEOUT;
	/*
	 * Once its pages are lent, a caller waits for them to come back
	 * whatever its timeout: the server never loses memory it was lent
	 * halfway through a request. A caller whose process is ending leaves
	 * them to the server instead, so that nothing waits on a server.
	 */
	while (it->state == IPC_REPLY_WAIT && it->nloans) {
		if (self->killed) {
			orphan_all(self);
			break;
		}
		block_thread(&self->se, BLOCK_WAITING_FOR_IPC, 0, 0);
		kthread_schedule();
		if (it->state != IPC_REPLY_WAIT && !self->killed)
			return it->result;
	}
	int result = it->result;
	if (it->link.queue) { /* nobody came: a timeout, or its process is ending */
		ipcq_remove(&it->link);
		result = why;
	} else if (it->state == IPC_REPLY_WAIT) { /* received, but no reply came in time */
		reply_cancel(it->reply_token, why);
		unlend_all(self);
		result = why;
	}
	it->state = IPC_IDLE;
	return result;
}

int ipc_send(struct ipc_endpoint *ep, bool call, uint64_t timeout_ns)
{
	struct kthread *self = current;
	if (self->killed)
		return E_PROCESS_TERMINATED;
	struct kthread *r = take_waiter(&ep->receivers);
	if (!r) { /* wait for a receiver: it takes the message from us */
		self->ipc.state = call ? IPC_CALLING : IPC_SENDING;
		ipcq_push(&ep->senders, &self->ipc.link);
		return finish_wait(kthread_block(BLOCK_WAITING_FOR_IPC, timeout_ns));
	}
	uint64_t token = 0;
	if (call && reply_alloc(self, r->proc, &token)) {
		ipcq_push_front(&ep->receivers, &r->ipc.link);
		return E_RESOURCE_EXHAUSTED;
	}
	int err = deliver(self, &self->ipc.msg, r, ep, token);
	if (err) {
		void *unused;
		if (token)
			reply_take(token, r->proc, &unused);
		ipcq_push_front(&ep->receivers, &r->ipc.link);
		return err;
	}
	r->ipc.state = IPC_IDLE;
	r->ipc.result = E_OK;
	if (!call) {
		wake_thread(&r->se);
		preempt_point();
		return E_OK;
	}
	self->ipc.state = IPC_REPLY_WAIT;
	self->ipc.reply_token = token;
	if (r->se.priority >= self->se.priority) /* the fast path: run the receiver now */
		return finish_wait(kthread_handoff(r, BLOCK_WAITING_FOR_IPC, timeout_ns));
	wake_thread(&r->se);
	return finish_wait(kthread_block(BLOCK_WAITING_FOR_IPC, timeout_ns));
}

/* An interrupt as a message from the kernel: word 1 the IRQ, word 2 how many. */
static void deliver_irq(struct kthread *to, struct ipc_endpoint *ep, unsigned irq, unsigned count)
{
	struct ipc_msg m = {.type = XOUS_INTERRUPT, .len = 24, .w = {0, irq, count}};
	deliver(NULL, &m, to, ep, 0);
}

/* A file handle released, as a message from the kernel (include/abi/file.h, FILE_OP_RELEASE). */
static void deliver_released(struct kthread *to, struct ipc_endpoint *ep, uint64_t handle)
{
	struct ipc_msg m = {
	    .type = MSG_FORWARD, .len = 64, .w = {FILE_OP_RELEASE, 0, 0, 0, 0, handle}};
	deliver(NULL, &m, to, ep, 0);
}

void ipc_file_released(struct ipc_endpoint *ep, uint64_t handle)
{
	struct kthread *r = take_waiter(&ep->receivers);
	if (r) {
		deliver_released(r, ep, handle);
		release(r, E_OK);
	} else if (ep->nreleased < IPC_RELEASED_MAX) {
		ep->released[ep->nreleased++] = handle;
	} else {
		ep->released_lost++;
	}
}

int ipc_receive(struct ipc_endpoint *ep, bool xous, uint64_t timeout_ns)
{
	struct kthread *self = current;
	if (self->killed)
		return E_PROCESS_TERMINATED;
	self->ipc.xous = xous;
	if (!xous)
		CHECK(buffer_of(self, NULL));
	if (ep->irq_pending) {
		deliver_irq(self, ep, ep->irq, ep->irq_pending);
		ep->irq_pending = 0;
		return E_OK;
	}
	if (ep->nreleased) {
		deliver_released(self, ep, ep->released[--ep->nreleased]);
		return E_OK;
	}
	struct kthread *s;
	while ((s = take_waiter(&ep->senders))) {
		bool call = s->ipc.state == IPC_CALLING;
		uint64_t token = 0;
		if (call && reply_alloc(s, self->proc, &token)) {
			ipcq_push_front(&ep->senders, &s->ipc.link);
			return E_RESOURCE_EXHAUSTED;
		}
		int err = deliver(s, &s->ipc.msg, self, ep, token);
		if (err) { /* its message cannot be delivered (bad memory, capability): it fails */
			void *unused;
			if (token)
				reply_take(token, self->proc, &unused);
			release(s, err);
			continue;
		}
		if (call) {
			s->ipc.state = IPC_REPLY_WAIT;
			s->ipc.reply_token = token;
		} else {
			release(s, E_OK);
		}
		return E_OK;
	}
	self->ipc.state = IPC_RECEIVING;
	ipcq_push(&ep->receivers, &self->ipc.link);
	return finish_wait(kthread_block(BLOCK_WAITING_FOR_IPC, timeout_ns));
}

int ipc_reply(uint64_t token, struct ipc_endpoint *then)
{
	struct kthread *self = current;
	void *caller;
	CHECK(reply_take(token, self->proc, &caller));
	struct kthread *c = caller;
	unlend_all(c); /* the memory goes home before the caller runs */
	int err = c->killed ? E_PROCESS_TERMINATED : deliver(self, &self->ipc.msg, c, NULL, 0);
	bool waiting = c->se.state == T_BLOCKED;
	c->ipc.state = IPC_IDLE;
	c->ipc.result = err;
	if (err) {
		if (waiting)
			wake_thread(&c->se);
		return err;
	}
	if (then && waiting && !self->killed && ipcq_empty(&then->senders) && !then->irq_pending &&
	    !then->nreleased && c->se.priority >= self->se.priority) {
		/* The fast path back: wait on `then` and run the caller now. */
		self->ipc.state = IPC_RECEIVING;
		ipcq_push(&then->receivers, &self->ipc.link);
		return finish_wait(kthread_handoff(c, BLOCK_WAITING_FOR_IPC, 0));
	}
	if (waiting)
		wake_thread(&c->se);
	if (then)
		return ipc_receive(then, self->ipc.xous, 0);
	preempt_point();
	return E_OK;
}

void ipc_notify_irq(struct ipc_endpoint *ep, unsigned irq)
{
	struct kthread *r = take_waiter(&ep->receivers);
	if (!r) {
		ep->irq_pending++;
		ep->irq = irq;
		return;
	}
	deliver_irq(r, ep, irq, 1);
	release(r, E_OK);
}

int ipc_endpoint_new(struct process *owner, bool xous, struct ipc_endpoint **out)
{
	if (owner->ipc_endpoints >= IPC_PER_PROCESS)
		return E_RESOURCE_EXHAUSTED; /* the tables are shared: nobody takes them all */
	struct ipc_endpoint *ep = kzalloc(sizeof(*ep));
	if (!ep)
		return E_OUT_OF_MEMORY;
	int err = ipc_table_add(&endpoints, ep, &ep->id);
	if (err) {
		kfree(ep);
		return err;
	}
	owner->ipc_endpoints++;
	ep->owner = owner;
	ep->xous = xous;
	*out = ep;
	return E_OK;
}

unsigned ipc_servers_of(const struct process *p)
{
	unsigned n = 0;
	for (unsigned i = 0; i < IPC_TABLE_SLOTS; i++) {
		const struct ipc_endpoint *ep = endpoints.obj[i];
		n += ep && ep->owner == p && ep->xous;
	}
	return n;
}

struct ipc_endpoint *ipc_endpoint_find(uint64_t id)
{
	return ipc_table_get(&endpoints, id);
}

/* Wake every waiter of `q` with `err`. */
static void fail_all(struct ipc_queue *q, int err)
{
	struct kthread *t;
	while ((t = take_waiter(q)))
		release(t, err);
}

void ipc_endpoint_destroy(struct ipc_endpoint *ep)
{
	fail_all(&ep->senders, ep->xous ? E_SERVER_NOT_FOUND : E_PROCESS_TERMINATED);
	fail_all(&ep->receivers, E_IPC_CLOSED);
	xous_endpoint_gone(ep);
	ipc_table_remove(&endpoints, ep->id);
	ep->owner->ipc_endpoints--;
	kfree(ep);
}

/* Senders that came through `ch` and still wait: the channel is closed under them. */
static void fail_channel(struct ipc_queue *q, uint64_t ch)
{
	for (struct ipc_link *l = q->head, *next; l; l = next) {
		next = l->next;
		struct kthread *t = thread_of_link(l);
		if (t->ipc.msg.channel == ch && t->se.state == T_BLOCKED && !t->killed) {
			ipcq_remove(l);
			release(t, E_IPC_CLOSED);
		}
	}
}

static void channel_close(struct ipc_channel *ch)
{
	for (unsigned i = 0; i < 2; i++) {
		struct ipc_endpoint *ep = ipc_endpoint_find(ch->ep[i]);
		if (ep)
			fail_channel(&ep->senders, ch->id);
	}
	ipc_table_remove(&channels, ch->id);
	ch->owner->ipc_channels--;
	kfree(ch);
}

static void replier_gone(void *caller, void *arg)
{
	(void)arg;
	struct kthread *c = caller;
	unlend_all(c);
	release(c, c->ipc.xous ? E_SERVER_NOT_FOUND : E_PROCESS_TERMINATED);
}

void ipc_process_exit(struct process *p)
{
	reply_drop_replier(p, replier_gone, NULL);
	notify_process_exit(p);
	for (unsigned i = 0; i < IPC_TABLE_SLOTS; i++) {
		struct ipc_endpoint *ep = endpoints.obj[i];
		if (ep && ep->owner == p)
			ipc_endpoint_destroy(ep);
		struct ipc_channel *ch = channels.obj[i];
		if (ch && ch->owner == p)
			channel_close(ch);
	}
}

int ipc_target(struct process *p, uint64_t token, struct ipc_endpoint **ep, uint64_t *channel)
{
	struct capability cap;
	CHECK(validate_capability(&p->caps, token, RIGHT_WRITE, &cap));
	*channel = 0;
	if (cap.object_type == OBJ_IPC_ENDPOINT) {
		*ep = ipc_endpoint_find(cap.object_id);
	} else if (cap.object_type == OBJ_IPC_CHANNEL) {
		struct ipc_channel *ch = ipc_table_get(&channels, cap.object_id >> 1);
		if (!ch)
			return E_IPC_CLOSED;
		*ep = ipc_endpoint_find(ch->ep[!(cap.object_id & 1)]);
		*channel = ch->id;
	} else {
		return E_INVALID_CAPABILITY;
	}
	return *ep ? E_OK : E_IPC_CLOSED;
}

void ipc_dump(void)
{
	kprintf("ipc: %llu messages delivered, %u reply tokens live\n",
		(unsigned long long)metrics.ipc_messages, reply_live());
	for (unsigned i = 0; i < IPC_TABLE_SLOTS; i++) {
		struct ipc_endpoint *ep = endpoints.obj[i];
		if (!ep)
			continue;
		unsigned s = 0, r = 0;
		for (struct ipc_link *l = ep->senders.head; l; l = l->next)
			s++;
		for (struct ipc_link *l = ep->receivers.head; l; l = l->next)
			r++;
		kprintf("  endpoint %#llx%s of process %llu: %u senders, %u receivers waiting, "
			"%llu delivered\n",
			(unsigned long long)ep->id, ep->xous ? " (server)" : "",
			(unsigned long long)ep->owner->pid, s, r, (unsigned long long)ep->sequence);
	}
}

/* System calls. */

static uint64_t timeout_of(uint64_t info)
{
	return (uint64_t)MSG_INFO_TIMEOUT(info) * 1000000ull;
}

/* The running thread's ipc.msg from the registers of a native send, call or reply. */
static int msg_from_regs(struct trap_frame *tf, struct process *p)
{
	struct kthread *self = current;
	struct ipc_msg *m = &self->ipc.msg;
	uint64_t info = ARG(1);
	if (MSG_LEN(info) > MSG_MAX_BYTES)
		return E_IPC_TOO_LARGE;
	if (MSG_TYPE(info) > MSG_LARGE)
		return E_INVALID_PARAMETER;
	m->len = MSG_LEN(info);
	m->type = (uint8_t)MSG_TYPE(info);
	m->has_cap = (info & MSG_CAP) != 0;
	m->channel = 0;
	m->mem[0].len = m->mem[1].len = 0;
	m->w[0] = ARG(3);
	m->w[1] = ARG(4);
	m->w[2] = ARG(5);
	m->w[3] = ARG(6);
	if (m->len > MSG_REG_WORDS * 8 || m->has_cap) {
		struct ipc_buffer *b;
		CHECK(buffer_of(self, &b));
		memcpy(&m->w[MSG_REG_WORDS], &b->words[MSG_REG_WORDS],
		       sizeof(m->w) - MSG_REG_WORDS * 8);
		m->cap = b->send_capability;
	}
	if (m->has_cap) /* a capability may travel only with GRANT */
		CHECK(validate_capability(&p->caps, m->cap, RIGHT_GRANT, NULL));
	return E_OK;
}

/*
 * The fast paths. A message in registers only (no capability, no memory,
 * no timeout) between threads that take it in the same layout (native
 * with their IPC buffers in place, or Xous), to a partner already waiting
 * at a priority no lower than the caller's: the registers go straight
 * from frame to frame and the CPU straight to the partner. Anything else,
 * errors included, takes the general path, which gives the same results;
 * -1 says so.
 */
#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE bool fast_partner(const struct kthread *self, const struct kthread *t,
				       bool xous)
{
	return t->se.state == T_BLOCKED && !t->killed && t->ipc.xous == xous && !t->ipc.kcall &&
	       t->se.priority >= self->se.priority && (xous || t->ipc.buf);
}

static ALWAYS_INLINE void put_fast(struct kthread *to, const struct ipc_fast *m, uint64_t token,
				   uint64_t sender, uint64_t seq)
{
	if (m->xous)
		put_xous(to, token, m->info, m->w);
	else
		put_native(to, m->info, token, sender, m->w, seq, 0);
}

/* Inlined into each caller, so that the layout tests fold away. */
static ALWAYS_INLINE int fast_call(struct process *p, uint64_t target, const struct ipc_fast *m)
{
	struct kthread *self = current;
	struct capability cap;
	if ((!m->xous && !self->ipc.buf) || self->killed ||
	    validate_capability(&p->caps, target, RIGHT_WRITE, &cap) ||
	    cap.object_type != OBJ_IPC_ENDPOINT)
		return -1;
	struct ipc_endpoint *ep = ipc_endpoint_find(cap.object_id);
	if (!ep || !ep->receivers.head)
		return -1;
	struct kthread *r = thread_of_link(ep->receivers.head);
	uint64_t token;
	if (!fast_partner(self, r, m->xous) || reply_alloc(self, r->proc, &token))
		return -1;
	ipcq_remove(&r->ipc.link);
	put_fast(r, m, token, p->pid, ++ep->sequence);
	r->ipc.state = IPC_IDLE;
	r->ipc.result = E_OK;
	self->ipc.xous = m->xous;
	self->ipc.state = IPC_REPLY_WAIT;
	self->ipc.reply_token = token;
	return finish_wait(kthread_handoff(r, BLOCK_WAITING_FOR_IPC, 0));
}

static ALWAYS_INLINE int fast_reply_wait(struct process *p, uint64_t reply, uint64_t then_token,
					 const struct ipc_fast *m)
{
	struct kthread *self = current;
	struct ipc_endpoint *then;
	if (!then_token || (!m->xous && !self->ipc.buf) || self->killed ||
	    ipc_endpoint_of(p, then_token, RIGHT_READ, &then) || !ipcq_empty(&then->senders) ||
	    then->irq_pending || then->nreleased)
		return -1;
	struct kthread *c = reply_peek(reply, p);
	if (!c || !fast_partner(self, c, m->xous) || c->ipc.nloans)
		return -1;
	void *unused;
	reply_take(reply, p, &unused);
	put_fast(c, m, 0, p->pid, 0);
	c->ipc.state = IPC_IDLE;
	c->ipc.result = E_OK;
	self->ipc.xous = m->xous;
	self->ipc.state = IPC_RECEIVING;
	ipcq_push(&then->receivers, &self->ipc.link);
	return finish_wait(kthread_handoff(c, BLOCK_WAITING_FOR_IPC, 0));
}

int ipc_fast_call(struct process *p, uint64_t target, const struct ipc_fast *m)
{
	return fast_call(p, target, m);
}

int ipc_fast_reply_wait(struct process *p, uint64_t reply, uint64_t then, const struct ipc_fast *m)
{
	return fast_reply_wait(p, reply, then, m);
}

/* A native message for the fast paths: registers only, at most 32 bytes, no timeout. */
static ALWAYS_INLINE bool native_fast(struct trap_frame *tf, struct ipc_fast *m)
{
	uint64_t info = ARG(1);
	if (info & ~(uint64_t)0x1ff || MSG_LEN(info) > MSG_REG_WORDS * 8)
		return false;
	*m = (struct ipc_fast){.info = info, .w = {ARG(3), ARG(4), ARG(5), ARG(6)}};
	return true;
}

static int send_or_call(struct trap_frame *tf, struct process *p, bool call)
{
	struct ipc_endpoint *ep;
	uint64_t channel;
	CHECK(ipc_target(p, ARG(0), &ep, &channel));
	CHECK(msg_from_regs(tf, p));
	if (call) /* the reply may carry words 4..7 and a header */
		CHECK(buffer_of(current, NULL));
	current->ipc.msg.channel = channel;
	current->ipc.xous = false;
	return ipc_send(ep, call, timeout_of(ARG(1)));
}

int sys_ipc_send(struct trap_frame *tf, struct process *p)
{
	return send_or_call(tf, p, false);
}

int sys_ipc_call(struct trap_frame *tf, struct process *p)
{
	struct ipc_fast m;
	int r = native_fast(tf, &m) ? fast_call(p, ARG(0), &m) : -1;
	return r >= 0 ? r : send_or_call(tf, p, true);
}

int ipc_endpoint_of(struct process *p, uint64_t token, uint32_t rights, struct ipc_endpoint **ep)
{
	struct capability cap;
	CHECK(cap_lookup(&p->caps, token, OBJ_IPC_ENDPOINT, rights, &cap));
	*ep = ipc_endpoint_find(cap.object_id);
	return *ep ? E_OK : E_IPC_CLOSED;
}

int sys_ipc_receive(struct trap_frame *tf, struct process *p)
{
	struct ipc_endpoint *ep;
	CHECK(ipc_endpoint_of(p, ARG(0), RIGHT_READ, &ep));
	return ipc_receive(ep, false, timeout_of(ARG(1)));
}

int sys_ipc_reply(struct trap_frame *tf, struct process *p)
{
	struct ipc_fast m;
	int r = native_fast(tf, &m) ? fast_reply_wait(p, ARG(0), ARG(2), &m) : -1;
	if (r >= 0)
		return r;
	struct ipc_endpoint *then = NULL;
	if (ARG(2)) {
		CHECK(ipc_endpoint_of(p, ARG(2), RIGHT_READ, &then));
		CHECK(buffer_of(current, NULL));
	}
	CHECK(msg_from_regs(tf, p));
	current->ipc.xous = false;
	return ipc_reply(ARG(0), then);
}

int sys_ipc_endpoint_create(struct trap_frame *tf, struct process *p)
{
	struct ipc_endpoint *ep;
	struct capability cap;
	CHECK(cap_space_room(&p->caps, 1, 1));
	CHECK(ipc_endpoint_new(p, false, &ep));
	int err = create_capability(&p->caps, OBJ_IPC_ENDPOINT, ep->id,
				    RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT | RIGHT_DELETE, &cap);
	if (err) {
		ipc_endpoint_destroy(ep);
		return err;
	}
	RESULT(0, ep->id);
	RESULT(1, cap.token);
	return E_OK;
}

int sys_ipc_channel_create(struct trap_frame *tf, struct process *p)
{
	struct capability a, b, end0, end1;
	CHECK(cap_lookup(&p->caps, ARG(0), OBJ_IPC_ENDPOINT, RIGHT_WRITE, &a));
	CHECK(cap_lookup(&p->caps, ARG(1), OBJ_IPC_ENDPOINT, RIGHT_WRITE, &b));
	if (!ipc_endpoint_find(a.object_id) || !ipc_endpoint_find(b.object_id))
		return E_IPC_CLOSED;
	if (p->ipc_channels >= IPC_PER_PROCESS)
		return E_RESOURCE_EXHAUSTED;
	CHECK(cap_space_room(&p->caps, 2, 2));
	struct ipc_channel *ch = kzalloc(sizeof(*ch));
	if (!ch)
		return E_OUT_OF_MEMORY;
	int err = ipc_table_add(&channels, ch, &ch->id);
	if (err) {
		kfree(ch);
		return err;
	}
	ch->ep[0] = a.object_id;
	ch->ep[1] = b.object_id;
	ch->owner = p;
	p->ipc_channels++;
	const uint32_t rights = RIGHT_WRITE | RIGHT_GRANT | RIGHT_DELETE;
	err = create_capability(&p->caps, OBJ_IPC_CHANNEL, ch->id << 1, rights, &end0);
	if (err) {
		channel_close(ch);
		return err;
	}
	err = create_capability(&p->caps, OBJ_IPC_CHANNEL, ch->id << 1 | 1, rights, &end1);
	if (err) {
		revoke_capability(&p->caps, end0.token); /* its last reference: it closes */
		return err;
	}
	RESULT(0, ch->id);
	RESULT(1, end0.token);
	RESULT(2, end1.token);
	return E_OK;
}

int sys_ipc_channel_close(struct trap_frame *tf, struct process *p)
{
	struct capability cap;
	CHECK(cap_lookup(&p->caps, ARG(0), OBJ_IPC_CHANNEL, RIGHT_DELETE, &cap));
	struct ipc_channel *ch = ipc_table_get(&channels, cap.object_id >> 1);
	if (!ch)
		return E_IPC_CLOSED;
	channel_close(ch);
	return E_OK;
}

int sys_ipc_buffer(struct trap_frame *tf, struct process *p)
{
	(void)p;
	CHECK(buffer_of(current, NULL));
	RESULT(0, current->ipc.buf_va);
	return E_OK;
}
