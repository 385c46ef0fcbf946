/*
 * The in-kernel test framework. KTEST(name) { ... } registers a test in the
 * "ktests" section; the runner prints one line per test ("ok N name",
 * "not ok N name: reason" or "ok N name # SKIP reason") and the closing line
 * "N passed, N failed, N skipped". An assertion that fails reports file, line
 * and values, and ends the test; KTEST_SKIP ends it as skipped, for a test
 * that needs what this boot did not give (a test boot's command line).
 */
#ifndef TESTS_KERNEL_KTEST_H
#define TESTS_KERNEL_KTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/kprintf.h"
#include "core/kstring.h"

struct boot_info;

struct ktest {
	const char *name;
	void (*fn)(void);
};

#define KTEST(tname)                                                              \
	static void ktest_fn_##tname(void);                                       \
	static const struct ktest ktest_##tname                                   \
	    __attribute__((used, section("ktests"), aligned(sizeof(void *)))) = { \
		.name = #tname,                                                   \
		.fn = ktest_fn_##tname,                                           \
	};                                                                        \
	static void ktest_fn_##tname(void)

/* Record the running test as failed with a formatted reason. */
void ktest_fail(const char *file, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Record the running test as skipped (unless it already failed); KTEST_SKIP is the way in. */
void ktest_skip(const char *reason);
/* Count results a test's own runner printed lines for (the user suite) in the closing line. */
void ktest_add_results(int passed, int failed);
struct process_exit_info;
/*
 * Run `init child NAME` twice (tests/kernel/test_user.c): the first run
 * warms the heap's slabs, the second must give back every frame and heap
 * byte it took. *info: the second run's exit information.
 */
void ktest_child_leaves_no_trace(const char *name, struct process_exit_info *info);

/* What the kernel holds (tests/kernel/footprint.c), to compare before and after a test. */
struct ktest_footprint {
	size_t
	    frames; /* free, and held by the heap's slabs: the heap's objects are counted apart */
	size_t heap_bytes, heap_blocks;
	uint32_t caps;
	unsigned replies, threads, processes;
};
/* Count it now; first frees the ended processes nobody waits for. */
struct ktest_footprint ktest_footprint(void);
void ktest_footprint_print(const char *who, const char *when, const struct ktest_footprint *f);
/* Wait until at most `processes` exist, up to `ms`: false if more are left. */
bool ktest_settle(unsigned processes, unsigned ms);
/* Run every registered test; returns the number that failed. */
int ktest_run_all(const struct boot_info *bi);
/* The boot information of this boot, for tests that check it. */
const struct boot_info *ktest_boot_info(void);
/* The number ci/boot --test put on the command line as expect.<key>=N; false when absent. */
bool ktest_expect(const char *key, uint64_t *value);
/* The skip reason of a test that needs expect.<key> (a string literal). */
#define KTEST_NO_EXPECT(key) "no expect." key "= on the command line (ci/boot --test gives it)"

#define KASSERT(cond)                                                                  \
	do {                                                                           \
		if (!(cond)) {                                                         \
			ktest_fail(__FILE__, __LINE__, "assertion failed: %s", #cond); \
			return;                                                        \
		}                                                                      \
	} while (0)

/* End the running test as skipped, with the reason printed after "# SKIP". */
#define KTEST_SKIP(reason)          \
	do {                        \
		ktest_skip(reason); \
		return;             \
	} while (0)

#define KASSERT_CMP_(a, op, b, fmt, type)                                                        \
	do {                                                                                     \
		type ka_ = (type)(a), kb_ = (type)(b);                                           \
		if (!(ka_ op kb_)) {                                                             \
			ktest_fail(__FILE__, __LINE__, "%s " #op " %s: " fmt " vs " fmt, #a, #b, \
				   ka_, kb_);                                                    \
			return;                                                                  \
		}                                                                                \
	} while (0)

#define KASSERT_EQ(a, b)   KASSERT_CMP_(a, ==, b, "%lld", long long)
#define KASSERT_NE(a, b)   KASSERT_CMP_(a, !=, b, "%lld", long long)
#define KASSERT_LT(a, b)   KASSERT_CMP_(a, <, b, "%lld", long long)
#define KASSERT_LE(a, b)   KASSERT_CMP_(a, <=, b, "%lld", long long)
#define KASSERT_GT(a, b)   KASSERT_CMP_(a, >, b, "%lld", long long)
#define KASSERT_GE(a, b)   KASSERT_CMP_(a, >=, b, "%lld", long long)
#define KASSERT_EQ_U(a, b) KASSERT_CMP_(a, ==, b, "%#llx", unsigned long long)
#define KASSERT_GT_U(a, b) KASSERT_CMP_(a, >, b, "%#llx", unsigned long long)
#define KASSERT_GE_U(a, b) KASSERT_CMP_(a, >=, b, "%#llx", unsigned long long)
#define KASSERT_LT_U(a, b) KASSERT_CMP_(a, <, b, "%#llx", unsigned long long)
#define KASSERT_LE_U(a, b) KASSERT_CMP_(a, <=, b, "%#llx", unsigned long long)

#define KASSERT_STREQ(a, b)                                                                  \
	do {                                                                                 \
		const char *sa_ = (a), *sb_ = (b);                                           \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                                 \
			ktest_fail(__FILE__, __LINE__, "%s == %s: \"%s\" vs \"%s\"", #a, #b, \
				   sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");              \
			return;                                                              \
		}                                                                            \
	} while (0)

#endif
