/*
 * User mode end to end: init's user test suite (tests/user/) runs as a
 * process and reports its own lines; here the kernel checks what only it
 * can see: images it must refuse, and that processes give back all their
 * memory.
 */
#include "cap/cap.h"
#include "core/boot_info.h"
#include "core/init.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "mm/phys.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "tests/kernel/ktest.h"

extern const char init_image[], init_image_end[];

static size_t free_frames_now(void)
{
	pmm_drain_caches();
	return memory_stats().free_frames;
}

KTEST(user_suite)
{
	/* utest.only=PREFIX runs the user tests whose names start with it (a debugging aid). */
	char args[64] = "init\0test";
	size_t args_size = sizeof("init\0test");
	char only[40];
	const struct boot_info *bi = ktest_boot_info();
	if (bi && boot_cmdline_get(bi, "utest.only", only, sizeof(only)) && *only)
		args_size +=
		    (size_t)ksnprintf(args + args_size, sizeof(args) - args_size, "%s", only) + 1;
	struct process *p;
	struct process_exit_info info;
	size_t heap = heap_stats().current_allocated;
	uint32_t caps = cap_live_count();
	size_t frames = ktest_footprint().frames; /* free and heap-held */
	KASSERT_EQ(init_create(args, args_size, NULL, 0, PRIO_NORMAL, &p), E_OK);
	KASSERT_EQ(process_start(p), E_OK);
	KASSERT_EQ(process_wait(p, 0, &info), E_OK);
	KASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	int passed = info.exit_code & 0xffff, failed = (info.exit_code >> 16) & 0xffff;
	ktest_add_results(passed, failed);
	KASSERT(passed >= (args_size > sizeof("init\0test") ? 1 : 20));
	KASSERT_EQ(failed, 0);
	/* Dozens of processes and threads later, every kernel object is gone again. */
	KASSERT_EQ(heap_stats().current_allocated, heap);
	KASSERT_EQ(cap_live_count(), caps);
	KASSERT_EQ(ktest_footprint().frames, frames); /* DMA memory, pinned pages and all */
}

void ktest_child_leaves_no_trace(const char *name, struct process_exit_info *info)
{
	char args[48];
	int size = ksnprintf(args, sizeof(args), "init%cchild%c%s", 0, 0, name) + 1;
	struct process *p;
	*info = (struct process_exit_info){.exit_code = -1, .exit_reason = EXIT_FAULT};
	/* A first run warms the heap's slabs; the second must then leave no trace. */
	for (int round = 0; round < 2; round++) {
		size_t frames = free_frames_now();
		size_t heap = heap_stats().current_allocated;
		KASSERT_EQ(init_create(args, (size_t)size, NULL, 0, PRIO_NORMAL, &p), E_OK);
		KASSERT_EQ(process_start(p), E_OK);
		KASSERT_EQ(process_wait(p, 0, info), E_OK);
		if (round == 1) {
			KASSERT_EQ(heap_stats().current_allocated, heap);
			KASSERT_EQ(free_frames_now(), frames);
		}
	}
}

KTEST(process_memory_comes_back)
{
	struct process_exit_info info;
	ktest_child_leaves_no_trace("exit42", &info);
	KASSERT_EQ(info.exit_code, 42);
}

KTEST(malformed_elf_is_refused)
{
	size_t size = (size_t)(init_image_end - init_image);
	char *copy = kmalloc(size);
	KASSERT(copy != NULL);
	static const char args[] = "bad";
	struct process_spec spec = {
	    .image = copy, .image_size = size, .args = args, .args_size = sizeof(args)};
	struct process *p;
	/* Each of a few corruptions: class, machine, a program header pointing past the end. */
	static const struct {
		size_t off;
		unsigned char val;
	} bad[] = {{4, 1}, {18, 0x99}, {32, 0xff}, {33, 0xff}, {56, 0xff}};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(copy, init_image, size);
		copy[bad[i].off] = (char)bad[i].val;
		KASSERT_EQ(process_create(NULL, &spec, &p), E_INVALID_PARAMETER);
	}
	spec.image_size = 63; /* shorter than its own header */
	KASSERT_EQ(process_create(NULL, &spec, &p), E_INVALID_PARAMETER);
	kfree(copy);
}
