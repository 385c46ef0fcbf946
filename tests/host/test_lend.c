/*
 * Page lending between user spaces (vmspace_lend/unlend) and physical
 * mappings: lent pages leave the lender and come back with their
 * contents, are refused twice and to munmap, and no space ever frees
 * frames it only borrows.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "hal_host.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "mm/vmspace.h"

#define HINT 0x100000000ul
#define RW   (PTE_WRITABLE | PTE_NO_EXECUTE)

static struct page_table kpt;

static void setup(void)
{
	cr_assert_eq(host_user_space_setup(&kpt), E_OK);
}

TestSuite(lend, .init = setup);

/* Warm the heap's slab for region records: it keeps its page afterwards. */
static void warm(void)
{
	struct vmspace vs;
	cr_assert_eq(vmspace_create(&vs, &kpt), E_OK);
	cr_assert_eq(vmspace_map(&vs, 0x400000, PAGE_SIZE, 0), E_OK);
	vmspace_destroy(&vs);
}

Test(lend, pages_leave_and_come_back_with_their_contents)
{
	struct vmspace a, b;
	cr_assert_eq(vmspace_create(&a, &kpt), E_OK);
	cr_assert_eq(vmspace_create(&b, &kpt), E_OK);
	uintptr_t va = 0x400000, to = 0;
	cr_assert_eq(vmspace_map(&a, va, 4 * PAGE_SIZE, RW), E_OK);
	cr_assert_eq(copy_to_user(&a, va + PAGE_SIZE, "lent", 5), E_OK);
	uint64_t pa_a, pa_b;
	cr_assert_eq(translate(&a.pt, va + PAGE_SIZE, &pa_a), E_OK);
	/* Lend the middle two pages, writable. */
	cr_assert_eq(vmspace_lend(&a, va + PAGE_SIZE, 2 * PAGE_SIZE, &b, HINT, true, &to), E_OK);
	cr_assert_geq(to, HINT);
	cr_assert_eq(translate(&b.pt, to, &pa_b), E_OK);
	cr_assert_eq(pa_b, pa_a, "the same frame");
	char buf[8];
	cr_assert_eq(copy_from_user(&b, buf, to, 5), E_OK);
	cr_assert_str_eq(buf, "lent");
	cr_assert_eq(copy_to_user(&b, to + PAGE_SIZE, "back", 5), E_OK);
	/* The lender cannot touch them; its other pages stay. */
	cr_assert_eq(copy_from_user(&a, buf, va + PAGE_SIZE, 1), E_MEM_BAD_ADDRESS);
	cr_assert_eq(copy_from_user(&a, buf, va + 2 * PAGE_SIZE, 1), E_MEM_BAD_ADDRESS);
	cr_assert_eq(copy_from_user(&a, buf, va, 1), E_OK);
	cr_assert_eq(copy_from_user(&a, buf, va + 3 * PAGE_SIZE, 1), E_OK);
	cr_assert_not_null(vmspace_region(&a, va + PAGE_SIZE), "the range stays reserved");
	cr_assert_eq(vmspace_find_free(&a, va, PAGE_SIZE), va + 4 * PAGE_SIZE);
	vmspace_unlend(&a, va + PAGE_SIZE, 2 * PAGE_SIZE, &b, to);
	cr_assert_neq(translate(&b.pt, to, &pa_b), E_OK, "gone from the borrower");
	cr_assert_null(vmspace_region(&b, to));
	cr_assert_eq(copy_from_user(&a, buf, va + 2 * PAGE_SIZE, 5), E_OK);
	cr_assert_str_eq(buf, "back");
	cr_assert_eq(copy_to_user(&a, va + PAGE_SIZE, "again", 6), E_OK, "writable again");
	/* The whole region unmaps as before. */
	cr_assert_eq(vmspace_unmap(&a, va, 4 * PAGE_SIZE), E_OK);
	vmspace_destroy(&a);
	vmspace_destroy(&b);
}

Test(lend, read_only_lend_cannot_be_written_by_the_borrower)
{
	struct vmspace a, b;
	cr_assert_eq(vmspace_create(&a, &kpt), E_OK);
	cr_assert_eq(vmspace_create(&b, &kpt), E_OK);
	uintptr_t va = 0x400000, to = 0, ro = 0x500000;
	cr_assert_eq(vmspace_map(&a, va, PAGE_SIZE, RW), E_OK);
	cr_assert_eq(vmspace_map(&a, ro, PAGE_SIZE, PTE_NO_EXECUTE), E_OK);
	cr_assert_eq(vmspace_lend(&a, va, PAGE_SIZE, &b, HINT, false, &to), E_OK);
	char c = 0;
	cr_assert_eq(copy_from_user(&b, &c, to, 1), E_OK);
	cr_assert_eq(copy_to_user(&b, to, &c, 1), E_MEM_BAD_ADDRESS);
	cr_assert_eq(vmspace_region(&b, to)->flags & PTE_WRITABLE, 0);
	/* Pages the lender cannot write are not lent writable. */
	uintptr_t to2 = 0;
	cr_assert_eq(vmspace_lend(&a, ro, PAGE_SIZE, &b, HINT, true, &to2), E_PERMISSION_DENIED);
	vmspace_unlend(&a, va, PAGE_SIZE, &b, to);
	vmspace_destroy(&a);
	vmspace_destroy(&b);
}

Test(lend, refused_twice_outside_and_to_munmap)
{
	struct vmspace a, b, c;
	cr_assert_eq(vmspace_create(&a, &kpt), E_OK);
	cr_assert_eq(vmspace_create(&b, &kpt), E_OK);
	cr_assert_eq(vmspace_create(&c, &kpt), E_OK);
	uintptr_t va = 0x400000, to = 0, to2 = 0;
	cr_assert_eq(vmspace_map(&a, va, 2 * PAGE_SIZE, RW), E_OK);
	cr_assert_eq(vmspace_lend(&a, va, PAGE_SIZE, &b, HINT, true, &to), E_OK);
	cr_assert_eq(vmspace_lend(&a, va, PAGE_SIZE, &c, HINT, false, &to2), E_MEM_BAD_ADDRESS,
		     "lent already");
	cr_assert_eq(vmspace_lend(&a, va, 2 * PAGE_SIZE, &c, HINT, false, &to2), E_MEM_BAD_ADDRESS,
		     "partly lent");
	cr_assert_eq(vmspace_lend(&a, va + PAGE_SIZE, 2 * PAGE_SIZE, &c, HINT, false, &to2),
		     E_MEM_BAD_ADDRESS, "runs past the region");
	cr_assert_eq(vmspace_lend(&a, 0x800000, PAGE_SIZE, &c, HINT, false, &to2),
		     E_MEM_BAD_ADDRESS, "not mapped");
	cr_assert_eq(vmspace_lend(&a, va + 1, PAGE_SIZE, &c, HINT, false, &to2), E_MEM_BAD_ADDRESS,
		     "unaligned");
	cr_assert_eq(vmspace_lend(&b, to, PAGE_SIZE, &c, HINT, false, &to2), E_MEM_BAD_ADDRESS,
		     "the borrower does not own them");
	cr_assert_eq(vmspace_unmap(&a, va, PAGE_SIZE), E_BUSY);
	cr_assert_eq(vmspace_unmap(&a, va, 2 * PAGE_SIZE), E_BUSY);
	cr_assert_eq(vmspace_unmap(&b, to, PAGE_SIZE), E_BUSY, "nor by the borrower");
	cr_assert_eq(vmspace_unmap(&a, va + PAGE_SIZE, PAGE_SIZE), E_OK, "the rest is free");
	vmspace_unlend(&a, va, PAGE_SIZE, &b, to);
	cr_assert_eq(vmspace_lend(&a, va, PAGE_SIZE, &c, HINT, false, &to2), E_OK, "back: again");
	vmspace_unlend(&a, va, PAGE_SIZE, &c, to2);
	vmspace_destroy(&a);
	vmspace_destroy(&b);
	vmspace_destroy(&c);
}

Test(lend, borrowers_never_free_what_they_borrow)
{
	warm();
	size_t before = host_free_frames();
	struct vmspace a, b;
	cr_assert_eq(vmspace_create(&a, &kpt), E_OK);
	cr_assert_eq(vmspace_create(&b, &kpt), E_OK);
	uintptr_t va = 0x400000, to = 0;
	cr_assert_eq(vmspace_map(&a, va, 8 * PAGE_SIZE, RW), E_OK);
	cr_assert_eq(copy_to_user(&a, va, "kept", 5), E_OK);
	cr_assert_eq(vmspace_lend(&a, va, 8 * PAGE_SIZE, &b, HINT, true, &to), E_OK);
	/* The borrower dies first (the IPC layer unlends first; its tables go). */
	vmspace_unlend(&a, va, 8 * PAGE_SIZE, &b, to);
	cr_assert_eq(vmspace_lend(&a, va, 8 * PAGE_SIZE, &b, HINT, true, &to), E_OK);
	size_t lent = host_free_frames();
	vmspace_destroy(&b); /* still borrowing: only b's tables may come back */
	size_t after_b = host_free_frames();
	cr_assert_lt(after_b - lent, 8, "b freed %zu frames: not the 8 lent", after_b - lent);
	/* Give them back to a through an empty stand-in for the dead borrower. */
	cr_assert_eq(vmspace_create(&b, &kpt), E_OK);
	vmspace_unlend(&a, va, 8 * PAGE_SIZE, &b, to);
	vmspace_destroy(&b);
	char buf[8];
	cr_assert_eq(copy_from_user(&a, buf, va, 5), E_OK);
	cr_assert_str_eq(buf, "kept", "the frame was not freed and reused");
	vmspace_destroy(&a);
	cr_assert_eq(host_free_frames(), before, "every frame and table back");
}

Test(lend, a_destroyed_lender_leaks_rather_than_frees_lent_frames)
{
	warm();
	struct vmspace a, b;
	cr_assert_eq(vmspace_create(&a, &kpt), E_OK);
	cr_assert_eq(vmspace_create(&b, &kpt), E_OK);
	uintptr_t va = 0x400000, to = 0;
	cr_assert_eq(vmspace_map(&a, va, 2 * PAGE_SIZE, RW), E_OK);
	cr_assert_eq(vmspace_lend(&a, va, 2 * PAGE_SIZE, &b, HINT, true, &to), E_OK);
	size_t before = host_free_frames();
	vmspace_destroy(&a); /* against the rule: the borrower still maps them */
	size_t after = host_free_frames();
	cr_assert_eq(copy_to_user(&b, to, "safe", 5), E_OK);
	cr_assert_lt(after - before, 8, "only a's tables came back");
	uint64_t pa;
	cr_assert_eq(translate(&b.pt, to, &pa), E_OK);
	cr_assert_eq(free_frames(pa / FRAME_SIZE, 1), E_OK, "still allocated: b may free it now");
	cr_assert_eq(translate(&b.pt, to + PAGE_SIZE, &pa), E_OK);
	cr_assert_eq(free_frames(pa / FRAME_SIZE, 1), E_OK);
	vmspace_destroy(&b);
}

Test(lend, map_phys_is_never_freed)
{
	warm();
	size_t before = host_free_frames();
	uint64_t frame;
	cr_assert_eq(allocate_frames(2, ZONE_NORMAL, &frame), E_OK);
	struct vmspace vs;
	cr_assert_eq(vmspace_create(&vs, &kpt), E_OK);
	uintptr_t va = 0x600000;
	uint64_t pa = frame * FRAME_SIZE;
	cr_assert_eq(vmspace_map_phys(&vs, va, pa, 2 * PAGE_SIZE, RW | PTE_CACHE_DISABLE), E_OK);
	cr_assert_eq(vmspace_map_phys(&vs, va + PAGE_SIZE, pa, PAGE_SIZE, RW),
		     E_MEM_ALREADY_MAPPED);
	cr_assert_eq(vmspace_map_phys(&vs, va + 0x10000, pa + 1, PAGE_SIZE, RW), E_MEM_BAD_ADDRESS);
	cr_assert_eq(vmspace_map_phys(&vs, va + 0x10000, pa, PAGE_SIZE, PTE_WRITABLE),
		     E_MEM_BAD_ADDRESS, "writable and executable");
	uint64_t got;
	unsigned flags;
	cr_assert_eq(pt_query(&vs.pt, va + PAGE_SIZE, &got, &flags, NULL), E_OK);
	cr_assert_eq(got, pa + PAGE_SIZE);
	cr_assert(flags & PTE_USER);
	cr_assert_eq(copy_to_user(&vs, va, "dev", 4), E_OK);
	cr_assert_eq(vmspace_unmap(&vs, va, PAGE_SIZE), E_OK);
	vmspace_destroy(&vs);
	cr_assert_str_eq((char *)phys_to_virt(pa), "dev", "the frame is still ours");
	cr_assert_eq(free_frames(frame, 2), E_OK, "and still allocated");
	cr_assert_eq(host_free_frames(), before);
}

/*
 * Random lends, gives back and unmaps over one lender and two borrowers
 * (fixed seed): every page keeps its tag wherever it is visible, unmaps of
 * lent ranges are E_BUSY, and every frame and table comes back at the end.
 */
#define PAGES 32
#define LENDS 8

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

struct lend_rec {
	bool live;
	unsigned first, n;
	struct vmspace *to;
	uintptr_t to_va;
};

/* The tag of lender page i is i + 1, written at its first byte; 0 when unmapped. */
static void check_lender(struct vmspace *a, uintptr_t base, const bool *mapped, const bool *lent)
{
	for (unsigned i = 0; i < PAGES; i++) {
		unsigned char tag = 0;
		int err = copy_from_user(a, &tag, base + i * PAGE_SIZE, 1);
		if (mapped[i] && !lent[i]) {
			cr_assert_eq(err, E_OK, "page %u", i);
			cr_assert_eq(tag, i + 1, "page %u", i);
		} else {
			cr_assert_eq(err, E_MEM_BAD_ADDRESS, "page %u lent or unmapped", i);
		}
	}
}

Test(lend, random_lends_keep_every_page_and_frame)
{
	warm();
	size_t before = host_free_frames();
	struct vmspace a, b[2];
	cr_assert_eq(vmspace_create(&a, &kpt), E_OK);
	cr_assert_eq(vmspace_create(&b[0], &kpt), E_OK);
	cr_assert_eq(vmspace_create(&b[1], &kpt), E_OK);
	uintptr_t base = 0x400000;
	bool mapped[PAGES], lent[PAGES] = {false};
	struct lend_rec rec[LENDS] = {{0}};
	unsigned lends = 0, busy = 0;
	cr_assert_eq(vmspace_map(&a, base, PAGES * PAGE_SIZE, RW), E_OK);
	for (unsigned i = 0; i < PAGES; i++) {
		unsigned char tag = (unsigned char)(i + 1);
		cr_assert_eq(copy_to_user(&a, base + i * PAGE_SIZE, &tag, 1), E_OK);
		mapped[i] = true;
	}
	for (int step = 0; step < 2000; step++) {
		unsigned first = rnd(PAGES), n = 1 + rnd(4), k = rnd(LENDS);
		if (first + n > PAGES)
			n = PAGES - first;
		bool any_lent = false, all_mapped = true;
		for (unsigned i = first; i < first + n; i++) {
			any_lent |= lent[i];
			all_mapped &= mapped[i];
		}
		uintptr_t va = base + first * PAGE_SIZE;
		switch (rnd(3)) {
		case 0: /* lend */
			if (rec[k].live)
				break;
			struct vmspace *to = &b[rnd(2)];
			uintptr_t to_va = 0;
			int err = vmspace_lend(&a, va, n * PAGE_SIZE, to, HINT, rnd(2), &to_va);
			cr_assert_eq(err, !any_lent && all_mapped ? E_OK : E_MEM_BAD_ADDRESS);
			if (err)
				break;
			rec[k] = (struct lend_rec){true, first, n, to, to_va};
			lends++;
			for (unsigned i = first; i < first + n; i++) {
				unsigned char tag = 0;
				lent[i] = true;
				cr_assert_eq(
				    copy_from_user(to, &tag, to_va + (i - first) * PAGE_SIZE, 1),
				    E_OK);
				cr_assert_eq(tag, i + 1);
			}
			break;
		case 1: /* give back */
			if (!rec[k].live)
				break;
			vmspace_unlend(&a, base + rec[k].first * PAGE_SIZE, rec[k].n * PAGE_SIZE,
				       rec[k].to, rec[k].to_va);
			cr_assert_null(vmspace_region(rec[k].to, rec[k].to_va));
			for (unsigned i = rec[k].first; i < rec[k].first + rec[k].n; i++)
				lent[i] = false;
			rec[k].live = false;
			break;
		default: { /* unmap, and map again with the same tags */
			int err = vmspace_unmap(&a, va, n * PAGE_SIZE);
			cr_assert_eq(err, !all_mapped ? E_MEM_NOT_MAPPED
					  : any_lent  ? E_BUSY
						      : E_OK);
			busy += err == E_BUSY;
			if (err) {
				if (all_mapped)
					break;
				/* Fill the holes back in, page by page. */
				for (unsigned i = first; i < first + n; i++) {
					if (mapped[i])
						continue;
					unsigned char tag = (unsigned char)(i + 1);
					cr_assert_eq(
					    vmspace_map(&a, base + i * PAGE_SIZE, PAGE_SIZE, RW),
					    E_OK);
					cr_assert_eq(
					    copy_to_user(&a, base + i * PAGE_SIZE, &tag, 1), E_OK);
					mapped[i] = true;
				}
				break;
			}
			for (unsigned i = first; i < first + n; i++)
				mapped[i] = false;
		}
		}
		check_lender(&a, base, mapped, lent);
	}
	cr_assert_gt(lends, 100, "%u lends", lends);
	cr_assert_gt(busy, 50, "%u unmaps refused", busy);
	for (unsigned k = 0; k < LENDS; k++)
		if (rec[k].live)
			vmspace_unlend(&a, base + rec[k].first * PAGE_SIZE, rec[k].n * PAGE_SIZE,
				       rec[k].to, rec[k].to_va);
	vmspace_destroy(&b[0]);
	vmspace_destroy(&b[1]);
	vmspace_destroy(&a);
	cr_assert_eq(host_free_frames(), before, "every frame and table back");
}
