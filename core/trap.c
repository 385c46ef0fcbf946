/* Portable trap policy: expected faults return to the arch, the rest panic. */
#include "arch/hal/hal.h"
#include "core/panic.h"
#include "core/trap.h"

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

void trap_fault(struct trap_frame *tf, const struct trap_info *info)
{
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

void trap_irq(struct trap_frame *tf, unsigned irq)
{
	(void)tf;
	pr_warn("spurious interrupt %u", irq);
}
