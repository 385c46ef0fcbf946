/*
 * Shared regions at the vmspace level: mappings and capabilities hold
 * references and the last one frees every frame; Move unmaps the sender's
 * mappings and revokes its capabilities; CopyOnWrite pages start shared
 * read-only and are copied for the writer, through vmspace_fault() (the
 * trap path) or copy_to_user().
 */
#include <criterion/criterion.h>
#include <string.h>

#include "arch/hal/trap.h"
#include "cap/cap.h"
#include "hal_host.h"
#include "include/abi/syscall.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/shm.h"
#include "mm/uaccess.h"
#include "mm/vmspace.h"

#define VA 0x100000000ul
#define VB 0x200000000ul
#define RW (PROT_READ | PROT_WRITE)
#define WF (FAULT_WRITE | FAULT_USER | FAULT_PRESENT)

static struct page_table kpt;
static struct vmspace a, b;

static void setup(void)
{
	cr_assert_eq(host_user_space_setup(&kpt), E_OK);
	cap_system_init();
	cr_assert_eq(vmspace_create(&a, &kpt), E_OK);
	cr_assert_eq(vmspace_create(&b, &kpt), E_OK);
}

TestSuite(shm, .init = setup);

/* Free frames, plus the tables a and b hold (their roots live from setup on). */
static size_t free_now(void)
{
	return host_free_frames() + a.pt.tables + b.pt.tables;
}

/* Warm the heap's slabs for the records a test uses: they keep their pages. */
static void warm(void)
{
	for (size_t pages = 1; pages <= 4; pages++) { /* page arrays of each slab class used */
		struct shm *s;
		cr_assert_eq(shm_create(pages * PAGE_SIZE, RW, &s), E_OK);
		cr_assert_eq(vmspace_map_shm(&a, VA, s, true), E_OK);
		shm_put(s);
		cr_assert_eq(vmspace_unmap(&a, VA, pages * PAGE_SIZE), E_OK);
	}
}

static bool writable(struct vmspace *vs, uintptr_t va)
{
	unsigned flags = 0;
	cr_assert_eq(pt_query(&vs->pt, va, NULL, &flags, NULL), E_OK);
	return flags & PTE_WRITABLE;
}

static uint64_t frame_of(struct vmspace *vs, uintptr_t va)
{
	uint64_t pa = 0;
	cr_assert_eq(translate(&vs->pt, va, &pa), E_OK);
	return pa;
}

static void peek(struct vmspace *vs, uintptr_t va, const char *want)
{
	char buf[16] = {0};
	cr_assert_eq(copy_from_user(vs, buf, va, strlen(want) + 1), E_OK);
	cr_assert_str_eq(buf, want);
}

Test(shm, create_checks_its_arguments)
{
	struct shm *s = NULL;
	cr_assert_eq(shm_create(0, RW, &s), E_INVALID_PARAMETER);
	cr_assert_eq(shm_create(SHM_MAX_SIZE + 1, RW, &s), E_INVALID_PARAMETER);
	cr_assert_eq(shm_create(PAGE_SIZE, 0, &s), E_INVALID_PARAMETER);
	cr_assert_eq(shm_create(PAGE_SIZE, PROT_EXEC | PROT_READ, &s), E_INVALID_PARAMETER);
	cr_assert_eq(shm_create(100, PROT_READ, &s), E_OK);
	cr_assert_eq(s->pages, 1, "rounded up to a page");
	cr_assert_eq(vmspace_map_shm(&a, VA + 1, s, false), E_MEM_BAD_ADDRESS);
	cr_assert_eq(vmspace_map_shm(&a, VA, s, true), E_PERMISSION_DENIED, "a read-only region");
	cr_assert_eq(vmspace_map_shm(&a, VA, s, false), E_OK);
	cr_assert_eq(vmspace_map_shm(&a, VA, s, false), E_MEM_ALREADY_MAPPED);
	cr_assert_eq(s->refs, 2);
	shm_put(s);
	vmspace_destroy(&a);
	vmspace_destroy(&b);
}

Test(shm, mappings_share_frames_and_the_last_reference_frees_them)
{
	warm();
	size_t before = free_now();
	struct shm *s;
	cr_assert_eq(shm_create(3 * PAGE_SIZE, RW, &s), E_OK);
	uint64_t id = s->id;
	cr_assert_eq(vmspace_map_shm(&a, VA, s, true), E_OK);
	cr_assert_eq(vmspace_map_shm(&b, VB, s, false), E_OK);
	cr_assert_eq(s->refs, 3, "the creator's and two mappings");
	cr_assert_eq(copy_to_user(&a, VA + PAGE_SIZE, "shared", 7), E_OK);
	peek(&b, VB + PAGE_SIZE, "shared");
	cr_assert_eq(frame_of(&a, VA + 2 * PAGE_SIZE), frame_of(&b, VB + 2 * PAGE_SIZE));
	cr_assert_eq(copy_to_user(&b, VB, "no", 3), E_MEM_BAD_ADDRESS, "b maps it read-only");
	cr_assert_eq(vmspace_fault(&b, VB, WF), E_MEM_BAD_ADDRESS,
		     "and no fault makes it writable");
	shm_put(s);
	/* Punch out the middle of a's mapping: two records, a reference each. */
	cr_assert_eq(vmspace_unmap(&a, VA + PAGE_SIZE, PAGE_SIZE), E_OK);
	cr_assert_eq(s->refs, 3);
	cr_assert_eq(copy_to_user(&a, VA + 2 * PAGE_SIZE, "tail", 5), E_OK);
	peek(&b, VB + 2 * PAGE_SIZE, "tail");
	cr_assert_eq(vmspace_unmap(&a, VA, PAGE_SIZE), E_OK);
	cr_assert_eq(vmspace_unmap(&a, VA + 2 * PAGE_SIZE, PAGE_SIZE), E_OK);
	cr_assert_eq(s->refs, 1);
	peek(&b, VB + PAGE_SIZE, "shared");
	cr_assert_eq(vmspace_unmap(&b, VB, 3 * PAGE_SIZE), E_OK);
	cr_assert_null(shm_find(id), "the last mapping freed it");
	vmspace_destroy(&a);
	vmspace_destroy(&b);
	cr_assert_eq(free_now(), before, "every frame and table back");
}

Test(shm, capabilities_hold_references)
{
	warm();
	size_t before = free_now();
	struct cap_space ca, cb;
	struct capability c, g;
	cap_space_init(&ca, 1);
	cap_space_init(&cb, 2);
	struct shm *s;
	cr_assert_eq(shm_create(2 * PAGE_SIZE, RW, &s), E_OK);
	uint64_t id = s->id;
	cr_assert_eq(create_capability(&ca, OBJ_SHARED_REGION, id, RIGHTS_ALL, &c), E_OK);
	cr_assert_eq(grant_capability(&ca, c.token, &cb, RIGHT_READ | RIGHT_MAP, &g), E_OK);
	cr_assert_eq(s->refs, 3);
	shm_put(s);
	cr_assert_eq(vmspace_map_shm(&b, VB, s, false), E_OK);
	/* Revoking the root takes the granted child too; b's mapping still holds it. */
	cr_assert_eq(revoke_capability(&ca, c.token), E_OK);
	cr_assert_eq(validate_capability(&cb, g.token, 0, NULL), E_INVALID_CAPABILITY);
	cr_assert_not_null(shm_find(id));
	vmspace_destroy(&b);
	cr_assert_null(shm_find(id));
	/* A space's destruction drops its capabilities' references too. */
	cr_assert_eq(shm_create(PAGE_SIZE, RW, &s), E_OK);
	id = s->id;
	cr_assert_eq(create_capability(&cb, OBJ_SHARED_REGION, id, RIGHTS_ALL, &c), E_OK);
	shm_put(s);
	cr_assert_not_null(shm_find(id));
	cap_space_destroy(&cb);
	cr_assert_null(shm_find(id));
	cap_space_destroy(&ca);
	vmspace_destroy(&a);
	cr_assert_eq(free_now(), before);
}

Test(shm, move_unmaps_and_revokes_only_the_sender)
{
	struct cap_space ca, cb;
	struct capability c, d, m;
	cap_space_init(&ca, 1);
	cap_space_init(&cb, 2);
	struct shm *s;
	cr_assert_eq(shm_create(2 * PAGE_SIZE, RW, &s), E_OK);
	cr_assert_eq(create_capability(&ca, OBJ_SHARED_REGION, s->id, RIGHTS_ALL, &c), E_OK);
	cr_assert_eq(derive_capability(&ca, c.token, RIGHT_READ, &d), E_OK);
	cr_assert_eq(vmspace_map_shm(&a, VA, s, true), E_OK);
	cr_assert_eq(vmspace_map_shm(&a, VA + 0x100000, s, false), E_OK);
	cr_assert_eq(copy_to_user(&a, VA, "moved", 6), E_OK);
	shm_put(s);
	/* What SYS_SHARED_REGION_TRANSFER does for Move. */
	cr_assert_eq(create_capability(&cb, OBJ_SHARED_REGION, s->id, c.rights, &m), E_OK);
	shm_unmap_all(s, &a);
	cap_revoke_object(&ca, OBJ_SHARED_REGION, s->id);
	cr_assert_null(vmspace_region(&a, VA));
	cr_assert_null(vmspace_region(&a, VA + 0x100000));
	cr_assert_neq(translate(&a.pt, VA, NULL), E_OK);
	cr_assert_eq(validate_capability(&ca, c.token, 0, NULL), E_INVALID_CAPABILITY);
	cr_assert_eq(validate_capability(&ca, d.token, 0, NULL), E_INVALID_CAPABILITY);
	cr_assert_eq(s->refs, 1, "only the target's capability");
	cr_assert_eq(vmspace_map_shm(&b, VB, s, true), E_OK);
	peek(&b, VB, "moved");
	vmspace_destroy(&b);
	cap_space_destroy(&cb);
	cap_space_destroy(&ca);
	vmspace_destroy(&a);
}

Test(shm, copy_on_write_through_the_fault_path)
{
	warm();
	size_t before = free_now();
	struct shm *s, *c;
	cr_assert_eq(shm_create(2 * PAGE_SIZE, RW, &s), E_OK);
	cr_assert_eq(vmspace_map_shm(&a, VA, s, true), E_OK);
	cr_assert_eq(copy_to_user(&a, VA, "orig", 5), E_OK);
	cr_assert_eq(copy_to_user(&a, VA + PAGE_SIZE, "two", 4), E_OK);
	cr_assert(writable(&a, VA));
	cr_assert_eq(shm_cow(s, &c), E_OK);
	cr_assert_eq(vmspace_map_shm(&b, VB, c, true), E_OK);
	/* Shared, read-only on both sides. */
	cr_assert_eq(shm_shares(s, 0), 2);
	cr_assert_not(writable(&a, VA), "the source lost write access");
	cr_assert_not(writable(&b, VB));
	cr_assert_eq(frame_of(&a, VA), frame_of(&b, VB));
	peek(&b, VB, "orig");
	uint64_t old = frame_of(&a, VA);
	/* Reads and wrong faults resolve nothing. */
	cr_assert_eq(vmspace_fault(&a, VA, FAULT_READ | FAULT_USER), E_MEM_BAD_ADDRESS);
	cr_assert_eq(vmspace_fault(&a, VA + 4 * PAGE_SIZE, WF), E_MEM_BAD_ADDRESS);
	/* The source writes first: it gets a copy, the target keeps the frame. */
	cr_assert_eq(vmspace_fault(&a, VA + 8, WF), E_OK);
	cr_assert(writable(&a, VA));
	cr_assert_neq(frame_of(&a, VA), old);
	cr_assert_eq(frame_of(&b, VB), old);
	cr_assert_eq(shm_shares(s, 0), 1);
	cr_assert_eq(shm_shares(c, 0), 1);
	cr_assert_eq(copy_to_user(&a, VA, "AAAA", 5), E_OK);
	peek(&b, VB, "orig");
	/* The target's page is its own now: a write just makes it writable, no copy. */
	cr_assert_not(writable(&b, VB));
	cr_assert_eq(vmspace_fault(&b, VB, WF), E_OK);
	cr_assert(writable(&b, VB));
	cr_assert_eq(frame_of(&b, VB), old);
	cr_assert_eq(copy_to_user(&b, VB, "BBBB", 5), E_OK);
	peek(&a, VA, "AAAA");
	/* The second page: still shared by both. */
	cr_assert_eq(shm_shares(c, 1), 2);
	cr_assert_eq(frame_of(&a, VA + PAGE_SIZE), frame_of(&b, VB + PAGE_SIZE));
	shm_put(s);
	shm_put(c);
	vmspace_destroy(&a);
	vmspace_destroy(&b);
	cr_assert_eq(free_now(), before, "copies and shared frames all back");
}

Test(shm, copy_on_write_through_copy_to_user)
{
	warm();
	size_t before = free_now();
	struct shm *s, *c;
	cr_assert_eq(shm_create(2 * PAGE_SIZE, RW, &s), E_OK);
	cr_assert_eq(vmspace_map_shm(&a, VA, s, true), E_OK);
	cr_assert_eq(copy_to_user(&a, VA + PAGE_SIZE - 2, "span", 5), E_OK);
	cr_assert_eq(shm_cow(s, &c), E_OK);
	cr_assert_eq(vmspace_map_shm(&b, VB, c, true), E_OK);
	uintptr_t vr = VB + 0x100000;
	cr_assert_eq(vmspace_map_shm(&b, vr, c, false), E_OK);
	/* A kernel write across both pages of the target copies both, for it alone. */
	cr_assert_eq(user_range_ok(&b, VB + PAGE_SIZE - 2, 5, true), E_OK);
	cr_assert_eq(copy_to_user(&b, VB + PAGE_SIZE - 2, "copy", 5), E_OK);
	cr_assert_eq(shm_shares(c, 0), 1);
	cr_assert_eq(shm_shares(c, 1), 1);
	char buf[8];
	cr_assert_eq(copy_from_user(&a, buf, VA + PAGE_SIZE - 2, 5), E_OK);
	cr_assert_str_eq(buf, "span");
	/* Every mapping of the target's object sees its copy; the read-only one stays so. */
	cr_assert_eq(copy_from_user(&b, buf, vr + PAGE_SIZE - 2, 5), E_OK);
	cr_assert_str_eq(buf, "copy");
	cr_assert_eq(frame_of(&b, vr), frame_of(&b, VB));
	cr_assert_not(writable(&b, vr));
	cr_assert_eq(copy_to_user(&b, vr, "x", 1), E_MEM_BAD_ADDRESS);
	/* The source's pages are no longer shared: its next kernel write needs no copy. */
	uint64_t pa = frame_of(&a, VA);
	cr_assert_eq(copy_to_user(&a, VA, "src", 4), E_OK);
	cr_assert_eq(frame_of(&a, VA), pa);
	shm_put(s);
	shm_put(c);
	vmspace_destroy(&a);
	vmspace_destroy(&b);
	cr_assert_eq(free_now(), before);
}

Test(shm, partial_unmaps_keep_each_record_on_its_pages)
{
	struct shm *s, *c;
	cr_assert_eq(shm_create(3 * PAGE_SIZE, RW, &s), E_OK);
	cr_assert_eq(vmspace_map_shm(&a, VA, s, true), E_OK);
	cr_assert_eq(vmspace_map_shm(&b, VB, s, false), E_OK);
	/* a keeps pages 1 and 2, at VA + PAGE_SIZE...: its record starts at page 1. */
	cr_assert_eq(vmspace_unmap(&a, VA, PAGE_SIZE), E_OK);
	cr_assert_eq(vmspace_region(&a, VA + PAGE_SIZE)->first, 1);
	cr_assert_eq(shm_cow(s, &c), E_OK);
	uint64_t shared = frame_of(&b, VB + 2 * PAGE_SIZE);
	/* A write at a's VA + 2 pages is page 2 of s: b (same object) follows to the copy. */
	cr_assert_eq(vmspace_fault(&a, VA + 2 * PAGE_SIZE, WF), E_OK);
	cr_assert_neq(frame_of(&a, VA + 2 * PAGE_SIZE), shared);
	cr_assert_eq(frame_of(&b, VB + 2 * PAGE_SIZE), frame_of(&a, VA + 2 * PAGE_SIZE));
	cr_assert_not(writable(&b, VB + 2 * PAGE_SIZE), "b maps s read-only");
	cr_assert_eq(shm_shares(c, 2), 1);
	cr_assert_eq(shm_shares(s, 1), 2, "page 1 untouched");
	cr_assert_not(writable(&a, VA + PAGE_SIZE));
	shm_put(s);
	shm_put(c);
	vmspace_destroy(&a);
	vmspace_destroy(&b);
}

Test(shm, a_region_is_never_lent)
{
	struct shm *s;
	uintptr_t to;
	cr_assert_eq(shm_create(PAGE_SIZE, RW, &s), E_OK);
	cr_assert_eq(vmspace_map_shm(&a, VA, s, true), E_OK);
	cr_assert_eq(vmspace_lend(&a, VA, PAGE_SIZE, &b, VB, true, &to), E_MEM_BAD_ADDRESS);
	shm_put(s);
	vmspace_destroy(&a);
	vmspace_destroy(&b);
}

/*
 * Random creates, maps, unmaps, copy-on-write copies, writes (through
 * vmspace_fault or copy_to_user) and drops over two spaces (fixed seed),
 * against a model of each object's contents: every mapping always reads
 * its object's bytes, a write changes only its own object, objects die
 * with their last reference, and every frame comes back.
 */
#define OBJS  6
#define MAPS  12
#define NPAGE 3

static uint64_t rng = 0x2545f4914f6cdd1dull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

struct obj_model {
	struct shm *shm;
	uint64_t id;
	bool held; /* our creation reference not yet dropped */
	unsigned maps;
	unsigned char content[NPAGE];
};

struct map_model {
	bool live, writable;
	struct vmspace *vs;
	uintptr_t va;
	unsigned obj;
};

static void check_all(struct obj_model *o, struct map_model *m)
{
	for (unsigned k = 0; k < MAPS; k++)
		for (unsigned p = 0; m[k].live && p < NPAGE; p++) {
			unsigned char c = 0xff;
			cr_assert_eq(copy_from_user(m[k].vs, &c, m[k].va + p * PAGE_SIZE, 1), E_OK);
			cr_assert_eq(c, o[m[k].obj].content[p], "map %u page %u", k, p);
		}
	for (unsigned i = 0; i < OBJS; i++)
		if (o[i].id && !o[i].held && !o[i].maps)
			cr_assert_null(shm_find(o[i].id), "object %u outlived its references", i);
}

Test(shm, random_sharing_matches_a_model)
{
	warm();
	size_t before = free_now();
	struct obj_model o[OBJS] = {{0}};
	struct map_model m[MAPS] = {{0}};
	struct vmspace *spaces[2] = {&a, &b};
	unsigned copies = 0, breaks = 0;
	for (int step = 0; step < 3000; step++) {
		unsigned i = rnd(OBJS), k = rnd(MAPS), p = rnd(NPAGE);
		bool alive = o[i].id && (o[i].held || o[i].maps);
		switch (rnd(6)) {
		case 0: /* create, or copy-on-write from a live object */
			if (alive)
				break;
			unsigned src = rnd(OBJS);
			if (o[src].id && (o[src].held || o[src].maps) && rnd(2)) {
				cr_assert_eq(shm_cow(o[src].shm, &o[i].shm), E_OK);
				memcpy(o[i].content, o[src].content, NPAGE);
				copies++;
			} else {
				cr_assert_eq(shm_create(NPAGE * PAGE_SIZE, RW, &o[i].shm), E_OK);
				memset(o[i].content, 0, NPAGE);
			}
			o[i].id = o[i].shm->id;
			o[i].held = true;
			o[i].maps = 0;
			break;
		case 1: /* map */
			if (!alive || m[k].live)
				break;
			m[k] = (struct map_model){true, rnd(2), spaces[rnd(2)], 0, i};
			m[k].va = vmspace_find_free(m[k].vs, VA, NPAGE * PAGE_SIZE);
			cr_assert_eq(vmspace_map_shm(m[k].vs, m[k].va, o[i].shm, m[k].writable),
				     E_OK);
			o[i].maps++;
			break;
		case 2: /* unmap */
			if (!m[k].live)
				break;
			cr_assert_eq(vmspace_unmap(m[k].vs, m[k].va, NPAGE * PAGE_SIZE), E_OK);
			m[k].live = false;
			o[m[k].obj].maps--;
			break;
		case 3: /* drop the creation reference */
			if (!alive || !o[i].held)
				break;
			o[i].held = false;
			shm_put(o[i].shm);
			break;
		default: { /* write a page through a mapping */
			if (!m[k].live)
				break;
			unsigned char v = (unsigned char)(1 + rnd(250));
			uintptr_t va = m[k].va + p * PAGE_SIZE;
			if (!m[k].writable) {
				cr_assert_eq(copy_to_user(m[k].vs, va, &v, 1), E_MEM_BAD_ADDRESS);
				cr_assert_eq(vmspace_fault(m[k].vs, va, WF), E_MEM_BAD_ADDRESS);
				break;
			}
			if (!writable(m[k].vs, va)) {
				breaks++;
				if (rnd(2)) /* as the trap path would, then the user's store */
					cr_assert_eq(vmspace_fault(m[k].vs, va, WF), E_OK);
			}
			cr_assert_eq(copy_to_user(m[k].vs, va, &v, 1), E_OK);
			o[m[k].obj].content[p] = v;
		}
		}
		check_all(o, m);
	}
	cr_assert_gt(copies, 30, "%u copies", copies);
	cr_assert_gt(breaks, 30, "%u copy-on-write faults", breaks);
	for (unsigned k = 0; k < MAPS; k++)
		if (m[k].live)
			cr_assert_eq(vmspace_unmap(m[k].vs, m[k].va, NPAGE * PAGE_SIZE), E_OK);
	for (unsigned i = 0; i < OBJS; i++)
		if (o[i].id && o[i].held)
			shm_put(o[i].shm);
	vmspace_destroy(&a);
	vmspace_destroy(&b);
	cr_assert_eq(free_now(), before, "every frame and table back");
}
