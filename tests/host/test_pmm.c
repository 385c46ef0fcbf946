/*
 * The buddy frame allocator on simulated physical memory: invariants under
 * long random sequences (fixed seed), exhaustion, double frees.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "blob.h"
#include "hal_host.h"
#include "mm/pmm.h"

#define MIB	   (1ull << 20)
#define SIM_SIZE   (64 * MIB)
#define SIM_FRAMES (SIM_SIZE / FRAME_SIZE)

/* Two RAM ranges with a hole, a kernel and a DTB reserved, one range crossing 16 MiB. */
static struct boot_info bi;

static void setup(void)
{
	host_phys_setup(SIM_SIZE);
	memset(&bi, 0, sizeof(bi));
	boot_add_ram(&bi, 1 * MIB, 31 * MIB);
	boot_add_ram(&bi, 33 * MIB, 31 * MIB);
	boot_add_reserved(&bi, 1 * MIB, 2 * MIB + 100, RESERVE_KERNEL);
	boot_add_reserved(&bi, 40 * MIB + 10, 6000, RESERVE_BOOT_DATA);
	cr_assert_eq(pmm_init(&bi, UINT64_MAX), E_OK);
}

TestSuite(pmm, .init = setup);

static size_t ram_frames(void)
{
	return (31 * MIB / FRAME_SIZE) * 2;
}

Test(pmm, statistics_after_init)
{
	struct memory_stats s = memory_stats();

	cr_assert_eq(s.total_frames, ram_frames());
	cr_assert_eq(s.allocated_frames, 0);
	/* Kernel (3 frames rounded out: 513), DTB (2 frames), bitmap (1 frame for 64 MiB). */
	cr_assert_eq(s.reserved_frames, 513 + 2 + 1);
	cr_assert_eq(s.free_frames + s.reserved_frames, s.total_frames);
	cr_assert_eq(s.zone[ZONE_DMA].total_frames, 15 * MIB / FRAME_SIZE);
	cr_assert_eq(s.zone[ZONE_HIGH].total_frames, 0);
	cr_assert_eq(s.zone[ZONE_DMA].total_frames + s.zone[ZONE_NORMAL].total_frames,
		     s.total_frames);
}

Test(pmm, zones_are_respected)
{
	uint64_t f;

	cr_assert_eq(allocate_frames(16, ZONE_DMA, &f), E_OK);
	cr_assert_lt((f + 16) * FRAME_SIZE, 16 * MIB + 1);
	cr_assert_eq(allocate_frames(16, ZONE_NORMAL, &f), E_OK);
	cr_assert_geq(f * FRAME_SIZE, 16 * MIB);
	cr_assert_eq(allocate_frames(1, ZONE_HIGH, &f), E_OUT_OF_MEMORY);
	cr_assert_eq(allocate_frames_below(4, ZONE_NORMAL, 20 * MIB, &f), E_OK);
	cr_assert_leq((f + 4) * FRAME_SIZE, 20 * MIB);
}

Test(pmm, exhaustion_gives_out_of_memory)
{
	size_t want = memory_stats().zone[ZONE_DMA].free_frames, got = 0;
	uint64_t f;

	while (allocate_frames(1, ZONE_DMA, &f) == E_OK) {
		cr_assert_eq(frame_zone(f), ZONE_DMA);
		got++;
	}
	cr_assert_eq(got, want);
	cr_assert_eq(memory_stats().zone[ZONE_DMA].free_frames, 0);
	cr_assert_eq(allocate_frames(2, ZONE_DMA, &f), E_OUT_OF_MEMORY);
	/* The other zone is untouched. */
	cr_assert_eq(allocate_frames(1, ZONE_NORMAL, &f), E_OK);
}

Test(pmm, double_free_and_foreign_frees_are_refused)
{
	uint64_t f;

	cr_assert_eq(allocate_frames(3, ZONE_NORMAL, &f), E_OK);
	struct memory_stats before = memory_stats();
	cr_assert_eq(free_frames(f, 3), E_OK);
	struct memory_stats after = memory_stats();
	cr_assert_eq(after.free_frames, before.free_frames + 3);
	cr_assert_eq(free_frames(f, 3), E_MEM_DOUBLE_FREE);
	cr_assert_eq(free_frames(f + 1, 1), E_MEM_DOUBLE_FREE);
	/* The kernel image, the hole between the RAM ranges, beyond RAM. */
	cr_assert_eq(free_frames(1 * MIB / FRAME_SIZE, 1), E_MEM_DOUBLE_FREE);
	cr_assert_eq(free_frames(32 * MIB / FRAME_SIZE, 1), E_MEM_DOUBLE_FREE);
	cr_assert_eq(free_frames(SIM_FRAMES + 5, 1), E_MEM_DOUBLE_FREE);
	cr_assert_eq(free_frames(f, 0), E_INVALID_PARAMETER);
	struct memory_stats end = memory_stats();
	cr_assert_eq(memcmp(&end, &after, sizeof(end)), 0, "refused frees changed nothing");
	cr_assert_str_neq(host_console_take(), "", "and they were reported");
}

struct alloc {
	uint64_t frame;
	size_t count;
};

Test(pmm, random_sequences_keep_the_invariants)
{
	static uint8_t owner[SIM_FRAMES];
	static struct alloc live[4096];
	size_t nlive = 0, frames_live = 0;
	uint64_t seed = 2026;
	size_t blocks_before[PMM_MAX_ORDER + 1];

	pmm_drain_caches();
	for (unsigned o = 0; o <= PMM_MAX_ORDER; o++)
		blocks_before[o] = pmm_free_blocks(ZONE_NORMAL, o);
	struct memory_stats initial = memory_stats();
	memset(owner, 0, sizeof(owner));
	for (int step = 0; step < 60000; step++) {
		bool do_alloc = nlive == 0 || (nlive < 4096 && blob_rand(&seed) % 100 < 52);
		if (do_alloc) {
			size_t count = blob_rand(&seed) % 4 ? 1 + blob_rand(&seed) % 8
							    : 1 + blob_rand(&seed) % 300;
			enum zone z = blob_rand(&seed) % 5 ? ZONE_NORMAL : ZONE_DMA;
			uint64_t f;
			int err = allocate_frames(count, z, &f);
			if (err) {
				cr_assert_eq(err, E_OUT_OF_MEMORY);
				continue;
			}
			cr_assert_eq(frame_zone(f), z);
			for (size_t i = 0; i < count; i++) {
				cr_assert_eq(owner[f + i], 0, "frame %#llx handed out twice",
					     (unsigned long long)(f + i));
				owner[f + i] = 1;
			}
			live[nlive++] = (struct alloc){f, count};
			frames_live += count;
		} else {
			size_t i = blob_rand(&seed) % nlive;
			cr_assert_eq(free_frames(live[i].frame, live[i].count), E_OK);
			for (size_t k = 0; k < live[i].count; k++)
				owner[live[i].frame + k] = 0;
			frames_live -= live[i].count;
			live[i] = live[--nlive];
		}
		if (step % 97 == 0) {
			struct memory_stats s = memory_stats();
			cr_assert_eq(s.allocated_frames, frames_live);
			cr_assert_eq(s.free_frames + s.allocated_frames + s.reserved_frames,
				     s.total_frames);
			for (unsigned z = 0; z < ZONE_COUNT; z++)
				cr_assert_eq(s.zone[z].free_frames + s.zone[z].allocated_frames +
						 s.zone[z].reserved_frames,
					     s.zone[z].total_frames);
		}
	}
	while (nlive) {
		nlive--;
		cr_assert_eq(free_frames(live[nlive].frame, live[nlive].count), E_OK);
	}
	pmm_drain_caches();
	struct memory_stats end = memory_stats();
	cr_assert_eq(memcmp(&end, &initial, sizeof(end)), 0, "statistics back to the start");
	for (unsigned o = 0; o <= PMM_MAX_ORDER; o++)
		cr_assert_eq(pmm_free_blocks(ZONE_NORMAL, o), blocks_before[o],
			     "order %u coalesced back", o);
}

Test(pmm, frames_beyond_reach_wait_for_release)
{
	size_t all = memory_stats().free_frames;

	cr_assert_eq(pmm_init(&bi, 20 * MIB), E_OK);
	size_t early = memory_stats().free_frames;
	cr_assert_lt(early, all);
	uint64_t f;
	while (allocate_frames(1, ZONE_NORMAL, &f) == E_OK)
		cr_assert_lt(f * FRAME_SIZE, 20 * MIB, "nothing handed out beyond reach");
	pmm_release_rest();
	cr_assert_eq(allocate_frames(1, ZONE_NORMAL, &f), E_OK);
	cr_assert_geq(f * FRAME_SIZE, 20 * MIB);
	struct memory_stats s = memory_stats();
	cr_assert_eq(s.free_frames + s.allocated_frames + s.reserved_frames, s.total_frames);
}

Test(pmm, frees_beyond_reach_are_refused)
{
	cr_assert_eq(pmm_init(&bi, 20 * MIB), E_OK);
	struct memory_stats s = memory_stats();
	cr_assert_eq(free_frames(40 * MIB / FRAME_SIZE, 1), E_MEM_DOUBLE_FREE,
		     "never handed out, though its bit is set");
	struct memory_stats t = memory_stats();
	cr_assert_eq(memcmp(&s, &t, sizeof(s)), 0);
}

Test(pmm, back_to_back_ram_ranges_form_one_piece)
{
	struct boot_info two = {0};
	uint64_t f;

	boot_add_ram(&two, 1 * MIB, 1 * MIB); /* the bitmap goes here */
	boot_add_ram(&two, 16 * MIB, 4 * MIB);
	boot_add_ram(&two, 20 * MIB, 12 * MIB);
	cr_assert_eq(pmm_init(&two, UINT64_MAX), E_OK);
	cr_assert_eq(allocate_frames(4096, ZONE_NORMAL, &f), E_OK);
	cr_assert_eq(free_frames(f, 4096), E_OK, "a block spanning both ranges comes back");
}

Test(pmm, odd_requests_are_refused_cleanly)
{
	uint64_t f;

	cr_assert_eq(allocate_frames_below(1, ZONE_NORMAL, 100, &f), E_OUT_OF_MEMORY);
	cr_assert_eq(allocate_frames(SIZE_MAX, ZONE_NORMAL, &f), E_OUT_OF_MEMORY);
	cr_assert_eq(allocate_frames((1u << PMM_MAX_ORDER) + 1, ZONE_NORMAL, &f), E_OUT_OF_MEMORY);
	cr_assert_eq(allocate_frames(1, ZONE_COUNT, &f), E_INVALID_PARAMETER);
	cr_assert_eq(allocate_frames(0, ZONE_NORMAL, &f), E_INVALID_PARAMETER);
}

Test(pmm, contiguous_runs_are_contiguous_and_reusable)
{
	uint64_t a, b;

	cr_assert_eq(allocate_frames(16, ZONE_NORMAL, &a), E_OK);
	cr_assert_eq(allocate_frames(1000, ZONE_NORMAL, &b), E_OK);
	cr_assert(b + 1000 <= a || a + 16 <= b, "no overlap");
	/* Frees may split a run: give back its middle, then the rest. */
	cr_assert_eq(free_frames(b + 100, 50), E_OK);
	cr_assert_eq(free_frames(b, 100), E_OK);
	cr_assert_eq(free_frames(b + 150, 850), E_OK);
	cr_assert_eq(free_frames(a, 16), E_OK);
	cr_assert_eq(memory_stats().allocated_frames, 0);
	cr_assert_eq(allocate_frames(1u << (PMM_MAX_ORDER + 1), ZONE_NORMAL, &a), E_OUT_OF_MEMORY);
}
