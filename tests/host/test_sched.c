/*
 * The scheduler's policy: priorities, round robin, preemption, blocking
 * with timeouts, affinity, and a random run checked against a model.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "blob.h"
#include "sched/sched.h"

#define N 16

static struct sched_entity idle0, idle1, t[N];

static void setup(void)
{
	struct sched_entity *idle[] = {&idle0, &idle1};
	memset(t, 0, sizeof(t));
	memset(&idle0, 0, sizeof(idle0));
	memset(&idle1, 0, sizeof(idle1));
	for (unsigned i = 0; i < N; i++)
		t[i].id = i + 1;
	cr_assert_eq(sched_init(1, idle), E_OK);
}

TestSuite(sched, .init = setup);

Test(sched, highest_priority_first_then_idle)
{
	cr_assert_eq(next_thread(0), &idle0, "nothing ready: idle");
	cr_assert_eq(schedule_thread(&t[0], PRIO_LOW), E_OK);
	cr_assert_eq(schedule_thread(&t[1], PRIO_REALTIME), E_OK);
	cr_assert_eq(schedule_thread(&t[2], PRIO_NORMAL), E_OK);
	cr_assert_eq(schedule_thread(&t[2], PRIO_NORMAL), E_INVALID_PARAMETER, "twice");
	cr_assert_eq(schedule_thread(&t[3], 41), E_INVALID_PARAMETER);
	cr_assert_eq(next_thread(0), &t[1]);
	cr_assert_eq(block_thread(&t[1], BLOCK_WAITING_FOR_IPC, 0, 0), E_OK);
	cr_assert(sched_need_resched(0));
	cr_assert_eq(next_thread(0), &t[2]);
	cr_assert_eq(unschedule_thread(&t[2]), E_OK);
	cr_assert_eq(next_thread(0), &t[0]);
	cr_assert_eq(block_thread(&t[0], BLOCK_SLEEP, 0, 0), E_OK);
	cr_assert_eq(next_thread(0), &idle0);
	cr_assert_eq(block_thread(&idle0, BLOCK_SLEEP, 0, 0), E_INVALID_PARAMETER);
}

Test(sched, round_robin_within_a_priority)
{
	for (unsigned i = 0; i < 3; i++)
		schedule_thread(&t[i], PRIO_NORMAL);
	unsigned order[9];
	struct sched_entity *cur = next_thread(0);
	for (unsigned k = 0; k < 9; k++) {
		order[k] = cur->id;
		/* It keeps the CPU for its whole slice... */
		for (unsigned tick = 1; tick < SCHED_TIMESLICE_TICKS; tick++) {
			cr_assert(!sched_tick(0, 0));
			cr_assert_eq(next_thread(0), cur);
		}
		/* ...then the next one of its priority runs. */
		cr_assert(sched_tick(0, 0));
		cur = next_thread(0);
	}
	unsigned want[9] = {1, 2, 3, 1, 2, 3, 1, 2, 3};
	cr_assert_arr_eq(order, want, sizeof(want));
}

Test(sched, an_expired_thread_gives_way_to_a_later_equal)
{
	schedule_thread(&t[0], PRIO_NORMAL);
	cr_assert_eq(next_thread(0), &t[0]);
	for (unsigned tick = 0; tick < 2 * SCHED_TIMESLICE_TICKS; tick++)
		cr_assert(!sched_tick(0, 0), "alone: it keeps running");
	schedule_thread(&t[1], PRIO_NORMAL);
	cr_assert(sched_tick(0, 0), "its slice is long gone: the newcomer gets a turn");
	cr_assert_eq(next_thread(0), &t[1]);
}

Test(sched, yield_and_lone_threads)
{
	schedule_thread(&t[0], PRIO_HIGH);
	cr_assert_eq(next_thread(0), &t[0]);
	cr_assert_eq(yield_cpu(0), E_OK);
	cr_assert_eq(next_thread(0), &t[0], "alone at its priority: it runs on");
	schedule_thread(&t[1], PRIO_HIGH);
	schedule_thread(&t[2], PRIO_LOW);
	yield_cpu(0);
	cr_assert_eq(next_thread(0), &t[1]);
	cr_assert_eq(sched_ready_count(0), 2);
}

Test(sched, wakeups_preempt_lower_priorities)
{
	schedule_thread(&t[0], PRIO_LOW);
	schedule_thread(&t[1], PRIO_HIGH);
	cr_assert_eq(next_thread(0), &t[1]);
	block_thread(&t[1], BLOCK_WAITING_FOR_IO, 0, 0);
	cr_assert_eq(next_thread(0), &t[0]);
	cr_assert(!sched_need_resched(0));
	cr_assert_eq(wake_thread(&t[1]), E_OK);
	cr_assert(sched_need_resched(0), "a higher priority woke");
	cr_assert_eq(next_thread(0), &t[1]);
	cr_assert_eq(t[1].wake_result, E_OK);
	cr_assert_eq(wake_thread(&t[1]), E_INVALID_PARAMETER, "not blocked");
	cr_assert_eq(set_thread_priority(&t[0], PRIO_REALTIME), E_OK);
	cr_assert(sched_need_resched(0));
	cr_assert_eq(next_thread(0), &t[0]);
}

Test(sched, timeouts_fire_once_and_in_order)
{
	schedule_thread(&t[0], PRIO_NORMAL);
	schedule_thread(&t[1], PRIO_NORMAL);
	schedule_thread(&t[2], PRIO_NORMAL);
	block_thread(&t[0], BLOCK_SLEEP, 300, 1000);
	block_thread(&t[1], BLOCK_SLEEP, 100, 1000);
	block_thread(&t[2], BLOCK_WAITING_FOR_IPC, 200, 1000);
	cr_assert_eq(next_thread(0), &idle0);
	sched_tick(0, 1099);
	cr_assert_eq(t[1].state, T_BLOCKED);
	sched_tick(0, 1100);
	cr_assert_eq(t[1].state, T_READY);
	cr_assert_eq(t[1].wake_result, E_TIMEOUT);
	cr_assert_eq(wake_thread(&t[2]), E_OK, "woken before its timeout");
	sched_tick(0, 5000);
	cr_assert_eq(t[2].wake_result, E_OK, "and the timeout does not fire later");
	cr_assert_eq(t[0].wake_result, E_TIMEOUT);
	cr_assert_eq(sched_ready_count(0), 3);
	cr_assert_eq(next_thread(0), &t[1], "first to time out, first in line");
}

Test(sched, affinity_keeps_threads_on_their_cpus)
{
	struct sched_entity *idle[] = {&idle0, &idle1};
	sched_init(2, idle);
	t[0].affinity = 1u << 1;
	schedule_thread(&t[0], PRIO_HIGH);
	schedule_thread(&t[1], PRIO_LOW);
	cr_assert_eq(t[0].cpu, 1);
	cr_assert_eq(next_thread(1), &t[0]);
	cr_assert_eq(next_thread(0), &t[1]);
	cr_assert_eq(set_thread_affinity(&t[2], 1u << 5), E_INVALID_PARAMETER, "no such CPU");
	cr_assert_eq(set_thread_affinity(&t[1], 1u << 1), E_OK);
	cr_assert(sched_need_resched(0), "it must leave CPU 0");
	cr_assert_eq(next_thread(0), &idle0);
	cr_assert_eq(t[1].cpu, 1);
	cr_assert_eq(t[1].state, T_READY);
}

/* A random run: next_thread always returns a highest-priority ready thread. */
Test(sched, random_run_matches_a_model)
{
	uint64_t seed = 11, now = 0;
	struct sched_entity *cur = next_thread(0);

	for (int step = 0; step < 50000; step++) {
		struct sched_entity *x = &t[blob_rand(&seed) % N];
		switch (blob_rand(&seed) % 7) {
		case 0:
			schedule_thread(x, blob_rand(&seed) % SCHED_PRIORITIES);
			break;
		case 1:
			block_thread(x, BLOCK_SLEEP,
				     blob_rand(&seed) % 3 ? 0 : 1 + blob_rand(&seed) % 50, now);
			break;
		case 2:
			wake_thread(x);
			break;
		case 3:
			set_thread_priority(x, blob_rand(&seed) % SCHED_PRIORITIES);
			break;
		case 4:
			if (blob_rand(&seed) % 8 == 0)
				unschedule_thread(x);
			break;
		default:
			now += 10;
			sched_tick(0, now);
			break;
		}
		if (sched_need_resched(0) || blob_rand(&seed) % 4 == 0)
			cur = next_thread(0);
		/* The model: count and best priority of what is ready. */
		unsigned ready = 0;
		int best = -1;
		for (unsigned i = 0; i < N; i++) {
			cr_assert(t[i].state <= T_UNSCHEDULED);
			if (t[i].state == T_READY) {
				ready++;
				best = t[i].priority > best ? t[i].priority : best;
			}
			cr_assert(t[i].state != T_RUNNING || &t[i] == cur, "one running thread");
		}
		cr_assert_eq(sched_ready_count(0), ready);
		if (!sched_need_resched(0)) {
			if (cur == &idle0)
				cr_assert_eq(ready, 0, "idle only when nothing is ready");
			else
				cr_assert_geq((int)cur->priority, best, "step %d", step);
		}
	}
}

Test(sched, handoff_runs_the_blocked_receiver_at_once)
{
	cr_assert_eq(schedule_thread(&t[0], PRIO_NORMAL), E_OK); /* the caller */
	cr_assert_eq(schedule_thread(&t[1], PRIO_NORMAL), E_OK); /* the receiver */
	cr_assert_eq(schedule_thread(&t[2], PRIO_LOW), E_OK);	 /* a bystander */
	cr_assert_eq(next_thread(0), &t[0]);
	cr_assert_eq(sched_handoff(0, BLOCK_WAITING_FOR_IPC, &t[1]), E_INVALID_PARAMETER,
		     "only to a blocked thread");
	cr_assert_eq(block_thread(&t[1], BLOCK_WAITING_FOR_IPC, 50, 0), E_OK); /* with a timeout */
	cr_assert_eq(next_thread(0), &t[0]);
	cr_assert_eq(sched_handoff(0, BLOCK_WAITING_FOR_IPC, &t[1]), E_OK);
	cr_assert_eq(sched_current(0), &t[1]);
	cr_assert_eq(t[1].state, T_RUNNING);
	cr_assert_eq(t[1].wake_result, E_OK);
	cr_assert_eq(t[0].state, T_BLOCKED);
	cr_assert_eq(t[0].block_reason, BLOCK_WAITING_FOR_IPC);
	cr_assert_not(sched_need_resched(0), "only a lower priority waits");
	cr_assert_not(sched_tick(0, 100), "the receiver's timeout is gone");
	cr_assert_eq(t[1].state, T_RUNNING);
	/* And straight back. */
	cr_assert_eq(sched_handoff(0, BLOCK_WAITING_FOR_IPC, &t[0]), E_OK);
	cr_assert_eq(sched_current(0), &t[0]);
	cr_assert_eq(sched_ready_count(0), 1);
	cr_assert_eq(next_thread(0), &t[0]);
	/* Never from the idle thread. */
	cr_assert_eq(block_thread(&t[0], BLOCK_SLEEP, 0, 0), E_OK);
	cr_assert_eq(next_thread(0), &t[2]);
	cr_assert_eq(block_thread(&t[2], BLOCK_SLEEP, 0, 0), E_OK);
	cr_assert_eq(next_thread(0), &idle0);
	cr_assert_eq(sched_handoff(0, BLOCK_WAITING_FOR_IPC, &t[0]), E_INVALID_PARAMETER);
}
