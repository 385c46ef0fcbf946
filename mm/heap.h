/*
 * The kernel heap: kmalloc/kfree with size-class slabs for small objects
 * and whole frames for large ones, behind the KernelAllocator interface of
 * the Kernel API (allocate, deallocate, stats).
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* AllocatorStats of the Kernel API; byte figures count usable sizes. */
struct allocator_stats {
	size_t total_allocated;
	size_t total_freed;
	size_t current_allocated;
	size_t peak_allocated;
	size_t allocation_count;
	size_t free_count;
};

/* KernelAllocator: `align` is a power of two, at most 4096. */
struct kernel_allocator {
	void *(*allocate)(size_t size, size_t align);
	void (*deallocate)(void *ptr, size_t size, size_t align);
	struct allocator_stats (*stats)(void);
};

extern const struct kernel_allocator kernel_heap;

/* Ready the heap (the frame allocator must be up). */
void heap_init(void);
/* `size` bytes aligned to 16 (to their size class up to 1 KiB, 4 KiB above); NULL when out. */
void *kmalloc(size_t size);
/* The same with a stronger alignment (a power of two up to 4096). */
void *kmalloc_aligned(size_t size, size_t align);
/* Zeroed memory. */
void *kzalloc(size_t size);
/* Give back what kmalloc returned; NULL is ignored, a bad or double free is reported. */
void kfree(void *ptr);
/* The bytes usable at ptr (its size class or page-rounded size). */
size_t ksize(const void *ptr);
struct allocator_stats heap_stats(void);
/*
 * Frames the heap holds for slabs and large blocks: free frames plus these
 * stay the same across work that gives back every object, however its
 * slabs were filled.
 */
size_t heap_frames(void);

#endif
