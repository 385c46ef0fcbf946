/* Capability rules from user mode: derive narrows, revoke cascades, forged and stale fail. */
#include "utest.h"

static uint64_t self_pid(void)
{
	struct thread_info ti;
	sys_thread_info(0, &ti);
	return ti.process_id;
}

UTEST(derive_narrows_and_revoke_cascades)
{
	uint64_t root, child, grandchild, wide;
	uint32_t held;
	UASSERT_EQ(
	    sys_cap_create(OBJ_PROCESS, self_pid(), RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, &root),
	    E_OK);
	UASSERT_EQ(sys_cap_derive(root, RIGHT_READ | RIGHT_GRANT, &child), E_OK);
	UASSERT_EQ(sys_cap_derive(child, RIGHT_READ, &grandchild), E_OK);
	UASSERT_EQ(sys_cap_validate(grandchild, RIGHT_READ, NULL, NULL, &held), E_OK);
	UASSERT_EQ(held, RIGHT_READ);
	/* Rights only narrow. */
	UASSERT_EQ(sys_cap_derive(child, RIGHT_WRITE, &wide), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_cap_validate(grandchild, RIGHT_WRITE, NULL, NULL, NULL),
		   E_PERMISSION_DENIED);
	UASSERT_EQ(sys_cap_derive(child, 1u << 20, &wide), E_INVALID_PARAMETER);
	/* Revoking the root revokes everything below it; the tokens go stale. */
	UASSERT_EQ(sys_cap_revoke(root), E_OK);
	UASSERT_EQ(sys_cap_validate(root, 0, NULL, NULL, NULL), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_cap_validate(child, 0, NULL, NULL, NULL), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_cap_validate(grandchild, 0, NULL, NULL, NULL), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_cap_revoke(root), E_INVALID_CAPABILITY);
	return 0;
}

UTEST(forged_tokens_fail)
{
	uint64_t real;
	UASSERT_EQ(sys_cap_create(OBJ_PROCESS, self_pid(), RIGHT_READ, &real), E_OK);
	/* Neighbouring slots, other generations, other tags: all invalid. */
	for (uint64_t bit = 0; bit < 64; bit++)
		UASSERT_EQ(sys_cap_validate(real ^ (1ull << bit), 0, NULL, NULL, NULL),
			   E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_cap_validate(0, 0, NULL, NULL, NULL), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_cap_validate(real, 0, NULL, NULL, NULL), E_OK);
	UASSERT_EQ(sys_cap_revoke(real), E_OK);
	return 0;
}

UTEST(only_own_objects)
{
	uint64_t t;
	/* Another process, a thread that is not ours, hardware: not ours to name. */
	UASSERT_EQ(sys_cap_create(OBJ_PROCESS, self_pid() + 1000, RIGHT_READ, &t),
		   E_PERMISSION_DENIED);
	UASSERT_EQ(sys_cap_create(OBJ_THREAD, 1u << 30, RIGHT_READ, &t), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_cap_create(OBJ_IO_PORTS, 0x60, RIGHT_READ, &t), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_cap_create(OBJ_TYPE_COUNT, 0, RIGHT_READ, &t), E_INVALID_PARAMETER);
	/* A thread capability with READ only cannot change the thread. */
	uint64_t full, ro;
	UASSERT_EQ(sys_cap_create(OBJ_THREAD, sys_thread_self(), RIGHTS_ALL, &full), E_OK);
	UASSERT_EQ(sys_cap_derive(full, RIGHT_READ, &ro), E_OK);
	UASSERT_EQ(sys_set_priority(ro, 20), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_set_priority(full, 20), E_OK);
	UASSERT_EQ(sys_cap_revoke(full), E_OK);
	UASSERT_EQ(sys_set_priority(ro, 20), E_INVALID_CAPABILITY);
	return 0;
}

UTEST(capabilities_pass_to_a_child_only_with_grant)
{
	uint64_t mine, no_grant;
	UASSERT_EQ(sys_cap_create(OBJ_PROCESS, self_pid(), RIGHT_READ, &mine), E_OK);
	UASSERT_EQ(sys_cap_derive(mine, RIGHT_READ, &no_grant), E_OK);
	static const char args[] = "init\0child\0exit42";
	struct process_spec spec = {
	    .args = args, .args_size = sizeof(args), .caps = &no_grant, .cap_count = 1};
	UASSERT(utest_image(&spec.image, &spec.image_size));
	uint64_t pid, cap;
	UASSERT_EQ(sys_process_create(&spec, &pid, &cap), E_PERMISSION_DENIED);
	/* With GRANT it goes through, and the child finds it in KESTREL_CAPS. */
	uint64_t with_grant;
	struct process_exit_info info;
	static const char child_args[] = "init\0child\0has_cap";
	UASSERT_EQ(sys_cap_create(OBJ_PROCESS, self_pid(), RIGHT_READ | RIGHT_GRANT, &with_grant),
		   E_OK);
	spec.caps = &with_grant;
	spec.args = child_args;
	spec.args_size = sizeof(child_args);
	UASSERT_EQ(sys_process_create(&spec, &pid, &cap), E_OK);
	UASSERT_EQ(sys_process_start(cap), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 0);
	sys_cap_revoke(with_grant);
	sys_cap_revoke(mine);
	return 0;
}

/* Exits 0 when it holds exactly one capability, naming a process, with READ|GRANT. */
UCHILD(has_cap)
{
	const char *caps = getenv("KESTREL_CAPS");
	if (!caps)
		return 1;
	unsigned type;
	uint32_t rights;
	char *end;
	uint64_t token = strtoul(caps, &end, 0);
	if (*end || sys_cap_validate(token, RIGHT_READ, &type, NULL, &rights))
		return 2;
	return type == OBJ_PROCESS && rights == (RIGHT_READ | RIGHT_GRANT) ? 0 : 3;
}
