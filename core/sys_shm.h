/*
 * System calls of shared regions (SYS_SHARED_REGION_*, include/abi/syscall.h),
 * kept out of core/syscall.c, which only lists them in its table.
 */
#ifndef CORE_SYS_SHM_H
#define CORE_SYS_SHM_H

#include "core/process.h"

struct trap_frame;

/* size, prot (PROT_READ | PROT_WRITE) -> r0 region id, r1 capability */
int sys_shared_region_create(struct trap_frame *tf, struct process *p);
/* capability (MAP; WRITE for a writable map), address (0: anywhere), prot (0: all the capability allows) -> r0 address */
int sys_shared_region_map(struct trap_frame *tf, struct process *p);
/* capability (GRANT), process capability (GRANT), mode (SHM_MOVE, SHM_SHARE, SHM_COPY_ON_WRITE) -> r0 the target's token */
int sys_shared_region_transfer(struct trap_frame *tf, struct process *p);

#endif
