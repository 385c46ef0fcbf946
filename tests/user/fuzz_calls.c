/*
 * The system call fuzzer's calls: one random call at a time, by weight,
 * with arguments mixed from random numbers, values earlier calls returned
 * (and bit flips of them) and interesting constants: 0, -1, small and huge
 * sizes, kernel, unmapped, non-canonical and misaligned addresses.
 *
 * A few rules keep the fuzzer itself alive, so that whatever goes wrong is
 * the kernel's: the kernel writes only into the arena or where nothing of
 * ours is (out_ok), takes away (unmaps, lends, spawns from) only memory
 * the fuzzer made (take_ok), starts threads only at the worker entry on a
 * stack of their own; exit and terminating ourselves are left out (and
 * counted); the first thread blocks only with a timeout, and only the
 * workers make the calls that have none (Xous receive, reply-and-wait, the
 * fast-path call), so the first thread always comes back to finish; no
 * thread of ours drops below the priority our children run at, so a child
 * that spins cannot starve its parent.
 */
#include "fuzz.h"

#if defined(__x86_64__)
#include "include/abi/r2.h"
#endif

#define PRIO_USER_MAX 30
#define MIB	      (1ull << 20)

static const char text[] = "fuzz: console\n";
/* Code for flat children: zero bytes fault at once on every arch. */
static const char zeros[2 * FUZZ_PAGE] __attribute__((aligned(4096)));
static const char bad_utf8[] = {'f', (char)0xc3, (char)0x28, 'z', (char)0xff};

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
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t any(struct fuzz_thread *t)
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
static uint64_t token(struct fuzz_thread *t, enum fuzz_kind k)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if ((k == FK_EP || k == FK_CHAN) && fz.nhot && r < 40)
		return fz.hot[fuzz_below(t, fz.nhot)];
	if (r < 65)
		return fuzz_recall(t, k);
	if (r < 78)
		return fuzz_recall(t, (enum fuzz_kind)fuzz_below(t, FK_CAPS));
	return r < 84 ? 0 : any(t);
}

/* Any capability remembered (the endpoints that stay only by chance: revoke takes these). */
static uint64_t any_token(struct fuzz_thread *t)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if (r < 75)
		return fuzz_recall(t, (enum fuzz_kind)fuzz_below(t, FK_CAPS));
	return r < 82 ? 0 : any(t);
}

static uint64_t id(struct fuzz_thread *t)
{
	return fuzz_chance(t, 70) ? fuzz_recall(t, FK_ID) : any(t);
}

static uint64_t pid(struct fuzz_thread *t)
{
	return fuzz_chance(t, 75) ? fuzz_recall(t, FK_PID) : id(t);
}

static uint64_t pages(struct fuzz_thread *t, unsigned max)
{
	return (1 + fuzz_below(t, max)) * FUZZ_PAGE;
}

static uint64_t length(struct fuzz_thread *t)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if (r < 40)
		return fuzz_below(t, 130);
	if (r < 70)
		return pages(t, 4);
	if (r < 80)
		return fuzz_below(t, MIB);
	return specials[fuzz_below(t, COUNT(specials))];
}

/* Short for the first thread; workers wait longer, so that partners meet. */
static uint64_t timeout_ms(struct fuzz_thread *t)
{
	return 1 + fuzz_below(t, t->worker ? 40 : 4);
}

static uint64_t timeout_ns(struct fuzz_thread *t)
{
	return 1 + fuzz_below(t, 3000000);
}

/* Below the user range, above it, or in neither canonical half: the kernel must refuse them. */
static uint64_t bad_address(struct fuzz_thread *t)
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

static uint64_t out_ptr(struct fuzz_thread *t, uint64_t len)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	uint64_t a;
	if (r < 60)
		a = FUZZ_ARENA + (fuzz_below(t, FUZZ_ARENA_SIZE + 64) & ~7ull);
	else if (r < 70)
		a = FUZZ_ARENA + fuzz_below(t, FUZZ_ARENA_SIZE + 64);
	else if (r < 85)
		a = bad_address(t);
	else
		a = any(t);
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
static bool take_ok(uint64_t a, uint64_t len)
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

static uint64_t take_ptr(struct fuzz_thread *t, uint64_t len)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	uint64_t a = r < 60 ? fuzz_recall(t, FK_ADDR) : r < 80 ? bad_address(t) : any(t);
	if (fuzz_chance(t, 80))
		a &= ~(FUZZ_PAGE - 1);
	return take_ok(a, len) ? a : bad_address(t);
}

static uint64_t in_ptr(struct fuzz_thread *t)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if (r < 30)
		return (uintptr_t)text + fuzz_below(t, 8);
	if (r < 50)
		return FUZZ_ARENA + fuzz_below(t, FUZZ_ARENA_SIZE);
	if (r < 65)
		return fuzz_recall(t, FK_ADDR);
	if (r < 85)
		return bad_address(t);
	return any(t);
}

/* Console text: ours, short, or a pointer the kernel must refuse. */
static void console_args(struct fuzz_thread *t, uintptr_t *buf, uintptr_t *len)
{
	if (fuzz_chance(t, 60)) { /* whole lines, or nothing, so that the log stays readable */
		*buf = (uintptr_t)text + (fuzz_chance(t, 5) ? fuzz_below(t, 4) : 0);
		*len = fuzz_chance(t, 50) ? 0 : sizeof(text) - 1 - (*buf - (uintptr_t)text);
	} else {
		*buf = bad_address(t);
		*len = fuzz_chance(t, 50) ? fuzz_below(t, 64) : any(t);
	}
}

/* Priorities for our threads: none below our process's (see the top). */
static uint64_t priority(struct fuzz_thread *t)
{
	uint64_t p = fuzz_chance(t, 80) ? fuzz_below(t, 42) : any(t);
	if (p <= PRIO_USER_MAX && p < fz.prio)
		p = fz.prio;
	return p;
}

/* A message info word: length, type, maybe a capability, a timeout (always one for the first thread). */
static uint64_t info_word(struct fuzz_thread *t)
{
	uint64_t len = fuzz_chance(t, 90) ? fuzz_below(t, 65) : fuzz_below(t, 256);
	uint64_t type = fuzz_chance(t, 90) ? fuzz_below(t, 2) : fuzz_below(t, 256);
	uint64_t info = MSG_INFO(len, type);
	if (fuzz_chance(t, 8)) {
		info |= MSG_CAP;
		if (t->ipcbuf)
			t->ipcbuf->send_capability = any_token(t);
	}
	if (fuzz_chance(t, 3))
		info |= fuzz_rand(t) & 0xfffe0000ull;
	if (t->worker && fuzz_chance(t, 25))
		return info; /* no timeout: the fast paths */
	return MSG_TIMEOUT_MS(info, timeout_ms(t));
}

static void message_words(struct fuzz_thread *t, uintptr_t a[7])
{
	for (unsigned i = 3; i < 7; i++)
		a[i] = any(t);
	if (t->ipcbuf)
		for (unsigned i = 4; i < 8; i++)
			t->ipcbuf->words[i] = any(t);
}

/* What a delivered message brought: its reply token, sender, words, capability. */
static void keep_message(struct fuzz_thread *t, const uintptr_t r[7])
{
	fuzz_remember(FK_REPLY, r[IPC_R_REPLY]);
	fuzz_remember(FK_PID, r[IPC_R_SENDER]);
	for (unsigned i = IPC_R_WORD0; i < 7; i++)
		fuzz_remember(FK_WORD, r[i]);
	if (t->ipcbuf && t->ipcbuf->header.capability)
		fuzz_remember(FK_TOKEN, t->ipcbuf->header.capability);
}

static void keep_xous_message(const uintptr_t r[7])
{
	fuzz_remember(FK_REPLY, r[0]);
	for (unsigned i = 2; i < 7; i++)
		fuzz_remember(FK_WORD, r[i]);
	if (r[1] == XOUS_MEMORY) { /* lent pages: ours to take while we hold them */
		fuzz_remember(FK_ADDR, r[3]);
		fuzz_remember(FK_ADDR, r[5]);
	}
}

static void copy_in(void *dst, uintptr_t src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((char *)dst)[i] = ((const volatile char *)src)[i];
}

static bool in_arena(uint64_t a, uint64_t len)
{
	return a >= FUZZ_ARENA && a + len <= FUZZ_ARENA + FUZZ_ARENA_SIZE;
}

/* A Xous server name: a few shared by every fuzzer (they find each other), a few our own. */
static void name_args(struct fuzz_thread *t, uintptr_t *name, uintptr_t *len)
{
	unsigned r = (unsigned)fuzz_below(t, 100);
	if (r < 75) {
		int n =
		    fuzz_chance(t, 50)
			? snprintf(t->name, sizeof(t->name), "fuzz%u", (unsigned)fuzz_below(t, 6))
			: snprintf(t->name, sizeof(t->name), "f%llu.%u", (unsigned long long)fz.pid,
				   (unsigned)fuzz_below(t, 4));
		*name = (uintptr_t)t->name;
		*len = (uint64_t)n;
	} else if (r < 85) {
		*name = (uintptr_t)bad_utf8;
		*len = 1 + fuzz_below(t, sizeof(bad_utf8));
	} else {
		*name = in_ptr(t);
		*len = fuzz_chance(t, 50) ? fuzz_below(t, 70) : any(t);
	}
}

/* Tags the kernel may answer: E_OK and the codes of include/abi/error.h. */
static bool known_tag(long tag)
{
	return (tag >= 0 && tag <= E_NOT_IMPLEMENTED) || (tag >= E_IPC_CLOSED && tag <= 18) ||
	       (tag >= E_MEM_ALREADY_MAPPED && tag <= E_MEM_DOUBLE_FREE) ||
	       (tag >= E_SERVER_EXISTS && tag <= E_INTERRUPT_IN_USE);
}

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
		t->spec_caps[i] = any_token(t);
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
		s->load_address = fuzz_chance(t, 80) ? 0x10000000 + pages(t, 64) : any(t);
	} else if (variant >= 6) { /* damage one or two fields */
		for (unsigned n = 1 + (unsigned)fuzz_below(t, 2); n--;) {
			switch (fuzz_below(t, 9)) {
			case 0:
				s->image = (const char *)fz.image + fuzz_below(t, 256);
				break;
			case 1:
				s->image_size =
				    fuzz_chance(t, 50) ? fuzz_below(t, fz.image_size) : any(t);
				break;
			case 2:
				s->image = (const void *)(uintptr_t)in_ptr(t);
				break;
			case 3:
				s->args_size =
				    fuzz_below(t, sizeof(nosuch)); /* cut: no final NUL */
				break;
			case 4:
				s->args = (const char *)(uintptr_t)in_ptr(t);
				s->args_size = length(t);
				break;
			case 5:
				s->env = (const char *)(uintptr_t)in_ptr(t);
				s->env_size = length(t);
				break;
			case 6:
				s->caps = (const uint64_t *)(uintptr_t)in_ptr(t);
				s->cap_count = fuzz_chance(t, 50) ? fuzz_below(t, 20) : any(t);
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

static void process_create(struct fuzz_thread *t, uintptr_t a[7], uintptr_t r[7])
{
	unsigned kind = make_spec(t);
	a[0] = fuzz_chance(t, 90) ? (uintptr_t)&t->spec : in_ptr(t);
	long tag = sys_raw(SYS_PROCESS_CREATE, a, r);
	if (kind && (tag || a[0] != (uintptr_t)&t->spec)) {
		fuzz_child_refund();
		kind = FUZZ_OTHER;
	}
	if (!known_tag(tag))
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
static long thread_create(struct fuzz_thread *t, uintptr_t a[7], uintptr_t r[7])
{
	unsigned slot = 0;
	uintptr_t stack = !t->worker && fuzz_chance(t, 50) ? fuzz_worker_stack(&slot) : 0;
	if (stack) {
		a[0] = (uintptr_t)fuzz_worker_entry;
		a[1] = stack;
		a[2] = 16384;
		a[3] = slot;
		a[4] = fuzz_chance(t, 10) ? any(t) : priority(t);
		if (a[4] <= PRIO_USER_MAX && a[4] && a[4] < fz.prio)
			a[4] = fz.prio;
	} else if (a[0] >= FUZZ_USER_BASE && a[0] < FUZZ_USER_TOP) {
		a[0] = bad_address(t) | 1; /* never code of ours with a stack of chance */
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

#if defined(__x86_64__)
#define R2_GATE(gate, rax, rdi, rsi) \
	__asm__ volatile("int $" #gate : "+a"(rax) : "D"(rdi), "S"(rsi) : "memory", "cc")

/* One r2 call through one of the three gates (only 0x7f answers ring 3). */
static void r2_one(struct fuzz_thread *t)
{
	static const uint8_t numbers[] = {0x00, 0x01, 0x02, 0x03, 0x0a, 0x0b, 0x0f, 0x10, 0x11,
					  0x12, 0x13, 0x14, 0x15, 0x1a, 0x1b, 0x1f, 0x20, 0x2b,
					  0x30, 0x31, 0x32, 0x33, 0x37, 0x3e, 0x3f};
	uint64_t nr = fuzz_chance(t, 85) ? numbers[fuzz_below(t, sizeof(numbers))] : any(t);
	uint64_t rdi = any(t), rsi = any(t);
	switch (nr) {
	case R2_EXIT:
		if (rdi == 0 || rdi == fz.pid) {
			fz.filtered++;
			return;
		}
		break;
	case R2_SYSINFO:
	case R2_RTC:
	case R2_KEYBOARD:
	case R2_PORT_IN:
		rdi = fuzz_chance(t, 80) ? 1 + fuzz_below(t, 3) : rdi;
		rsi = out_ptr(t, 128);
		break;
	case R2_SERIAL: /* reading only: init and write would disturb the console */
		rdi = fuzz_chance(t, 50) ? 2 : 4 + fuzz_below(t, 100);
		rsi = out_ptr(t, 8);
		break;
	case R2_MALLOC:
	case R2_REALLOC:
	case R2_FREE:
		rdi = fuzz_chance(t, 60) ? fuzz_recall(t, FK_ADDR) : fuzz_chance(t, 50) ? 0 : rdi;
		rsi = fuzz_chance(t, 70) ? fuzz_below(t, 8192) : rsi;
		break;
	case R2_PRINT:
		console_args(t, &rdi, &rsi);
		break;
	case R2_MODE13_BUF:
	case R2_MIDI:
	case R2_PORT_OUT:
		rsi = in_ptr(t);
		if (nr == R2_MODE13_BUF)
			rdi = in_ptr(t);
		break;
	case R2_VIDEO_MODE:
		rdi = fuzz_chance(t, 80) ? (fuzz_chance(t, 50) ? R2_MODE_TEXT : R2_MODE_13H) : rdi;
		break;
	case R2_TONE:
		rdi = fuzz_chance(t, 70) ? fuzz_below(t, 25000) : rdi;
		rsi = fuzz_chance(t, 70) ? fuzz_below(t, 100) : rsi;
		break;
	case R2_SET_RING:
		rdi = pid(t);
		rsi = fuzz_below(t, 4);
		break;
	default:
		break;
	}
	uint64_t rax = nr;
	switch (fuzz_below(t, 8)) {
	case 0:
		R2_GATE(0x7d, rax, rdi, rsi);
		break;
	case 1:
		R2_GATE(0x7e, rax, rdi, rsi);
		break;
	default:
		R2_GATE(0x7f, rax, rdi, rsi);
	}
	if (nr == R2_MALLOC || nr == R2_REALLOC || nr == R2_MAP_VGA)
		fuzz_remember(FK_ADDR, rax);
	else if (nr == R2_IO_TOKEN)
		fuzz_remember(FK_TOKEN, rax);
}
#endif

/* The calls and how often each comes (out of the sum); 0 stands for a number outside the table. */
static const struct {
	uint16_t nr, weight;
} table[] = {
    {SYS_EXIT, 1},
    {SYS_READ, 2},
    {SYS_WRITE, 2},
    {SYS_MMAP, 12},
    {SYS_MUNMAP, 8},
    {SYS_IPC_SEND, 8},
    {SYS_IPC_RECEIVE, 8},
    {SYS_IPC_CALL, 8},
    {SYS_IPC_REPLY, 6},
    {SYS_IPC_ENDPOINT_CREATE, 4},
    {SYS_IPC_CHANNEL_CREATE, 5},
    {SYS_IPC_CHANNEL_CLOSE, 3},
    {SYS_IPC_BUFFER, 2},
    {SYS_PROCESS_CREATE, 4},
    {SYS_PROCESS_START, 4},
    {SYS_PROCESS_WAIT, 4},
    {SYS_PROCESS_TERMINATE, 2},
    {SYS_THREAD_SET_POINTER, 2},
    {SYS_THREAD_CREATE, 4},
    {SYS_THREAD_EXIT, 1},
    {SYS_THREAD_JOIN, 3},
    {SYS_THREAD_INFO, 3},
    {SYS_THREAD_SELF, 2},
    {SYS_CAPABILITY_CREATE, 8},
    {SYS_CAPABILITY_DERIVE, 8},
    {SYS_CAPABILITY_REVOKE, 6},
    {SYS_CAPABILITY_VALIDATE, 6},
    {SYS_YIELD, 2},
    {SYS_SET_PRIORITY, 3},
    {SYS_SLEEP, 2},
    {SYS_CLOCK, 1},
    {SYS_SET_AFFINITY, 2},
    {SYS_XOUS_PROCESS_SPAWN, 3},
    {SYS_XOUS_PROCESS_YIELD, 1},
    {SYS_XOUS_PROCESS_SUSPEND, 3},
    {SYS_XOUS_PROCESS_RESUME, 3},
    {SYS_XOUS_PROCESS_TERMINATE, 2},
    {SYS_XOUS_INTERRUPT_CLAIM, 2},
    {SYS_XOUS_MEMORY_ALLOCATE, 6},
    {SYS_XOUS_HEAP_RESIZE, 4},
    {SYS_XOUS_SERVER_CREATE, 5},
    {SYS_XOUS_SERVER_RECEIVE, 4},
    {SYS_XOUS_SERVER_REPLY, 4},
    {SYS_XOUS_CLIENT_CONNECT, 5},
    {SYS_XOUS_CLIENT_SEND, 8},
    {SYS_SHARED_REGION_CREATE, 6},
    {SYS_SHARED_REGION_MAP, 6},
    {SYS_SHARED_REGION_TRANSFER, 5},
    {SYS_KERNEL_METRICS, 2},
    {SYS_DEBUG_PRINT, 1},
    {SYS_DEBUG_DUMP_PROCESS, 1},
    {SYS_DEBUG_TRACE, 1},
    {SYS_NOTIFICATION_CREATE, 3},
    {SYS_NOTIFICATION_SIGNAL, 4},
    {SYS_NOTIFICATION_WAIT, 4},
    {SYS_NOTIFICATION_POLL, 3},
    {0, 6},
    {SYS_COUNT, 6}, /* an r2 call on x86_64, else one more number outside the table */
};

static unsigned pick(struct fuzz_thread *t)
{
	unsigned total = 0;
	for (unsigned i = 0; i < COUNT(table); i++)
		total += table[i].weight;
	unsigned w = (unsigned)fuzz_below(t, total);
	unsigned i = 0;
	while (w >= table[i].weight)
		w -= table[i++].weight;
	return table[i].nr;
}

/* Numbers the kernel has no call for, near the table's and far from it. */
static uint64_t unknown_number(struct fuzz_thread *t)
{
	static const uint16_t holes[] = {0,   6,   9,	18,  19,  34,  45,  63,	 77,  100,
					 127, 131, 159, 161, 169, 175, 191, 196, 255, 256};
	return fuzz_chance(t, 80) ? holes[fuzz_below(t, COUNT(holes))] : fuzz_rand(t) | 256;
}

/* Fill in the arguments of call nr; false to leave it out. */
static bool arguments(struct fuzz_thread *t, unsigned nr, uintptr_t a[7])
{
	switch (nr) {
	case SYS_EXIT:
		fz.filtered++;
		return false;
	case SYS_THREAD_EXIT:
		if (!t->worker) {
			fz.filtered++;
			return false;
		}
		return true;
	case SYS_READ:
		a[2] = length(t);
		a[1] = out_ptr(t, a[2]);
		return true;
	case SYS_WRITE:
		a[0] = fuzz_chance(t, 80) ? 1 + fuzz_below(t, 2) : any(t);
		console_args(t, &a[1], &a[2]);
		return true;
	case SYS_DEBUG_PRINT:
		console_args(t, &a[0], &a[1]);
		return true;
	case SYS_MMAP:
		a[0] = fuzz_chance(t, 70) ? 0 : any(t) & ~(FUZZ_PAGE - 1);
		a[1] = fuzz_chance(t, 80) ? pages(t, 8) : length(t);
		if (a[1] > MIB && a[1] < (1ull << 40))
			a[1] &= MIB - 1; /* not so much that the machine runs out */
		a[2] = fuzz_chance(t, 85) ? fuzz_below(t, 8) : any(t);
		return true;
	case SYS_MUNMAP:
		a[1] = fuzz_chance(t, 70) ? pages(t, 4) : length(t);
		a[0] = take_ptr(t, a[1]);
		return true;
	case SYS_IPC_SEND:
	case SYS_IPC_CALL:
	case SYS_IPC_REPLY:
		a[0] = nr == SYS_IPC_REPLY ? token(t, FK_REPLY)
					   : token(t, fuzz_chance(t, 25) ? FK_CHAN : FK_EP);
		a[1] = info_word(t);
		a[2] = nr == SYS_IPC_REPLY && t->worker && fuzz_chance(t, 50) ? token(t, FK_EP) : 0;
		message_words(t, a);
		return true;
	case SYS_IPC_RECEIVE:
		a[0] = token(t, FK_EP);
		a[1] = t->worker && fuzz_chance(t, 20) ? 0 : MSG_TIMEOUT_MS(0, timeout_ms(t));
		return true;
	case SYS_IPC_CHANNEL_CREATE:
		a[0] = token(t, FK_EP);
		a[1] = token(t, FK_EP);
		return true;
	case SYS_IPC_CHANNEL_CLOSE:
		a[0] = token(t, FK_CHAN);
		return true;
	case SYS_PROCESS_START:
		a[0] = token(t, FK_PROC);
		return true;
	case SYS_CAPABILITY_REVOKE:
		a[0] = any_token(t);
		return true;
	case SYS_PROCESS_WAIT:
		a[0] = token(t, FK_PROC);
		a[1] = timeout_ns(t);
		a[2] = out_ptr(t, sizeof(struct process_exit_info));
		return true;
	case SYS_PROCESS_TERMINATE: {
		a[0] = token(t, FK_PROC);
		unsigned type;
		uint64_t object;
		if (!sys_cap_validate(a[0], 0, &type, &object, NULL) && type == OBJ_PROCESS &&
		    object == fz.pid) {
			fz.filtered++; /* ourselves */
			return false;
		}
		return true;
	}
	case SYS_THREAD_JOIN:
		a[0] = token(t, FK_THREAD);
		a[1] = timeout_ns(t);
		return true;
	case SYS_THREAD_INFO:
		a[0] = fuzz_chance(t, 30) ? 0 : token(t, FK_THREAD);
		a[1] = out_ptr(t, sizeof(struct thread_info));
		return true;
	case SYS_CAPABILITY_CREATE:
		a[0] = fuzz_chance(t, 85) ? fuzz_below(t, OBJ_TYPE_COUNT + 1) : any(t);
		a[1] = a[0] == OBJ_PROCESS  ? pid(t)
		       : a[0] == OBJ_MEMORY ? fuzz_recall(t, FK_ADDR)
					    : id(t);
		a[2] = fuzz_chance(t, 85) ? fuzz_below(t, 64) : any(t);
		return true;
	case SYS_CAPABILITY_DERIVE:
	case SYS_CAPABILITY_VALIDATE:
		a[0] = any_token(t);
		a[1] = fuzz_chance(t, 85) ? fuzz_below(t, 64) : any(t);
		return true;
	case SYS_SET_PRIORITY:
		a[0] = fuzz_chance(t, 40) ? 0 : token(t, FK_THREAD);
		a[1] = priority(t);
		return true;
	case SYS_SET_AFFINITY:
		a[0] = fuzz_chance(t, 40) ? 0 : token(t, FK_THREAD);
		a[1] = fuzz_chance(t, 50) ? fuzz_below(t, 4) : any(t);
		return true;
	case SYS_SLEEP:
		a[0] = fuzz_chance(t, 10) ? 0 : timeout_ns(t);
		return true;
	case SYS_XOUS_PROCESS_SPAWN:
		a[2] = fuzz_chance(t, 85) ? pages(t, 2) : length(t);
		a[0] = take_ptr(t, a[2]);
		a[1] = fuzz_chance(t, 80) ? 0x10000000 + pages(t, 64) : any(t);
		return true;
	case SYS_XOUS_PROCESS_SUSPEND:
		a[0] = pid(t);
		a[1] = fuzz_chance(t, 90) ? 0 : any(t);
		return true;
	case SYS_XOUS_PROCESS_RESUME:
	case SYS_XOUS_PROCESS_TERMINATE:
	case SYS_DEBUG_DUMP_PROCESS:
		a[0] = pid(t);
		return true;
	case SYS_XOUS_INTERRUPT_CLAIM:
		a[0] = fuzz_chance(t, 80) ? IRQ_TICK : any(t);
		a[1] = token(t, FK_EP);
		return true;
	case SYS_XOUS_MEMORY_ALLOCATE:
		a[0] = fuzz_chance(t, 85) ? 0 : any(t);
		a[1] = fuzz_chance(t, 60) ? 0 : any(t) & ~(FUZZ_PAGE - 1);
		a[2] = fuzz_chance(t, 80) ? pages(t, 8) : length(t);
		if (a[2] > MIB && a[2] < (1ull << 40))
			a[2] &= MIB - FUZZ_PAGE;
		a[3] = token(t, FK_TOKEN);
		return true;
	case SYS_XOUS_HEAP_RESIZE:
		a[0] = fuzz_chance(t, 80) ? fuzz_below(t, 64) * FUZZ_PAGE : length(t);
		if (a[0] > MIB && a[0] <= (256ull << 20))
			a[0] &= MIB - 1;
		return true;
	case SYS_XOUS_SERVER_CREATE:
	case SYS_XOUS_CLIENT_CONNECT:
		name_args(t, &a[0], &a[1]);
		return true;
	case SYS_XOUS_SERVER_RECEIVE:
		if (!t->worker) {
			fz.filtered++; /* it has no timeout */
			return false;
		}
		a[0] = token(t, FK_EP);
		return true;
	case SYS_XOUS_SERVER_REPLY:
		a[0] = token(t, FK_REPLY);
		a[1] = t->worker && fuzz_chance(t, 50) ? token(t, FK_EP) : 0;
		return true;
	case SYS_XOUS_CLIENT_SEND: {
		static const uint8_t kinds[] = {XOUS_SCALAR,
						XOUS_BLOCKING_SCALAR,
						XOUS_MEMORY,
						XOUS_SCALAR,
						XOUS_BLOCKING_SCALAR,
						XOUS_MEMORY,
						0,
						5,
						9};
		uint64_t kind = kinds[fuzz_below(t, sizeof(kinds))];
		if (kind == XOUS_MEMORY && !t->worker) /* the lent pages wait for the reply */
			kind = XOUS_BLOCKING_SCALAR;
		uint64_t ms = t->worker && fuzz_chance(t, 25) ? 0 : timeout_ms(t);
		a[0] = token(t, FK_EP);
		a[1] = kind | ms << 32;
		if (kind == XOUS_MEMORY) {
			a[4] = fuzz_chance(t, 80) ? pages(t, 2) : length(t);
			a[3] = fuzz_chance(t, 20) ? 0 : take_ptr(t, a[4]);
			a[6] = fuzz_chance(t, 80) ? pages(t, 2) : length(t);
			a[5] = fuzz_chance(t, 30) ? 0 : take_ptr(t, a[6]);
		}
		return true;
	}
	case SYS_SHARED_REGION_CREATE:
		a[0] = fuzz_chance(t, 80) ? pages(t, 4) - fuzz_below(t, 2) : length(t);
		if (a[0] > MIB && a[0] < (1ull << 40))
			a[0] &= MIB - 1;
		a[1] = fuzz_chance(t, 85) ? fuzz_below(t, 4) : any(t);
		return true;
	case SYS_SHARED_REGION_MAP:
		a[0] = token(t, FK_SHM);
		a[1] = fuzz_chance(t, 70) ? 0 : any(t) & ~(FUZZ_PAGE - 1);
		a[2] = fuzz_chance(t, 85) ? fuzz_below(t, 4) : any(t);
		return true;
	case SYS_SHARED_REGION_TRANSFER:
		a[0] = token(t, FK_SHM);
		a[1] = token(t, FK_PROC);
		a[2] = fuzz_chance(t, 85) ? fuzz_below(t, 3) : any(t);
		return true;
	case SYS_KERNEL_METRICS:
		a[0] = out_ptr(t, sizeof(struct kernel_metrics));
		return true;
	case SYS_DEBUG_TRACE:
		a[0] = 0; /* on, it prints a line per call */
		return true;
	case SYS_NOTIFICATION_SIGNAL:
		a[0] = token(t, FK_NOTE);
		a[1] = fuzz_chance(t, 70) ? 1ull << fuzz_below(t, 64) : any(t);
		return true;
	case SYS_NOTIFICATION_WAIT:
		a[0] = token(t, FK_NOTE);
		a[1] = t->worker && fuzz_chance(t, 20) ? 0 : timeout_ns(t) * (t->worker ? 10 : 1);
		return true;
	case SYS_NOTIFICATION_POLL:
		a[0] = token(t, FK_NOTE);
		return true;
	default: /* the rest need no care */
		return true;
	}
}

/* What a successful call gave: remember it, book children and threads. */
static void keep(struct fuzz_thread *t, unsigned nr, const uintptr_t a[7], const uintptr_t r[7])
{
	switch (nr) {
	case SYS_MMAP:
		fuzz_remember(FK_ADDR, r[0]);
		fuzz_remember(FK_TOKEN, r[1]);
		break;
	case SYS_IPC_ENDPOINT_CREATE:
		fuzz_remember(FK_ID, r[0]);
		fuzz_remember(FK_EP, r[1]);
		break;
	case SYS_IPC_CHANNEL_CREATE:
		fuzz_remember(FK_ID, r[0]);
		fuzz_remember(FK_CHAN, r[1]);
		fuzz_remember(FK_CHAN, r[2]);
		break;
	case SYS_SHARED_REGION_CREATE:
		fuzz_remember(FK_ID, r[0]);
		fuzz_remember(FK_SHM, r[1]);
		break;
	case SYS_XOUS_SERVER_CREATE:
		fuzz_remember(FK_EP, r[0]);
		fuzz_remember(FK_ID, r[1]);
		break;
	case SYS_XOUS_CLIENT_CONNECT:
		fuzz_remember(FK_EP, r[0]);
		break;
	case SYS_NOTIFICATION_CREATE:
		fuzz_remember(FK_NOTE, r[0]);
		break;
	case SYS_NOTIFICATION_WAIT:
	case SYS_NOTIFICATION_POLL:
		fuzz_remember(FK_WORD, r[0]);
		break;
	case SYS_IPC_RECEIVE:
	case SYS_IPC_CALL:
		keep_message(t, r);
		break;
	case SYS_IPC_REPLY:
		if (a[2])
			keep_message(t, r);
		break;
	case SYS_XOUS_SERVER_RECEIVE:
		keep_xous_message(r);
		break;
	case SYS_XOUS_SERVER_REPLY:
		if (a[1])
			keep_xous_message(r);
		break;
	case SYS_XOUS_CLIENT_SEND:
		for (unsigned i = 1; i < 7; i++)
			fuzz_remember(FK_WORD, r[i]);
		break;
	case SYS_PROCESS_WAIT:
		if (in_arena(a[2], sizeof(struct process_exit_info))) {
			struct process_exit_info info;
			copy_in(&info, a[2], sizeof(info));
			fuzz_child_reaped(&info);
		}
		break;
	case SYS_THREAD_INFO:
		if (in_arena(a[1], sizeof(struct thread_info))) {
			struct thread_info ti;
			copy_in(&ti, a[1], sizeof(ti));
			fuzz_remember(FK_ID, ti.thread_id);
			fuzz_remember(FK_PID, ti.process_id);
			fuzz_remember(FK_ADDR, ti.stack_base);
		}
		break;
	case SYS_THREAD_SELF:
	case SYS_THREAD_JOIN:
		fuzz_remember(FK_ID, r[0]);
		break;
	case SYS_CAPABILITY_CREATE:
		fuzz_remember(a[0] == OBJ_PROCESS  ? FK_PROC
			      : a[0] == OBJ_THREAD ? FK_THREAD
						   : FK_TOKEN,
			      r[0]);
		break;
	case SYS_CAPABILITY_DERIVE:
		fuzz_remember(FK_TOKEN, r[0]);
		break;
	case SYS_SHARED_REGION_TRANSFER: /* ours when we sent it to ourselves: map it, touch it */
		fuzz_remember(FK_SHM, r[0]);
		break;
	case SYS_CAPABILITY_VALIDATE:
		fuzz_remember(FK_ID, r[1]);
		break;
	case SYS_XOUS_PROCESS_SPAWN:
		fuzz_remember(FK_PID, r[0]);
		fuzz_remember(FK_PROC, r[1]);
		fuzz_child_made(r[0], r[1], FUZZ_OTHER);
		break;
	case SYS_XOUS_MEMORY_ALLOCATE:
	case SYS_SHARED_REGION_MAP:
		fuzz_remember(FK_ADDR, r[0]);
		break;
	case SYS_XOUS_HEAP_RESIZE:
		fuzz_remember(FK_ADDR, r[0] + (r[1] ? r[1] - FUZZ_PAGE : 0));
		break;
	case SYS_IPC_BUFFER:
		t->ipcbuf = (struct ipc_buffer *)r[0];
		break;
	default:
		break;
	}
}

/*
 * A touching fuzzer reads or writes memory it was given: its own regions,
 * shared, copy-on-write, lent to it or taken from it since; a fault may
 * end it (its parent expects that), never the kernel.
 */
static void touch(struct fuzz_thread *t)
{
	uint64_t a = fuzz_recall(t, FK_ADDR) + (fuzz_below(t, 2 * FUZZ_PAGE) & ~7ull);
	if (a < FUZZ_USER_BASE || a >= FUZZ_USER_TOP || !take_ok(a & ~(FUZZ_PAGE - 1), FUZZ_PAGE))
		return; /* nothing of the fuzzer's own */
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)a;
	if (fuzz_chance(t, 50))
		fuzz_remember(FK_WORD, *p);
	else
		*p = fuzz_rand(t);
}

void fuzz_serve(struct fuzz_thread *t)
{
	uintptr_t a[7] = {0}, r[7] = {0};
	if (!fz.nhot || !t->ipcbuf) {
		fuzz_one(t);
		return;
	}
	a[0] = fz.hot[fuzz_below(t, fz.nhot)];
	a[1] = MSG_TIMEOUT_MS(0, 5 + fuzz_below(t, 30));
	long tag = sys_raw(SYS_IPC_RECEIVE, a, r);
	fz.made[SYS_IPC_RECEIVE]++;
	if (tag)
		return;
	fz.succeeded[SYS_IPC_RECEIVE]++;
	keep_message(t, r);
	if (MSG_TYPE(r[IPC_R_INFO]) == XOUS_MEMORY) { /* lent pages: ours until the reply */
		fuzz_remember(FK_ADDR, r[IPC_R_WORD0 + 1]);
		fuzz_remember(FK_ADDR, r[IPC_R_WORD0 + 3]);
	}
	uint64_t token = r[IPC_R_REPLY];
	if (!token || fuzz_chance(t, 10))
		return; /* the caller times out, or learns its server is gone */
	unsigned nr = fuzz_chance(t, 50) ? SYS_IPC_REPLY : SYS_XOUS_SERVER_REPLY;
	a[0] = token;
	a[1] = nr == SYS_IPC_REPLY ? MSG_INFO(fuzz_below(t, 33), MSG_SMALL) : 0;
	a[2] = 0;
	for (unsigned i = 3; i < 7; i++)
		a[i] = any(t);
	if (nr == SYS_XOUS_SERVER_REPLY)
		a[2] = any(t);
	tag = sys_raw(nr, a, r);
	fz.made[nr]++;
	if (!known_tag(tag))
		fuzz_failure("an unknown error code", nr, (uint64_t)tag);
	else if (!tag)
		fz.succeeded[nr]++;
}

void fuzz_one(struct fuzz_thread *t)
{
	uintptr_t a[7], r[7] = {0};
	unsigned nr = pick(t);
	long tag;
	for (unsigned i = 0; i < 7; i++)
		a[i] = any(t);
	if (fz.touch && fuzz_chance(t, 4)) {
		touch(t);
		return;
	}
	if (nr == SYS_COUNT) {
#if defined(__x86_64__)
		r2_one(t);
		return;
#else
		nr = 0;
#endif
	}
	if (nr == 0) {
		uint64_t n = unknown_number(t);
		tag = sys_raw(n, a, r);
		if (tag != E_NOT_IMPLEMENTED)
			fuzz_failure("a number outside the table answered", n, (uint64_t)tag);
		return;
	}
	if (nr == SYS_PROCESS_CREATE) {
		process_create(t, a, r);
		return;
	}
	if (nr == SYS_THREAD_CREATE) {
		tag = thread_create(t, a, r);
	} else {
		if (!arguments(t, nr, a))
			return;
		tag = sys_raw(nr, a, r);
	}
	fz.made[nr]++;
	if (!known_tag(tag))
		fuzz_failure("an unknown error code", nr, (uint64_t)tag);
	else if (!tag) {
		t->ok++;
		fz.succeeded[nr]++;
		keep(t, nr, a, r);
	}
}
