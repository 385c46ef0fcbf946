/*
 * The fuzzer's arguments: random numbers, constants that sit on edges
 * (0, -1, sizes around a page, the ends of the user range, kernel and
 * non-canonical addresses), values earlier calls returned, and pointers
 * for each use: ones the kernel may write (out), take away (take) or read
 * (in). The rules that keep the fuzzer alive are here (fuzz_calls.c).
 */
#include "fuzz.h"

static const char text[] = "fuzz: console\n";

static const uint64_t specials[] = {
    0,
    1,
    2,
    7,
    8,
    63,
    64,
    65,
    255,
    4095,
    4096,
    4097,
    65536,
    MIB,
    1ull << 31,
    1ull << 32,
    0xffffffffull,
    1ull << 47,
    1ull << 63,
    ~0ull,
    ~0ull - 4095,
    0x7fffffffffffffffull,
    FUZZ_USER_TOP,
    FUZZ_USER_TOP - 1,
    FUZZ_USER_TOP - FUZZ_PAGE,
    FUZZ_USER_BASE,
    FUZZ_USER_BASE - 1,
    0xffffffff80000000ull, /* the kernel images */
    0xffffffff80200000ull,
    0xffff800000000000ull, /* the direct maps */
    0xffffffc000000000ull,
    0x0000800000000000ull, /* non-canonical on x86_64 */
    0x0001000000000000ull,
    0x400000,	/* our image */
    0x40000000, /* its copy */
    FUZZ_STACK_TOP - 64,
    FUZZ_IPC_WINDOW,
    XOUS_HEAP_BASE,
    0x100000000ull, /* where mmap looks first */
    0x600000000000ull,
    0xa00000,
    FUZZ_ARENA,
    FUZZ_ARENA + 1,
    FUZZ_ARENA + FUZZ_ARENA_SIZE - 8,
    FUZZ_ARENA + FUZZ_ARENA_SIZE,
    IRQ_TICK,
};

uint64_t fuzz_any(struct fuzz_thread *t)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if (r < 20)
		return fuzz_recall(t, (enum fuzz_kind)fuzz_below(t, FK_KINDS));
	if (r < 40)
		return specials[fuzz_below(t, COUNT(specials))];
	if (r < 55)
		return fuzz_below(t, 16);
	if (r < 65)
		return fuzz_rand(t);
	if (r < 77)
		return fuzz_recall(t, (enum fuzz_kind)fuzz_below(t, FK_CAPS + 1));
	if (r < 87)
		return fuzz_recall(t, fuzz_chance(t, 50) ? FK_ID : FK_PID);
	return fuzz_recall(t, FK_ADDR) + (fuzz_chance(t, 30) ? fuzz_below(t, 9) : 0);
}

/* A capability, mostly of kind k. */
uint64_t fuzz_token(struct fuzz_thread *t, enum fuzz_kind k)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if ((k == FK_EP || k == FK_CHAN) && fz.nhot && r < 40)
		return fz.hot[fuzz_below(t, fz.nhot)];
	if (r < 65)
		return fuzz_recall(t, k);
	if (r < 78)
		return fuzz_recall(t, (enum fuzz_kind)fuzz_below(t, FK_CAPS));
	return r < 84 ? 0 : fuzz_any(t);
}

/* Any capability remembered (the endpoints that stay only by chance: revoke takes these). */
uint64_t fuzz_any_token(struct fuzz_thread *t)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if (r < 75)
		return fuzz_recall(t, (enum fuzz_kind)fuzz_below(t, FK_CAPS));
	return r < 82 ? 0 : fuzz_any(t);
}

uint64_t fuzz_hw_token(struct fuzz_thread *t)
{
	if (fz.nhw && fuzz_chance(t, 70))
		return fz.hw[fuzz_below(t, fz.nhw)];
	return fuzz_any_token(t);
}

uint64_t fuzz_id(struct fuzz_thread *t)
{
	return fuzz_chance(t, 70) ? fuzz_recall(t, FK_ID) : fuzz_any(t);
}

uint64_t fuzz_pid(struct fuzz_thread *t)
{
	return fuzz_chance(t, 75) ? fuzz_recall(t, FK_PID) : fuzz_id(t);
}

uint64_t fuzz_pages(struct fuzz_thread *t, unsigned max)
{
	return (1 + fuzz_below(t, max)) * FUZZ_PAGE;
}

uint64_t fuzz_length(struct fuzz_thread *t)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if (r < 40)
		return fuzz_below(t, 130);
	if (r < 70)
		return fuzz_pages(t, 4);
	if (r < 80)
		return fuzz_below(t, MIB);
	return specials[fuzz_below(t, COUNT(specials))];
}

/* Short for the first thread; workers wait longer, so that partners meet. */
uint64_t fuzz_timeout_ms(struct fuzz_thread *t)
{
	return 1 + fuzz_below(t, t->worker ? 40 : 4);
}

uint64_t fuzz_timeout_ns(struct fuzz_thread *t)
{
	return 1 + fuzz_below(t, 3000000);
}

/* Below the user range, above it, or in neither canonical half: the kernel must refuse them. */
uint64_t fuzz_bad_address(struct fuzz_thread *t)
{
	static const uint64_t bad[] = {0,
				       8,
				       FUZZ_USER_BASE - 8,
				       FUZZ_USER_TOP,
				       FUZZ_USER_TOP + 8,
				       0xffffffff80000000ull,
				       0xffff800000001000ull,
				       0xffffffc000000000ull,
				       0x0000800000000000ull,
				       0x8000000000000000ull,
				       ~0ull - 7};
	return bad[fuzz_below(t, COUNT(bad))] + (fuzz_chance(t, 20) ? fuzz_below(t, 8) : 0);
}

/* Whether the kernel may write [a, a + len): the arena and its guard page, or no user memory. */
static bool out_ok(uint64_t a, uint64_t len)
{
	if (a >= FUZZ_USER_TOP)
		return true;
	if (a + len < a)
		return false;
	if (a + len <= FUZZ_USER_BASE)
		return true;
	return a >= FUZZ_ARENA && a + len <= FUZZ_ARENA + FUZZ_ARENA_SIZE + FUZZ_PAGE;
}

uint64_t fuzz_out_ptr(struct fuzz_thread *t, uint64_t len)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	uint64_t a;
	if (r < 60)
		a = FUZZ_ARENA + (fuzz_below(t, FUZZ_ARENA_SIZE + 64) & ~7ull);
	else if (r < 70)
		a = FUZZ_ARENA + fuzz_below(t, FUZZ_ARENA_SIZE + 64);
	else if (r < 85)
		a = fuzz_bad_address(t);
	else
		a = fuzz_any(t);
	return out_ok(a, len) ? a : FUZZ_ARENA + FUZZ_ARENA_SIZE - (len & 0xff) - 8;
}

static bool overlaps(uint64_t a, uint64_t end, uint64_t lo, uint64_t hi)
{
	return a < hi && end > lo;
}

/*
 * Whether the kernel may take [a, a + len) away from us (unmap, lend,
 * spawn from it): nothing of the fuzzer's own (image and its copy, stacks,
 * IPC buffers, the arena) is there.
 */
bool fuzz_take_ok(uint64_t a, uint64_t len)
{
	if (a >= FUZZ_USER_TOP)
		return true;
	uint64_t end = a + ((len + FUZZ_PAGE - 1) & ~(FUZZ_PAGE - 1));
	if (end < a || len > end - a)
		end = ~0ull;
	return !overlaps(a, end, 0x400000, 0x40000000 + fz.image_size + FUZZ_PAGE) &&
	       !overlaps(a, end, FUZZ_STACK_TOP - 0x10000, ~0ull) &&
	       !overlaps(a, end, FUZZ_ARENA, FUZZ_ARENA + FUZZ_ARENA_SIZE);
}

uint64_t fuzz_take_ptr(struct fuzz_thread *t, uint64_t len)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	uint64_t a = r < 60 ? fuzz_recall(t, FK_ADDR) : r < 80 ? fuzz_bad_address(t) : fuzz_any(t);
	if (fuzz_chance(t, 80))
		a &= ~(FUZZ_PAGE - 1);
	return fuzz_take_ok(a, len) ? a : fuzz_bad_address(t);
}

uint64_t fuzz_in_ptr(struct fuzz_thread *t)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if (r < 30)
		return (uintptr_t)text + fuzz_below(t, 8);
	if (r < 50)
		return FUZZ_ARENA + fuzz_below(t, FUZZ_ARENA_SIZE);
	if (r < 65)
		return fuzz_recall(t, FK_ADDR);
	if (r < 85)
		return fuzz_bad_address(t);
	return fuzz_any(t);
}

/* Console text: ours, short, or a pointer the kernel must refuse. */
void fuzz_console_args(struct fuzz_thread *t, uintptr_t *buf, uintptr_t *len)
{
	if (fuzz_chance(t, 60)) { /* whole lines, or nothing, so that the log stays readable */
		*buf = (uintptr_t)text + (fuzz_chance(t, 5) ? fuzz_below(t, 4) : 0);
		*len = fuzz_chance(t, 50) ? 0 : sizeof(text) - 1 - (*buf - (uintptr_t)text);
	} else {
		*buf = fuzz_bad_address(t);
		*len = fuzz_chance(t, 50) ? fuzz_below(t, 64) : fuzz_any(t);
	}
}

/* Priorities for our threads: none below our process's (see the top). */
uint64_t fuzz_priority(struct fuzz_thread *t)
{
	uint64_t p = fuzz_chance(t, 80) ? fuzz_below(t, 42) : fuzz_any(t);
	if (p <= PRIO_USER_MAX && p < fz.prio)
		p = fz.prio;
	return p;
}
