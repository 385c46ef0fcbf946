/*
 * Synchronous exceptions, decoded from ESR_EL1: MMU aborts go to
 * trap_page_fault(), user FP/SIMD while not allowed to trap_fpu(),
 * everything else as a portable struct trap_info to trap_fault(). IRQs
 * are acknowledged at the GIC: the timer's goes to trap_timer(), any
 * other to trap_irq(). The same decoding serves traps from user mode
 * (FAULT_USER, info.user); trap.S handles system calls and the way back
 * to user mode itself.
 */
#include "aarch64.h"
#include "arch/hal/timer.h"
#include "arch/hal/trap.h"
#include "arch/hal/user.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "sysreg.h"

/* The vector index of trap.S: its group (0-3) and its kind within the group. */
#define VEC_GROUP(v)   ((v) >> 2)
#define VEC_KIND(v)    ((v)&3)
#define VEC_SYNC       0
#define VEC_IRQ	       1
#define VEC_SERROR     3
#define VEC_GROUP_USER 2 /* groups 2 and 3: taken from a lower EL */
#define VEC_EL1_SYNC   4 /* synchronous, from the kernel on SP_EL1 */

extern const char trap_vectors[];

void trap_handle(struct trap_frame *tf, unsigned vector);
_Noreturn void a64_stack_overflow(struct trap_frame *tf);

struct ec_desc {
	const char *name;
	enum trap_kind kind;
};

static const struct ec_desc ec_table[64] = {
    [EC_UNKNOWN] = {"EC 0x00 unknown instruction", TRAP_ILLEGAL},
    [EC_WFX] = {"EC 0x01 trapped WFI/WFE", TRAP_ILLEGAL},
    [EC_FP_ACCESS] = {"EC 0x07 FP/SIMD access", TRAP_ILLEGAL},
    [EC_BTI] = {"EC 0x0d branch target", TRAP_ILLEGAL},
    [EC_ILLEGAL_STATE] = {"EC 0x0e illegal execution state", TRAP_ILLEGAL},
    [EC_SVC64] = {"EC 0x15 SVC", TRAP_SYSCALL},
    [EC_HVC64] = {"EC 0x16 HVC", TRAP_SYSCALL},
    [EC_SMC64] = {"EC 0x17 SMC", TRAP_SYSCALL},
    [EC_SYSREG] = {"EC 0x18 system register access", TRAP_ILLEGAL},
    [EC_SVE_ACCESS] = {"EC 0x19 SVE access", TRAP_ILLEGAL},
    [EC_PAC_FAIL] = {"EC 0x1c pointer authentication", TRAP_ILLEGAL},
    [EC_IABT_LOWER] = {"EC 0x20 instruction abort (lower EL)", TRAP_PAGE_FAULT},
    [EC_IABT_SAME] = {"EC 0x21 instruction abort", TRAP_PAGE_FAULT},
    [EC_PC_ALIGN] = {"EC 0x22 PC alignment", TRAP_ALIGNMENT},
    [EC_DABT_LOWER] = {"EC 0x24 data abort (lower EL)", TRAP_PAGE_FAULT},
    [EC_DABT_SAME] = {"EC 0x25 data abort", TRAP_PAGE_FAULT},
    [EC_SP_ALIGN] = {"EC 0x26 SP alignment", TRAP_ALIGNMENT},
    [EC_FP_EXC64] = {"EC 0x2c FP exception", TRAP_ARITH},
    [EC_SERROR] = {"EC 0x2f SError", TRAP_BUS},
    [EC_HWBP_LOWER] = {"EC 0x30 breakpoint (lower EL)", TRAP_BREAKPOINT},
    [EC_HWBP_SAME] = {"EC 0x31 breakpoint", TRAP_BREAKPOINT},
    [EC_STEP_LOWER] = {"EC 0x32 software step (lower EL)", TRAP_OTHER},
    [EC_STEP_SAME] = {"EC 0x33 software step", TRAP_OTHER},
    [EC_WATCH_LOWER] = {"EC 0x34 watchpoint (lower EL)", TRAP_OTHER},
    [EC_WATCH_SAME] = {"EC 0x35 watchpoint", TRAP_OTHER},
    [EC_BRK64] = {"EC 0x3c BRK", TRAP_BREAKPOINT},
};

void arch_trap_init(void)
{
	/* VBAR_EL1 bits [10:0] are RES0: trap.S aligns the table to 2 KiB. */
	__asm__ volatile("msr vbar_el1, %0\n\tisb" ::"r"(trap_vectors) : "memory");
}

static unsigned esr_ec(uint64_t esr)
{
	return (unsigned)(esr >> ESR_EC_SHIFT & ESR_EC_MASK);
}

/* An abort's fault status code says whether it is a translation problem. */
static enum trap_kind abort_kind(uint64_t esr)
{
	unsigned fsc = (unsigned)(esr & ESR_FSC_MASK);

	if (fsc < FSC_EXT_ABORT) /* address size, translation, access flag, permission */
		return TRAP_PAGE_FAULT;
	if (fsc == FSC_ALIGNMENT)
		return TRAP_ALIGNMENT;
	if (fsc == FSC_TAG_CHECK)
		return TRAP_OTHER;
	if (fsc < 0x20) /* synchronous external aborts, parity and ECC errors */
		return TRAP_BUS;
	return TRAP_OTHER;
}

static bool ec_is_abort(unsigned ec)
{
	return ec == EC_IABT_LOWER || ec == EC_IABT_SAME || ec == EC_DABT_LOWER ||
	       ec == EC_DABT_SAME;
}

/* FAR_EL1 holds an address for aborts, PC alignment faults and watchpoints. */
static uintptr_t fault_address(const struct trap_frame *tf, unsigned ec)
{
	if (ec_is_abort(ec))
		return tf->esr & ESR_FNV ? 0 : tf->far;
	switch (ec) {
	case EC_PC_ALIGN:
	case EC_WATCH_LOWER:
	case EC_WATCH_SAME:
		return tf->far;
	case EC_SP_ALIGN:
		return tf->sp;
	default:
		return 0;
	}
}

/*
 * A data or instruction abort the MMU raised (translation, access flag or
 * permission fault) goes to trap_page_fault(); true when it did. The
 * handler moves the pc itself when it must: the frame resumes as it is.
 */
static bool trap_mmu_abort(struct trap_frame *tf, unsigned ec, bool user)
{
	unsigned type = (unsigned)(tf->esr & FSC_TYPE_MASK);
	unsigned access;

	if (!ec_is_abort(ec) ||
	    (type != FSC_TRANSLATION && type != FSC_ACCESS_FLAG && type != FSC_PERMISSION))
		return false;
	if (ec == EC_IABT_LOWER || ec == EC_IABT_SAME)
		access = FAULT_EXEC;
	else /* cache maintenance reports WnR = 1, but it is no write */
		access = (tf->esr & ESR_WNR) && !(tf->esr & ESR_CM) ? FAULT_WRITE : FAULT_READ;
	if (user)
		access |= FAULT_USER;
	if (type == FSC_PERMISSION)
		access |= FAULT_PRESENT;
	trap_page_fault(tf, tf->far, access);
	return true;
}

static void trap_sync(struct trap_frame *tf, bool user)
{
	unsigned ec = esr_ec(tf->esr);

	/*
	 * EL0 used FP/SIMD with CPACR_EL1.FPEN = 0b01 (arch_fpu_allow(false)):
	 * hand the registers over, interrupts still off as the exception left
	 * them. elr stays on the instruction, which runs again after the eret.
	 * From EL1 (FPEN never traps it) EC 0x07 is an unexpected trap below.
	 */
	if (ec == EC_FP_ACCESS && user) {
		trap_fpu(tf);
		return;
	}

	const struct ec_desc *d = &ec_table[ec];
	struct trap_info info = {
	    .kind = d->name ? d->kind : TRAP_OTHER,
	    .name = d->name ? d->name : "EC (unallocated)",
	    .cause = tf->esr,
	    .pc = tf->elr,
	    .addr = fault_address(tf, ec),
	    .user = user,
	};

	if (ec == EC_UNKNOWN && !user && semihost_trap(tf))
		return;
	if (trap_mmu_abort(tf, ec, user))
		return;
	if (ec_is_abort(ec))
		info.kind = abort_kind(tf->esr);
	trap_fault(tf, &info);
	/* Expected: resume after the faulting instruction. */
	arch_trap_skip(tf);
}

/* An asynchronous abort has no instruction to skip: report it and carry on if expected. */
static void trap_serror(struct trap_frame *tf, bool user)
{
	struct trap_info info = {
	    .kind = TRAP_BUS,
	    .name = "SError",
	    .cause = tf->esr,
	    .pc = tf->elr,
	    .user = user,
	};

	trap_fault(tf, &info);
}

/*
 * An IRQ, with DAIF still masked as the exception left it: acknowledge it
 * at the GIC, end it, then hand it on. The timer's handler may switch
 * threads and return much later; the frame stays on this thread's stack.
 */
static void trap_interrupt(struct trap_frame *tf)
{
	if (!gic_ready()) {
		trap_irq(tf, ~0u);
		return;
	}
	uint32_t iar = gic_ack();
	unsigned intid = gic_intid(iar);

	if (intid == GIC_INTID_SPURIOUS)
		return;
	if (intid == timer_intid()) {
		/* Level-triggered: the timer's line stays up until trap_timer() moves the deadline. */
		gic_eoi(iar);
		trap_timer(tf);
		return;
	}
	/* A device: ended after its handler, which quietened a level line (gic.c, either trigger). */
	trap_irq(tf, intid);
	gic_eoi(iar);
}

/* Called by trap.S for every vector, with the frame it saved. */
void trap_handle(struct trap_frame *tf, unsigned vector)
{
	bool user = VEC_GROUP(vector) >= VEC_GROUP_USER;

	switch (VEC_KIND(vector)) {
	case VEC_SYNC:
		trap_sync(tf, user);
		break;
	case VEC_SERROR:
		trap_serror(tf, user);
		break;
	case VEC_IRQ:
		trap_interrupt(tf);
		break;
	default:
		/* FIQ: nothing is routed there (group 1 / non-secure interrupts come as IRQ). */
		trap_irq(tf, ~0u);
		break;
	}
}

/*
 * trap.S, when a synchronous exception found the kernel stack unusable
 * (an overflow into its guard page): the frame is on the emergency stack.
 * Report it as the fault it is; the overflowed stack cannot be resumed.
 */
_Noreturn void a64_stack_overflow(struct trap_frame *tf)
{
	kprintf("\nkernel stack overflow: sp %#lx at pc %#lx, on the emergency stack\n",
		(unsigned long)tf->sp, (unsigned long)tf->elr);
	trap_handle(tf, VEC_EL1_SYNC);
	panic("kernel stack overflow at pc %#lx", (unsigned long)tf->elr);
}

void arch_trap_skip(struct trap_frame *tf)
{
	/*
	 * SVC (like HVC and SMC) leaves elr at the next instruction already;
	 * every other synchronous exception points at the one that trapped,
	 * which is 4 bytes long in A64.
	 */
	if (esr_ec(tf->esr) != EC_SVC64)
		tf->elr += 4;
}

uintptr_t arch_trap_pc(const struct trap_frame *tf)
{
	return tf->elr;
}

void arch_trap_return_from_call(struct trap_frame *tf)
{
	/* BL/BLR left the return address in x30; the callee has not run at all. */
	tf->elr = tf->x[30];
}

uintptr_t arch_trap_fp(const struct trap_frame *tf)
{
	return tf->x[29];
}

void arch_trap_dump(const struct trap_frame *tf)
{
	for (int i = 0; i < 31; i++)
		kprintf("x%-2d %016llx%s", i, (unsigned long long)tf->x[i],
			i % 4 == 3 ? "\n" : "  ");
	kprintf("sp  %016llx\n", (unsigned long long)tf->sp);
	kprintf("pc %016llx  pstate %08llx  esr %08llx  far %016llx\n", (unsigned long long)tf->elr,
		(unsigned long long)tf->spsr, (unsigned long long)tf->esr,
		(unsigned long long)tf->far);
}
