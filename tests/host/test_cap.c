/*
 * Capabilities: derivation narrows, revocation cascades across spaces,
 * and guessed, stale or borrowed tokens are InvalidCapability.
 */
#include <criterion/criterion.h>

#include "blob.h"
#include "cap/cap.h"

static struct cap_space a, b;

static void setup(void)
{
	cap_system_init();
	cap_space_init(&a, 1);
	cap_space_init(&b, 2);
}

TestSuite(cap, .init = setup);

Test(cap, create_validate_and_rights)
{
	struct capability c, got;

	cr_assert_eq(create_capability(&a, OBJ_IPC_ENDPOINT, 42, RIGHT_READ | RIGHT_WRITE, &c),
		     E_OK);
	cr_assert_eq(c.object_type, OBJ_IPC_ENDPOINT);
	cr_assert_eq(c.object_id, 42);
	cr_assert_eq(validate_capability(&a, c.token, RIGHT_READ, &got), E_OK);
	cr_assert_eq(got.object_id, 42);
	cr_assert_eq(validate_capability(&a, c.token, RIGHT_READ | RIGHT_WRITE, NULL), E_OK);
	cr_assert_eq(validate_capability(&a, c.token, RIGHT_EXECUTE, NULL), E_PERMISSION_DENIED);
	cr_assert_eq(cap_lookup(&a, c.token, OBJ_IPC_ENDPOINT, RIGHT_WRITE, NULL), E_OK);
	cr_assert_eq(cap_lookup(&a, c.token, OBJ_PROCESS, 0, NULL), E_INVALID_CAPABILITY,
		     "wrong object type");
	cr_assert_eq(create_capability(&a, OBJ_TYPE_COUNT, 1, 0, &c), E_INVALID_PARAMETER);
	cr_assert_eq(create_capability(&a, OBJ_MEMORY, 1, 1u << 9, &c), E_INVALID_PARAMETER);
}

Test(cap, derivation_only_narrows)
{
	struct capability root, child, grand;

	cr_assert_eq(
	    create_capability(&a, OBJ_MEMORY, 7, RIGHT_READ | RIGHT_WRITE | RIGHT_MAP, &root),
	    E_OK);
	cr_assert_eq(derive_capability(&a, root.token, RIGHT_READ | RIGHT_MAP, &child), E_OK);
	cr_assert_eq(child.rights, RIGHT_READ | RIGHT_MAP);
	cr_assert_eq(derive_capability(&a, child.token, RIGHT_READ | RIGHT_WRITE, &grand),
		     E_PERMISSION_DENIED, "a child cannot regain WRITE");
	cr_assert_eq(derive_capability(&a, child.token, RIGHT_READ, &grand), E_OK);
	cr_assert_eq(validate_capability(&a, grand.token, RIGHT_MAP, NULL), E_PERMISSION_DENIED);
	cr_assert_neq(child.token, root.token);
}

Test(cap, revocation_cascades_across_spaces)
{
	struct capability root, mid, leaf, other, sibling;

	cr_assert_eq(create_capability(&a, OBJ_DEVICE, 3, RIGHTS_ALL, &root), E_OK);
	cr_assert_eq(derive_capability(&a, root.token, RIGHT_READ | RIGHT_GRANT, &mid), E_OK);
	cr_assert_eq(grant_capability(&a, mid.token, &b, RIGHT_READ, &other), E_OK);
	cr_assert_eq(derive_capability(&b, other.token, RIGHT_READ, &leaf), E_OK);
	cr_assert_eq(derive_capability(&a, root.token, RIGHT_READ, &sibling), E_OK);
	uint32_t live = cap_live_count();

	cr_assert_eq(revoke_capability(&a, mid.token), E_OK);
	cr_assert_eq(validate_capability(&a, mid.token, 0, NULL), E_INVALID_CAPABILITY);
	cr_assert_eq(validate_capability(&b, other.token, 0, NULL), E_INVALID_CAPABILITY);
	cr_assert_eq(validate_capability(&b, leaf.token, 0, NULL), E_INVALID_CAPABILITY);
	cr_assert_eq(cap_live_count(), live - 3);
	/* The rest of the tree stands. */
	cr_assert_eq(validate_capability(&a, root.token, RIGHT_READ, NULL), E_OK);
	cr_assert_eq(validate_capability(&a, sibling.token, RIGHT_READ, NULL), E_OK);
	cr_assert_eq(revoke_capability(&a, mid.token), E_INVALID_CAPABILITY, "already revoked");
	cr_assert_eq(revoke_capability(&a, root.token), E_OK);
	cr_assert_eq(validate_capability(&a, sibling.token, 0, NULL), E_INVALID_CAPABILITY);
	cr_assert_eq(cap_live_count(), 0);
}

Test(cap, grant_needs_the_grant_right)
{
	struct capability c, g;

	cr_assert_eq(create_capability(&a, OBJ_PROCESS, 9, RIGHT_READ, &c), E_OK);
	cr_assert_eq(grant_capability(&a, c.token, &b, RIGHT_READ, &g), E_PERMISSION_DENIED);
	cr_assert_eq(create_capability(&a, OBJ_PROCESS, 9, RIGHT_READ | RIGHT_GRANT, &c), E_OK);
	cr_assert_eq(grant_capability(&a, c.token, &b, RIGHT_READ, &g), E_OK);
	cr_assert_eq(validate_capability(&b, g.token, RIGHT_READ, NULL), E_OK);
}

Test(cap, borrowed_stale_and_guessed_tokens_are_invalid)
{
	struct capability c, again;
	uint64_t seed = 77;

	cr_assert_eq(create_capability(&a, OBJ_FILE, 5, RIGHT_READ, &c), E_OK);
	cr_assert_eq(validate_capability(&b, c.token, 0, NULL), E_INVALID_CAPABILITY,
		     "a token is only good in its own space");
	cr_assert_eq(revoke_capability(&a, c.token), E_OK);
	/* The slot is reused at once; the old token must not name the new capability. */
	cr_assert_eq(create_capability(&a, OBJ_FILE, 6, RIGHT_READ, &again), E_OK);
	cr_assert_eq(again.token & 0xffff, c.token & 0xffff, "same slot");
	cr_assert_eq(validate_capability(&a, c.token, 0, NULL), E_INVALID_CAPABILITY);
	for (int i = 1; i < CAP_SPACE_QUOTA; i++) /* a full space: many live slots to hit */
		cr_assert_eq(derive_capability(&a, again.token, RIGHT_READ, NULL), E_OK);
	for (int i = 0; i < 200000; i++) {
		cap_token_t guess = (cap_token_t)blob_rand(&seed) << 32 | blob_rand(&seed);
		if (i % 2) /* a good slot and generation, a guessed tag */
			guess = (again.token & 0xffffffffull) | (guess & ~0xffffffffull);
		if (guess == again.token)
			continue;
		cr_assert_eq(validate_capability(&a, guess, 0, NULL), E_INVALID_CAPABILITY,
			     "guess %#llx", (unsigned long long)guess);
	}
}

Test(cap, exhaustion_and_destroy)
{
	struct capability c;
	static struct cap_space many[CAP_SLOTS / CAP_SPACE_QUOTA];
	int made = 0;

	/* The table fills only when enough spaces fill their quotas. */
	for (unsigned i = 0; i < sizeof(many) / sizeof(many[0]); i++) {
		cap_space_init(&many[i], i + 10);
		while (create_capability(&many[i], OBJ_MEMORY, (uint64_t)made, RIGHT_READ, &c) ==
		       E_OK)
			made++;
	}
	cr_assert_eq(made, CAP_SLOTS);
	cr_assert_eq(create_capability(&b, OBJ_MEMORY, 0, 0, &c), E_RESOURCE_EXHAUSTED);
	cap_space_destroy(&many[3]);
	cr_assert_eq(cap_live_count(), CAP_SLOTS - CAP_SPACE_QUOTA);
	cr_assert_eq(create_capability(&b, OBJ_MEMORY, 0, RIGHT_READ, &c), E_OK);
	for (unsigned i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		cap_space_destroy(&many[i]);
	cr_assert_eq(cap_live_count(), 1);
}

Test(cap, next_walks_one_space_and_one_type)
{
	struct capability io1, io2, mem, other, got;
	uint32_t cursor = 0;

	cr_assert_eq(create_capability(&a, OBJ_IO_PORTS, 0x10, RIGHT_READ, &io1), E_OK);
	cr_assert_eq(create_capability(&a, OBJ_MEMORY, 0x1000, RIGHT_READ, &mem), E_OK);
	cr_assert_eq(create_capability(&b, OBJ_IO_PORTS, 0x20, RIGHT_READ, &other), E_OK);
	cr_assert_eq(create_capability(&a, OBJ_IO_PORTS, 0x30, RIGHT_WRITE, &io2), E_OK);
	cr_assert_eq(cap_next(&a, OBJ_IO_PORTS, &cursor, &got), E_OK);
	cr_assert_eq(got.token, io1.token);
	cr_assert_eq(cap_next(&a, OBJ_IO_PORTS, &cursor, &got), E_OK);
	cr_assert_eq(got.token, io2.token, "b's capability and a's memory are skipped");
	cr_assert_eq(got.rights, RIGHT_WRITE);
	cr_assert_eq(cap_next(&a, OBJ_IO_PORTS, &cursor, &got), E_INVALID_CAPABILITY);
	cr_assert_eq(cap_next(&a, OBJ_IO_PORTS, &cursor, &got), E_INVALID_CAPABILITY,
		     "stays at end");
	/* Revoked ones are gone. */
	cr_assert_eq(revoke_capability(&a, io1.token), E_OK);
	cursor = 0;
	cr_assert_eq(cap_next(&a, OBJ_IO_PORTS, &cursor, &got), E_OK);
	cr_assert_eq(got.token, io2.token);
	struct cap_space empty = {0};
	cursor = 0;
	cr_assert_eq(cap_next(&empty, OBJ_IO_PORTS, &cursor, &got), E_INVALID_CAPABILITY);
}

Test(cap, quota_bounds_one_space_not_the_others)
{
	struct capability root, c, last = {0};

	cr_assert_eq(a.quota, CAP_SPACE_QUOTA);
	cr_assert_eq(create_capability(&a, OBJ_MEMORY, 1, RIGHTS_ALL, &root), E_OK);
	for (uint32_t i = 1; i < CAP_SPACE_QUOTA; i++)
		cr_assert_eq(derive_capability(&a, root.token, RIGHT_READ, &last), E_OK);
	cr_assert_eq(a.count, CAP_SPACE_QUOTA);
	uint32_t live = cap_live_count();
	cr_assert_eq(derive_capability(&a, root.token, RIGHT_READ, &c), E_RESOURCE_EXHAUSTED);
	cr_assert_eq(create_capability(&a, OBJ_MEMORY, 2, RIGHT_READ, &c), E_RESOURCE_EXHAUSTED);
	cr_assert_eq(cap_live_count(), live, "a refused capability takes no slot");
	/* A grant into the full space is refused too; the giver keeps what it had. */
	struct capability gift;
	cr_assert_eq(create_capability(&b, OBJ_MEMORY, 3, RIGHTS_ALL, &gift), E_OK);
	cr_assert_eq(grant_capability(&b, gift.token, &a, RIGHT_READ, &c), E_RESOURCE_EXHAUSTED);
	cr_assert_eq(validate_capability(&b, gift.token, RIGHTS_ALL, NULL), E_OK);
	/* Everyone else goes on, and the full space may give. */
	cr_assert_eq(create_capability(&b, OBJ_MEMORY, 4, RIGHT_READ, &c), E_OK);
	cr_assert_eq(grant_capability(&a, root.token, &b, RIGHT_READ, &c), E_OK);
	/* One revoked, one more fits. */
	cr_assert_eq(revoke_capability(&a, last.token), E_OK);
	cr_assert_eq(a.count, CAP_SPACE_QUOTA - 1);
	cr_assert_eq(derive_capability(&a, root.token, RIGHT_READ, &last), E_OK);
	/* Destroying the space frees all it held and what others derived from it. */
	uint32_t in_b = b.count;
	cap_space_destroy(&a);
	cr_assert_eq(a.count, 0);
	cr_assert_eq(a.first, -1);
	cr_assert_eq(b.count, in_b - 1, "the grant from a went with it");
	cr_assert_eq(cap_live_count(), b.count);
}

Test(cap, space_list_survives_any_order_of_revocation)
{
	struct capability c[64];
	/* Roots and children interleaved in one space, some children in another. */
	for (int i = 0; i < 64; i++) {
		if (i % 4 == 0)
			cr_assert_eq(
			    create_capability(&a, OBJ_IO_PORTS, (uint64_t)i, RIGHTS_ALL, &c[i]),
			    E_OK);
		else if (i % 4 == 3)
			cr_assert_eq(grant_capability(&a, c[i - 3].token, &b, RIGHT_READ, &c[i]),
				     E_OK);
		else
			cr_assert_eq(derive_capability(&a, c[i - i % 4].token, RIGHTS_ALL, &c[i]),
				     E_OK);
	}
	cr_assert_eq(a.count, 48);
	cr_assert_eq(b.count, 16);
	/* Revoke by object: the root, its children here and its grant in b go. */
	cap_revoke_object(&a, OBJ_IO_PORTS, 8);
	cr_assert_eq(a.count, 45);
	cr_assert_eq(b.count, 15);
	for (int i = 1; i < 64; i += 5) /* middle, head and tail entries of the list */
		revoke_capability(i % 4 == 3 ? &b : &a, c[i].token);
	uint32_t walked = 0;
	uint32_t cursor = 0;
	struct capability got;
	while (cap_next(&a, OBJ_IO_PORTS, &cursor, &got) == E_OK)
		walked++;
	cr_assert_eq(walked, a.count, "the list and the table agree");
	cap_space_destroy(&a);
	cr_assert_eq(a.count, 0);
	cr_assert_eq(b.count, 0, "every grant came from a");
	cr_assert_eq(cap_live_count(), 0);
}
