/*
 * Processes in rings 1 and 2 (r2 drivers and services). Long-mode paging
 * knows only user (ring 3) and supervisor (rings 0-2): code in ring 1 or
 * 2 may read and write every supervisor page, so it must not run on the
 * kernel's page tables. Such a process's thread runs on tables of its own
 * (a KPTI-like split):
 *   - the lower half is the process's own memory: the PML4 entries of its
 *     address space, copied with U/S cleared, so the same lower tables
 *     serve both (the walk ANDs U/S: all of it is supervisor here), and
 *     copied again before every return to it (mappings change);
 *   - the upper half maps only what taking a trap needs: the entry code
 *     (trap.S's .text.entry, read-only), the IDT, the GDT and the TSS's
 *     page of the per-CPU area (read-only: CR0.WP makes that hold for
 *     rings 1 and 2), the per-CPU scratch page and the IST stacks
 *     (writable), and the thread's own kernel stack (writable), never
 *     global;
 *   - trap.S loads the full tables (%gs:CPU_KCR3) first thing on entry
 *     and these (%gs:CPU_UCR3) last thing on exit, flushing global TLB
 *     entries, so no kernel translation survives into the ring;
 *   - SYSCALL goes to x86_syscall_entry_ring12 while such a thread runs
 *     (sysretq would land in ring 3), and returns by iretq.
 * I/O instructions, cli/sti, hlt and every system instruction still fault
 * (IOPL 0, CPL > 0). Only the first thread runs in the ring: threads it
 * creates are ordinary ring 3 threads. One CPU runs user code today; with
 * several, a thread's kernel stack would be visible to its process's other
 * threads while in the kernel.
 */
#include "arch/hal/user.h"
#include "cap/cap.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "core/process.h"
#include "gdt.h"
#include "legacy.h"
#include "mm/kstack.h"
#include "mm/kvm.h"
#include "mm/phys.h"
#include "x86.h"

#define RING_PROCS 8
#define X86_US	   (1ull << 2) /* user/supervisor bit of every paging entry */
#define LOWER_HALF 256	       /* PML4 entries of the user half */

struct ring_proc {
	uint64_t pid; /* 0: free */
	struct kthread *thread;
	uintptr_t kstack_top;
	unsigned ring;
	struct page_table pt; /* the restricted tables */
};

unsigned x86_r2_rings_live;
static struct ring_proc procs[RING_PROCS];
static struct ring_proc *active; /* what the per-CPU ring words name, or NULL */

void x86_syscall_entry(void);	     /* trap.S */
void x86_syscall_entry_ring12(void); /* trap.S */

static void cpu_plain(void)
{
	x86_cpu_set_ring(0, 0, SEL_UCODE, SEL_UDATA);
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)x86_syscall_entry);
	active = NULL;
}

static void release(struct ring_proc *r)
{
	if (r == active)
		cpu_plain();
	if (r->pt.root) {
		uint64_t *root = phys_to_virt(r->pt.root);
		for (unsigned i = 0; i < LOWER_HALF; i++)
			root[i] = 0; /* the process's tables, not ours to free */
		pt_destroy(&r->pt);
	}
	r->pid = 0;
	x86_r2_rings_live--;
}

static uint64_t ring_cs(unsigned ring)
{
	return ring == 1 ? SEL_R1CODE : SEL_R2CODE;
}

static uint64_t ring_ss(unsigned ring)
{
	return ring == 1 ? SEL_R1DATA : SEL_R2DATA;
}

/*
 * The process whose live thread `r` names, or NULL once it has gone. A
 * thread that took over its stack and address (heap reuse) shows itself
 * by its frame, whose cs is never this ring's.
 */
static struct process *owner(const struct ring_proc *r)
{
	struct process *p = process_find(r->pid);
	if (!p || p->state == P_ZOMBIE)
		return NULL;
	for (struct kthread *t = p->threads; t; t = t->proc_next)
		if (t == r->thread && t->stack_top == r->kstack_top && !t->exited &&
		    arch_user_frame(t->stack_top)->cs == ring_cs(r->ring))
			return p;
	return NULL;
}

static void sync_lower(struct ring_proc *r, const struct process *p)
{
	uint64_t *dst = phys_to_virt(r->pt.root);
	const uint64_t *src = phys_to_virt(p->vs.pt.root);
	for (unsigned i = 0; i < LOWER_HALF; i++)
		dst[i] = src[i] & ~X86_US;
}

void x86_r2_ring_switch(uintptr_t kstack_top)
{
	struct ring_proc *hit = NULL;
	struct process *p = NULL;
	for (unsigned i = 0; i < RING_PROCS; i++) {
		struct ring_proc *r = &procs[i];
		if (!r->pid || r->kstack_top != kstack_top)
			continue;
		p = owner(r);
		if (p) {
			hit = r;
			break;
		}
		release(r); /* its thread is gone; the stack is someone else's now */
	}
	if (!hit) {
		if (active)
			cpu_plain();
		return;
	}
	sync_lower(hit, p);
	x86_cpu_set_ring(p->vs.pt.root, hit->pt.root, ring_cs(hit->ring), ring_ss(hit->ring));
	if (!active)
		wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)x86_syscall_entry_ring12);
	active = hit;
}

_Noreturn void x86_r2_stray_ring(struct trap_frame *tf)
{
	struct process *p = process_current();
	kprintf("process %llu (%s) killed: ring %u without its page tables at pc %#lx\n",
		(unsigned long long)(p ? p->pid : 0), p ? p->name : "?", (unsigned)(tf->cs & 3),
		(unsigned long)tf->rip);
	process_exit_self(-1, EXIT_ILLEGAL, tf->rip);
}

void x86_r2_ring_exit(void)
{
	struct process *p = process_current();
	if (!active || !p || kthread_current() != active->thread)
		panic("r2: leaving for ring %u with another thread's page tables",
		      active ? active->ring : 0);
	sync_lower(active, p);
}

/* Map [va, va + size) of the kernel, as the kernel maps it, with `flags`. */
static int map_kernel(struct page_table *pt, uintptr_t va, size_t size, unsigned flags)
{
	for (uintptr_t a = va & ~(PAGE_SIZE - 1); a < va + size; a += PAGE_SIZE) {
		uint64_t pa;
		int err = translate(&kernel_pt, a, &pa);
		if (!err)
			err = map_page(pt, a, pa & ~(uint64_t)(PAGE_SIZE - 1), flags);
		if (err)
			return err;
	}
	return E_OK;
}

static int build(struct ring_proc *r)
{
	const unsigned ro = PTE_PRESENT | PTE_NO_EXECUTE, rw = ro | PTE_WRITABLE;
	struct x86_entry_area a;
	x86_entry_area(&a);
	int err = pt_create(&r->pt, &arch_pt_format, 4);
	if (err)
		return err;
	uintptr_t text = (uintptr_t)x86_entry_text_start;
	if (!err)
		err = map_kernel(&r->pt, text, (uintptr_t)x86_entry_text_end - text, PTE_PRESENT);
	if (!err)
		err = map_kernel(&r->pt, x86_idt_page(), PAGE_SIZE, ro);
	if (!err)
		err = map_kernel(&r->pt, a.gdt, PAGE_SIZE, ro);
	if (!err)
		err = map_kernel(&r->pt, a.cpu_ro, PAGE_SIZE, ro);
	if (!err)
		err = map_kernel(&r->pt, a.cpu_rw, PAGE_SIZE, rw);
	if (!err)
		err = map_kernel(&r->pt, a.ist, a.ist_size, rw);
	if (!err)
		err = map_kernel(&r->pt, r->kstack_top - KSTACK_SIZE, KSTACK_SIZE, rw);
	return err;
}

/* Drivers' privilege: the caller holds an I/O port capability it may grant. */
static bool may_set_rings(struct process *p)
{
	struct capability c;
	for (uint32_t cursor = 0; cap_next(&p->caps, OBJ_IO_PORTS, &cursor, &c) == E_OK;)
		if (c.rights & RIGHT_GRANT)
			return true;
	return false;
}

uint64_t r2_set_ring(struct process *p, uint64_t pid, uint64_t ring)
{
	struct process *child = process_find(pid);
	if ((ring != 1 && ring != 2) || !may_set_rings(p) || !child || child->parent != p ||
	    child->state != P_NEW || !child->threads || child->threads->proc_next)
		return R2_INVALID_INPUT;
	struct ring_proc *r = NULL;
	for (unsigned i = 0; i < RING_PROCS; i++) {
		if (procs[i].pid && !owner(&procs[i]))
			release(&procs[i]);
		if (procs[i].pid == pid)
			return R2_INVALID_INPUT; /* once */
		if (!procs[i].pid && !r)
			r = &procs[i];
	}
	if (!r)
		return R2_INVALID_INPUT;
	struct kthread *t = child->threads;
	*r = (struct ring_proc){
	    .pid = pid, .thread = t, .kstack_top = t->stack_top, .ring = (unsigned)ring};
	x86_r2_rings_live++;
	if (build(r)) {
		release(r);
		return R2_INVALID_INPUT;
	}
	sync_lower(r, child);
	struct trap_frame *tf = arch_user_frame(t->stack_top);
	tf->cs = ring_cs(r->ring);
	tf->ss = ring_ss(r->ring);
	return R2_OK;
}
