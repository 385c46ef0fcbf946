/*
 * The system call fuzzer (tests/user/fuzz.c, fuzz_calls.c), run as
 * `init fuzz SEED CALLS MS [DEPTH PRIORITY]`: CALLS random system calls
 * (children's and threads' included) within MS milliseconds, from the
 * generator seeded with SEED; it exits with the number of unexpected
 * events it and its children saw (0: none). What it shares between its
 * two files is here.
 */
#ifndef TESTS_USER_FUZZ_H
#define TESTS_USER_FUZZ_H

#include <stdbool.h>

#include "include/abi/ipc.h"
#include "kestrel.h"
#include "utest.h"

#if defined(__x86_64__)
#define FUZZ_USER_TOP 0x00007ffffffff000ull
#elif defined(__aarch64__)
#define FUZZ_USER_TOP 0x0000800000000000ull
#else
#define FUZZ_USER_TOP 0x0000004000000000ull
#endif
#define FUZZ_USER_BASE	   0x10000ull
#define FUZZ_PAGE	   4096ull
#define FUZZ_STACK_TOP	   (FUZZ_USER_TOP - 0x1000000ull) /* the first thread's stack */
#define FUZZ_IPC_WINDOW	   (FUZZ_USER_TOP - 0x800000ull)  /* IPC buffers, 64 pages */
#define FUZZ_ARENA	   0x3000000000ull		  /* where the kernel may write: results */
#define FUZZ_ARENA_SIZE	   (8 * FUZZ_PAGE)
#define FUZZ_WORKERS	   6  /* threads besides the first */
#define FUZZ_CHILD_SLOTS   12 /* children not yet reaped */
#define FUZZ_DEPTH	   2  /* the top is depth 0 */
#define FUZZ_FUZZ_CHILDREN 3  /* fuzzing children per process */
#define FUZZ_POOL	   32 /* values of each kind remembered */

/* A thread of the fuzzer: its generator and its own buffers for the kernel to read. */
struct fuzz_thread {
	uint64_t rng;
	bool worker;
	struct ipc_buffer *ipcbuf; /* SYS_IPC_BUFFER's answer, or NULL */
	struct process_spec spec;
	uint64_t spec_caps[4];
	char args[128];
	char name[16];
	uint64_t calls, ok;
};

/* Kinds of remembered values: capabilities by what they name (FK_TOKEN: unknown), then others. */
enum fuzz_kind {
	FK_TOKEN,
	FK_EP, /* endpoints, servers, connections */
	FK_CHAN,
	FK_PROC,
	FK_THREAD,
	FK_SHM,
	FK_NOTE, /* notifications */
	FK_CAPS = FK_NOTE + 1,
	FK_REPLY = FK_CAPS, /* reply tokens, Xous sender tokens */
	FK_ID,
	FK_PID,
	FK_ADDR,
	FK_WORD,
	FK_KINDS,
};

struct fuzz_child {
	uint64_t pid, cap; /* cap: a root capability of our own, never in a pool */
	int live;	   /* 0 free, 2 being filled in, 1 live */
	unsigned kind;	   /* FUZZ_* */
};

/* The state the threads of one fuzzing process share. */
struct fuzz_state {
	uint64_t seed, pid, main_tid;
	unsigned depth, prio;
	bool touch;	    /* we touch the memory we made, and may die of it (FUZZ_TOUCHER) */
	int64_t calls_left; /* for this process and the children it has yet to make */
	uint64_t deadline;  /* ns: stop then, whatever is left */
	volatile int stop;
	uint64_t pool[FK_KINDS][FUZZ_POOL];
	unsigned pool_next[FK_KINDS];
	struct fuzz_child child[FUZZ_CHILD_SLOTS];
	unsigned fuzz_children; /* fuzzing children made so far */
	volatile int worker_busy[FUZZ_WORKERS];
	uint64_t worker_cap[FUZZ_WORKERS];
	volatile int failures;
	uint64_t filtered; /* calls left out because they would end the fuzzer */
	uint32_t made[SYS_COUNT + 1], succeeded[SYS_COUNT + 1]; /* by number; SYS_COUNT: others */
	const void *image;
	uint64_t image_size;
	/*
	 * Endpoints that stay: our own two (and a channel between them) and
	 * our parent's, granted at creation, so that senders and receivers
	 * meet, across processes too. Never revoked on purpose.
	 */
	uint64_t hot[8];
	unsigned nhot;
	/* The hardware capabilities the fuzzer keeps (fuzz.c): never revoked on purpose either. */
	uint64_t hw[4];
	unsigned nhw;
};

extern struct fuzz_state fz;

uint64_t fuzz_rand(struct fuzz_thread *t);
static inline uint64_t fuzz_below(struct fuzz_thread *t, uint64_t n)
{
	return n ? fuzz_rand(t) % n : 0;
}
static inline bool fuzz_chance(struct fuzz_thread *t, unsigned percent)
{
	return fuzz_below(t, 100) < percent;
}
void fuzz_remember(enum fuzz_kind k, uint64_t v);
/* A remembered value of kind k (0 if there is none yet), bit-flipped now and then. */
uint64_t fuzz_recall(struct fuzz_thread *t, enum fuzz_kind k);
void fuzz_failure(const char *what, uint64_t a, uint64_t b);

/* What a child runs: not the fuzzer, the fuzzer, the fuzzer touching memory (it may fault). */
enum { FUZZ_OTHER, FUZZ_FUZZER, FUZZ_TOUCHER };
/* Record a child made by a successful call. */
void fuzz_child_made(uint64_t pid, uint64_t cap, unsigned kind);
/* A child reaped by a fuzzed wait: judge it from the exit information. */
void fuzz_child_reaped(const struct process_exit_info *info);
/*
 * Build the arguments of a fuzzing child into t->args and its priority in
 * *prio; their size, 0 if no fuzzing child may be made now.
 */
size_t fuzz_child_args(struct fuzz_thread *t, unsigned *prio, unsigned *kind);
/* A fuzzing child's budget back, when its creation failed. */
void fuzz_child_refund(void);
/* Claim a worker slot and return its stack top, or 0. */
uintptr_t fuzz_worker_stack(unsigned *slot);
void fuzz_worker_release(unsigned slot);
void fuzz_worker_entry(uintptr_t slot);
void fuzz_worker_made(unsigned slot, uint64_t tid);

#define PRIO_USER_MAX 30 /* High: RealTime is the kernel's */
#define MIB	      (1ull << 20)
#define COUNT(a)      (sizeof(a) / sizeof((a)[0]))

/* Arguments (fuzz_values.c): mostly of a kind, now and then anything. */
uint64_t fuzz_any(struct fuzz_thread *t);
uint64_t fuzz_token(struct fuzz_thread *t, enum fuzz_kind k); /* mostly a capability of kind k */
uint64_t fuzz_any_token(struct fuzz_thread *t);
/* Mostly one of the hardware capabilities kept (fz.hw), else any token. */
uint64_t fuzz_hw_token(struct fuzz_thread *t);
uint64_t fuzz_id(struct fuzz_thread *t);
uint64_t fuzz_pid(struct fuzz_thread *t);
uint64_t fuzz_pages(struct fuzz_thread *t, unsigned max); /* 1..max pages, in bytes */
uint64_t fuzz_length(struct fuzz_thread *t);
uint64_t fuzz_timeout_ms(struct fuzz_thread *t);
uint64_t fuzz_timeout_ns(struct fuzz_thread *t);
uint64_t fuzz_bad_address(struct fuzz_thread *t); /* one the kernel must refuse */
/* A pointer the kernel may write len bytes at: the arena, or no user memory. */
uint64_t fuzz_out_ptr(struct fuzz_thread *t, uint64_t len);
/* Whether [a, a + len) holds nothing of the fuzzer's own, so the kernel may take it. */
bool fuzz_take_ok(uint64_t a, uint64_t len);
uint64_t fuzz_take_ptr(struct fuzz_thread *t, uint64_t len);
uint64_t fuzz_in_ptr(struct fuzz_thread *t); /* for the kernel to read */
/* Console text: whole lines of ours, nothing, or a pointer the kernel must refuse. */
void fuzz_console_args(struct fuzz_thread *t, uintptr_t *buf, uintptr_t *len);
uint64_t fuzz_priority(struct fuzz_thread *t); /* for our threads: none below our own */

/* Children and threads (fuzz_make.c). */
void fuzz_process_create(struct fuzz_thread *t, uintptr_t a[7], uintptr_t r[7]);
long fuzz_thread_create(struct fuzz_thread *t, uintptr_t a[7], uintptr_t r[7]);
/* Tags the kernel may answer: E_OK and the codes of include/abi/error.h. */
bool fuzz_known_tag(long tag);
/* An r2 call (x86_64, tests/user/x86_64/fuzz_r2.c). */
void fuzz_r2(struct fuzz_thread *t);

/* One random system call from thread t (fuzz_calls.c). */
void fuzz_one(struct fuzz_thread *t);
/* Serve one message on an endpoint that stays: receive it, mostly answer it. */
void fuzz_serve(struct fuzz_thread *t);

int fuzz_main(int argc, char **argv);

#endif
