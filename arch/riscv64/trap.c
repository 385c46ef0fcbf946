/*
 * riscv64 traps: decode scause for the portable handlers. The supervisor
 * timer interrupt goes to trap_timer(), other interrupts to trap_irq();
 * page faults to trap_page_fault() with stval; a user FP instruction while
 * FP is not allowed to trap_fpu(); every other exception to trap_fault().
 * trap.S sends system calls from U-mode to trap_syscall() itself; every
 * other trap from U-mode comes here too.
 */
#include <stddef.h>

#include "arch/hal/irq.h"
#include "arch/hal/trap.h"
#include "arch/hal/user.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "mm/kstack.h"
#include "mm/kvm.h"
#include "mm/pt.h"
#include "riscv.h"

/* trap.S and the C view of the frame must agree. */
_Static_assert(offsetof(struct trap_frame, x[31]) == TF_X(31), "trap_frame x[]");
_Static_assert(offsetof(struct trap_frame, sepc) == TF_SEPC, "trap_frame sepc");
_Static_assert(offsetof(struct trap_frame, sstatus) == TF_SSTATUS, "trap_frame sstatus");
_Static_assert(offsetof(struct trap_frame, scause) == TF_SCAUSE, "trap_frame scause");
_Static_assert(offsetof(struct trap_frame, stval) == TF_STVAL, "trap_frame stval");
_Static_assert(offsetof(struct trap_frame, fp_prev) == TF_FP_PREV, "trap_frame fp_prev");
_Static_assert(offsetof(struct trap_frame, fp_ret) == TF_FP_RET, "trap_frame fp_ret");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE && TF_SIZE % 16 == 0, "trap_frame size");
/* trap.S's overflow check knows the kernel-stack area by these numbers. */
_Static_assert((long)KVM_KSTACK_AREA == TF_KSTACK_AREA_GIB * (1l << 30) &&
		   KSTACK_SLOTS * (unsigned long)KSTACK_STRIDE <= 1ul << 30,
	       "the kernel-stack area is the GiB TF_KSTACK_AREA_GIB");
_Static_assert(KSTACK_SIZE == 1u << TF_KSTACK_SIZE_LOG2 && KSTACK_STRIDE == 2 * KSTACK_SIZE,
	       "kernel stacks are the upper halves of their slots");

extern char trap_entry[], trap_overflow_stack[], trap_overflow_stack_top[];
void trap_handle(struct trap_frame *tf);

/* Per exception code: the portable kind, the spec's name, whether stval is an address. */
static const struct {
	enum trap_kind kind;
	const char *name;
	bool addr;
} exceptions[] = {
    [EXC_INSN_MISALIGNED] = {TRAP_ALIGNMENT, "instruction address misaligned", true},
    [EXC_INSN_ACCESS] = {TRAP_BUS, "instruction access fault", true},
    [EXC_ILLEGAL] = {TRAP_ILLEGAL, "illegal instruction", false},
    [EXC_BREAKPOINT] = {TRAP_BREAKPOINT, "breakpoint", false},
    [EXC_LOAD_MISALIGNED] = {TRAP_ALIGNMENT, "load address misaligned", true},
    [EXC_LOAD_ACCESS] = {TRAP_BUS, "load access fault", true},
    [EXC_STORE_MISALIGNED] = {TRAP_ALIGNMENT, "store/AMO address misaligned", true},
    [EXC_STORE_ACCESS] = {TRAP_BUS, "store/AMO access fault", true},
    [EXC_ECALL_U] = {TRAP_SYSCALL, "environment call from U-mode", false},
    [EXC_ECALL_S] = {TRAP_SYSCALL, "environment call from S-mode", false},
    /* Page faults (12, 13, 15) never get here: see page_fault_access(). */
};

#define NEXCEPTIONS (sizeof(exceptions) / sizeof(exceptions[0]))

/* The hart has an FP unit: without F/D, sstatus.FS is hardwired to Off. */
static bool fpu_present;

void arch_trap_init(void)
{
	/* Direct mode: every trap enters at trap_entry (4-byte aligned, mode bits 0). */
	csr_write(stvec, (uintptr_t)trap_entry);
	csr_write(sscratch, 0);
	csr_set(sstatus, SSTATUS_FS_INITIAL);
	fpu_present = csr_read(sstatus) & SSTATUS_FS_MASK;
	csr_clear(sstatus, SSTATUS_FS_MASK); /* the kernel itself never uses FP */
}

static void trap_decode(const struct trap_frame *tf, struct trap_info *info)
{
	unsigned long code = SCAUSE_CODE(tf->scause);
	bool known = code < NEXCEPTIONS && exceptions[code].name;

	info->kind = known ? exceptions[code].kind : TRAP_OTHER;
	info->name = known ? exceptions[code].name : "reserved exception";
	info->cause = tf->scause;
	info->pc = tf->sepc;
	info->addr = known && exceptions[code].addr ? tf->stval : 0;
	info->user = !(tf->sstatus & SSTATUS_SPP);
}

/* Whether the active tables map `va` with a valid leaf (whatever its permissions). */
static bool mapped(uintptr_t va)
{
	struct page_table pt = {
	    .root = arch_mmu_root(), .levels = arch_mmu_levels(), .fmt = &riscv64_pt_format};
	return pt_query(&pt, va, NULL, NULL, NULL) == E_OK;
}

/*
 * The FAULT_* access of a page-fault exception code, 0 for other codes.
 * scause does not say whether the page was mapped: trap_handle() adds
 * FAULT_PRESENT from a walk (mapped()).
 */
static unsigned page_fault_access(unsigned long code)
{
	if (code == EXC_INSN_PAGE_FAULT)
		return FAULT_EXEC;
	if (code == EXC_LOAD_PAGE_FAULT)
		return FAULT_READ;
	if (code == EXC_STORE_PAGE_FAULT)
		return FAULT_WRITE; /* stores and AMOs alike */
	return 0;
}

/*
 * An illegal instruction from U-mode while the thread ran with FS Off: its
 * first FP instruction since FP was last allowed to it, or none at all.
 * trap_fpu() loads the thread's FP registers and allows FP; the frame's FS
 * becomes Clean (the registers match the thread's saved state) and the
 * instruction runs again. Were it no FP instruction, it traps once more,
 * with FS on this time, and goes to trap_fault(): never a loop, as long as
 * trap_fpu() does allow FP and the hart keeps FS on (fpu_present).
 */
static bool fpu_first_use(struct trap_frame *tf)
{
	if (!fpu_present || SCAUSE_CODE(tf->scause) != EXC_ILLEGAL ||
	    (tf->sstatus & (SSTATUS_SPP | SSTATUS_FS_MASK)))
		return false;
	trap_fpu(tf);
	if (!(riscv_user_sstatus_mask & SSTATUS_FS_MASK))
		panic("trap_fpu did not allow FP: the instruction would trap forever");
	tf->sstatus |= SSTATUS_FS_CLEAN;
	return true;
}

/*
 * trap.S put the frame on the emergency stack: the interrupted stack had no
 * room left for it, it overflowed into (or is about to touch) its guard.
 * That stack cannot be resumed: report and panic, with the page fault's
 * own report when it is one.
 */
static _Noreturn void stack_overflow(struct trap_frame *tf, unsigned access)
{
	kprintf("\nkernel stack overflow: sp %#lx at pc %#lx (trap taken on the emergency stack)\n",
		tf->x[2], tf->sepc);
	if (access)
		trap_page_fault(tf, tf->stval, access); /* panics with its report */
	arch_trap_dump(tf);
	backtrace_print(arch_trap_fp(tf));
	panic("kernel stack overflow at pc %#lx", tf->sepc);
}

/* Called by trap.S with the saved frame; returning resumes at tf->sepc. */
void trap_handle(struct trap_frame *tf)
{
	struct trap_info info;

	if ((char *)tf >= trap_overflow_stack && (char *)tf < trap_overflow_stack_top)
		stack_overflow(tf, tf->scause & SCAUSE_INTERRUPT
				       ? 0
				       : page_fault_access(SCAUSE_CODE(tf->scause)));
	if (tf->scause & SCAUSE_INTERRUPT) {
		/*
		 * Asynchronous: sepc is the instruction to resume, never skipped.
		 * sstatus.SIE is off (the trap cleared it; SPIE keeps the old
		 * value for sret). The timer handler re-arms, which clears STIP,
		 * and may switch threads: this frame stays on this thread's stack
		 * until it runs again, and trap.S reloads sepc and sstatus from it.
		 */
		unsigned long code = SCAUSE_CODE(tf->scause);
		if (code == IRQ_S_TIMER) {
			riscv_timer_interrupt(tf);
		} else if (code == IRQ_S_EXT) {
			riscv_external_interrupt(tf);
		} else {
			/* Nothing else is enabled: a hart-local source we do not use, off for good. */
			csr_clear(sie, 1ul << (code & 63));
			trap_irq(tf, IRQ_NONE);
		}
		return;
	}
	unsigned access = page_fault_access(SCAUSE_CODE(tf->scause));
	if (access) {
		/* As #PF's P bit and Arm's permission fault: a write to a read-only page sets it. */
		if (mapped(tf->stval))
			access |= FAULT_PRESENT;
		if (!(tf->sstatus & SSTATUS_SPP))
			access |= FAULT_USER;
		/* stval: the faulting virtual address. Resume as the handler left the frame. */
		trap_page_fault(tf, tf->stval, access);
		return;
	}
	if (fpu_first_use(tf))
		return; /* run it again, FP allowed */
	trap_decode(tf, &info);
	trap_fault(tf, &info);
	/*
	 * Back here: a test expected this kernel trap; skip the instruction.
	 * A user fault returns only when resolved: resume the frame as left
	 * (and never read a user pc from S-mode: SUM is 0).
	 */
	if (!info.user)
		arch_trap_skip(tf);
}

void arch_trap_skip(struct trap_frame *tf)
{
	/* Instructions are 2-byte aligned with C; a 16-bit parcel not ending in 0b11 is compressed. */
	uint16_t parcel = *(const volatile uint16_t *)tf->sepc;

	tf->sepc += (parcel & 3) == 3 ? 4 : 2;
}

uintptr_t arch_trap_pc(const struct trap_frame *tf)
{
	return tf->sepc;
}

void arch_trap_return_from_call(struct trap_frame *tf)
{
	/* The fault was on the callee's first instruction: ra still holds the return address. */
	tf->sepc = tf->x[1];
}

uintptr_t arch_trap_fp(const struct trap_frame *tf)
{
	return tf->x[8];
}

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

void arch_trap_dump(const struct trap_frame *tf)
{
	kprintf("sepc %016lx sstatus %016lx scause %016lx stval %016lx\n", tf->sepc, tf->sstatus,
		tf->scause, tf->stval);
	for (int i = 0; i < 32; i++)
		kprintf("%4s %016lx%s", reg_names[i], tf->x[i], i % 4 == 3 ? "\n" : " ");
}
