/*
 * Run queues: per CPU, one FIFO per priority and a bitmap of the non-empty
 * ones, so picking the next thread is a find-highest-bit and a list pop.
 * Blocked threads with a timeout sit on one list sorted by deadline.
 */
#include "sched/sched.h"
#include "core/kstring.h"

struct run_queue {
	uint64_t bitmap; /* bit p set: a thread of priority p is ready */
	struct sched_entity *head[SCHED_PRIORITIES], *tail[SCHED_PRIORITIES];
	struct sched_entity *current, *idle;
	unsigned ready;
	bool need_resched;
};

static struct {
	struct run_queue rq[SCHED_MAX_CPUS];
	unsigned cpus;
	struct sched_entity *timeouts; /* blocked with a deadline, earliest first */
} S;

_Static_assert(SCHED_PRIORITIES <= 64, "one bitmap word");

static inline unsigned highest(uint64_t bitmap)
{
	return 63u - (unsigned)__builtin_clzll(bitmap);
}

static inline uint32_t allowed(const struct sched_entity *t)
{
	uint32_t all = (1u << S.cpus) - 1;
	return t->affinity ? t->affinity & all : all;
}

static inline __attribute__((always_inline)) void enqueue(struct run_queue *rq,
							  struct sched_entity *t)
{
	unsigned p = t->priority;

	t->next = NULL;
	t->prev = rq->tail[p];
	if (rq->tail[p])
		rq->tail[p]->next = t;
	else
		rq->head[p] = t;
	rq->tail[p] = t;
	rq->bitmap |= 1ull << p;
	rq->ready++;
}

static inline __attribute__((always_inline)) void dequeue(struct run_queue *rq,
							  struct sched_entity *t)
{
	unsigned p = t->priority;

	if (t->prev)
		t->prev->next = t->next;
	else
		rq->head[p] = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		rq->tail[p] = t->prev;
	if (!rq->head[p])
		rq->bitmap &= ~(1ull << p);
	t->next = t->prev = NULL;
	rq->ready--;
}

static void timeout_remove(struct sched_entity *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		S.timeouts = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	t->deadline = 0;
}

static void timeout_insert(struct sched_entity *t)
{
	struct sched_entity **link = &S.timeouts, *prev = NULL;

	while (*link && (*link)->deadline <= t->deadline) {
		prev = *link;
		link = &(*link)->next;
	}
	t->next = *link;
	t->prev = prev;
	if (*link)
		(*link)->prev = t;
	*link = t;
}

/* Ask `cpu` to reschedule if `t` should preempt what it runs. */
static void check_preempt(unsigned cpu, const struct sched_entity *t)
{
	struct run_queue *rq = &S.rq[cpu];
	if (!rq->current || rq->current == rq->idle || t->priority > rq->current->priority)
		rq->need_resched = true;
}

/* The least loaded CPU `t` may use, its last one on a tie. */
static unsigned pick_cpu(const struct sched_entity *t)
{
	uint32_t ok = allowed(t);
	unsigned best = (ok >> t->cpu) & 1 ? t->cpu : (unsigned)__builtin_ctz(ok);

	for (unsigned c = 0; c < S.cpus; c++)
		if ((ok >> c & 1) && S.rq[c].ready < S.rq[best].ready)
			best = c;
	return best;
}

static void make_ready(struct sched_entity *t)
{
	unsigned cpu = pick_cpu(t);

	t->state = T_READY;
	t->cpu = (uint8_t)cpu;
	if (!t->slice)
		t->slice = SCHED_TIMESLICE_TICKS;
	enqueue(&S.rq[cpu], t);
	check_preempt(cpu, t);
}

int sched_init(unsigned cpus, struct sched_entity *idle[])
{
	if (!cpus || cpus > SCHED_MAX_CPUS || !idle)
		return E_INVALID_PARAMETER;
	memset(&S, 0, sizeof(S));
	S.cpus = cpus;
	for (unsigned c = 0; c < cpus; c++) {
		S.rq[c].idle = S.rq[c].current = idle[c];
		idle[c]->state = T_RUNNING;
		idle[c]->priority = PRIO_IDLE;
		idle[c]->cpu = (uint8_t)c;
	}
	return E_OK;
}

int schedule_thread(struct sched_entity *t, unsigned priority)
{
	if (!t || priority >= SCHED_PRIORITIES || (t->state != T_NEW && t->state != T_UNSCHEDULED))
		return E_INVALID_PARAMETER;
	if (!allowed(t))
		return E_INVALID_PARAMETER;
	t->priority = (uint8_t)priority;
	t->slice = 0;
	t->deadline = 0;
	make_ready(t);
	return E_OK;
}

int unschedule_thread(struct sched_entity *t)
{
	if (!t || t->state == T_NEW || t->state == T_UNSCHEDULED)
		return E_INVALID_PARAMETER;
	for (unsigned c = 0; c < S.cpus; c++)
		if (S.rq[c].idle == t)
			return E_INVALID_PARAMETER;
	if (t->state == T_READY)
		dequeue(&S.rq[t->cpu], t);
	else if (t->state == T_BLOCKED && t->deadline)
		timeout_remove(t);
	else if (t->state == T_RUNNING)
		S.rq[t->cpu].need_resched = true;
	t->state = T_UNSCHEDULED;
	return E_OK;
}

int set_thread_priority(struct sched_entity *t, unsigned priority)
{
	if (!t || priority >= SCHED_PRIORITIES || t->state == T_NEW || t->state == T_UNSCHEDULED)
		return E_INVALID_PARAMETER;
	if (t->state == T_READY) {
		struct run_queue *rq = &S.rq[t->cpu];
		dequeue(rq, t);
		t->priority = (uint8_t)priority;
		enqueue(rq, t);
		check_preempt(t->cpu, t);
	} else {
		t->priority = (uint8_t)priority;
		struct run_queue *rq = &S.rq[t->cpu];
		if (t->state == T_RUNNING && rq->bitmap && highest(rq->bitmap) > priority)
			rq->need_resched = true;
	}
	return E_OK;
}

int set_thread_affinity(struct sched_entity *t, uint32_t cpus)
{
	uint32_t all = (1u << S.cpus) - 1;

	if (!t || (cpus && !(cpus & all)))
		return E_INVALID_PARAMETER;
	t->affinity = cpus;
	if (t->state == T_READY && !(allowed(t) >> t->cpu & 1)) {
		dequeue(&S.rq[t->cpu], t);
		make_ready(t);
	} else if (t->state == T_RUNNING && !(allowed(t) >> t->cpu & 1)) {
		S.rq[t->cpu].need_resched = true; /* it moves when it next leaves the CPU */
	}
	return E_OK;
}

struct sched_entity *next_thread(unsigned cpu)
{
	if (cpu >= S.cpus)
		return NULL;
	struct run_queue *rq = &S.rq[cpu];
	struct sched_entity *cur = rq->current;
	unsigned top = rq->bitmap ? highest(rq->bitmap) : 0; /* one search per pick */

	rq->need_resched = false;
	if (cur != rq->idle && cur->state == T_RUNNING) {
		bool may_stay = allowed(cur) >> cpu & 1;
		if (may_stay &&
		    (!rq->bitmap || top < cur->priority || (top == cur->priority && cur->slice)))
			return cur;
		/* Preempted or out of time: behind its equals, with a fresh slice. */
		cur->slice = SCHED_TIMESLICE_TICKS;
		if (may_stay) { /* the common case (a yield): requeue right here */
			if (!rq->bitmap || cur->priority > top)
				top = cur->priority;
			cur->state = T_READY;
			enqueue(rq, cur);
		} else {
			make_ready(cur);
		}
	}
	if (!rq->bitmap) {
		rq->current = rq->idle;
		return rq->idle;
	}
	struct sched_entity *t = rq->head[top];
	dequeue(rq, t);
	t->state = T_RUNNING;
	if (!t->slice)
		t->slice = SCHED_TIMESLICE_TICKS;
	rq->current = t;
	return t;
}

int yield_cpu(unsigned cpu)
{
	if (cpu >= S.cpus)
		return E_INVALID_PARAMETER;
	struct run_queue *rq = &S.rq[cpu];
	rq->current->slice = 0;
	rq->need_resched = true;
	return E_OK;
}

int block_thread(struct sched_entity *t, enum block_reason reason, uint64_t timeout_ns,
		 uint64_t now_ns)
{
	if (!t || (unsigned)reason > BLOCK_WAITING_FOR_MUTEX ||
	    (t->state != T_RUNNING && t->state != T_READY))
		return E_INVALID_PARAMETER;
	struct run_queue *rq = &S.rq[t->cpu];
	if (rq->idle == t)
		return E_INVALID_PARAMETER;
	if (t->state == T_READY)
		dequeue(rq, t);
	else
		rq->need_resched = true;
	t->state = T_BLOCKED;
	t->block_reason = (uint8_t)reason;
	t->wake_result = E_OK;
	t->deadline = 0;
	if (timeout_ns) {
		t->deadline = now_ns + timeout_ns < now_ns ? UINT64_MAX : now_ns + timeout_ns;
		timeout_insert(t);
	}
	return E_OK;
}

int wake_thread(struct sched_entity *t)
{
	if (!t || t->state != T_BLOCKED)
		return E_INVALID_PARAMETER;
	if (t->deadline)
		timeout_remove(t);
	t->wake_result = E_OK;
	make_ready(t);
	return E_OK;
}

int sched_handoff(unsigned cpu, enum block_reason reason, struct sched_entity *to)
{
	if (cpu >= S.cpus || !to || to->state != T_BLOCKED || !(allowed(to) >> cpu & 1))
		return E_INVALID_PARAMETER;
	struct run_queue *rq = &S.rq[cpu];
	struct sched_entity *cur = rq->current;
	if (cur == rq->idle || (cur->state != T_RUNNING && cur->state != T_BLOCKED))
		return E_INVALID_PARAMETER;
	if (cur->state == T_RUNNING) { /* block_thread() without a timeout, in line */
		cur->state = T_BLOCKED;
		cur->block_reason = (uint8_t)reason;
		cur->wake_result = E_OK;
		cur->deadline = 0;
	}
	if (to->deadline)
		timeout_remove(to);
	to->wake_result = E_OK;
	to->state = T_RUNNING;
	to->cpu = (uint8_t)cpu;
	if (!to->slice)
		to->slice = SCHED_TIMESLICE_TICKS;
	rq->current = to;
	rq->need_resched = rq->bitmap && highest(rq->bitmap) > to->priority;
	return E_OK;
}

bool sched_tick(unsigned cpu, uint64_t now_ns)
{
	if (cpu >= S.cpus)
		return false;
	while (S.timeouts && S.timeouts->deadline <= now_ns) {
		struct sched_entity *t = S.timeouts;
		timeout_remove(t);
		t->wake_result = E_TIMEOUT;
		make_ready(t);
	}
	struct run_queue *rq = &S.rq[cpu];
	struct sched_entity *cur = rq->current;
	/* Out of time (now, or earlier while nothing else was ready): give way to an equal. */
	if (cur != rq->idle && (!cur->slice || !--cur->slice) && rq->bitmap &&
	    highest(rq->bitmap) >= cur->priority)
		rq->need_resched = true;
	return rq->need_resched;
}

struct sched_entity *sched_current(unsigned cpu)
{
	return cpu < S.cpus ? S.rq[cpu].current : NULL;
}

unsigned sched_ready_count(unsigned cpu)
{
	return cpu < S.cpus ? S.rq[cpu].ready : 0;
}

bool sched_need_resched(unsigned cpu)
{
	return cpu < S.cpus && S.rq[cpu].need_resched;
}
