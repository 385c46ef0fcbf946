/*
 * Memory management on the real machine: frames, the kernel page table,
 * W^X and the guard page (caught through the expected-fault hook), the heap,
 * and statistics that match what QEMU was given.
 */
#include "core/kstring.h"
#include "core/trap.h"
#include "mm/heap.h"
#include "mm/kvm.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "tests/kernel/ktest.h"

KTEST(mm_statistics_match_the_machine)
{
	const struct boot_info *bi = ktest_boot_info();
	struct memory_stats s = memory_stats();

	KASSERT_EQ(s.free_frames + s.allocated_frames + s.reserved_frames, s.total_frames);
	KASSERT_EQ(s.zone[ZONE_HIGH].total_frames, 0);
	/* Every whole frame of the RAM the firmware reported, give or take the partial edges. */
	KASSERT_LE_U(s.total_frames * FRAME_SIZE, boot_ram_total(bi));
	KASSERT_GE_U(s.total_frames * FRAME_SIZE + bi->ram_count * 2 * FRAME_SIZE,
		     boot_ram_total(bi));
	KASSERT_GT_U(s.free_frames, s.total_frames / 2);
}

/* ci/boot --test gives QEMU's -m as expect.mem; a plain boot has nothing to compare with. */
KTEST(mm_statistics_match_qemu)
{
	struct memory_stats s = memory_stats();
	uint64_t want;

	if (!ktest_expect("mem", &want))
		KTEST_SKIP(KTEST_NO_EXPECT("mem"));
	KASSERT_LE_U(s.total_frames * FRAME_SIZE, want);
	KASSERT_GE_U(s.total_frames * FRAME_SIZE, want - want / 64);
}

KTEST(mm_map_translate_unmap_real_frames)
{
	uint64_t frame, pa;

	KASSERT_EQ(allocate_frames(1, ZONE_NORMAL, &frame), E_OK);
	uint64_t *direct = phys_to_virt(frame * FRAME_SIZE);
	for (unsigned i = 0; i < 512; i++)
		direct[i] = 0x5a5a000000000000ull | i;
	KASSERT_EQ(map_page(&kernel_pt, KVM_SCRATCH_VA, frame * FRAME_SIZE,
			    PTE_PRESENT | PTE_WRITABLE | PTE_NO_EXECUTE),
		   E_OK);
	KASSERT_EQ(translate(&kernel_pt, KVM_SCRATCH_VA + 8, &pa), E_OK);
	KASSERT_EQ_U(pa, frame * FRAME_SIZE + 8);
	volatile uint64_t *mapped = (volatile uint64_t *)KVM_SCRATCH_VA;
	for (unsigned i = 0; i < 512; i++)
		KASSERT_EQ_U(mapped[i], 0x5a5a000000000000ull | i);
	mapped[7] = 0x1234;
	KASSERT_EQ_U(direct[7], 0x1234);
	KASSERT_EQ(map_page(&kernel_pt, KVM_SCRATCH_VA, 0, PTE_PRESENT), E_MEM_ALREADY_MAPPED);
	KASSERT_EQ(unmap_page(&kernel_pt, KVM_SCRATCH_VA, &pa), E_OK);
	KASSERT_EQ_U(pa, frame * FRAME_SIZE);
	KASSERT_EQ(translate(&kernel_pt, KVM_SCRATCH_VA, &pa), E_MEM_NOT_MAPPED);
	/* And the mapping is really gone: a read faults. */
	trap_expect(TRAP_PAGE_FAULT);
	(void)mapped[0];
	KASSERT(trap_expect_done());
	KASSERT_EQ_U(trap_last()->addr, KVM_SCRATCH_VA);
	KASSERT_EQ(free_frames(frame, 1), E_OK);
}

KTEST(mm_kernel_image_is_w_xor_x)
{
	uint64_t pa;
	unsigned flags;

	for (const char *p = __text_start; p < __kernel_end; p += PAGE_SIZE) {
		if (p == __boot_stack_guard)
			continue;
		KASSERT_EQ(pt_query(&kernel_pt, (uintptr_t)p, &pa, &flags, NULL), E_OK);
		KASSERT(!(flags & PTE_WRITABLE) || flags & PTE_NO_EXECUTE);
		if (p < __text_end)
			KASSERT(!(flags & PTE_WRITABLE) && !(flags & PTE_NO_EXECUTE));
		else if (p < __rodata_end)
			KASSERT(!(flags & PTE_WRITABLE) && flags & PTE_NO_EXECUTE);
		else
			KASSERT(flags & PTE_WRITABLE && flags & PTE_NO_EXECUTE);
	}
}

KTEST(mm_kernel_tables_are_live)
{
	KASSERT_EQ_U(arch_mmu_root(), kernel_pt.root);
}

KTEST(mm_direct_map_alias_of_the_image_is_read_only)
{
	const struct boot_info *bi = ktest_boot_info();
	uint64_t pa;
	unsigned flags;
	uintptr_t text_pa = bi->kernel_phys + ((uintptr_t)__text_start - bi->kernel_virt);
	volatile uint8_t *alias = phys_to_virt(text_pa);

	KASSERT_EQ(pt_query(&kernel_pt, (uintptr_t)alias, &pa, &flags, NULL), E_OK);
	KASSERT_EQ_U(pa, text_pa);
	KASSERT(!(flags & PTE_WRITABLE) && flags & PTE_NO_EXECUTE);
	uint8_t before = *alias;
	trap_expect(TRAP_PAGE_FAULT);
	*alias = (uint8_t)~before;
	KASSERT(trap_expect_done());
	KASSERT_EQ_U(*alias, before);
}

static int returns_seven(void)
{
	return 7;
}

KTEST(mm_write_to_kernel_text_faults)
{
	/* One byte: a single store on every arch, whatever the function's alignment. */
	volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)returns_seven;
	uint8_t before = *text;

	trap_expect(TRAP_PAGE_FAULT);
	*text = (uint8_t)~before;
	KASSERT(trap_expect_done());
	KASSERT_EQ_U(trap_last()->addr, (uintptr_t)text);
	KASSERT(trap_last()->cause & FAULT_WRITE);
	KASSERT_EQ_U(*text, before);
	KASSERT_EQ(returns_seven(), 7);
}

KTEST(mm_executing_heap_data_faults)
{
	unsigned char *buf = kmalloc(256);
	KASSERT(buf != NULL);
	/* A copy of a real function: were the heap executable, the call would return 7. */
	memcpy(buf, (const void *)(uintptr_t)returns_seven, 64);
	int (*fn)(void) = (int (*)(void))(uintptr_t)buf;
	trap_expect(TRAP_PAGE_FAULT);
	(void)fn();
	bool taken = trap_expect_done();
	kfree(buf);
	KASSERT(taken);
	KASSERT_EQ_U(trap_last()->addr, (uintptr_t)buf);
	KASSERT(trap_last()->cause & FAULT_EXEC);
}

KTEST(mm_boot_stack_guard_page_faults)
{
	volatile char *guard = (volatile char *)__boot_stack_guard;
	uint64_t pa;

	KASSERT_EQ(translate(&kernel_pt, (uintptr_t)guard, &pa), E_MEM_NOT_MAPPED);
	KASSERT_EQ(translate(&kernel_pt, (uintptr_t)guard + PAGE_SIZE, &pa), E_OK);
	trap_expect(TRAP_PAGE_FAULT);
	guard[PAGE_SIZE - 8] = 1;
	KASSERT(trap_expect_done());
	KASSERT_EQ_U(trap_last()->addr, (uintptr_t)guard + PAGE_SIZE - 8);
}

KTEST(mm_nothing_in_the_lower_half)
{
	uint64_t pa;
	const struct boot_info *bi = ktest_boot_info();

	KASSERT_EQ(translate(&kernel_pt, 0, &pa), E_MEM_NOT_MAPPED);
	KASSERT_EQ(translate(&kernel_pt, (uintptr_t)bi->kernel_phys, &pa), E_MEM_NOT_MAPPED);
	KASSERT_EQ(translate(&kernel_pt, (uintptr_t)bi->ram[0].base + PAGE_SIZE * 16, &pa),
		   E_MEM_NOT_MAPPED);
	/* While the direct map covers all of RAM. */
	const struct mem_range *last = &bi->ram[bi->ram_count - 1];
	uint64_t top = (last->base + last->size - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	KASSERT_EQ(translate(&kernel_pt, PHYS_MAP_BASE + top, &pa), E_OK);
	KASSERT_EQ_U(pa, top);
}

KTEST(mm_stress_leaves_statistics_as_they_were)
{
	static uint64_t frames[256];
	static size_t counts[256];
	static void *objs[256];
	uint64_t seed = 12345;

	/*
	 * Warm up: every size class keeps one slab, which must not count as a
	 * leak; and more than a slab's worth allocated and freed in each, so that
	 * an empty slab kept beside a partial one from earlier work (a class
	 * keeps an empty slab while it is its only one) goes now, not during the
	 * stress.
	 */
	static void *warm[600];
	for (unsigned shift = 4; shift <= 10; shift++) {
		for (unsigned i = 0; i < 600; i++)
			warm[i] = kmalloc(1u << shift);
		for (unsigned i = 0; i < 600; i++)
			kfree(warm[i]);
	}
	pmm_drain_caches();
	struct memory_stats s0 = memory_stats();
	struct allocator_stats h0 = heap_stats();
	for (int round = 0; round < 20; round++) {
		for (unsigned i = 0; i < 256; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			counts[i] = 1 + (seed >> 33) % 24;
			KASSERT_EQ(allocate_frames(counts[i], ZONE_NORMAL, &frames[i]), E_OK);
			objs[i] = kmalloc(1 + (seed >> 40) % 3000);
			KASSERT(objs[i] != NULL);
		}
		for (unsigned i = 0; i < 256; i++) {
			KASSERT_EQ(free_frames(frames[i], counts[i]), E_OK);
			kfree(objs[i]);
		}
	}
	KASSERT_EQ(free_frames(frames[0], counts[0]), E_MEM_DOUBLE_FREE);
	pmm_drain_caches();
	struct memory_stats s1 = memory_stats();
	struct allocator_stats h1 = heap_stats();
	KASSERT_EQ(h1.current_allocated, h0.current_allocated);
	KASSERT_EQ(h1.allocation_count, h0.allocation_count + 20 * 256);
	KASSERT_EQ(s1.free_frames, s0.free_frames);
	KASSERT_EQ(s1.allocated_frames, s0.allocated_frames);
}
