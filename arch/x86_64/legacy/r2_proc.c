/*
 * The r2 calls on processes and memory (include/abi/r2.h): the task list
 * (0x2f), kill (0x3b), memory information (0x3c) and heap contains
 * (0x43), and who asked for each program 0x29/0x2a started, which is what
 * lets 0x3b end it: its parent is the file server.
 */
#include "core/kstring.h"
#include "core/process.h"
#include "include/abi/error.h"
#include "legacy.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"

/*
 * A task's name: its program's, or for the processes of the init image
 * (the device manager, the drivers, the servers, the shell: `init driver
 * pcrtc`...) the last word of its arguments, which says what it is.
 */
static void r2_task_name(const struct process_info *pi, uint8_t out[16])
{
	const char *name = pi->name;
	size_t n = strlen(pi->args);
	if (!strcmp(pi->name, "init") && n && n < sizeof(pi->args) - 1) { /* not cut short */
		while (n && pi->args[n - 1] == ' ')
			n--;
		size_t start = n;
		while (start && pi->args[start - 1] != ' ')
			start--;
		if (n > start)
			name = pi->args + start;
	}
	memset(out, 0, 16);
	for (size_t i = 0; i < 15 && name[i] && name[i] != ' '; i++)
		out[i] = (uint8_t)name[i];
}

/*
 * Up to `max` processes (0: R2_TASKS_DEFAULT), in the process table's
 * order; how many were written. 28-byte entries (TaskInfo2_T) for the
 * newest libcr2's programs, 20 bytes (TaskInfo_T) for the others.
 */
uint64_t r2_tasks(struct process *p, uint64_t buf, uint64_t max)
{
	struct process_info pi;
	TaskInfo2_T t = {0};
	size_t size = r2_convention_of(p->pid) & R2_CONV_RAX ? sizeof(t) : sizeof(t.t);
	if (!max)
		max = R2_TASKS_DEFAULT;
	if (max > R2_TASKS_MAX || !user_ok(p, buf, max * size, true))
		return R2_INVALID_INPUT;
	uint64_t n = 0;
	for (unsigned i = 0; n < max && process_info_at(i, &pi) == E_OK; i++) {
		t.t = (TaskInfo_T){.id = (uint8_t)pi.pid, .mode = 1};
		t.t.status = pi.state == PS_RUNNING
				 ? (pi.pid == p->pid ? R2_TASK_RUNNING : R2_TASK_READY)
			     : pi.state == PS_NEW ? R2_TASK_READY
						  : R2_TASK_DEAD;
		r2_task_name(&pi, t.t.name);
		if (copy_to_user(&p->vs, buf + n * size, &t, size))
			return R2_INVALID_INPUT;
		n++;
	}
	return n;
}

/* Who asked for each program 0x29/0x2a started: the file server is its parent. */
#define STARTED_MAX 32
static struct {
	uint64_t pid, by;
} started[STARTED_MAX];

void r2_started_by(uint64_t pid, uint64_t by)
{
	for (unsigned i = 0; i < STARTED_MAX; i++)
		if (!started[i].pid || r2_process_gone(started[i].pid)) {
			started[i].pid = pid;
			started[i].by = by;
			return;
		}
	/* full: the program is then only its parent's (the file server's) to end */
}

/* q's parent as r2 sees it: whoever asked for it, else the process that made it. */
static struct process *r2_parent(const struct process *q)
{
	for (unsigned i = 0; i < STARTED_MAX; i++)
		if (started[i].pid == q->pid)
			return process_find(started[i].by);
	return q->parent;
}

/* Is q the caller or one of its descendants (through r2_parent)? */
#define R2_ANCESTRY_MAX 256
static bool r2_may_end(const struct process *p, const struct process *q)
{
	for (unsigned hops = 0; q && hops < R2_ANCESTRY_MAX; hops++, q = r2_parent(q))
		if (q == p)
			return true;
	return false;
}

/*
 * The live process `id` names that the caller may end: the pid itself,
 * else, as R2_TASKS shows pids, one whose low byte it is. NULL if none.
 */
static struct process *r2_victim(const struct process *p, uint64_t id)
{
	struct process_info pi;
	struct process *low = NULL;
	for (unsigned i = 0; process_info_at(i, &pi) == E_OK; i++) {
		struct process *c = process_find(pi.pid);
		if (!c || c->state >= P_ENDING || !r2_may_end(p, c))
			continue;
		if (pi.pid == id)
			return c;
		if (!low && id <= 0xff && (pi.pid & 0xff) == id)
			low = c;
	}
	return low;
}

/*
 * 0x3b: end a process the caller may end (itself, what it started,
 * through 0x2a too, and what those started) and everything it started in
 * turn, the caller last if it is among them. 0xfe when no such process
 * lives.
 */
uint64_t r2_kill(struct process *p, uint64_t id, uint64_t unused)
{
	struct process_info pi;
	(void)unused;
	struct process *q = r2_victim(p, id);
	if (!q)
		return R2_FILE_NOT_FOUND;
	bool self = false;
	for (unsigned i = 0; process_info_at(i, &pi) == E_OK; i++) {
		struct process *c = process_find(pi.pid);
		if (c && r2_may_end(q, c)) {
			if (c == p)
				self = true;
			else
				process_terminate(c, -1, EXIT_TERMINATED, 0);
		}
	}
	if (self)
		process_exit_self(-1, EXIT_TERMINATED, 0);
	return R2_OK;
}

/* MemInfo2_T from the heaps (frame_* stay 0: Kestrel has no fixed frames). */
static void meminfo_fill(struct process *p, MemInfo2_T *m)
{
	struct r2_heap_stats h;
	r2_heap_stats(p, &h);
	*m = (MemInfo2_T){.version = 2,
			  .total_ram = memory_stats().total_frames * PAGE_SIZE,
			  .heap_start = h.va,
			  .heap_size = h.size,
			  .heap_used = h.used,
			  .heap_free = h.size - h.used,
			  .heap_largest_free = h.largest_free,
			  .heap_blocks = h.blocks,
			  .heap_free_blocks = h.free_blocks,
			  .slots = R2_HEAPS};
	memset(m->slot_task, 0xff, sizeof(m->slot_task));
	for (unsigned i = 0; i < R2_HEAPS; i++) {
		m->heap_by_slot[i] = h.used_by[i];
		if (h.pid[i])
			m->slot_task[i] = (uint8_t)h.pid[i];
	}
}

/* 0x3c: MemInfo_T, or MemInfo2_T when argument 2 is R2_MEMINFO_V2 (include/abi/r2.h). */
uint64_t r2_meminfo(struct process *p, uint64_t ptr, uint64_t version)
{
	MemInfo2_T m;
	MemInfo_T m1;
	bool v2 = version == R2_MEMINFO_V2;
	if (!user_ok(p, ptr, v2 ? sizeof(m) : sizeof(m1), true))
		return R2_INVALID_INPUT;
	meminfo_fill(p, &m);
	if (v2)
		return copy_to_user(&p->vs, ptr, &m, sizeof(m)) ? R2_INVALID_INPUT : R2_OK;
	/* Version 1: the same, 16 slots (R2_HEAPS fit). */
	_Static_assert(R2_HEAPS <= 16, "every heap a slot of MemInfo_T");
	m1 = (MemInfo_T){.version = 1,
			 .total_ram = m.total_ram,
			 .heap_start = m.heap_start,
			 .heap_size = m.heap_size,
			 .heap_used = m.heap_used,
			 .heap_free = m.heap_free,
			 .heap_largest_free = m.heap_largest_free,
			 .heap_blocks = m.heap_blocks,
			 .heap_free_blocks = m.heap_free_blocks,
			 .slots = m.slots};
	memcpy(m1.heap_by_slot, m.heap_by_slot, sizeof(m1.heap_by_slot));
	memcpy(m1.slot_task, m.slot_task, sizeof(m1.slot_task));
	return copy_to_user(&p->vs, ptr, &m1, sizeof(m1)) ? R2_INVALID_INPUT : R2_OK;
}

/* 0x43: does [addr, addr + size) lie inside the caller's r2 heap? 1 or 0. */
uint64_t r2_heap_has(struct process *p, uint64_t addr, uint64_t size)
{
	return r2_heap_contains(p, addr, size) ? 1 : 0;
}
