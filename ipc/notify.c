/*
 * Notification objects, their waiting threads and system calls (see
 * notify.h). A waiting thread sits on the object's queue through its
 * ipc.link; whoever takes it off decides its result (ipc.result) and, for
 * a delivery, the bits (ipc.bits). System calls run with interrupts off.
 */
#include "ipc/notify.h"
#include "cap/cap.h"
#include "core/kthread.h"
#include "core/process.h"
#include "core/syscall.h"
#include "core/kstring.h"
#include "ipc/notification.h"
#include "mm/heap.h"

struct notify_obj {
	struct notification n; /* first */
	uint64_t id;
	struct process *owner;
	uint32_t refs; /* capabilities naming it */
};

static struct ipc_table table;
static unsigned live;

static struct kthread *thread_of_link(struct ipc_link *l)
{
	return (struct kthread *)((char *)l - offsetof(struct kthread, ipc.link));
}

static struct notify_obj *find(uint64_t id)
{
	return ipc_table_get(&table, id);
}

static bool deliver(struct ipc_link *l, uint64_t bits)
{
	struct kthread *t = thread_of_link(l);
	if (t->killed)
		return false; /* off the queue: it wakes to die and takes nothing */
	t->ipc.result = E_OK;
	t->ipc.bits = bits;
	if (t->se.state == T_BLOCKED)
		wake_thread(&t->se);
	return true;
}

static void fail(struct ipc_link *l)
{
	struct kthread *t = thread_of_link(l);
	t->ipc.result = E_IPC_CLOSED;
	if (t->se.state == T_BLOCKED)
		wake_thread(&t->se);
}

static void destroy(struct notify_obj *o)
{
	notification_close(&o->n, fail);
	ipc_table_remove(&table, o->id);
	o->owner->notifications--;
	live--;
	kfree(o);
}

static void obj_get(uint64_t id)
{
	struct notify_obj *o = find(id);
	if (o)
		o->refs++;
}

static void obj_put(uint64_t id)
{
	struct notify_obj *o = find(id);
	if (o && !--o->refs)
		destroy(o);
}

void notify_init(void)
{
	static const struct cap_object_ops ops = {obj_get, obj_put};
	memset(&table, 0, sizeof(table));
	live = 0;
	cap_set_object_ops(OBJ_NOTIFICATION, &ops);
}

int notify_signal(uint64_t id, uint64_t bits)
{
	struct notify_obj *o = find(id);
	if (!o)
		return E_IPC_CLOSED;
	notification_signal(&o->n, bits, deliver);
	return E_OK;
}

void notify_process_exit(struct process *p)
{
	for (unsigned i = 0; i < IPC_TABLE_SLOTS && p->notifications; i++) {
		struct notify_obj *o = table.obj[i];
		if (o && o->owner == p)
			destroy(o);
	}
}

unsigned notify_live(void)
{
	return live;
}

/* The notification a capability with `rights` names. */
static int notification_of(struct process *p, uint64_t token, uint32_t rights,
			   struct notify_obj **out)
{
	struct capability cap;
	CHECK(cap_lookup(&p->caps, token, OBJ_NOTIFICATION, rights, &cap));
	*out = find(cap.object_id);
	return *out ? E_OK : E_IPC_CLOSED;
}

int sys_notification_create(struct trap_frame *tf, struct process *p)
{
	/* Everything that can fail is checked before anything is made. */
	if (p->notifications >= NOTIFICATIONS_PER_PROCESS)
		return E_RESOURCE_EXHAUSTED;
	CHECK(cap_space_room(&p->caps, 1, 1));
	struct notify_obj *o = kzalloc(sizeof(*o));
	if (!o)
		return E_OUT_OF_MEMORY;
	int err = ipc_table_add(&table, o, &o->id);
	if (err) {
		kfree(o);
		return err;
	}
	o->owner = p;
	p->notifications++;
	live++;
	struct capability cap;
	err = create_capability(&p->caps, OBJ_NOTIFICATION, o->id,
				RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT | RIGHT_DELETE, &cap);
	if (err) /* cannot happen: the room was checked with interrupts off */
		destroy(o);
	else
		RESULT(0, cap.token);
	return err;
}

int sys_notification_signal(struct trap_frame *tf, struct process *p)
{
	struct notify_obj *o;
	CHECK(notification_of(p, ARG(0), RIGHT_WRITE, &o));
	notification_signal(&o->n, ARG(1), deliver);
	if (sched_need_resched(0)) /* a waiter of higher priority goes first */
		kthread_schedule();
	return E_OK;
}

int sys_notification_wait(struct trap_frame *tf, struct process *p)
{
	struct kthread *self = kthread_current();
	struct notify_obj *o;
	CHECK(notification_of(p, ARG(0), RIGHT_READ, &o));
	uint64_t bits = notification_take(&o->n);
	if (!bits) {
		if (self->killed)
			return E_PROCESS_TERMINATED;
		self->ipc.result = E_TIMEOUT;
		ipcq_push(&o->n.waiters, &self->ipc.link);
		int err = kthread_block(BLOCK_WAITING_FOR_IPC, ARG(1));
		if (self->ipc.link.queue) { /* timed out or killed: still queued */
			ipcq_remove(&self->ipc.link);
			return self->killed ? E_PROCESS_TERMINATED : err ? err : E_TIMEOUT;
		}
		if (self->killed)
			return E_PROCESS_TERMINATED; /* taken off without bits (deliver) */
		CHECK(self->ipc.result);	     /* E_IPC_CLOSED: it went while we waited */
		bits = self->ipc.bits;
	}
	RESULT(0, bits);
	return E_OK;
}

int sys_notification_poll(struct trap_frame *tf, struct process *p)
{
	struct notify_obj *o;
	CHECK(notification_of(p, ARG(0), RIGHT_READ, &o));
	RESULT(0, notification_take(&o->n));
	return E_OK;
}
