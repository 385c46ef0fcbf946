/*
 * Capability quotas (cap/cap.h, CAP_SPACE_QUOTA): a process that makes
 * capabilities in a loop fills its own space and gets
 * E_RESOURCE_EXHAUSTED; everyone else goes on working meanwhile.
 */
#include "ipc.h"
#include "utest.h"

#define QUOTA 512 /* CAP_SPACE_QUOTA */

/*
 * Fills its space with derivations of one page's capability, then calls the
 * endpoint it was given with how many it made and waits for the reply while
 * full; exits 0 when every check held.
 */
UCHILD(cap_filler)
{
	uint64_t ep = utest_cap(0), mem, last = 0, child;
	void *page;
	if (sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, &page, &mem))
		return 1;
	unsigned made = 0;
	long err;
	while (!(err = sys_cap_derive(mem, RIGHT_READ, &child)))
		last = child, made++;
	if (err != E_RESOURCE_EXHAUSTED || made < QUOTA / 2 || made >= QUOTA)
		return 2;
	/* Full: more mappings and processes are refused cleanly, nothing half made. */
	void *more;
	if (sys_mmap(NULL, 4096, PROT_READ, &more, NULL) != E_RESOURCE_EXHAUSTED)
		return 3;
	uint64_t cap;
	if (utest_start("exit42", NULL, 0, &cap) != E_RESOURCE_EXHAUSTED)
		return 4;
	if (sys_cap_derive(mem, RIGHT_READ, &child) != E_RESOURCE_EXHAUSTED)
		return 5;
	uint64_t w[4] = {made, 0, 0, 0};
	struct ipc_message r;
	if (ipc_call(ep, MSG_INFO(8, MSG_SMALL), w, &r) || r.w[0] != made + 1)
		return 6;
	/* One given back, one more fits. */
	if (sys_cap_revoke(last) || sys_cap_derive(mem, RIGHT_READ, &child))
		return 7;
	*(volatile char *)page = 1; /* what it had still works */
	return 0;
}

UTEST(capability_quota_bounds_one_process)
{
	uint64_t ep, filler;
	struct process_exit_info info;
	UASSERT_EQ(ipc_endpoint_create(NULL, &ep), E_OK);
	UASSERT_EQ(utest_start_caps("cap_filler", NULL, 0, &ep, 1, &filler), E_OK);
	struct ipc_message m;
	long err = ipc_receive(ep, UTEST_PATIENCE_MS, &m);
	if (err) { /* the filler failed before it called: say how */
		UASSERT_EQ(sys_process_wait(filler, 0, &info), E_OK);
		UASSERT_EQ(info.exit_code, 0);
		UASSERT_EQ(err, E_OK);
	}
	UASSERT(m.w[0] >= QUOTA / 2);
	/* The filler is full and waits for us: we go on making capabilities and processes. */
	uint64_t mem, child[64];
	void *page;
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_READ, &page, &mem), E_OK);
	for (unsigned i = 0; i < 64; i++)
		UASSERT_EQ(sys_cap_derive(mem, RIGHT_READ, &child[i]), E_OK);
	UASSERT_EQ(utest_spawn("exit42", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 42);
	uint64_t w[4] = {m.w[0] + 1, 0, 0, 0};
	UASSERT_EQ(ipc_reply(m.reply, MSG_INFO(8, MSG_SMALL), w), E_OK);
	UASSERT_EQ(sys_process_wait(filler, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT_EQ(info.exit_code, 0);
	UASSERT_EQ(sys_cap_revoke(mem), E_OK); /* the 64 derived go with it */
	UASSERT_EQ(sys_munmap(page, 4096), E_OK);
	return 0;
}
