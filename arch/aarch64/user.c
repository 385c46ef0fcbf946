/*
 * User mode on AArch64 (<arch/hal/user.h>): user threads run at EL0 on
 * SP_EL0 with interrupts enabled. Their registers are saved in a struct
 * trap_frame at the top of the thread's kernel stack; trap.S saves and
 * restores it, user.S the FP/SIMD state. Also the CPU setup user mode
 * needs: FP/SIMD usable at EL1 and trapped at EL0 until arch_fpu_allow(),
 * and PAN, so that the kernel faults if it ever touches a user page
 * directly.
 */
#include <stddef.h>

#include "aarch64.h"
#include "arch/hal/user.h"
#include "core/kprintf.h"
#include "core/kstring.h"
#include "core/panic.h"
#include "sysreg.h"

/* user.S hard-codes these offsets. */
_Static_assert(offsetof(struct fpu_state, fpsr) == 512, "FPU_FPSR");

/* trap.S: leave for EL0 from `tf`, sp just above it. */
_Noreturn void a64_user_return(struct trap_frame *tf);

/*
 * The kernel stack of the user thread this CPU runs, only to check that
 * arch_user_enter() gets the frame every later trap lands on. SP_EL1 needs
 * no setting: it is the sp of the eret, just above that frame. Per CPU
 * once secondaries run kernel code.
 */
static uintptr_t user_kstack_top;
static bool pan_on;
/* CPACR_EL1.FPEN is 0b11 (EL0 may use FP/SIMD), not 0b01. Per CPU, like the above. */
static bool fpu_allowed;

void user_cpu_init(void)
{
	uint64_t v;

	/*
	 * FP/SIMD usable at EL1 (user.S saves and loads it there), trapped at
	 * EL0: no thread owns the registers yet (fpu_allowed is false).
	 */
	__asm__ volatile("msr cpacr_el1, %0\n\tisb" ::"r"(CPACR_FPEN_EL1) : "memory");
	/* Nothing of the firmware's may show through the EL0 thread registers. */
	__asm__ volatile("msr tpidr_el0, xzr\n\tmsr tpidrro_el0, xzr");
	/* EL0 may not read the counters or timers (reset value UNKNOWN): the clock is a call. */
	__asm__ volatile("msr cntkctl_el1, xzr\n\tisb");

	__asm__ volatile("mrs %0, id_aa64mmfr1_el1" : "=r"(v));
	if (!(v >> MMFR1_PAN_SHIFT & MMFR1_PAN_MASK))
		return;
	/* SPAN = 0: every exception into EL1 sets PSTATE.PAN again. */
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(v));
	__asm__ volatile("msr sctlr_el1, %0\n\tisb" ::"r"(v & ~SCTLR_SPAN) : "memory");
	/* msr pan, #1 (ARMv8.1), encoded for assemblers that target ARMv8.0. */
	__asm__ volatile(".inst 0xd500419f" ::: "memory");
	pan_on = true;
}

bool user_pan_on(void)
{
	return pan_on;
}

struct trap_frame *arch_user_frame(uintptr_t kstack_top)
{
	return (struct trap_frame *)(kstack_top - sizeof(struct trap_frame));
}

void arch_user_frame_init(struct trap_frame *tf, uintptr_t pc, uintptr_t sp, uintptr_t arg0,
			  uintptr_t arg1)
{
	memset(tf, 0, sizeof(*tf));
	tf->x[0] = arg0;
	tf->x[1] = arg1;
	tf->sp = sp;
	tf->elr = pc;
	tf->spsr = SPSR_EL0T; /* DAIF clear: interrupts on */
}

void arch_set_kernel_stack(uintptr_t kstack_top)
{
	user_kstack_top = kstack_top;
}

_Noreturn void arch_user_enter(struct trap_frame *tf)
{
	if (tf != arch_user_frame(user_kstack_top))
		panic("arch_user_enter: frame %p is not the user frame of kernel stack %#lx",
		      (void *)tf, (unsigned long)user_kstack_top);
	a64_user_return(tf);
}

/*
 * Called on most switches to a user thread: skip the write when FPEN is
 * right already. No ISB: EL1 may use FP/SIMD either way, and the eret to
 * EL0 synchronizes the write (SCTLR_EL1.EOS is set, boot.S), so the new
 * value holds from the next return to user mode, as the HAL asks.
 */
/* TPIDR_EL0 is user-writable and switched with the context (context.S). */
void arch_set_thread_pointer(struct trap_frame *tf, uintptr_t *kept, uintptr_t value)
{
	(void)tf;
	*kept = value;
	__asm__ volatile("msr tpidr_el0, %0" ::"r"(value));
}

void arch_fpu_allow(bool on)
{
	if (on == fpu_allowed)
		return;
	__asm__ volatile("msr cpacr_el1, %0" ::"r"(on ? CPACR_FPEN_ALL : CPACR_FPEN_EL1));
	fpu_allowed = on;
}

void arch_fpu_init(struct fpu_state *fs)
{
	memset(fs, 0, sizeof(*fs)); /* FPCR 0: round to nearest, no traps */
}
