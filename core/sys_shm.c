/*
 * Shared regions from user space. Each call checks its capabilities and
 * arguments first, then acts; where two steps can fail (make the object,
 * then its capability), the first is undone by dropping its reference.
 */
#include "core/sys_shm.h"
#include "arch/hal/user.h"
#include "mm/shm.h"

#define SHM_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_GRANT | RIGHT_DELETE)

/* The region a capability of the caller names, if it holds `rights`. */
static int region_of(struct process *p, uint64_t token, uint32_t rights, struct capability *cap,
		     struct shm **out)
{
	int err = cap_lookup(&p->caps, token, OBJ_SHARED_REGION, rights, cap);
	if (err)
		return err;
	*out = shm_find(cap->object_id);
	return *out ? E_OK : E_NOT_FOUND; /* a live capability holds a reference: never */
}

int sys_shared_region_create(struct trap_frame *tf, struct process *p)
{
	uint64_t size = syscall_arg(tf, 0), prot = syscall_arg(tf, 1);
	struct shm *shm;
	struct capability cap;
	if (!size || size > SHM_MAX_SIZE || !prot || prot & ~(uint64_t)(PROT_READ | PROT_WRITE))
		return E_INVALID_PARAMETER;
	int err = shm_create(size, (unsigned)prot, &shm);
	if (err)
		return err;
	uint32_t rights = SHM_RIGHTS & ~(prot & PROT_WRITE ? 0u : (uint32_t)RIGHT_WRITE);
	err = create_capability(&p->caps, OBJ_SHARED_REGION, shm->id, rights, &cap);
	syscall_set_result(tf, 0, shm->id);
	shm_put(shm); /* the capability holds it now, or nothing does */
	if (err)
		return err;
	syscall_set_result(tf, 1, cap.token);
	return E_OK;
}

int sys_shared_region_map(struct trap_frame *tf, struct process *p)
{
	uintptr_t addr = syscall_arg(tf, 1);
	uint64_t prot = syscall_arg(tf, 2);
	struct capability cap;
	struct shm *shm;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE))
		return E_INVALID_PARAMETER;
	int err = region_of(p, syscall_arg(tf, 0), RIGHT_MAP, &cap, &shm);
	if (err)
		return err;
	bool writable =
	    prot ? (prot & PROT_WRITE) != 0 : (cap.rights & RIGHT_WRITE && shm->prot & PROT_WRITE);
	if (writable && (!(cap.rights & RIGHT_WRITE) || !(shm->prot & PROT_WRITE)))
		return E_PERMISSION_DENIED;
	size_t len = shm->pages * PAGE_SIZE;
	if (!addr && !(addr = vmspace_find_free(&p->vs, USER_MMAP_BASE, len)))
		return E_OUT_OF_MEMORY;
	err = vmspace_map_shm(&p->vs, addr, shm, writable);
	if (err)
		return err;
	syscall_set_result(tf, 0, addr);
	return E_OK;
}

int sys_shared_region_transfer(struct trap_frame *tf, struct process *p)
{
	uint64_t mode = syscall_arg(tf, 2);
	struct capability cap, pcap, out;
	struct shm *shm;
	if (mode > SHM_COPY_ON_WRITE)
		return E_INVALID_PARAMETER;
	int err = region_of(p, syscall_arg(tf, 0), RIGHT_GRANT, &cap, &shm);
	if (!err)
		err = cap_lookup(&p->caps, syscall_arg(tf, 1), OBJ_PROCESS, RIGHT_GRANT, &pcap);
	if (err)
		return err;
	struct process *to = process_find(pcap.object_id);
	if (!to || to->state >= P_ENDING)
		return E_NOT_FOUND;
	if (to == p && mode == SHM_MOVE)
		return E_INVALID_PARAMETER; /* it would revoke what it just made */
	switch (mode) {
	case SHM_SHARE: /* a child of the sender's capability: revoking that reaches it */
		err = grant_capability(&p->caps, cap.token, &to->caps, cap.rights, &out);
		break;
	case SHM_MOVE: /* a root of its own: the sender's go, with everything under them */
		err = create_capability(&to->caps, OBJ_SHARED_REGION, shm->id, cap.rights, &out);
		if (!err) {
			shm_unmap_all(shm, &p->vs);
			cap_revoke_object(&p->caps, OBJ_SHARED_REGION, shm->id);
		}
		break;
	default: { /* SHM_COPY_ON_WRITE: a new object, its pages shared until written */
		struct shm *copy;
		err = shm_cow(shm, &copy);
		if (err)
			return err;
		err = create_capability(&to->caps, OBJ_SHARED_REGION, copy->id, cap.rights, &out);
		shm_put(copy);
	}
	}
	if (err)
		return err;
	syscall_set_result(tf, 0, out.token);
	return E_OK;
}
