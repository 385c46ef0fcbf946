/*
 * The buddy frame allocator. Free blocks of 2^order frames sit on one list
 * per zone and order; the list links live in the first frame of each free
 * block (through the direct map), so the only side metadata is one bit per
 * frame: set when the frame is not free (allocated, reserved or a hole).
 * A block's buddy can be merged when its bit is clear and its header names
 * the same order: a clear bit on an aligned frame means that frame heads a
 * free block, because a free block containing it would contain us too.
 * Single frames go through a small per-zone cache first, which keeps the
 * common alloc/free pair short.
 */
#include "mm/pmm.h"
#include "arch/hal/cpu.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "mm/phys.h"

#define NIL	     UINT64_MAX
#define MAGIC_FREE   0x4b6672656542756bull /* a free buddy block */
#define MAGIC_CACHED 0x4b66726565436368ull /* a single frame in a zone cache */
#define CACHE_MAX    32
#define MAX_PIECES   72
#define DMA_PFN	     (ZONE_DMA_LIMIT / FRAME_SIZE)

struct free_link {
	uint64_t magic;
	uint64_t order;
	uint64_t prev, next; /* frame numbers, NIL at the ends */
};

struct piece {
	uint64_t start, end; /* usable frames [start, end), inside one zone */
};

static struct {
	uint64_t base_pfn, end_pfn;
	uint8_t *bitmap; /* bit set: frame not free */
	struct piece piece[MAX_PIECES];
	unsigned pieces;
	uint64_t reach_pfn; /* frames at and above it are not free yet */
	struct {
		uint64_t head[PMM_MAX_ORDER + 1];
		size_t total, reserved, free;
		uint64_t cache[CACHE_MAX];
		unsigned cached;
	} z[ZONE_COUNT];
} pmm;

static inline struct free_link *link_of(uint64_t pfn)
{
	return phys_to_virt(pfn * FRAME_SIZE);
}

enum zone frame_zone(uint64_t pfn)
{
	return pfn < DMA_PFN ? ZONE_DMA : ZONE_NORMAL;
}

static inline bool bit_get(uint64_t pfn)
{
	uint64_t i = pfn - pmm.base_pfn;
	return pmm.bitmap[i / 8] >> (i % 8) & 1;
}

static inline void bit_put(uint64_t pfn, bool v)
{
	uint64_t i = pfn - pmm.base_pfn;
	if (v)
		pmm.bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		pmm.bitmap[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

/* Set or clear the bits of frames [pfn, pfn + n), whole bytes at a time where possible. */
static void bits_fill(uint64_t pfn, uint64_t n, bool v)
{
	uint64_t i = pfn - pmm.base_pfn, end = i + n;

	while (i < end && i % 8) {
		bit_put(pmm.base_pfn + i, v);
		i++;
	}
	if (end - i >= 8) {
		memset(pmm.bitmap + i / 8, v ? 0xff : 0, (end - i) / 8);
		i += (end - i) / 8 * 8;
	}
	for (; i < end; i++)
		bit_put(pmm.base_pfn + i, v);
}

static bool bits_all_set(uint64_t pfn, uint64_t n)
{
	for (uint64_t f = pfn; f < pfn + n; f++)
		if (!bit_get(f))
			return false;
	return true;
}

static void list_push(enum zone z, unsigned order, uint64_t pfn)
{
	struct free_link *l = link_of(pfn);
	uint64_t head = pmm.z[z].head[order];

	l->magic = MAGIC_FREE;
	l->order = order;
	l->prev = NIL;
	l->next = head;
	if (head != NIL)
		link_of(head)->prev = pfn;
	pmm.z[z].head[order] = pfn;
}

static void list_remove(enum zone z, unsigned order, uint64_t pfn)
{
	struct free_link *l = link_of(pfn);

	if (l->prev != NIL)
		link_of(l->prev)->next = l->next;
	else
		pmm.z[z].head[order] = l->next;
	if (l->next != NIL)
		link_of(l->next)->prev = l->prev;
	l->magic = 0;
}

/* Free one aligned block whose bits are set, merging with free buddies. */
static void free_block(uint64_t pfn, unsigned order)
{
	enum zone z = frame_zone(pfn);

	bits_fill(pfn, 1ull << order, false);
	pmm.z[z].free += 1ull << order;
	while (order < PMM_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1ull << order);
		if (buddy < pmm.base_pfn || buddy + (1ull << order) > pmm.end_pfn ||
		    frame_zone(buddy) != z || bit_get(buddy))
			break;
		struct free_link *b = link_of(buddy);
		if (b->magic != MAGIC_FREE || b->order != order)
			break;
		list_remove(z, order, buddy);
		pfn &= ~(1ull << order);
		order++;
	}
	list_push(z, order, pfn);
}

/* Free frames [pfn, pfn + n) as the largest aligned blocks that fit. */
static void free_range(uint64_t pfn, uint64_t n)
{
	while (n) {
		unsigned order = 0;
		while (order < PMM_MAX_ORDER && !(pfn & (1ull << order)) && (2ull << order) <= n)
			order++;
		free_block(pfn, order);
		pfn += 1ull << order;
		n -= 1ull << order;
	}
}

/* Return the zone's cached single frames to the buddy lists. */
static void cache_drain(enum zone z)
{
	while (pmm.z[z].cached) {
		uint64_t pfn = pmm.z[z].cache[--pmm.z[z].cached];
		pmm.z[z].free--;
		bit_put(pfn, true);
		free_block(pfn, 0);
	}
}

/* Take a block of 2^order frames below `limit_pfn` (0: anywhere); NIL when none. */
static uint64_t take_block(enum zone z, unsigned order, uint64_t limit_pfn)
{
	for (unsigned o = order; o <= PMM_MAX_ORDER; o++) {
		uint64_t pfn = pmm.z[z].head[o];
		/* Splitting keeps the lowest part: it is what must fit below the limit. */
		while (limit_pfn && pfn != NIL && pfn + (1ull << order) > limit_pfn)
			pfn = link_of(pfn)->next;
		if (pfn == NIL)
			continue;
		list_remove(z, o, pfn);
		while (o > order) {
			o--;
			list_push(z, o, pfn + (1ull << o));
		}
		bits_fill(pfn, 1ull << order, true);
		pmm.z[z].free -= 1ull << order;
		return pfn;
	}
	return NIL;
}

static int alloc_below(size_t count, enum zone z, uint64_t limit, uint64_t *frame)
{
	if (!count || z >= ZONE_COUNT || !frame)
		return E_INVALID_PARAMETER;
	if (count > (1ull << PMM_MAX_ORDER) || (limit && limit < FRAME_SIZE))
		return E_OUT_OF_MEMORY;
	unsigned order = 0;
	while ((1ull << order) < count)
		order++;
	if (order > PMM_MAX_ORDER)
		return E_OUT_OF_MEMORY;
	uint64_t limit_pfn = limit / FRAME_SIZE;
	uint64_t pfn = take_block(z, order, limit_pfn);
	if (pfn == NIL && pmm.z[z].cached) {
		cache_drain(z);
		pfn = take_block(z, order, limit_pfn);
	}
	if (pfn == NIL)
		return E_OUT_OF_MEMORY;
	if (count < (1ull << order)) {
		/* Give the tail back: it is allocated now, so free it as such. */
		free_range(pfn + count, (1ull << order) - count);
	}
	*frame = pfn;
	return E_OK;
}

/* Threads and interrupt handlers share the allocator: each call runs with interrupts off. */
int allocate_frames_below(size_t count, enum zone z, uint64_t limit, uint64_t *frame)
{
	irqflags_t irq = arch_irq_save();
	int err = alloc_below(count, z, limit, frame);
	arch_irq_restore(irq);
	return err;
}

int allocate_frames(size_t count, enum zone z, uint64_t *frame)
{
	/* The fast path: one frame from the zone's cache (its set bit hides it from merges). */
	irqflags_t irq = arch_irq_save();
	if (count == 1 && z < ZONE_COUNT && pmm.z[z].cached) {
		uint64_t pfn = pmm.z[z].cache[--pmm.z[z].cached];
		bit_put(pfn, true);
		pmm.z[z].free--;
		*frame = pfn;
		arch_irq_restore(irq);
		return E_OK;
	}
	int err = alloc_below(count, z, 0, frame);
	arch_irq_restore(irq);
	return err;
}

/* The usable piece holding frames [pfn, pfn + n), or NULL. */
static const struct piece *piece_of(uint64_t pfn, uint64_t n)
{
	static unsigned last; /* frees cluster: try the piece of the previous one first */
	const struct piece *p = &pmm.piece[last];

	if (pfn >= p->start && pfn < p->end)
		return n <= p->end - pfn ? p : NULL;
	for (unsigned i = 0; i < pmm.pieces; i++)
		if (pfn >= pmm.piece[i].start && pfn < pmm.piece[i].end) {
			last = i;
			return n <= pmm.piece[i].end - pfn ? &pmm.piece[i] : NULL;
		}
	return NULL;
}

static int free_locked(uint64_t pfn, size_t count)
{
	if (!count)
		return E_INVALID_PARAMETER;
	if (!piece_of(pfn, count) || pfn + count > pmm.reach_pfn) {
		pr_err("pmm: free of frames %#llx+%zu that are not allocatable RAM",
		       (unsigned long long)pfn, count);
		return E_MEM_DOUBLE_FREE;
	}
	if (count == 1 ? !bit_get(pfn) : !bits_all_set(pfn, count)) {
		pr_err("pmm: double free of frames %#llx+%zu", (unsigned long long)pfn, count);
		return E_MEM_DOUBLE_FREE;
	}
	enum zone z = frame_zone(pfn);
	if (count == 1 && pmm.z[z].cached < CACHE_MAX) {
		link_of(pfn)->magic = MAGIC_CACHED; /* not a free block's head, for merges */
		bit_put(pfn, false);
		pmm.z[z].cache[pmm.z[z].cached++] = pfn;
		pmm.z[z].free++;
		return E_OK;
	}
	free_range(pfn, count);
	return E_OK;
}

int free_frames(uint64_t pfn, size_t count)
{
	irqflags_t irq = arch_irq_save();
	int err = free_locked(pfn, count);
	arch_irq_restore(irq);
	return err;
}

struct memory_stats memory_stats(void)
{
	struct memory_stats s = {0};

	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		struct zone_stats *zs = &s.zone[z];
		zs->total_frames = pmm.z[z].total;
		zs->reserved_frames = pmm.z[z].reserved;
		zs->free_frames = pmm.z[z].free;
		zs->allocated_frames = zs->total_frames - zs->reserved_frames - zs->free_frames;
		s.total_frames += zs->total_frames;
		s.reserved_frames += zs->reserved_frames;
		s.free_frames += zs->free_frames;
		s.allocated_frames += zs->allocated_frames;
	}
	return s;
}

/* Add usable frames [start, end) as pieces, split at the Dma/Normal boundary. */
static void add_piece(uint64_t start, uint64_t end)
{
	if (start < DMA_PFN && end > DMA_PFN) {
		add_piece(start, DMA_PFN);
		start = DMA_PFN;
	}
	if (start >= end)
		return;
	struct piece *last = pmm.pieces ? &pmm.piece[pmm.pieces - 1] : NULL;
	if (last && last->end == start && frame_zone(last->start) == frame_zone(start)) {
		last->end = end; /* back-to-back RAM ranges: one piece, as buddies may span both */
		return;
	}
	if (pmm.pieces == MAX_PIECES) {
		pr_warn("pmm: more than %d usable ranges; ignoring %#llx-%#llx", MAX_PIECES,
			(unsigned long long)(start * FRAME_SIZE),
			(unsigned long long)(end * FRAME_SIZE));
		return;
	}
	pmm.piece[pmm.pieces++] = (struct piece){start, end};
}

/* Count the whole RAM frames in [start, end) per zone. */
static void count_total(uint64_t start, uint64_t end)
{
	for (unsigned z = 0; z < 2; z++) {
		uint64_t lo = z == ZONE_DMA ? 0 : DMA_PFN,
			 hi = z == ZONE_DMA ? DMA_PFN : UINT64_MAX;
		uint64_t a = start > lo ? start : lo, b = end < hi ? end : hi;
		if (a < b)
			pmm.z[z].total += b - a;
	}
}

/* Free the frames of every piece that lie in [lo, hi). */
static void release(uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < pmm.pieces; i++) {
		uint64_t a = pmm.piece[i].start > lo ? pmm.piece[i].start : lo;
		uint64_t b = pmm.piece[i].end < hi ? pmm.piece[i].end : hi;
		if (a < b)
			free_range(a, b - a);
	}
}

void pmm_release_rest(void)
{
	release(pmm.reach_pfn, UINT64_MAX);
	pmm.reach_pfn = UINT64_MAX;
}

int pmm_init(const struct boot_info *bi, uint64_t reach)
{
	memset(&pmm, 0, sizeof(pmm));
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		for (unsigned o = 0; o <= PMM_MAX_ORDER; o++)
			pmm.z[z].head[o] = NIL;

	/* Usable frames: RAM rounded inwards, minus reserved ranges rounded outwards. */
	pmm.base_pfn = UINT64_MAX;
	for (unsigned i = 0; i < bi->ram_count; i++) {
		uint64_t start = (bi->ram[i].base + FRAME_SIZE - 1) / FRAME_SIZE;
		uint64_t end = (bi->ram[i].base + bi->ram[i].size) / FRAME_SIZE;
		if (end > PHYS_MAP_SIZE / FRAME_SIZE) /* beyond the direct map: not ours to use */
			end = PHYS_MAP_SIZE / FRAME_SIZE;
		if (start >= end)
			continue;
		count_total(start, end);
		if (start < pmm.base_pfn)
			pmm.base_pfn = start;
		if (end > pmm.end_pfn)
			pmm.end_pfn = end;
		uint64_t cur = start;
		for (unsigned r = 0; r < bi->reserved_count; r++) {
			uint64_t rs = bi->reserved[r].base / FRAME_SIZE;
			uint64_t re =
			    (bi->reserved[r].base + bi->reserved[r].size + FRAME_SIZE - 1) /
			    FRAME_SIZE;
			if (re <= cur || rs >= end)
				continue;
			if (rs > cur)
				add_piece(cur, rs);
			cur = re;
		}
		if (cur < end)
			add_piece(cur, end);
	}
	if (pmm.base_pfn >= pmm.end_pfn)
		return E_OUT_OF_MEMORY;

	/* The bitmap takes the first usable frames that every boot map reaches. */
	uint64_t bytes = (pmm.end_pfn - pmm.base_pfn + 7) / 8;
	uint64_t need = (bytes + FRAME_SIZE - 1) / FRAME_SIZE;
	struct piece *home = NULL;
	for (unsigned i = 0; i < pmm.pieces && !home; i++)
		if (pmm.piece[i].end - pmm.piece[i].start >= need &&
		    (pmm.piece[i].start + need) * FRAME_SIZE <= reach)
			home = &pmm.piece[i];
	if (!home)
		return E_OUT_OF_MEMORY;
	pmm.bitmap = phys_to_virt(home->start * FRAME_SIZE);
	home->start += need;
	memset(pmm.bitmap, 0xff, bytes);

	size_t usable[ZONE_COUNT] = {0};
	for (unsigned i = 0; i < pmm.pieces; i++)
		if (pmm.piece[i].start < pmm.piece[i].end)
			usable[frame_zone(pmm.piece[i].start)] +=
			    pmm.piece[i].end - pmm.piece[i].start;
	pmm.reach_pfn = reach / FRAME_SIZE;
	release(0, pmm.reach_pfn);
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		pmm.z[z].reserved = pmm.z[z].total - usable[z];
	return E_OK;
}

size_t pmm_free_blocks(enum zone z, unsigned order)
{
	size_t n = 0;
	for (uint64_t pfn = pmm.z[z].head[order]; pfn != NIL; pfn = link_of(pfn)->next)
		n++;
	return n;
}

void pmm_drain_caches(void)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		cache_drain(z);
}

void pmm_dump(void)
{
	static const char *const names[ZONE_COUNT] = {"Dma", "Normal", "High"};
	struct memory_stats s = memory_stats();

	kprintf("frames: %zu total, %zu free, %zu allocated, %zu reserved (4 KiB each)\n",
		s.total_frames, s.free_frames, s.allocated_frames, s.reserved_frames);
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		kprintf("  %-6s %zu total, %zu free, %zu allocated, %zu reserved\n", names[z],
			s.zone[z].total_frames, s.zone[z].free_frames, s.zone[z].allocated_frames,
			s.zone[z].reserved_frames);
}
