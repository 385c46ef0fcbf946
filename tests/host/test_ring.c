/*
 * The driver transport's rings (drivers/lib/ring.c): order, full and
 * empty, indices wrapping at 2^32, garbage a peer publishes refused without
 * a change, descriptors checked against the data region (wrapping offsets
 * too), a random run against a model and two threads passing 10^6
 * descriptors through a small ring.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>

#include "drivers/lib/ring.h"
#include "include/abi/error.h"

#define SIZE 8

static _Alignas(64) unsigned char mem[4096];

static void pair(struct ring *p, struct ring *c)
{
	cr_assert_eq(ring_attach(p, mem, sizeof(mem), SIZE, true, true), E_OK);
	cr_assert_eq(ring_attach(c, mem, sizeof(mem), SIZE, false, false), E_OK);
}

Test(ring, attach_checks_its_arguments)
{
	struct ring r;
	cr_assert_eq(ring_attach(&r, mem, sizeof(mem), 6, true, true), E_INVALID_PARAMETER);
	cr_assert_eq(ring_attach(&r, mem, sizeof(mem), 0, true, true), E_INVALID_PARAMETER);
	cr_assert_eq(ring_attach(&r, mem, ring_bytes(SIZE) - 1, SIZE, true, true),
		     E_INVALID_PARAMETER);
	cr_assert_eq(ring_attach(&r, mem + 4, sizeof(mem) - 4, SIZE, true, true),
		     E_INVALID_PARAMETER);
	cr_assert_eq(ring_attach(&r, NULL, sizeof(mem), SIZE, true, true), E_INVALID_PARAMETER);
	cr_assert_eq(ring_attach(&r, mem, ring_bytes(SIZE), SIZE, true, true), E_OK);
}

Test(ring, descriptors_come_out_in_order_until_empty)
{
	struct ring p, c;
	struct ring_desc d;
	pair(&p, &c);
	cr_assert_eq(ring_pop(&c, &d), E_NOT_FOUND);
	for (uint32_t i = 0; i < SIZE; i++)
		cr_assert_eq(ring_push(&p, &(struct ring_desc){.offset = i * 512, .cookie = i}),
			     E_OK);
	cr_assert_eq(ring_push(&p, &(struct ring_desc){0}), E_BUSY, "full at SIZE");
	cr_assert_eq(ring_pending(&c), SIZE);
	for (uint32_t i = 0; i < SIZE; i++) {
		cr_assert_eq(ring_pop(&c, &d), E_OK);
		cr_assert_eq(d.cookie, i);
		cr_assert_eq(d.offset, i * 512);
	}
	cr_assert_eq(ring_pop(&c, &d), E_NOT_FOUND);
	/* Each side only does its own job. */
	cr_assert_eq(ring_pop(&p, &d), E_INVALID_PARAMETER);
	cr_assert_eq(ring_push(&c, &d), E_INVALID_PARAMETER);
}

Test(ring, indices_wrap_at_two_to_the_32)
{
	struct ring p, c;
	struct ring_desc d;
	struct ring_shared *sh = (struct ring_shared *)mem;
	sh->head = sh->tail = UINT32_MAX - 2; /* as after four billion descriptors */
	cr_assert_eq(ring_attach(&p, mem, sizeof(mem), SIZE, true, false), E_OK);
	cr_assert_eq(ring_attach(&c, mem, sizeof(mem), SIZE, false, false), E_OK);
	for (uint32_t i = 0; i < 6; i++)
		cr_assert_eq(ring_push(&p, &(struct ring_desc){.cookie = i}), E_OK);
	cr_assert_eq(ring_pending(&p), 6);
	for (uint32_t i = 0; i < 6; i++) {
		cr_assert_eq(ring_pop(&c, &d), E_OK);
		cr_assert_eq(d.cookie, i);
	}
	cr_assert_eq(sh->head, 3u);
}

Test(ring, garbage_indices_are_refused_and_change_nothing)
{
	struct ring p, c;
	struct ring_desc d;
	struct ring_shared *sh = (struct ring_shared *)mem;
	pair(&p, &c);
	cr_assert_eq(ring_push(&p, &(struct ring_desc){.cookie = 7}), E_OK);
	/* A producer that claims more than the ring holds. */
	sh->head = c.local + SIZE + 1;
	cr_assert_eq(ring_pop(&c, &d), E_INVALID_PARAMETER);
	cr_assert_eq(c.local, 0u);
	cr_assert_eq(ring_pending(&c), 0);
	sh->head = c.local - 1; /* behind the consumer */
	cr_assert_eq(ring_pop(&c, &d), E_INVALID_PARAMETER);
	sh->head = p.local; /* back to the truth: the descriptor is still there */
	cr_assert_eq(ring_pop(&c, &d), E_OK);
	cr_assert_eq(d.cookie, 7);
	/* A consumer that claims to have taken more than was pushed. */
	sh->tail = p.local + 1;
	cr_assert_eq(ring_push(&p, &(struct ring_desc){0}), E_INVALID_PARAMETER);
	cr_assert_eq(p.local, 1u);
	sh->tail = c.local;
	cr_assert_eq(ring_push(&p, &(struct ring_desc){0}), E_OK);
}

Test(ring, descriptors_are_checked_against_the_region)
{
	const uint64_t region = 64 << 10;
	cr_assert_eq(
	    ring_desc_check(&(struct ring_desc){.offset = 0, .length = 512}, region, 512, 4096),
	    E_OK);
	cr_assert_eq(ring_desc_check(&(struct ring_desc){.offset = region - 512, .length = 512},
				     region, 512, 4096),
		     E_OK);
	cr_assert_eq(ring_desc_check(&(struct ring_desc){.offset = region - 511, .length = 512},
				     region, 1, 4096),
		     E_INVALID_PARAMETER, "past the end");
	cr_assert_eq(
	    ring_desc_check(&(struct ring_desc){.offset = 256, .length = 512}, region, 512, 4096),
	    E_INVALID_PARAMETER, "misaligned");
	cr_assert_eq(
	    ring_desc_check(&(struct ring_desc){.offset = 0, .length = 0}, region, 1, 4096),
	    E_INVALID_PARAMETER, "empty");
	cr_assert_eq(
	    ring_desc_check(&(struct ring_desc){.offset = 0, .length = 8192}, region, 1, 4096),
	    E_INVALID_PARAMETER, "longer than allowed");
	cr_assert_eq(ring_desc_check(&(struct ring_desc){.offset = UINT64_MAX - 100, .length = 512},
				     region, 1, 4096),
		     E_INVALID_PARAMETER, "an offset whose end wraps");
	cr_assert_eq(
	    ring_desc_check(&(struct ring_desc){.offset = 0, .length = 1}, region, 3, 4096),
	    E_INVALID_PARAMETER, "an alignment that is no power of two");
}

Test(ring, random_run_matches_a_queue)
{
	struct ring p, c;
	struct ring_desc d;
	uint32_t model[SIZE], first = 0, n = 0, next = 0;
	srand(99);
	pair(&p, &c);
	for (int step = 0; step < 200000; step++) {
		if (rand() & 1) {
			int err = ring_push(&p, &(struct ring_desc){.cookie = next});
			if (n == SIZE) {
				cr_assert_eq(err, E_BUSY);
			} else {
				cr_assert_eq(err, E_OK);
				model[(first + n++) % SIZE] = next++;
			}
		} else {
			int err = ring_pop(&c, &d);
			if (!n) {
				cr_assert_eq(err, E_NOT_FOUND);
			} else {
				cr_assert_eq(err, E_OK);
				cr_assert_eq(d.cookie, model[first]);
				first = (first + 1) % SIZE, n--;
			}
		}
		cr_assert_eq(ring_pending(&c), n);
	}
}

#define PASSES 1000000u

static struct ring tp, tc;

static void *producer(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < PASSES;)
		if (!ring_push(&tp, &(struct ring_desc){.cookie = i, .arg = ~(uint64_t)i}))
			i++;
	return NULL;
}

Test(ring, two_threads_pass_a_million_in_order)
{
	pthread_t t;
	struct ring_desc d;
	pair(&tp, &tc);
	cr_assert_eq(pthread_create(&t, NULL, producer, NULL), 0);
	for (uint32_t i = 0; i < PASSES;) {
		int err = ring_pop(&tc, &d);
		cr_assert(err == E_OK || err == E_NOT_FOUND, "never garbage between honest sides");
		if (err)
			continue;
		cr_assert_eq(d.cookie, i);
		cr_assert_eq(d.arg, ~(uint64_t)i);
		i++;
	}
	pthread_join(t, NULL);
	cr_assert_eq(ring_pop(&tc, &d), E_NOT_FOUND);
}
