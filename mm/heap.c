/*
 * Slabs: a slab is one frame holding a header and objects of one size class
 * (16 .. 1024 bytes, powers of two, each object aligned to its size). Slabs
 * with free objects sit on their class's partial list; a slab that empties
 * is kept if it is the class's only one, else returned to the frame
 * allocator. A bitmap in the header catches double frees.
 * Large blocks (over 1 KiB) are whole frames; their sizes live in a small
 * open-addressing table keyed by address, so kfree needs no size.
 */
#include "mm/heap.h"
#include "arch/hal/cpu.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "mm/phys.h"
#include "mm/pmm.h"

#define MIN_SHIFT   4
#define MAX_SHIFT   10
#define CLASSES	    (MAX_SHIFT - MIN_SHIFT + 1)
#define SLAB_MAGIC  0x51ab51ab
#define HEADER_SIZE 64
#define LARGE_SLOTS 1024 /* power of two */

struct slab {
	uint32_t magic;
	uint16_t shift; /* object size 1 << shift */
	uint16_t used;
	void *free;		  /* singly linked through the objects */
	struct slab *prev, *next; /* on the class's partial list */
	uint64_t busy[4];	  /* bit (page offset >> shift) set: that object is handed out */
};
_Static_assert(sizeof(struct slab) <= HEADER_SIZE, "slab header fits its space");

struct large {
	uintptr_t addr; /* 0: empty; 1: deleted */
	size_t frames;
};

static struct {
	struct slab *partial[CLASSES];
	struct large *large; /* LARGE_SLOTS entries */
	size_t large_used;
	size_t frames; /* held for slabs and large blocks (not the large-block table) */
	struct allocator_stats st;
} heap;

/* Size class (shift) of sizes 1..1024, by (size - 1) / 16: no clz needed on any arch. */
static uint8_t class_shift[(1u << MAX_SHIFT) >> MIN_SHIFT];

static inline unsigned objects_in(unsigned shift)
{
	unsigned first = HEADER_SIZE > (1u << shift) ? HEADER_SIZE : 1u << shift;
	return (unsigned)((PAGE_SIZE - first) >> shift);
}

static inline unsigned first_offset(unsigned shift)
{
	return HEADER_SIZE > (1u << shift) ? HEADER_SIZE : 1u << shift;
}

/* total_allocated is current_allocated + total_freed, worked out when read. */
static void account_alloc(size_t bytes)
{
	heap.st.current_allocated += bytes;
	heap.st.allocation_count++;
	if (heap.st.current_allocated > heap.st.peak_allocated)
		heap.st.peak_allocated = heap.st.current_allocated;
}

static void account_free(size_t bytes)
{
	heap.st.total_freed += bytes;
	heap.st.current_allocated -= bytes;
	heap.st.free_count++;
}

static void *frames_alloc(size_t n)
{
	uint64_t frame;
	if (allocate_frames(n, ZONE_NORMAL, &frame) && allocate_frames(n, ZONE_DMA, &frame))
		return NULL;
	return phys_to_virt(frame * FRAME_SIZE);
}

static void partial_remove(unsigned c, struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		heap.partial[c] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void partial_push(unsigned c, struct slab *s)
{
	s->prev = NULL;
	s->next = heap.partial[c];
	if (s->next)
		s->next->prev = s;
	heap.partial[c] = s;
}

static struct slab *slab_new(unsigned shift)
{
	struct slab *s = frames_alloc(1);
	if (!s)
		return NULL;
	heap.frames++;
	memset(s, 0, HEADER_SIZE);
	s->magic = SLAB_MAGIC;
	s->shift = (uint16_t)shift;
	/* Thread the free list from the last object down, so the first is handed out first. */
	char *base = (char *)s + first_offset(shift);
	for (int i = (int)objects_in(shift) - 1; i >= 0; i--) {
		void **obj = (void **)(base + ((size_t)i << shift));
		*obj = s->free;
		s->free = obj;
	}
	return s;
}

/*
 * The rare transitions live out of line, so that the fast paths of kmalloc
 * and kfree need no saved registers.
 */
static __attribute__((noinline)) struct slab *slab_refill(unsigned shift)
{
	struct slab *s = slab_new(shift);
	if (s)
		partial_push(shift - MIN_SHIFT, s);
	return s;
}

static __attribute__((noinline)) void slab_full(struct slab *s)
{
	partial_remove(s->shift - MIN_SHIFT, s);
}

/* An empty slab that is not its class's only one goes back to the frame allocator. */
static __attribute__((noinline)) void slab_release(struct slab *s)
{
	partial_remove(s->shift - MIN_SHIFT, s);
	s->magic = 0;
	heap.frames--;
	free_frames(virt_to_phys(s) / FRAME_SIZE, 1);
}

static __attribute__((noinline)) void slab_unfull(struct slab *s)
{
	partial_push(s->shift - MIN_SHIFT, s);
}

static inline void *slab_alloc(unsigned shift)
{
	struct slab *s = heap.partial[shift - MIN_SHIFT];

	if (!s && !(s = slab_refill(shift)))
		return NULL;
	void **obj = s->free;
	s->free = *obj;
	s->used++;
	unsigned i = (unsigned)((uintptr_t)obj & (PAGE_SIZE - 1)) >> shift;
	s->busy[i / 64] |= 1ull << (i % 64);
	if (!s->free)
		slab_full(s);
	account_alloc(1u << shift);
	return obj;
}

static size_t large_hash(uintptr_t addr)
{
	return (size_t)((addr >> 12) * 0x9e3779b97f4a7c15ull >> 54) & (LARGE_SLOTS - 1);
}

static struct large *large_find(uintptr_t addr)
{
	if (!heap.large)
		return NULL;
	for (size_t i = large_hash(addr), n = 0; n < LARGE_SLOTS;
	     i = (i + 1) & (LARGE_SLOTS - 1), n++) {
		if (heap.large[i].addr == addr)
			return &heap.large[i];
		if (!heap.large[i].addr)
			return NULL;
	}
	return NULL;
}

static void *large_alloc(size_t size)
{
	size_t frames = (size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (!heap.large || heap.large_used >= LARGE_SLOTS * 3 / 4)
		return NULL;
	void *p = frames_alloc(frames);
	if (!p)
		return NULL;
	size_t i = large_hash((uintptr_t)p);
	while (heap.large[i].addr > 1)
		i = (i + 1) & (LARGE_SLOTS - 1);
	heap.large[i] = (struct large){(uintptr_t)p, frames};
	heap.large_used++;
	heap.frames += frames;
	account_alloc(frames * PAGE_SIZE);
	return p;
}

void heap_init(void)
{
	memset(&heap, 0, sizeof(heap));
	for (unsigned i = 0, shift = MIN_SHIFT; i < sizeof(class_shift); i++) {
		while (((i + 1) << MIN_SHIFT) > (1u << shift))
			shift++;
		class_shift[i] = (uint8_t)shift;
	}
	size_t bytes = LARGE_SLOTS * sizeof(struct large);
	heap.large = frames_alloc((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	if (heap.large)
		memset(heap.large, 0, bytes);
	else
		pr_err("heap: no memory for the large-block table; large allocations will fail");
}

static void *kmalloc_locked(size_t size, size_t align)
{
	if (align & (align - 1) || align > PAGE_SIZE)
		return NULL;
	if (size < align)
		size = align;
	if (!size)
		size = 1;
	if (size > (1u << MAX_SHIFT))
		return large_alloc(size);
	return slab_alloc(class_shift[(size - 1) >> MIN_SHIFT]);
}

/* Threads and interrupt handlers share the heap: each call runs with interrupts off. */
void *kmalloc_aligned(size_t size, size_t align)
{
	irqflags_t irq = arch_irq_save();
	void *p = kmalloc_locked(size, align);
	arch_irq_restore(irq);
	return p;
}

void *kmalloc(size_t size)
{
	void *p;
	irqflags_t irq = arch_irq_save();
	if (size - 1 < (1u << MAX_SHIFT)) /* the common case: a slab object */
		p = slab_alloc(class_shift[(size - 1) >> MIN_SHIFT]);
	else
		p = kmalloc_locked(size, 1);
	arch_irq_restore(irq);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

size_t ksize(const void *ptr)
{
	uintptr_t a = (uintptr_t)ptr;
	if (!(a & (PAGE_SIZE - 1))) {
		struct large *l = large_find(a);
		return l ? l->frames * PAGE_SIZE : 0;
	}
	const struct slab *s = (const struct slab *)(a & ~(uintptr_t)(PAGE_SIZE - 1));
	return s->magic == SLAB_MAGIC ? 1u << s->shift : 0;
}

static __attribute__((noinline)) void large_free(void *ptr)
{
	struct large *l = large_find((uintptr_t)ptr);
	if (!l) {
		pr_err("heap: kfree(%p): not a live allocation", ptr);
		return;
	}
	size_t frames = l->frames;
	l->addr = 1; /* deleted: keeps probe chains intact */
	l->frames = 0;
	heap.large_used--;
	heap.frames -= frames;
	free_frames(virt_to_phys(ptr) / FRAME_SIZE, frames);
	account_free(frames * PAGE_SIZE);
}

static __attribute__((noinline)) void bad_free(void *ptr, const char *why)
{
	pr_err("heap: %s %p", why, ptr);
}

static void kfree_locked(void *ptr)
{
	uintptr_t a = (uintptr_t)ptr;

	if (!ptr)
		return;
	if (!(a & (PAGE_SIZE - 1))) {
		large_free(ptr);
		return;
	}
	struct slab *s = (struct slab *)(a & ~(uintptr_t)(PAGE_SIZE - 1));
	/* Objects sit at multiples of their size, past the header. */
	unsigned off = (unsigned)(a - (uintptr_t)s);
	if (s->magic != SLAB_MAGIC || off < HEADER_SIZE || off & ((1u << s->shift) - 1)) {
		bad_free(ptr, "kfree of something that is not a heap object:");
		return;
	}
	unsigned i = off >> s->shift;
	if (!(s->busy[i / 64] >> (i % 64) & 1)) {
		bad_free(ptr, "double free of");
		return;
	}
	s->busy[i / 64] &= ~(1ull << (i % 64));
	if (!s->free)
		slab_unfull(s);
	*(void **)ptr = s->free;
	s->free = ptr;
	account_free(1u << s->shift);
	if (!--s->used && (s->prev || s->next))
		slab_release(s);
}

void kfree(void *ptr)
{
	irqflags_t irq = arch_irq_save();
	kfree_locked(ptr);
	arch_irq_restore(irq);
}

struct allocator_stats heap_stats(void)
{
	struct allocator_stats st = heap.st;
	st.total_allocated = st.current_allocated + st.total_freed;
	return st;
}

static void *ka_allocate(size_t size, size_t align)
{
	return kmalloc_aligned(size, align);
}

static void ka_deallocate(void *ptr, size_t size, size_t align)
{
	(void)size;
	(void)align;
	kfree(ptr);
}

size_t heap_frames(void)
{
	return heap.frames;
}

const struct kernel_allocator kernel_heap = {
    .allocate = ka_allocate,
    .deallocate = ka_deallocate,
    .stats = heap_stats,
};
