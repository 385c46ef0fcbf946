/*
 * User address spaces and user copies against simulated physical memory:
 * the kernel half is shared, regions map zeroed frames, unmaps split
 * regions and give every frame back, and copies check each page's rights.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "hal_host.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "mm/vmspace.h"

#define KVA 0xffff800000000000ull /* a kernel-half address on every format */

static struct page_table kpt;

static void setup(void)
{
	cr_assert_eq(host_user_space_setup(&kpt), E_OK);
}

TestSuite(vmspace, .init = setup);

Test(vmspace, kernel_half_is_shared_and_kept_in_step)
{
	struct vmspace vs;
	uint64_t pa;
	cr_assert_eq(vmspace_create(&vs, &kpt), E_OK);
	cr_assert_eq(translate(&vs.pt, KVA, &pa), E_OK);
	cr_assert_eq(pa, 0x200000);
	/* A new kernel root entry reaches the space at its next sync. */
	uintptr_t far = 0xffffff8000000000ull;
	cr_assert_eq(map_page(&kpt, far, 0x300000, PTE_PRESENT), E_OK);
	cr_assert_neq(translate(&vs.pt, far, &pa), E_OK);
	vmspace_sync(&vs);
	cr_assert_eq(translate(&vs.pt, far, &pa), E_OK);
	vmspace_destroy(&vs);
	/* The kernel's tables survive the space. */
	cr_assert_eq(translate(&kpt, KVA, &pa), E_OK);
}

Test(vmspace, map_unmap_split_and_frames_come_back)
{
	struct vmspace vs;
	/* Warm the heap's slab for region records first: it keeps its page. */
	cr_assert_eq(vmspace_create(&vs, &kpt), E_OK);
	cr_assert_eq(vmspace_map(&vs, 0x400000, PAGE_SIZE, 0), E_OK);
	vmspace_destroy(&vs);
	size_t before = host_free_frames();
	cr_assert_eq(vmspace_create(&vs, &kpt), E_OK);
	uintptr_t va = 0x400000;
	cr_assert_eq(vmspace_map(&vs, va, 4 * PAGE_SIZE, PTE_WRITABLE | PTE_NO_EXECUTE), E_OK);
	cr_assert_eq(vs.mapped, 4 * PAGE_SIZE);
	cr_assert_eq(vmspace_map(&vs, va + PAGE_SIZE, PAGE_SIZE, 0), E_MEM_ALREADY_MAPPED);
	cr_assert_eq(vmspace_map(&vs, va - PAGE_SIZE, 2 * PAGE_SIZE, 0), E_MEM_ALREADY_MAPPED);
	cr_assert_eq(vmspace_map(&vs, 0x1000, PAGE_SIZE, 0),
		     E_MEM_BAD_ADDRESS); /* below USER_BASE */
	cr_assert_eq(vmspace_map(&vs, va + 0x10000, 100, 0), E_MEM_BAD_ADDRESS); /* unaligned */
	cr_assert_eq(vmspace_map(&vs, USER_TOP - PAGE_SIZE, 2 * PAGE_SIZE, 0), E_MEM_BAD_ADDRESS);
	cr_assert_eq(vmspace_map(&vs, va + 0x10000, PAGE_SIZE, PTE_WRITABLE), E_MEM_BAD_ADDRESS,
		     "writable and executable");
	/* Punch the middle out: two regions remain. */
	cr_assert_eq(vmspace_unmap(&vs, va + PAGE_SIZE, 2 * PAGE_SIZE), E_OK);
	cr_assert_not_null(vmspace_region(&vs, va));
	cr_assert_null(vmspace_region(&vs, va + PAGE_SIZE));
	cr_assert_not_null(vmspace_region(&vs, va + 3 * PAGE_SIZE));
	cr_assert_eq(vmspace_unmap(&vs, va, 2 * PAGE_SIZE), E_MEM_NOT_MAPPED, "a hole inside");
	cr_assert_eq(vmspace_find_free(&vs, va, PAGE_SIZE), va + PAGE_SIZE);
	cr_assert_eq(vmspace_find_free(&vs, va, 3 * PAGE_SIZE), va + 4 * PAGE_SIZE);
	cr_assert_eq(vs.mapped, 2 * PAGE_SIZE);
	cr_assert_eq(vs.peak, 4 * PAGE_SIZE);
	vmspace_destroy(&vs);
	cr_assert_eq(host_free_frames(), before, "every frame and table back");
}

Test(vmspace, user_copies_check_every_page)
{
	struct vmspace vs;
	char buf[3 * PAGE_SIZE];
	cr_assert_eq(vmspace_create(&vs, &kpt), E_OK);
	uintptr_t rw = 0x800000, ro = rw + 2 * PAGE_SIZE;
	cr_assert_eq(vmspace_map(&vs, rw, 2 * PAGE_SIZE, PTE_WRITABLE | PTE_NO_EXECUTE), E_OK);
	cr_assert_eq(vmspace_map(&vs, ro, PAGE_SIZE, PTE_NO_EXECUTE), E_OK);
	memset(buf, 'x', sizeof(buf));
	/* Across the page boundary of the writable pages. */
	cr_assert_eq(copy_to_user(&vs, rw + PAGE_SIZE - 10, buf, 20), E_OK);
	char back[20];
	cr_assert_eq(copy_from_user(&vs, back, rw + PAGE_SIZE - 10, 20), E_OK);
	cr_assert_eq(memcmp(back, buf, 20), 0);
	/* Read-only: reads work, writes do not (and leave the first page untouched). */
	cr_assert_eq(copy_from_user(&vs, back, ro, 20), E_OK);
	cr_assert_eq(copy_to_user(&vs, ro, buf, 1), E_MEM_BAD_ADDRESS);
	cr_assert_eq(vmspace_poke(&vs, ro, "hi", 2), E_OK, "the loader may write it");
	cr_assert_eq(copy_from_user(&vs, back, ro, 2), E_OK);
	cr_assert_eq(memcmp(back, "hi", 2), 0);
	/* Off the end, unmapped, kernel half, wrapping: refused. */
	cr_assert_eq(copy_from_user(&vs, buf, ro + PAGE_SIZE - 4, 8), E_MEM_BAD_ADDRESS);
	cr_assert_eq(copy_from_user(&vs, buf, 0x10000, 8), E_MEM_BAD_ADDRESS);
	cr_assert_eq(copy_from_user(&vs, buf, KVA, 8), E_MEM_BAD_ADDRESS);
	cr_assert_eq(copy_from_user(&vs, buf, UINTPTR_MAX - 4, 8), E_MEM_BAD_ADDRESS);
	cr_assert_eq(copy_from_user(&vs, buf, 0, 0), E_OK, "nothing to copy");
	vmspace_destroy(&vs);
}
