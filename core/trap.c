/* Portable trap policy: expected faults return to the arch, the rest panic. */
#include "arch/hal/hal.h"
#include "core/panic.h"
#include "core/trap.h"
#include "core/metrics.h"
#include "core/process.h"

static const char *const kind_names[TRAP_KIND_COUNT] = {
    [TRAP_BREAKPOINT] = "breakpoint",
    [TRAP_ILLEGAL] = "illegal instruction",
    [TRAP_ALIGNMENT] = "misaligned access",
    [TRAP_PAGE_FAULT] = "page fault",
    [TRAP_BUS] = "bus error",
    [TRAP_ARITH] = "arithmetic error",
    [TRAP_SYSCALL] = "unexpected syscall",
    [TRAP_OTHER] = "exception",
};

/* One CPU for now; per-CPU when secondaries run kernel code. */
static struct {
	bool armed;
	bool taken;
	enum trap_kind kind;
	struct trap_info last;
} expect;

void trap_expect(enum trap_kind kind)
{
	expect.kind = kind;
	expect.taken = false;
	expect.armed = true;
}

bool trap_expect_done(void)
{
	expect.armed = false;
	return expect.taken;
}

const struct trap_info *trap_last(void)
{
	return &expect.last;
}

static const enum exit_reason kind_exit[TRAP_KIND_COUNT] = {
    [TRAP_BREAKPOINT] = EXIT_BREAKPOINT, [TRAP_ILLEGAL] = EXIT_ILLEGAL,
    [TRAP_ALIGNMENT] = EXIT_ALIGNMENT,	 [TRAP_PAGE_FAULT] = EXIT_PAGE_FAULT,
    [TRAP_BUS] = EXIT_PAGE_FAULT,	 [TRAP_ARITH] = EXIT_ARITH,
    [TRAP_SYSCALL] = EXIT_ILLEGAL,	 [TRAP_OTHER] = EXIT_FAULT,
};

/* A fault from user mode ends the process, with one line on the console. */
static _Noreturn void user_fault(enum trap_kind kind, const char *what, uintptr_t pc,
				 uintptr_t addr)
{
	struct process *p = process_current();
	if (!p)
		panic("user fault outside a process");
	kprintf("process %llu (%s) killed: %s at pc %#lx, address %#lx\n",
		(unsigned long long)p->pid, p->name, what, (unsigned long)pc, (unsigned long)addr);
	p->page_faults += kind == TRAP_PAGE_FAULT;
	process_exit_self(-1, kind < TRAP_KIND_COUNT ? kind_exit[kind] : EXIT_FAULT, addr);
}

void trap_fault(struct trap_frame *tf, const struct trap_info *info)
{
	if (info->user)
		user_fault(info->kind, info->name ? info->name : kind_names[info->kind], info->pc,
			   info->kind == TRAP_PAGE_FAULT || info->kind == TRAP_BUS ||
				   info->kind == TRAP_ALIGNMENT
			       ? info->addr
			       : info->pc);
	if (expect.armed && info->kind == expect.kind) {
		expect.armed = false;
		expect.taken = true;
		expect.last = *info;
		return;
	}
	const char *kind = info->kind < TRAP_KIND_COUNT ? kind_names[info->kind] : "?";
	kprintf("\nunexpected trap: %s (%s, cause %#llx) at pc %#lx, address %#lx, from %s mode\n",
		kind, info->name ? info->name : "?", (unsigned long long)info->cause,
		(unsigned long)info->pc, (unsigned long)info->addr, info->user ? "user" : "kernel");
	arch_trap_dump(tf);
	backtrace_print(arch_trap_fp(tf));
	panic("unexpected %s", kind);
}

void trap_page_fault(struct trap_frame *tf, uintptr_t addr, unsigned access)
{
	uintptr_t pc = arch_trap_pc(tf);

	metrics.page_faults++;
	/* A write owed a copy-on-write page is resolved, and the access runs again. */
	struct process *p = access & FAULT_USER ? process_current() : NULL;
	if (p) {
		/* Interrupts off, as in a system call: no other thread of p changes its space meanwhile. */
		irqflags_t irq = arch_irq_save();
		int err = vmspace_fault(&p->vs, addr, access);
		arch_irq_restore(irq);
		if (err == E_OK) {
			p->page_faults++;
			return;
		}
	}
	if (access & FAULT_USER)
		user_fault(TRAP_PAGE_FAULT,
			   access & FAULT_EXEC	  ? "page fault (execute)"
			   : access & FAULT_WRITE ? "page fault (write)"
						  : "page fault (read)",
			   pc, addr);
	if (expect.armed && expect.kind == TRAP_PAGE_FAULT) {
		expect.armed = false;
		expect.taken = true;
		expect.last = (struct trap_info){
		    .kind = TRAP_PAGE_FAULT,
		    .name = "page fault",
		    .cause = access,
		    .pc = pc,
		    .addr = addr,
		    .user = (access & FAULT_USER) != 0,
		};
		/* A fetch fault sits on a called function's first instruction: return from it. */
		if (access & FAULT_EXEC)
			arch_trap_return_from_call(tf);
		else
			arch_trap_skip(tf);
		return;
	}
	kprintf("\npage fault: %s of %#lx at pc %#lx, %s, from %s mode\n",
		access & FAULT_EXEC    ? "execute"
		: access & FAULT_WRITE ? "write"
				       : "read",
		(unsigned long)addr, (unsigned long)pc,
		access & FAULT_PRESENT ? "protection violation" : "page not mapped or not allowed",
		access & FAULT_USER ? "user" : "kernel");
	arch_trap_dump(tf);
	backtrace_print(arch_trap_fp(tf));
	panic("kernel page fault at %#lx", (unsigned long)addr);
}
