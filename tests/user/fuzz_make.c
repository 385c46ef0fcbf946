/*
 * The fuzzer's children and threads: process specs for a fuzzing child,
 * for init doing little, for flat code or damaged, and threads started
 * only at the worker entry on a stack of their own.
 */
#include "fuzz.h"

/* Code for flat children: zero bytes fault at once on every arch. */
static const char zeros[2 * FUZZ_PAGE] __attribute__((aligned(4096)));

/* A process_spec in t->spec: a fuzzing child, init doing little, flat code, or damage. */
static unsigned make_spec(struct fuzz_thread *t)
{
	static const char nosuch[] = "init\0fuzz-no-such-entry";
	static const char flat[] = "flat";
	static const char env[] = "FUZZ=1";
	struct process_spec *s = &t->spec;
	unsigned variant = (unsigned)fuzz_below(t, 10);
	unsigned child_prio = 0, kind = FUZZ_OTHER;
	size_t fuzz_args = variant < 4 ? fuzz_child_args(t, &child_prio, &kind) : 0;
	unsigned prio = fz.prio > 10 && fuzz_chance(t, 30) ? 10 : 0;
	*s = (struct process_spec){
	    .image = fz.image,
	    .image_size = fz.image_size,
	    .args = nosuch,
	    .args_size = sizeof(nosuch),
	    .env = env,
	    .env_size = fuzz_chance(t, 50) ? sizeof(env) : 0,
	    .priority = prio,
	    .flags = PROCESS_MAP_IMAGE,
	};
	unsigned ncaps = (unsigned)fuzz_below(t, 3);
	for (unsigned i = 0; i < ncaps; i++)
		t->spec_caps[i] = fuzz_any_token(t);
	s->caps = t->spec_caps;
	s->cap_count = ncaps;
	if (fuzz_args) {
		s->args = t->args;
		s->args_size = fuzz_args;
		if (fz.nhot >= 2) { /* our two endpoints first: the child's partners */
			t->spec_caps[0] = fz.hot[0];
			t->spec_caps[1] = fz.hot[1];
			s->cap_count = ncaps > 2 ? ncaps : 2;
		}
		s->priority = child_prio;
		return kind;
	}
	if (variant == 4) {
		s->args_size = 0; /* init greets and ends */
	} else if (variant == 5) {
		s->image = zeros;
		s->args = flat;
		s->args_size = sizeof(flat);
		s->image_size = 1 + fuzz_below(t, sizeof(zeros));
		s->flags = PROCESS_FLAT | (fuzz_chance(t, 20) ? PROCESS_MAP_IMAGE : 0);
		s->load_address = fuzz_chance(t, 80) ? 0x10000000 + fuzz_pages(t, 64) : fuzz_any(t);
	} else if (variant >= 6) { /* damage one or two fields */
		for (unsigned n = 1 + (unsigned)fuzz_below(t, 2); n--;) {
			switch (fuzz_below(t, 9)) {
			case 0:
				s->image = (const char *)fz.image + fuzz_below(t, 256);
				break;
			case 1:
				s->image_size =
				    fuzz_chance(t, 50) ? fuzz_below(t, fz.image_size) : fuzz_any(t);
				break;
			case 2:
				s->image = (const void *)(uintptr_t)fuzz_in_ptr(t);
				break;
			case 3:
				s->args_size =
				    fuzz_below(t, sizeof(nosuch)); /* cut: no final NUL */
				break;
			case 4:
				s->args = (const char *)(uintptr_t)fuzz_in_ptr(t);
				s->args_size = fuzz_length(t);
				break;
			case 5:
				s->env = (const char *)(uintptr_t)fuzz_in_ptr(t);
				s->env_size = fuzz_length(t);
				break;
			case 6:
				s->caps = (const uint64_t *)(uintptr_t)fuzz_in_ptr(t);
				s->cap_count = fuzz_chance(t, 50) ? fuzz_below(t, 20) : fuzz_any(t);
				break;
			case 7:
				s->priority = (uint32_t)(31 + fuzz_below(t, 100)); /* refused */
				break;
			default:
				s->flags = (uint32_t)(fuzz_rand(t) & ~(uint64_t)PROCESS_FLAT);
			}
		}
	}
	return FUZZ_OTHER;
}

void fuzz_process_create(struct fuzz_thread *t, uintptr_t a[7], uintptr_t r[7])
{
	unsigned kind = make_spec(t);
	a[0] = fuzz_chance(t, 90) ? (uintptr_t)&t->spec : fuzz_in_ptr(t);
	long tag = sys_raw(SYS_PROCESS_CREATE, a, r);
	if (kind && (tag || a[0] != (uintptr_t)&t->spec)) {
		fuzz_child_refund();
		kind = FUZZ_OTHER;
	}
	if (!fuzz_known_tag(tag))
		fuzz_failure("an unknown error code", SYS_PROCESS_CREATE, (uint64_t)tag);
	fz.made[SYS_PROCESS_CREATE]++;
	if (tag)
		return;
	t->ok++;
	fz.succeeded[SYS_PROCESS_CREATE]++;
	fuzz_remember(FK_PID, r[0]);
	fuzz_remember(FK_PROC, r[1]);
	fuzz_child_made(r[0], r[1], kind);
	if (kind && fuzz_chance(t, 85))
		sys_process_start(r[1]);
}

/* Thread creation: at the worker entry on a free stack (first thread only), or refused. */
long fuzz_thread_create(struct fuzz_thread *t, uintptr_t a[7], uintptr_t r[7])
{
	unsigned slot = 0;
	uintptr_t stack = !t->worker && fuzz_chance(t, 50) ? fuzz_worker_stack(&slot) : 0;
	if (stack) {
		a[0] = (uintptr_t)fuzz_worker_entry;
		a[1] = stack;
		a[2] = 16384;
		a[3] = slot;
		a[4] = fuzz_chance(t, 10) ? fuzz_any(t) : fuzz_priority(t);
		if (a[4] <= PRIO_USER_MAX && a[4] && a[4] < fz.prio)
			a[4] = fz.prio;
	} else if (a[0] >= FUZZ_USER_BASE && a[0] < FUZZ_USER_TOP) {
		a[0] = fuzz_bad_address(t) | 1; /* never code of ours with a stack of chance */
		if (a[0] >= FUZZ_USER_BASE && a[0] < FUZZ_USER_TOP)
			a[0] = 1;
	}
	long tag = sys_raw(SYS_THREAD_CREATE, a, r);
	if (stack) {
		if (tag)
			fuzz_worker_release(slot);
		else
			fuzz_worker_made(slot, r[0]);
	}
	if (!tag) {
		fuzz_remember(FK_ID, r[0]);
		fuzz_remember(FK_THREAD, r[1]);
	}
	return tag;
}
