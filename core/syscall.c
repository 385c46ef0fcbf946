/*
 * The system call layer: one table from number to handler, the same on
 * every arch (the registers are the arch's business, hal_arch/user.h).
 * A handler reads its arguments from the frame, validates every
 * capability and copies every user buffer (mm/uaccess.c) before it acts,
 * sets its results, and returns the tag: E_OK or an error.
 */
#include "arch/hal/cpu.h"
#include "arch/hal/timer.h"
#include "arch/hal/user.h"
#include "core/hw.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "core/metrics.h"
#include "core/process.h"
#include "core/syscall.h"
#include "ipc/file.h"
#include "ipc/ipc.h"
#include "ipc/notify.h"
#include "ipc/xous.h"
#include "core/sys_console.h"
#include "core/sys_shm.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"

#define MAX_IMAGE     (16u << 20)
#define MAX_STRINGS   4096u
#define MAX_CAPS      16u
#define USER_PRIO_MAX PRIO_HIGH /* RealTime is the kernel's */

static bool trace;

/* Console output from user space, a bounded chunk at a time. */
static int write_console(struct process *p, uintptr_t buf, size_t len)
{
	char chunk[128];
	CHECK(user_range_ok(&p->vs, buf, len, false)); /* all or nothing */
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		CHECK(copy_from_user(&p->vs, chunk, buf + done, n));
		kprintf("%.*s", (int)n, chunk);
		done += n;
	}
	return E_OK;
}

static int sys_exit(struct trap_frame *tf, struct process *p)
{
	(void)p;
	process_exit_self((int)ARG(0), EXIT_NORMAL, 0);
}

/* fd 0 is the console's input; anything else is a file capability (ipc/file.c). */
static int sys_read(struct trap_frame *tf, struct process *p)
{
	if (ARG(0) != 0)
		return file_sys_read(tf, p);
	return sys_console_read(tf, p);
}

/* fd 1 and 2 are the console; anything else is a file capability. */
static int sys_write(struct trap_frame *tf, struct process *p)
{
	if (ARG(0) != 1 && ARG(0) != 2)
		return file_sys_write(tf, p);
	CHECK(write_console(p, ARG(1), ARG(2)));
	RESULT(0, ARG(2));
	return E_OK;
}

static int sys_mmap(struct trap_frame *tf, struct process *p)
{
	uintptr_t addr = ARG(0);
	size_t len = (ARG(1) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	unsigned prot = (unsigned)ARG(2);
	if (!len || len < ARG(1) || prot & ~(unsigned)(PROT_READ | PROT_WRITE | PROT_EXEC) ||
	    (prot & PROT_WRITE && prot & PROT_EXEC))
		return E_INVALID_PARAMETER;
	CHECK(cap_space_room(&p->caps, 1, 1)); /* before anything is mapped */
	if (!addr && !(addr = vmspace_find_free(&p->vs, USER_MMAP_BASE, len)))
		return E_OUT_OF_MEMORY;
	unsigned flags =
	    (prot & PROT_WRITE ? PTE_WRITABLE : 0) | (prot & PROT_EXEC ? 0 : PTE_NO_EXECUTE);
	CHECK(vmspace_map(&p->vs, addr, len, flags));
	struct capability cap;
	uint32_t rights = RIGHT_READ | RIGHT_MAP | RIGHT_GRANT | RIGHT_DELETE |
			  (prot & PROT_WRITE ? RIGHT_WRITE : 0) |
			  (prot & PROT_EXEC ? RIGHT_EXECUTE : 0);
	int err = create_capability(&p->caps, OBJ_MEMORY, addr, rights, &cap);
	if (err) { /* the room was checked: only a defence */
		vmspace_unmap(&p->vs, addr, len);
		return err;
	}
	RESULT(0, addr);
	RESULT(1, cap.token);
	return E_OK;
}

static int sys_munmap(struct trap_frame *tf, struct process *p)
{
	size_t len = (ARG(1) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (len < ARG(1))
		return E_INVALID_PARAMETER;
	return vmspace_unmap(&p->vs, ARG(0), len);
}

/* Copy a process_spec and everything it points at into the kernel. */
static int sys_process_create(struct trap_frame *tf, struct process *p)
{
	struct process_spec spec;
	CHECK(copy_from_user(&p->vs, &spec, ARG(0), sizeof(spec)));
	if (spec.priority > USER_PRIO_MAX || spec.image_size > MAX_IMAGE ||
	    spec.args_size > MAX_STRINGS || spec.env_size > MAX_STRINGS ||
	    spec.cap_count > MAX_CAPS)
		return E_INVALID_PARAMETER;
	uint64_t caps[MAX_CAPS];
	void *image = kmalloc(spec.image_size ? spec.image_size : 1);
	char *args = kmalloc(spec.args_size + 1), *env = kmalloc(spec.env_size + 1);
	int err = image && args && env ? E_OK : E_OUT_OF_MEMORY;
	if (!err) /* a list without its final NUL stays one, but nothing reads past it */
		args[spec.args_size] = env[spec.env_size] = 0;
	if (!err)
		err = copy_from_user(&p->vs, image, (uintptr_t)spec.image, spec.image_size);
	if (!err)
		err = copy_from_user(&p->vs, args, (uintptr_t)spec.args, spec.args_size);
	if (!err)
		err = copy_from_user(&p->vs, env, (uintptr_t)spec.env, spec.env_size);
	if (!err)
		err = copy_from_user(&p->vs, caps, (uintptr_t)spec.caps,
				     spec.cap_count * sizeof(uint64_t));
	/* process_create grants the capabilities (each needs GRANT) and names them in KESTREL_CAPS. */
	struct process *child = NULL;
	if (!err) /* our capability for the child, and the child's own, before it exists */
		err = cap_space_room(&p->caps, 1, 1 + (uint32_t)spec.cap_count);
	if (!err) {
		spec.image = image;
		spec.args = args;
		spec.env = env;
		spec.caps = caps;
		err = process_create(p, &spec, &child);
	}
	kfree(image);
	kfree(args);
	kfree(env);
	if (err)
		return err;
	struct capability cap;
	err = create_capability(&p->caps, OBJ_PROCESS, child->pid, RIGHTS_ALL, &cap);
	if (err) { /* the room was checked: only a defence */
		process_terminate(child, -1, EXIT_TERMINATED, 0);
		process_detach(child);
		return err;
	}
	RESULT(0, child->pid);
	RESULT(1, cap.token);
	return E_OK;
}

/* The process a capability names, if it holds `rights`. */
static int process_of(struct process *p, uint64_t token, uint32_t rights, struct process **out)
{
	struct capability cap;
	CHECK(cap_lookup(&p->caps, token, OBJ_PROCESS, rights, &cap));
	*out = process_find(cap.object_id);
	return *out ? E_OK : E_NOT_FOUND;
}

static int sys_process_start(struct trap_frame *tf, struct process *p)
{
	struct process *child;
	CHECK(process_of(p, ARG(0), RIGHT_EXECUTE, &child));
	return process_start(child);
}

static int sys_process_wait(struct trap_frame *tf, struct process *p)
{
	struct process *child;
	struct process_exit_info info;
	CHECK(process_of(p, ARG(0), RIGHT_READ, &child));
	if (child == p)
		return E_INVALID_PARAMETER;
	/* Check the buffer first: the information is lost once the child is freed. */
	CHECK(user_range_ok(&p->vs, ARG(2), sizeof(info), true));
	CHECK(process_wait(child, ARG(1), &info));
	return copy_to_user(&p->vs, ARG(2), &info, sizeof(info));
}

static int sys_process_terminate(struct trap_frame *tf, struct process *p)
{
	struct process *victim;
	CHECK(process_of(p, ARG(0), RIGHT_DELETE, &victim));
	if (victim == p)
		process_exit_self((int)ARG(1), EXIT_TERMINATED, 0);
	process_terminate(victim, (int)ARG(1), EXIT_TERMINATED, 0);
	return E_OK;
}

/* The thread a capability names (0: the caller), if it holds `rights`. */
static int thread_of(struct process *p, uint64_t token, uint32_t rights, struct kthread **out)
{
	if (!token) {
		*out = kthread_current();
		return E_OK;
	}
	struct capability cap;
	CHECK(cap_lookup(&p->caps, token, OBJ_THREAD, rights, &cap));
	*out = thread_find(p, cap.object_id);
	return *out ? E_OK : E_NOT_FOUND;
}

static int sys_thread_create(struct trap_frame *tf, struct process *p)
{
	struct kthread *t;
	struct capability cap;
	if (ARG(4) > USER_PRIO_MAX)
		return E_INVALID_PARAMETER;
	CHECK(thread_create(p, ARG(0), ARG(1), ARG(2), ARG(3), (unsigned)ARG(4), &t));
	/* The capability names the thread's id, known only now. */
	int err = create_capability(&p->caps, OBJ_THREAD, t->se.id, RIGHTS_ALL, &cap);
	if (err) {
		t->killed =
		    true; /* it has not run yet: it dies before its first user instruction */
		return err;
	}
	RESULT(0, t->se.id);
	RESULT(1, cap.token);
	return E_OK;
}

static int sys_thread_set_pointer(struct trap_frame *tf, struct process *p)
{
	(void)p;
	if (ARG(0) >= USER_TOP) /* and so canonical, as FS base must be */
		return E_MEM_BAD_ADDRESS;
	arch_set_thread_pointer(tf, &kthread_current()->tls, ARG(0));
	return E_OK;
}

static int sys_thread_exit(struct trap_frame *tf, struct process *p)
{
	(void)p;
	thread_exit((int)ARG(0));
}

static int sys_thread_join(struct trap_frame *tf, struct process *p)
{
	struct kthread *t;
	int code;
	CHECK(thread_of(p, ARG(0), RIGHT_READ, &t));
	CHECK(thread_join(t, ARG(1), &code));
	RESULT(0, (uintptr_t)(intptr_t)code);
	return E_OK;
}

static int sys_thread_info(struct trap_frame *tf, struct process *p)
{
	struct kthread *t;
	struct thread_info info;
	CHECK(thread_of(p, ARG(0), RIGHT_READ, &t));
	thread_info_of(t, &info);
	return copy_to_user(&p->vs, ARG(1), &info, sizeof(info));
}

static int sys_thread_self(struct trap_frame *tf, struct process *p)
{
	(void)p;
	RESULT(0, kthread_current()->se.id);
	return E_OK;
}

/* Objects a process may name in a new root capability: its own. */
static bool owns(struct process *p, uint64_t type, uint64_t id)
{
	struct process *q;
	switch (type) {
	case OBJ_PROCESS:
		q = process_find(id);
		return q && (q == p || q->parent == p);
	case OBJ_THREAD:
		return thread_find(p, id) != NULL;
	case OBJ_MEMORY: {
		const struct vm_region *r = vmspace_region(&p->vs, id);
		return r && r->start == id;
	}
	default:
		return false; /* hardware objects come from the device manager (Driver API) */
	}
}

static int sys_cap_create(struct trap_frame *tf, struct process *p)
{
	struct capability cap;
	if (ARG(0) >= OBJ_TYPE_COUNT || ARG(2) & ~(uintptr_t)RIGHTS_ALL)
		return E_INVALID_PARAMETER;
	if (!owns(p, ARG(0), ARG(1)))
		return E_PERMISSION_DENIED;
	CHECK(
	    create_capability(&p->caps, (enum object_type)ARG(0), ARG(1), (uint32_t)ARG(2), &cap));
	RESULT(0, cap.token);
	return E_OK;
}

static int sys_cap_derive(struct trap_frame *tf, struct process *p)
{
	struct capability cap;
	if (ARG(1) & ~(uintptr_t)RIGHTS_ALL)
		return E_INVALID_PARAMETER;
	CHECK(derive_capability(&p->caps, ARG(0), (uint32_t)ARG(1), &cap));
	RESULT(0, cap.token);
	return E_OK;
}

static int sys_cap_revoke(struct trap_frame *tf, struct process *p)
{
	return revoke_capability(&p->caps, ARG(0));
}

static int sys_cap_validate(struct trap_frame *tf, struct process *p)
{
	struct capability cap;
	if (ARG(1) & ~(uintptr_t)RIGHTS_ALL)
		return E_INVALID_PARAMETER;
	CHECK(validate_capability(&p->caps, ARG(0), (uint32_t)ARG(1), &cap));
	RESULT(0, cap.object_type);
	RESULT(1, cap.object_id);
	RESULT(2, cap.rights);
	RESULT(3, cap.extent);
	return E_OK;
}

static int sys_cap_next(struct trap_frame *tf, struct process *p)
{
	struct capability cap;
	uint32_t cursor = (uint32_t)ARG(1);
	if (ARG(0) >= OBJ_TYPE_COUNT || ARG(1) > CAP_SLOTS + 1)
		return E_INVALID_PARAMETER;
	if (cap_next(&p->caps, (enum object_type)ARG(0), &cursor, &cap))
		return E_NOT_FOUND;
	RESULT(0, cap.token);
	RESULT(1, cursor);
	RESULT(2, cap.object_id);
	RESULT(3, cap.extent);
	RESULT(4, cap.rights);
	return E_OK;
}

static int sys_yield(struct trap_frame *tf, struct process *p)
{
	(void)tf;
	(void)p;
	kthread_yield();
	return E_OK;
}

static int sys_set_priority(struct trap_frame *tf, struct process *p)
{
	struct kthread *t;
	if (ARG(1) > USER_PRIO_MAX)
		return E_INVALID_PARAMETER;
	CHECK(thread_of(p, ARG(0), RIGHT_WRITE, &t));
	irqflags_t irq = arch_irq_save();
	int err = set_thread_priority(&t->se, (unsigned)ARG(1));
	arch_irq_restore(irq);
	kthread_yield(); /* a higher priority thread may be ready now */
	return err;
}

static int sys_set_affinity(struct trap_frame *tf, struct process *p)
{
	struct kthread *t;
	CHECK(thread_of(p, ARG(0), RIGHT_WRITE, &t));
	irqflags_t irq = arch_irq_save();
	int err = set_thread_affinity(&t->se, (uint32_t)ARG(1));
	arch_irq_restore(irq);
	return err;
}

static int sys_sleep(struct trap_frame *tf, struct process *p)
{
	(void)p;
	if (!ARG(0)) {
		kthread_yield();
		return E_OK;
	}
	irqflags_t irq = arch_irq_save();
	int err = kthread_block(BLOCK_SLEEP, ARG(0));
	arch_irq_restore(irq);
	return err == E_TIMEOUT ? E_OK : err;
}

/*
 * CLOCK_MONOTONIC (0): ns since boot. CLOCK_REALTIME (1): ns since 1970 UTC,
 * from the real-time clock read once, at boot (syscall_clock_init, before
 * any driver can own the device), and the monotonic clock since (E_NOT_SUPPORTED on a machine without one).
 */
static uint64_t rtc_base; /* realtime - monotonic; 0: no clock */

void syscall_clock_init(void)
{
	uint64_t secs, now = arch_time_ns();
	if (arch_rtc_seconds(&secs))
		rtc_base = secs * 1000000000ull - now;
}

static int sys_clock(struct trap_frame *tf, struct process *p)
{
	(void)p;
	uint64_t now = arch_time_ns();
	if (ARG(0) == CLOCK_MONOTONIC) {
		RESULT(0, now);
		return E_OK;
	}
	if (ARG(0) != CLOCK_REALTIME)
		return E_INVALID_PARAMETER;
	if (!rtc_base)
		return E_NOT_SUPPORTED;
	RESULT(0, rtc_base + now);
	return E_OK;
}

static int sys_kernel_metrics(struct trap_frame *tf, struct process *p)
{
	struct kernel_metrics m;
	metrics_read(&m);
	return copy_to_user(&p->vs, ARG(0), &m, sizeof(m));
}

_Static_assert(sizeof(struct process_info) == 88, "struct process_info is ABI");
_Static_assert((int)PS_ENDED == (int)P_ZOMBIE, "process states are ABI");

static int sys_process_info(struct trap_frame *tf, struct process *p)
{
	struct process_info info;
	if (ARG(0) > UINT32_MAX)
		return E_NOT_FOUND;
	CHECK(user_range_ok(&p->vs, ARG(1), sizeof(info), true));
	CHECK(process_info_at((unsigned)ARG(0), &info));
	return copy_to_user(&p->vs, ARG(1), &info, sizeof(info));
}

static int sys_debug_print(struct trap_frame *tf, struct process *p)
{
	return write_console(p, ARG(0), ARG(1));
}

static int sys_dump_process(struct trap_frame *tf, struct process *p)
{
	struct process *q = ARG(0) ? process_find(ARG(0)) : p;
	if (!q)
		return E_NOT_FOUND;
	process_dump(q);
	return E_OK;
}

static int sys_dump_memory(struct trap_frame *tf, struct process *p)
{
	(void)tf;
	(void)p;
	pmm_dump();
	struct allocator_stats h = heap_stats();
	kprintf("heap: %zu bytes in use (peak %zu), %zu allocations, %zu frees\n",
		h.current_allocated, h.peak_allocated, h.allocation_count, h.free_count);
	return E_OK;
}

static int sys_dump_ipc(struct trap_frame *tf, struct process *p)
{
	(void)tf;
	(void)p;
	ipc_dump();
	return E_OK;
}

static int sys_debug_trace(struct trap_frame *tf, struct process *p)
{
	(void)p;
	trace = ARG(0) != 0;
	return E_OK;
}

static const syscall_fn table[SYS_COUNT] = {
    [SYS_EXIT] = sys_exit,
    [SYS_READ] = sys_read,
    [SYS_WRITE] = sys_write,
    [SYS_OPEN] = sys_open,
    [SYS_SEEK] = sys_seek,
    [SYS_CLOSE] = sys_close,
    [SYS_FILE_CALL] = sys_file_call,
    [SYS_MMAP] = sys_mmap,
    [SYS_MUNMAP] = sys_munmap,
    [SYS_IPC_SEND] = sys_ipc_send,
    [SYS_IPC_RECEIVE] = sys_ipc_receive,
    [SYS_IPC_CALL] = sys_ipc_call,
    [SYS_IPC_REPLY] = sys_ipc_reply,
    [SYS_IPC_ENDPOINT_CREATE] = sys_ipc_endpoint_create,
    [SYS_IPC_CHANNEL_CREATE] = sys_ipc_channel_create,
    [SYS_IPC_CHANNEL_CLOSE] = sys_ipc_channel_close,
    [SYS_IPC_BUFFER] = sys_ipc_buffer,
    [SYS_PROCESS_CREATE] = sys_process_create,
    [SYS_PROCESS_START] = sys_process_start,
    [SYS_PROCESS_WAIT] = sys_process_wait,
    [SYS_PROCESS_TERMINATE] = sys_process_terminate,
    [SYS_THREAD_SET_POINTER] = sys_thread_set_pointer,
    [SYS_THREAD_CREATE] = sys_thread_create,
    [SYS_THREAD_EXIT] = sys_thread_exit,
    [SYS_THREAD_JOIN] = sys_thread_join,
    [SYS_THREAD_INFO] = sys_thread_info,
    [SYS_THREAD_SELF] = sys_thread_self,
    [SYS_CAPABILITY_CREATE] = sys_cap_create,
    [SYS_CAPABILITY_DERIVE] = sys_cap_derive,
    [SYS_CAPABILITY_REVOKE] = sys_cap_revoke,
    [SYS_CAPABILITY_VALIDATE] = sys_cap_validate,
    [SYS_CAPABILITY_NEXT] = sys_cap_next,
    [SYS_YIELD] = sys_yield,
    [SYS_SET_PRIORITY] = sys_set_priority,
    [SYS_SLEEP] = sys_sleep,
    [SYS_CLOCK] = sys_clock,
    [SYS_SET_AFFINITY] = sys_set_affinity,
    [SYS_POWER_OFF] = sys_power_off,
    [SYS_POWER_WATCH] = sys_power_watch,
    [SYS_CONSOLE_BREAK] = sys_console_break,
    [SYS_XOUS_PROCESS_SPAWN] = sys_xous_process_spawn,
    [SYS_XOUS_PROCESS_YIELD] = sys_yield,
    [SYS_XOUS_PROCESS_SUSPEND] = sys_xous_process_suspend,
    [SYS_XOUS_PROCESS_RESUME] = sys_xous_process_resume,
    [SYS_XOUS_PROCESS_TERMINATE] = sys_xous_process_terminate,
    [SYS_XOUS_INTERRUPT_CLAIM] = sys_xous_interrupt_claim,
    [SYS_XOUS_MEMORY_ALLOCATE] = sys_xous_memory_allocate,
    [SYS_XOUS_HEAP_RESIZE] = sys_xous_heap_resize,
    [SYS_XOUS_SERVER_CREATE] = sys_xous_server_create,
    [SYS_XOUS_SERVER_RECEIVE] = sys_xous_server_receive,
    [SYS_XOUS_SERVER_REPLY] = sys_xous_server_reply,
    [SYS_XOUS_CLIENT_CONNECT] = sys_xous_client_connect,
    [SYS_XOUS_CLIENT_SEND] = sys_xous_client_send,
    [SYS_SHARED_REGION_CREATE] = sys_shared_region_create,
    [SYS_SHARED_REGION_MAP] = sys_shared_region_map,
    [SYS_SHARED_REGION_TRANSFER] = sys_shared_region_transfer,
    [SYS_NOTIFICATION_CREATE] = sys_notification_create,
    [SYS_NOTIFICATION_SIGNAL] = sys_notification_signal,
    [SYS_NOTIFICATION_WAIT] = sys_notification_wait,
    [SYS_NOTIFICATION_POLL] = sys_notification_poll,
    [SYS_INTERRUPT_BIND] = sys_interrupt_bind,
    [SYS_INTERRUPT_ACK] = sys_interrupt_ack,
    [SYS_INTERRUPT_UNBIND] = sys_interrupt_unbind,
    [SYS_MMIO_MAP] = sys_mmio_map,
    [SYS_PORT_IN] = sys_port_in,
    [SYS_PORT_OUT] = sys_port_out,
    [SYS_KEYBOARD_INPUT] = sys_keyboard_input,
    [SYS_CAPABILITY_DERIVE_RANGE] = sys_cap_derive_range,
    [SYS_DMA_ALLOC] = sys_dma_alloc,
    [SYS_DMA_PIN] = sys_dma_pin,
    [SYS_DMA_RELEASE] = sys_dma_release,
    [SYS_PCI_CONFIG_READ] = sys_pci_config_read,
    [SYS_PCI_CONFIG_WRITE] = sys_pci_config_write,
    [SYS_PCI_INTERRUPT] = sys_pci_interrupt,
    [SYS_PCI_MSI_ALLOC] = sys_pci_msi_alloc,
    [SYS_MACHINE_INFO] = sys_machine_info,
    [SYS_KERNEL_METRICS] = sys_kernel_metrics,
    [SYS_PROCESS_INFO] = sys_process_info,
    [SYS_DEBUG_PRINT] = sys_debug_print,
    [SYS_DEBUG_DUMP_PROCESS] = sys_dump_process,
    [SYS_DEBUG_DUMP_MEMORY] = sys_dump_memory,
    [SYS_DEBUG_DUMP_IPC] = sys_dump_ipc,
    [SYS_DEBUG_TRACE] = sys_debug_trace,
};

/*
 * System calls run with interrupts off: with one CPU in the kernel that is
 * the kernel's lock, so a call never sees another halfway through. A call
 * gives the CPU away only where it blocks (sleep, wait, join, yield).
 */
void trap_syscall(struct trap_frame *tf)
{
	uint64_t start = arch_counter();
	uintptr_t nr = syscall_nr(tf);
	struct process *p = process_current();
	syscall_fn fn = nr < SYS_COUNT ? table[nr] : NULL;
	p->syscalls++; /* before the call: exit does not come back */
	metrics.syscalls++;
	int tag = fn ? fn(tf, p) : E_NOT_IMPLEMENTED;
	syscall_set_tag(tf, (uintptr_t)tag);
	if (__builtin_expect(trace, 0))
		kprintf("[%llu] syscall %lu -> %d\n", (unsigned long long)p->pid, (unsigned long)nr,
			tag);
	metrics.syscall_ticks += arch_counter() - start;
}
