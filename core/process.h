/*
 * Processes: an address space, a capability space and threads running in
 * user mode. The Process Management and Thread Management of the Kernel
 * API: create from an ELF64 image with arguments, environment and initial
 * capabilities; start, terminate, wait (ProcessExitInfo); threads create,
 * exit, join. A process ends when its last thread ends; its threads die
 * on their way back to user mode, so none dies halfway through a call.
 */
#ifndef CORE_PROCESS_H
#define CORE_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "cap/cap.h"
#include "core/kthread.h"
#include "include/abi/syscall.h"
#include "mm/vmspace.h"

#define USER_STACK_SIZE 0x10000ul /* the first thread's stack */
#define USER_STACK_TOP	(USER_TOP - 0x1000000ul)
#define USER_IMAGE_VA	0x40000000ul /* where PROCESS_MAP_IMAGE puts a copy of the image */
#define USER_MMAP_BASE	0x100000000ul

enum process_state { P_NEW, P_RUNNING, P_ENDING, P_ZOMBIE };

struct process {
	uint64_t pid;
	char name[16];
	char args[32]; /* its first arguments, space-separated (SYS_PROCESS_INFO) */
	enum process_state state;
	struct vmspace vs;
	struct cap_space caps;
	struct process *parent;	 /* NULL: created by the kernel, or orphaned */
	struct process *next;	 /* all processes */
	struct kthread *threads; /* every thread not yet reaped */
	unsigned live_threads;	 /* threads that have not died */
	unsigned priority;
	uint64_t heap_size;	/* SYS_XOUS_HEAP_RESIZE, at XOUS_HEAP_BASE */
	bool suspended;		/* its threads park on their way back to user mode */
	bool detached;		/* nobody waits: reap it as soon as it ends */
	struct kthread *waiter; /* the thread in process_wait() on it */
	struct process_exit_info exit;
	uint64_t ipc_slots; /* IPC buffer pages in use, a bit per slot (ipc/ipc.c) */
	uint16_t ipc_endpoints, ipc_channels; /* owned now (ipc/ipc.c) */
	uint16_t notifications;		      /* owned now (ipc/notify.c) */
	struct dma_region *dma;		      /* its DMA memory, made or pinned (core/hw.c) */
	uint64_t syscalls, page_faults, ticks, switches, threads_made;
};

/* The process the running thread belongs to, or NULL for a kernel thread. */
static inline struct process *process_current(void)
{
	return kthread_current()->proc;
}
/*
 * Create a process from `spec` (image and strings already in kernel
 * memory), child of `parent` (NULL: the kernel). Its first thread waits
 * for process_start(). E_INVALID_PARAMETER for a malformed image.
 */
int process_create(struct process *parent, const struct process_spec *spec, struct process **out);
int process_start(struct process *p);
/* Stop `p`'s threads as they next return to user mode; resume starts or continues it. */
void process_suspend(struct process *p);
int process_resume(struct process *p);
/* End `p` with `code` and `reason`: its threads die on their way out. */
void process_terminate(struct process *p, int code, enum exit_reason reason, uint64_t addr);
/* End `p` and every process descended from it, each with `code` and `reason`. */
void process_terminate_tree(struct process *p, int code, enum exit_reason reason);
/* End the running thread's process from inside it (exit, fault); never returns. */
_Noreturn void process_exit_self(int code, enum exit_reason reason, uint64_t addr);
/*
 * Wait until `p` ends (timeout_ns 0: no timeout), give its exit information
 * and free it. E_TIMEOUT, or E_BUSY if someone else waits on it.
 */
int process_wait(struct process *p, uint64_t timeout_ns, struct process_exit_info *out);
/* Let `p` be freed when it ends, without a wait. */
void process_detach(struct process *p);
/* arch_counter() as the first user thread ever left for user mode (0: none has yet). */
uint64_t process_first_user_counter(void);
/* Processes that exist, ended ones included, after freeing those nobody will wait for. */
unsigned process_count(void);
struct process *process_find(uint64_t pid);
/* The process at `index` of the list (0: the newest), for SYS_PROCESS_INFO; E_NOT_FOUND past it. */
int process_info_at(unsigned index, struct process_info *out);

/* A thread of `p` starting at `entry` with `sp` and `arg` in user mode. */
int thread_create(struct process *p, uintptr_t entry, uintptr_t stack_base, size_t stack_size,
		  uintptr_t arg, unsigned priority, struct kthread **out);
/* End the running user thread; the last one ends its process with `code`. */
_Noreturn void thread_exit(int code);
/* Wait for thread `t` of the caller's process to end; its exit code in *code. */
int thread_join(struct kthread *t, uint64_t timeout_ns, int *code);
struct kthread *thread_find(struct process *p, uint64_t tid);
void thread_info_of(const struct kthread *t, struct thread_info *out);

/* Print a process (debug_dump_process). */
void process_dump(const struct process *p);
/* Count the tick against the running thread's process (ResourceUsage). */
void process_tick(void);

#endif
