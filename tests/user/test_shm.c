/*
 * Shared regions from user mode, between processes: Share (both see each
 * other's writes), Move (the region vanishes from the sender: its mapping
 * faults, its capability is dead), CopyOnWrite (parent and child apart both
 * ways, kernel writes included), and the errors of bad arguments. A child
 * learns tokens without IPC: it is created holding a "mailbox" region
 * (KESTREL_CAPS), and polls it for what the parent writes there.
 */
#include "utest.h"

#define PAGE 4096ul

/* The first page of the mailbox region both sides map. */
struct mailbox {
	volatile uint64_t token; /* the region under test, in the child's space */
	volatile uint64_t step;	 /* a little protocol: who has done what */
	volatile uint64_t addr;	 /* where the child mapped something */
	volatile long result;	 /* what the child found (0: as expected) */
};

static uint64_t self_pid(void)
{
	struct thread_info ti;
	sys_thread_info(0, &ti);
	return ti.process_id;
}

/*
 * Poll (sleeping 0.1 ms at a time) until *v == want, or (want 0) until it
 * is not 0; false after UTEST_PATIENCE_NS.
 */
static bool wait_for(volatile uint64_t *v, uint64_t want)
{
	uint64_t end = sys_clock() + UTEST_PATIENCE_NS;
	while (want ? *v != want : !*v) {
		if (sys_clock() > end)
			return false;
		sys_sleep(100000);
	}
	return true;
}

/*
 * Start `init child name` holding `caps` (KESTREL_CAPS, in this order);
 * its process capability in *pcap.
 */
static long start_child(const char *name, const uint64_t *caps, uint64_t ncaps, uint64_t *pcap)
{
	char args[64] = "init\0child";
	size_t n = 11, len = strlen(name) + 1;
	if (n + len > sizeof(args))
		return E_INVALID_PARAMETER;
	memcpy(args + n, name, len);
	n += len;
	struct process_spec spec = {.args = args, .args_size = n, .caps = caps, .cap_count = ncaps};
	if (!utest_image(&spec.image, &spec.image_size))
		return E_NOT_FOUND;
	uint64_t pid;
	long err = sys_process_create(&spec, &pid, pcap);
	if (!err)
		err = sys_process_start(*pcap);
	return err;
}

/* The mailbox a child was handed first, mapped; NULL if it has none. */
static struct mailbox *child_mailbox(uint64_t *more)
{
	const char *caps = getenv("KESTREL_CAPS");
	void *at;
	char *end;
	if (!caps)
		return NULL;
	uint64_t mb = strtoul(caps, &end, 0);
	if (more)
		*more = *end == ',' ? strtoul(end + 1, NULL, 0) : 0;
	return sys_shared_region_map(mb, NULL, 0, &at) ? NULL : at;
}

static long new_mailbox(uint64_t *cap, struct mailbox **mb)
{
	void *at = NULL;
	long err = sys_shared_region_create(PAGE, PROT_READ | PROT_WRITE, NULL, cap);
	if (!err)
		err = sys_shared_region_map(*cap, NULL, 0, &at);
	*mb = at;
	return err;
}

UTEST(shm_share_parent_and_child_see_each_others_writes)
{
	uint64_t mbcap, reg, pcap, token;
	struct mailbox *mb;
	char *mem;
	struct process_exit_info info;
	UASSERT_EQ(new_mailbox(&mbcap, &mb), E_OK);
	UASSERT_EQ(sys_shared_region_create(2 * PAGE, PROT_READ | PROT_WRITE, NULL, &reg), E_OK);
	UASSERT_EQ(sys_shared_region_map(reg, NULL, 0, (void **)&mem), E_OK);
	memcpy(mem + PAGE, "from parent", 12);
	UASSERT_EQ(start_child("shm_share", &mbcap, 1, &pcap), E_OK);
	UASSERT_EQ(sys_shared_region_transfer(reg, pcap, SHM_SHARE, &token), E_OK);
	mb->token = token;
	UASSERT(wait_for(&mb->step, 1));
	UASSERT_EQ(strcmp(mem + PAGE, "from child"), 0);
	memcpy(mem, "parent again", 13);
	mb->step = 2;
	UASSERT_EQ(sys_process_wait(pcap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT_EQ(info.exit_code, 0);
	UASSERT_EQ(sys_munmap(mem, 2 * PAGE), E_OK);
	UASSERT_EQ(sys_cap_revoke(reg), E_OK);
	UASSERT_EQ(sys_munmap((void *)mb, PAGE), E_OK);
	UASSERT_EQ(sys_cap_revoke(mbcap), E_OK);
	return 0;
}

UCHILD(shm_share)
{
	struct mailbox *mb = child_mailbox(NULL);
	char *mem;
	if (!mb || !wait_for(&mb->token, 0))
		return 1;
	if (sys_shared_region_map(mb->token, NULL, 0, (void **)&mem))
		return 2;
	if (strcmp(mem + PAGE, "from parent"))
		return 3;
	memcpy(mem + PAGE, "from child", 11);
	mb->step = 1;
	if (!wait_for(&mb->step, 2))
		return 4;
	return strcmp(mem, "parent again") ? 5 : 0;
}

/*
 * The sender is a child (it dies touching what it moved): it gets the
 * mailbox and a capability to this process, moves a region here, checks
 * its capability is dead, reports, then touches the old mapping.
 */
UTEST(shm_move_vanishes_from_the_sender)
{
	uint64_t caps[2], pcap;
	struct mailbox *mb;
	char *mem;
	struct process_exit_info info;
	UASSERT_EQ(new_mailbox(&caps[0], &mb), E_OK);
	UASSERT_EQ(sys_cap_create(OBJ_PROCESS, self_pid(), RIGHT_READ | RIGHT_GRANT, &caps[1]),
		   E_OK);
	UASSERT_EQ(start_child("shm_move", caps, 2, &pcap), E_OK);
	UASSERT_EQ(sys_process_wait(pcap, 0, &info), E_OK);
	UASSERT_EQ(mb->result, 0);
	UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
	UASSERT(mb->addr != 0);
	UASSERT_EQ(info.fault_addr, mb->addr);
	/* Here it is, with what the sender wrote; ours to drop. */
	UASSERT_EQ(sys_shared_region_map(mb->token, NULL, 0, (void **)&mem), E_OK);
	UASSERT_EQ(strcmp(mem, "moved"), 0);
	UASSERT_EQ(sys_munmap(mem, PAGE), E_OK);
	UASSERT_EQ(sys_cap_revoke(mb->token), E_OK);
	UASSERT_EQ(sys_shared_region_map(mb->token, NULL, 0, (void **)&mem), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_munmap((void *)mb, PAGE), E_OK);
	UASSERT_EQ(sys_cap_revoke(caps[1]), E_OK);
	UASSERT_EQ(sys_cap_revoke(caps[0]), E_OK);
	return 0;
}

UCHILD(shm_move)
{
	uint64_t parent, reg, derived, token;
	unsigned type;
	char *mem;
	struct mailbox *mb = child_mailbox(&parent);
	if (!mb)
		return 1;
	mb->result = 1;
	if (sys_shared_region_create(PAGE, PROT_READ | PROT_WRITE, NULL, &reg) ||
	    sys_shared_region_map(reg, NULL, 0, (void **)&mem) ||
	    sys_cap_derive(reg, RIGHT_READ | RIGHT_MAP, &derived))
		return 2;
	memcpy(mem, "moved", 6);
	mb->addr = (uintptr_t)mem;
	mb->result = 3;
	if (sys_shared_region_transfer(reg, parent, SHM_MOVE, &token))
		return 3;
	mb->token = token;
	/* Every capability of ours to it is dead, derived ones too. */
	mb->result = 4;
	if (sys_cap_validate(reg, 0, &type, NULL, NULL) != E_INVALID_CAPABILITY ||
	    sys_cap_validate(derived, 0, &type, NULL, NULL) != E_INVALID_CAPABILITY ||
	    sys_shared_region_map(derived, NULL, 0, (void **)&mem) != E_INVALID_CAPABILITY)
		return 4;
	mb->result = 0;
	return *(volatile char *)mb->addr; /* unmapped: the page fault ends us */
}

/*
 * CopyOnWrite: the child's copy starts with the parent's contents; then
 * each side's writes (the parent's first through the kernel, a system call
 * filling a buffer in the region) stay its own.
 */
UTEST(shm_copy_on_write_keeps_parent_and_child_apart)
{
	uint64_t mbcap, reg, pcap, token;
	struct mailbox *mb;
	char *mem;
	struct process_exit_info info;
	UASSERT_EQ(new_mailbox(&mbcap, &mb), E_OK);
	UASSERT_EQ(sys_shared_region_create(2 * PAGE, PROT_READ | PROT_WRITE, NULL, &reg), E_OK);
	UASSERT_EQ(sys_shared_region_map(reg, NULL, 0, (void **)&mem), E_OK);
	memcpy(mem, "original", 9);
	memcpy(mem + PAGE, "second", 7);
	UASSERT_EQ(start_child("shm_cow", &mbcap, 1, &pcap), E_OK);
	UASSERT_EQ(sys_shared_region_transfer(reg, pcap, SHM_COPY_ON_WRITE, &token), E_OK);
	/* The kernel writes into our now read-only, shared page: it copies it for us. */
	struct thread_info *ti = (struct thread_info *)(mem + 512);
	UASSERT_EQ(sys_thread_info(0, ti), E_OK);
	UASSERT_EQ(ti->process_id, self_pid());
	mb->token = token;
	UASSERT(wait_for(&mb->step, 1));
	UASSERT_EQ(mb->result, 0);
	/* The child wrote both pages of its copy: ours are unchanged. */
	UASSERT_EQ(strcmp(mem, "original"), 0);
	UASSERT_EQ(strcmp(mem + PAGE, "second"), 0);
	memcpy(mem + PAGE, "parent's", 9);
	mb->step = 2;
	UASSERT_EQ(sys_process_wait(pcap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT_EQ(info.exit_code, 0);
	/* Its write to the second page faulted (the first was its own once we copied ours). */
	UASSERT(info.usage.page_faults >= 1);
	UASSERT_EQ(sys_munmap(mem, 2 * PAGE), E_OK);
	UASSERT_EQ(sys_cap_revoke(reg), E_OK);
	UASSERT_EQ(sys_munmap((void *)mb, PAGE), E_OK);
	UASSERT_EQ(sys_cap_revoke(mbcap), E_OK);
	return 0;
}

UCHILD(shm_cow)
{
	struct mailbox *mb = child_mailbox(NULL);
	char *mem;
	if (!mb || !wait_for(&mb->token, 0))
		return 1;
	if (sys_shared_region_map(mb->token, NULL, 0, (void **)&mem))
		return 2;
	/* The parent's contents from before the transfer, not its kernel write since. */
	long r = strcmp(mem, "original") ? 3 : strcmp(mem + PAGE, "second") ? 4 : mem[512] ? 5 : 0;
	memcpy(mem, "child's", 8);
	memcpy(mem + PAGE, "child's", 8);
	mb->result = r;
	mb->step = 1;
	if (!wait_for(&mb->step, 2))
		return 6;
	return strcmp(mem + PAGE, "child's") ? 7 : 0;
}

UTEST(shm_bad_arguments_give_clear_errors)
{
	uint64_t rw, ro, noperm, token, pcap, self;
	void *at, *at2;
	UASSERT_EQ(sys_shared_region_create(0, PROT_READ, NULL, &rw), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_shared_region_create(1ul << 40, PROT_READ, NULL, &rw), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_shared_region_create(PAGE, 0, NULL, &rw), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_shared_region_create(PAGE, PROT_READ | PROT_EXEC, NULL, &rw),
		   E_INVALID_PARAMETER);
	UASSERT_EQ(sys_shared_region_create(PAGE, PROT_READ | PROT_WRITE, NULL, &rw), E_OK);
	UASSERT_EQ(sys_shared_region_create(PAGE, PROT_READ, NULL, &ro), E_OK);
	unsigned type;
	uint32_t rights;
	UASSERT_EQ(sys_cap_validate(ro, 0, &type, NULL, &rights), E_OK);
	UASSERT_EQ(type, OBJ_SHARED_REGION);
	UASSERT_EQ(rights & RIGHT_WRITE, 0);
	/* Map: forged, wrong type, missing rights, bad address, taken address. */
	UASSERT_EQ(sys_shared_region_map(rw ^ 0x10000, NULL, 0, &at), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_cap_create(OBJ_PROCESS, self_pid(), RIGHTS_ALL, &self), E_OK);
	UASSERT_EQ(sys_shared_region_map(self, NULL, 0, &at), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_shared_region_map(ro, NULL, PROT_READ | PROT_WRITE, &at),
		   E_PERMISSION_DENIED);
	UASSERT_EQ(sys_shared_region_map(rw, NULL, PROT_EXEC, &at), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_cap_derive(rw, RIGHT_READ | RIGHT_WRITE, &noperm), E_OK);
	UASSERT_EQ(sys_shared_region_map(noperm, NULL, 0, &at), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_shared_region_map(rw, (void *)0x100000123ul, 0, &at), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_shared_region_map(rw, NULL, 0, &at), E_OK);
	UASSERT_EQ(sys_shared_region_map(rw, at, 0, &at2), E_MEM_ALREADY_MAPPED);
	/* A read-only map of a writable region is read-only. */
	UASSERT_EQ(sys_shared_region_map(rw, NULL, PROT_READ, &at2), E_OK);
	UASSERT_EQ(sys_munmap(at2, PAGE), E_OK);
	/* Transfer: bad mode, no GRANT, not a process, Move to ourselves, a dead capability. */
	UASSERT_EQ(sys_shared_region_transfer(rw, self, 3, &token), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_shared_region_transfer(noperm, self, SHM_SHARE, &token),
		   E_PERMISSION_DENIED);
	UASSERT_EQ(sys_shared_region_transfer(rw, ro, SHM_SHARE, &token), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_cap_derive(self, RIGHT_READ, &pcap), E_OK);
	UASSERT_EQ(sys_shared_region_transfer(rw, pcap, SHM_SHARE, &token), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_shared_region_transfer(rw, self, SHM_MOVE, &token), E_INVALID_PARAMETER);
	/* Share with ourselves is a second capability; revoking the first takes it too. */
	UASSERT_EQ(sys_shared_region_transfer(rw, self, SHM_SHARE, &token), E_OK);
	UASSERT_EQ(sys_munmap(at, PAGE), E_OK);
	UASSERT_EQ(sys_cap_revoke(rw), E_OK);
	UASSERT_EQ(sys_shared_region_map(token, NULL, 0, &at), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_shared_region_transfer(rw, self, SHM_SHARE, &token), E_INVALID_CAPABILITY);
	UASSERT_EQ(sys_cap_revoke(ro), E_OK);
	UASSERT_EQ(sys_cap_revoke(self), E_OK);
	return 0;
}

/* A write to a read-only mapping is no copy-on-write: it kills. */
UCHILD(shm_write_read_only)
{
	uint64_t reg;
	char *mem;
	if (sys_shared_region_create(PAGE, PROT_READ | PROT_WRITE, NULL, &reg) ||
	    sys_shared_region_map(reg, NULL, PROT_READ, (void **)&mem))
		return 1;
	mem[0] = 1;
	return 2;
}

UTEST(shm_write_to_a_read_only_mapping_faults)
{
	struct process_exit_info info;
	UASSERT_EQ(utest_spawn("shm_write_read_only", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_PAGE_FAULT);
	return 0;
}

/*
 * Regions of every kind, for the kernel's shm_memory_comes_back: some
 * unmapped and revoked, the rest left for the process's end to free.
 */
UCHILD(shm_churn)
{
	uint64_t self, a, cow, share, ro;
	char *ma, *mc, *ms;
	if (sys_cap_create(OBJ_PROCESS, self_pid(), RIGHT_GRANT, &self) ||
	    sys_shared_region_create(4 * PAGE, PROT_READ | PROT_WRITE, NULL, &a) ||
	    sys_shared_region_map(a, NULL, 0, (void **)&ma))
		return 1;
	for (unsigned i = 0; i < 4; i++)
		ma[i * PAGE] = (char)('a' + i);
	if (sys_shared_region_transfer(a, self, SHM_COPY_ON_WRITE, &cow) ||
	    sys_shared_region_map(cow, NULL, 0, (void **)&mc) ||
	    sys_shared_region_transfer(a, self, SHM_SHARE, &share) ||
	    sys_shared_region_map(share, NULL, 0, (void **)&ms))
		return 2;
	/* Four copy-on-write breaks: two on each side. */
	mc[0] = 'X';
	mc[PAGE] = 'Y';
	ma[2 * PAGE] = 'Z';
	ms[3 * PAGE] = 'W';
	if (ma[0] != 'a' || mc[0] != 'X' || mc[2 * PAGE] != 'c' || ms[2 * PAGE] != 'Z' ||
	    mc[3 * PAGE] != 'd' || ma[3 * PAGE] != 'W')
		return 3;
	if (sys_munmap(mc + PAGE, PAGE) || sys_cap_revoke(cow) ||
	    sys_shared_region_create(PAGE, PROT_READ, NULL, &ro))
		return 4;
	return 0; /* a, share, ro and most mappings: freed by the exit */
}
