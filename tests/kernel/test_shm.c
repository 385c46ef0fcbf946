/*
 * Shared regions and copy-on-write on the real machine: the fault bits
 * the copy-on-write path relies on, from every arch's decoder, and every
 * frame and heap byte back after a process has used regions of every kind.
 */
#include "core/init.h"
#include "core/trap.h"
#include "mm/heap.h"
#include "mm/kvm.h"
#include "mm/pmm.h"
#include "tests/kernel/ktest.h"

KTEST(shm_fault_bits_of_a_write_to_a_read_only_page)
{
	uint64_t frame;
	volatile uint64_t *p = (volatile uint64_t *)KVM_SCRATCH_VA;
	KASSERT_EQ(allocate_frames(1, ZONE_NORMAL, &frame), E_OK);
	KASSERT_EQ(
	    map_page(&kernel_pt, KVM_SCRATCH_VA, frame * FRAME_SIZE, PTE_PRESENT | PTE_NO_EXECUTE),
	    E_OK);
	(void)*p;
	trap_expect(TRAP_PAGE_FAULT);
	*p = 1;
	KASSERT(trap_expect_done());
	KASSERT_EQ_U(trap_last()->addr, KVM_SCRATCH_VA);
	KASSERT_EQ_U(trap_last()->cause & (FAULT_WRITE | FAULT_PRESENT),
		     FAULT_WRITE | FAULT_PRESENT);
	/* Not mapped: a write without FAULT_PRESENT. */
	KASSERT_EQ(unmap_page(&kernel_pt, KVM_SCRATCH_VA, NULL), E_OK);
	trap_expect(TRAP_PAGE_FAULT);
	*p = 1;
	KASSERT(trap_expect_done());
	KASSERT_EQ_U(trap_last()->cause & (FAULT_WRITE | FAULT_PRESENT), FAULT_WRITE);
	KASSERT_EQ(free_frames(frame, 1), E_OK);
}

/*
 * The in-place leaf changes lending and copy-on-write use, on the real MMU:
 * a parked page faults and comes back with its contents; a leaf made
 * read-only faults on the next write (the TLB was flushed), and writable
 * again takes writes.
 */
KTEST(shm_parked_and_downgraded_leaves_on_the_real_mmu)
{
	uint64_t frame, pa;
	volatile uint64_t *p = (volatile uint64_t *)KVM_SCRATCH_VA;
	unsigned rw = PTE_PRESENT | PTE_WRITABLE | PTE_NO_EXECUTE;
	KASSERT_EQ(allocate_frames(1, ZONE_NORMAL, &frame), E_OK);
	KASSERT_EQ(map_page(&kernel_pt, KVM_SCRATCH_VA, frame * FRAME_SIZE, rw), E_OK);
	*p = 0x1e4d;
	KASSERT_EQ(pt_park(&kernel_pt, KVM_SCRATCH_VA, &pa), E_OK);
	KASSERT_EQ_U(pa, frame * FRAME_SIZE);
	trap_expect(TRAP_PAGE_FAULT);
	(void)*p;
	KASSERT(trap_expect_done());
	KASSERT_EQ(trap_last()->cause & FAULT_PRESENT, 0);
	KASSERT_EQ(translate(&kernel_pt, KVM_SCRATCH_VA, &pa), E_MEM_NOT_MAPPED);
	KASSERT_EQ(pt_unpark(&kernel_pt, KVM_SCRATCH_VA), E_OK);
	KASSERT_EQ_U(*p, 0x1e4d);
	/* Downgrade: the old writable translation must not survive in the TLB. */
	KASSERT_EQ(pt_set_leaf(&kernel_pt, KVM_SCRATCH_VA, frame * FRAME_SIZE,
			       PTE_PRESENT | PTE_NO_EXECUTE),
		   E_OK);
	trap_expect(TRAP_PAGE_FAULT);
	*p = 2;
	KASSERT(trap_expect_done());
	KASSERT_EQ_U(*p, 0x1e4d);
	KASSERT_EQ(pt_set_leaf(&kernel_pt, KVM_SCRATCH_VA, frame * FRAME_SIZE, rw), E_OK);
	*p = 3;
	KASSERT_EQ_U(*p, 3);
	KASSERT_EQ(unmap_page(&kernel_pt, KVM_SCRATCH_VA, NULL), E_OK);
	KASSERT_EQ(free_frames(frame, 1), E_OK);
}

KTEST(shm_memory_comes_back)
{
	struct process_exit_info info;
	ktest_child_leaves_no_trace("shm_churn", &info);
	KASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	KASSERT_EQ(info.exit_code, 0);
	KASSERT(info.usage.page_faults >= 4); /* its copy-on-write breaks */
}
