/*
 * The console's input for user space (core/sys_console.h). Input comes
 * from the kernel's ring (core/console.c); a read blocks for the first
 * byte only, then takes what is already waiting, as a terminal read does,
 * so a line editor sees every key as it comes. The break holder is one
 * process at a time: the one in the foreground decides what Ctrl-C means.
 */
#include "core/sys_console.h"
#include "cap/cap.h"
#include "core/console.h"
#include "core/process.h"
#include "core/syscall.h"
#include "ipc/notify.h"
#include "mm/uaccess.h"

#define READ_CHUNK 128 /* bytes gathered on the kernel stack per copy out */

static struct {
	struct process *p; /* the holder; NULL: none */
	uint64_t notification;
	uint64_t bits;
} holder;

/* Gather waiting bytes after `first` into `chunk`, at most `max`; how many. */
static size_t gather(char *chunk, size_t max, int first)
{
	size_t n = 0;
	int c = first;
	do
		chunk[n++] = (char)c;
	while (n < max && (c = console_getc()) >= 0);
	return n;
}

int sys_console_read(struct trap_frame *tf, struct process *p)
{
	uintptr_t buf = ARG(1);
	size_t len = ARG(2);
	char chunk[READ_CHUNK];
	if (!len) { /* only moves what a polled device holds: its Ctrl-C is seen so */
		console_poll();
		RESULT(0, 0);
		return E_OK;
	}
	/* Before anything is taken from the ring: a bad buffer loses no input. */
	CHECK(user_range_ok(&p->vs, buf, len, true));
	int c = console_read(0);
	if (c < 0)
		return -c; /* the process is ending: this thread dies on its way out */
	/*
	 * Again: another thread of the caller may have unmapped the buffer
	 * while this one slept. Only then is the byte lost, by the caller's
	 * own doing.
	 */
	CHECK(user_range_ok(&p->vs, buf, len, true));
	size_t done = 0;
	while (c >= 0) {
		size_t max = len - done < READ_CHUNK ? len - done : READ_CHUNK;
		size_t n = gather(chunk, max, c);
		CHECK(copy_to_user(&p->vs, buf + done, chunk, n)); /* checked: a defence */
		done += n;
		c = done < len && n == READ_CHUNK ? console_getc() : -1;
	}
	RESULT(0, done);
	return E_OK;
}

/* Ctrl-C (interrupts off): to the holder; false, for the kernel's break, when there is none. */
static bool break_to_holder(void)
{
	if (!holder.p)
		return false;
	if (notify_signal(holder.notification, holder.bits)) {
		holder.p = NULL; /* its notification is gone: nobody to tell */
		console_hold_break(NULL);
		return false;
	}
	return true;
}

static void release(void)
{
	holder.p = NULL;
	console_hold_break(NULL);
}

int sys_console_break(struct trap_frame *tf, struct process *p)
{
	struct capability n;
	if (!ARG(0)) {
		if (holder.p == p)
			release();
		return E_OK;
	}
	if (ARG(1) > 63)
		return E_INVALID_PARAMETER;
	CHECK(cap_lookup(&p->caps, ARG(0), OBJ_NOTIFICATION, RIGHT_WRITE, &n));
	if (holder.p && holder.p != p)
		return E_BUSY;
	holder.p = p;
	holder.notification = n.object_id;
	holder.bits = 1ull << ARG(1);
	console_hold_break(break_to_holder);
	return E_OK;
}

void console_process_exit(struct process *p)
{
	if (holder.p == p)
		release();
}
