/* The kernel heap on simulated physical memory: classes, alignment, statistics, bad frees. */
#include <criterion/criterion.h>
#include <string.h>

#include "blob.h"
#include "hal_host.h"
#include "mm/heap.h"
#include "mm/pmm.h"

#define MIB (1ull << 20)

static void setup(void)
{
	cr_assert_eq(host_memory_setup(32 * MIB, 0), E_OK);
	heap_init();
	host_console_take();
}

TestSuite(heap, .init = setup);

Test(heap, sizes_alignment_and_no_overlap)
{
	static const size_t sizes[] = {1, 15, 16, 17, 64, 100, 512, 1024, 1025, 4096, 10000};
	void *p[11];

	for (unsigned i = 0; i < 11; i++) {
		p[i] = kmalloc(sizes[i]);
		cr_assert_not_null(p[i]);
		cr_assert_geq(ksize(p[i]), sizes[i]);
		cr_assert_eq((uintptr_t)p[i] % 16, 0);
		memset(p[i], (int)i + 1, sizes[i]);
	}
	for (unsigned i = 0; i < 11; i++)
		for (size_t k = 0; k < sizes[i]; k++)
			cr_assert_eq(((unsigned char *)p[i])[k], i + 1, "object %u intact", i);
	void *a = kmalloc_aligned(100, 128);
	cr_assert_eq((uintptr_t)a % 128, 0);
	cr_assert_null(kmalloc_aligned(8, 48), "alignment must be a power of two");
	for (unsigned i = 0; i < 11; i++)
		kfree(p[i]);
	kfree(a);
	cr_assert_eq(heap_stats().current_allocated, 0);
}

Test(heap, statistics_follow_every_call)
{
	struct allocator_stats s0 = heap_stats();
	void *a = kernel_heap.allocate(64, 8);
	void *b = kernel_heap.allocate(5000, 16);
	struct allocator_stats s1 = kernel_heap.stats();

	cr_assert_eq(s1.allocation_count, s0.allocation_count + 2);
	cr_assert_eq(s1.current_allocated, 64 + 8192);
	cr_assert_eq(s1.peak_allocated, 64 + 8192);
	kernel_heap.deallocate(a, 64, 8);
	kernel_heap.deallocate(b, 5000, 16);
	struct allocator_stats s2 = heap_stats();
	cr_assert_eq(s2.free_count, 2);
	cr_assert_eq(s2.total_freed, 64 + 8192);
	cr_assert_eq(s2.total_allocated, 64 + 8192);
	cr_assert_eq(s2.current_allocated, 0);
	cr_assert_eq(s2.peak_allocated, 64 + 8192);
}

Test(heap, bad_and_double_frees_are_reported_and_harmless)
{
	char *a = kmalloc(32), *b = kmalloc(32);
	kfree(a);
	struct allocator_stats s = heap_stats();
	kfree(a);
	cr_assert(strstr(host_console_take(), "double free"));
	kfree(a + 1);
	cr_assert(strstr(host_console_take(), "not a heap object"));
	char *big = kmalloc(8192);
	kfree(big);
	kfree(big);
	cr_assert(strstr(host_console_take(), "not a live allocation"));
	cr_assert_eq(heap_stats().free_count, s.free_count + 1, "only the good free counted");
	/* The heap still works, and hands out distinct objects. */
	char *c = kmalloc(32), *d = kmalloc(32);
	cr_assert(c != d && c != b && d != b);
	kfree(b);
	kfree(c);
	kfree(d);
}

Test(heap, stress_returns_to_the_start)
{
	static void *live[3000];
	uint64_t seed = 99;

	/* Warm up one slab per class, which the heap keeps. */
	for (unsigned shift = 4; shift <= 10; shift++)
		kfree(kmalloc(1u << shift));
	pmm_drain_caches();
	size_t frames0 = memory_stats().free_frames;
	for (int round = 0; round < 20; round++) {
		for (unsigned i = 0; i < 3000; i++) {
			size_t sz = blob_rand(&seed) % 8 ? 1 + blob_rand(&seed) % 1024
							 : 1 + blob_rand(&seed) % 20000;
			live[i] = kmalloc(sz);
			cr_assert_not_null(live[i]);
		}
		for (unsigned i = 0; i < 3000; i++) {
			unsigned j = blob_rand(&seed) % (3000 - i);
			kfree(live[j]);
			live[j] = live[3000 - i - 1];
		}
	}
	cr_assert_eq(heap_stats().current_allocated, 0);
	pmm_drain_caches();
	cr_assert_eq(memory_stats().free_frames, frames0, "every frame came back");
}
