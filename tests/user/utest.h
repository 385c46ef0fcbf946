/*
 * The user test framework: UTEST(name) { ... } registers a test in the
 * "utests" section of init; `init test` runs them all, one line each
 * ("ok - user/name" or "not ok - user/name: reason"), and exits with
 * passed | failed << 16 so the kernel suite can add them to its count.
 * Tests that must crash or spin run as child processes of their own:
 * UCHILD(name) registers an entry `init child name` runs.
 */
#ifndef TESTS_USER_UTEST_H
#define TESTS_USER_UTEST_H

#include <stdbool.h>

#include "kestrel.h"

struct utest {
	const char *name;
	int (*fn)(void); /* 0: passed */
};

#define UTEST_(sec, tname)                                                   \
	static int utest_fn_##tname(void);                                   \
	static const struct utest utest_##tname                              \
	    __attribute__((used, section(sec), aligned(sizeof(void *)))) = { \
		.name = #tname,                                              \
		.fn = utest_fn_##tname,                                      \
	};                                                                   \
	static int utest_fn_##tname(void)

#define UTEST(tname)  UTEST_("utests", tname)
#define UCHILD(tname) UTEST_("uchildren", tname)

/*
 * A test that needs the device manager: one of its own is started before
 * it (devmgr_endpoint) and powered off, ended and waited for after it,
 * whatever the test's outcome, so that tests which drive devices directly
 * find them free and nothing outlives the suite.
 */
int utest_devmgr_up(uint64_t *process);
void utest_devmgr_down(uint64_t process);
#define DEVMGR_UTEST(tname)                                                                        \
	static int devmgr_body_##tname(void);                                                      \
	UTEST(tname)                                                                               \
	{                                                                                          \
		uint64_t mgr_process;                                                              \
		if (utest_devmgr_up(&mgr_process))                                                 \
			return utest_fail(__FILE__, __LINE__, "the device manager did not start"); \
		int r = devmgr_body_##tname();                                                     \
		utest_devmgr_down(mgr_process);                                                    \
		return r;                                                                          \
	}                                                                                          \
	static int devmgr_body_##tname(void)

/* A child entry's ARG (`init child NAME ARG`), "" if none. */
extern const char *utest_child_arg;

/* Report a failure (file, line, message) and fail the test. */
int utest_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define UASSERT(c)                                                                         \
	do {                                                                               \
		if (!(c))                                                                  \
			return utest_fail(__FILE__, __LINE__, "assertion failed: %s", #c); \
	} while (0)

#define UASSERT_EQ(a, b)                                                                        \
	do {                                                                                    \
		long long ua_ = (long long)(a), ub_ = (long long)(b);                           \
		if (ua_ != ub_)                                                                 \
			return utest_fail(__FILE__, __LINE__, "%s == %s: %lld vs %lld", #a, #b, \
					  ua_, ub_);                                            \
	} while (0)

/*
 * How long a test waits for what must come soon (a child's server name, a
 * thread reaching its block, a child's write): only a broken kernel runs
 * out, while a loaded host, which stretches the guest's clock by whole
 * seconds, never does. Tests assert order and outcome, not time taken.
 */
#define UTEST_PATIENCE_MS 60000u
#define UTEST_PATIENCE_NS (UTEST_PATIENCE_MS * 1000000ull)
/*
 * A child started at this priority (High, above ours) runs from our next
 * yield until it blocks or ends: what it does comes before what we do next.
 */
#define UTEST_PRIO_FIRST 30

/*
 * Sleep until the thread of `thread_cap` is blocked: in the receive, send
 * or wait it was created to make. False after UTEST_PATIENCE_NS.
 */
bool utest_wait_blocked(uint64_t thread_cap);

/* Where our own ELF image is mapped (env KESTREL_IMAGE); false if it is not. */
bool utest_image(const void **image, uint64_t *size);

/*
 * Run `init child <name> [arg]` as a new process (started at `priority`,
 * 0: ours) and wait for it; E_OK and its exit information, or the error.
 */
long utest_spawn(const char *name, const char *arg, unsigned priority,
		 struct process_exit_info *info);
/* Create `init child NAME [ARG]` (granted `caps`) without starting it. */
long utest_create(const char *name, const char *arg, unsigned priority, const uint64_t *caps,
		  unsigned ncaps, uint64_t *pid, uint64_t *cap);
/* The same, granting the child `caps` (it finds them with utest_cap()). */
long utest_start_caps(const char *name, const char *arg, unsigned priority, const uint64_t *caps,
		      unsigned ncaps, uint64_t *cap);
/* The i-th capability our parent granted us (KESTREL_CAPS), 0 if none. */
uint64_t utest_cap(unsigned i);
/* Benchmark children (bench*.c): their BENCH_N, and the machine's busy time (idle excluded). */
unsigned long bench_count(void);
uint64_t bench_busy_ns(void);
/* The same in two steps: create and start, then wait through *cap. */
long utest_start(const char *name, const char *arg, unsigned priority, uint64_t *cap);

#endif
