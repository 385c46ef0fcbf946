/*
 * HAL: user mode. A user thread's registers live in a struct trap_frame at
 * the top of its kernel stack: the arch saves them there on every trap or
 * system call from user mode and returns to user mode from there. The
 * kernel never dereferences a user pointer; it copies through the direct
 * map after walking the process's page table (mm/uaccess.c), so the arch
 * keeps SMEP/SMAP (x86_64), PAN (AArch64) and SUM = 0 (RISC-V) on for good.
 *
 * <hal_arch/user.h> defines, static inline, the system call registers of
 * docs/design.md, "System calls" (a number, seven arguments in; a tag,
 * seven results out):
 *   uintptr_t syscall_nr(const struct trap_frame *tf);
 *   uintptr_t syscall_arg(const struct trap_frame *tf, unsigned i);     i < 7
 *   void syscall_set_tag(struct trap_frame *tf, uintptr_t tag);
 *   void syscall_set_result(struct trap_frame *tf, unsigned i, uintptr_t v); i < 7
 * and struct fpu_state, the user FP/SIMD registers (aligned as the CPU
 * needs).
 */
#ifndef HAL_USER_H
#define HAL_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/hal/trap.h"

struct fpu_state; /* defined by <hal_arch/user.h> */

/* Where the user frame of the thread whose kernel stack ends at `kstack_top` lives. */
struct trap_frame *arch_user_frame(uintptr_t kstack_top);
/*
 * Fill `tf` so that arch_user_enter() starts user code at `pc` as a
 * function called with arg0 and arg1 on the stack that ends at `sp` (16-byte
 * aligned; on x86_64 the return-address slot lies below it), in user mode,
 * interrupts enabled and every other register zero. It must not return.
 */
void arch_user_frame_init(struct trap_frame *tf, uintptr_t pc, uintptr_t sp, uintptr_t arg0,
			  uintptr_t arg1);
/*
 * Leave for user mode with the registers in `tf`, the running thread's
 * arch_user_frame(); the current address space and kernel stack are set.
 */
_Noreturn void arch_user_enter(struct trap_frame *tf);
/*
 * Make `kstack_top` the stack this CPU takes traps and system calls from
 * user mode on. Called with interrupts off on every switch to a user thread.
 */
void arch_set_kernel_stack(uintptr_t kstack_top);

/*
 * User thread pointers (TLS). arch_set_thread_pointer() sets the calling
 * thread's (SYS_THREAD_SET_POINTER; tf is its frame). Where user code can
 * write its own (TPIDR_EL0, tp) that is all; x86_64 keeps it in *kept, as
 * FS base, and arch_load_thread_pointer(kept) loads it on every switch to
 * a user thread (elsewhere it does nothing): a static inline of
 * <hal_arch/user.h>, as it sits on the switch path. Interrupts off.
 */
void arch_set_thread_pointer(struct trap_frame *tf, uintptr_t *kept, uintptr_t value);

/*
 * FP/SIMD state is switched lazily: the portable code keeps, per CPU, the
 * thread whose user FP registers the CPU holds (the owner). On a switch to
 * a user thread it calls arch_fpu_allow(thread == owner); a user FP/SIMD
 * instruction while not allowed traps to trap_fpu(), which saves the
 * owner's registers, loads the thread's, makes it the owner and allows
 * FP; the arch then runs the instruction again. Threads that never touch
 * FP never pay for it.
 *
 * From the next return to user mode on this CPU, user FP/SIMD instructions
 * run (on) or trap to trap_fpu (off). Interrupts off.
 */
void arch_fpu_allow(bool on);
/* A clean FP/SIMD state for a new user thread (all zero, default control). */
void arch_fpu_init(struct fpu_state *fs);
/* Save this CPU's user FP/SIMD registers into *fs (interrupts off; whether allowed or not). */
void arch_fpu_save(struct fpu_state *fs);
/* Load *fs into this CPU's FP/SIMD registers (interrupts off; whether allowed or not). */
void arch_fpu_restore(const struct fpu_state *fs);

/*
 * Portable handlers the arch calls for traps from user mode:
 * trap_syscall for a system call instruction, with interrupts off as the
 * trap left them; it sets the tag and results in the frame. The rule, the
 * same on every arch: the kernel runs a system call with interrupts off
 * from entry to exit; it waits only by blocking (which switches threads),
 * and a handler that works long opens a window itself between steps (the
 * r2 print does, every 256 bytes). With several CPUs the kernel lock will be
 * taken at entry, with interrupts still off. trap_fault and trap_page_fault
 * (arch/hal/trap.h) with info->user / FAULT_USER set: they terminate the
 * process and do not return, unless the fault was resolved. And last,
 * after every trap from user mode (system call, fault, interrupt), with
 * interrupts off, right before the registers are restored: trap_user_return.
 */
void trap_syscall(struct trap_frame *tf);
void trap_user_return(struct trap_frame *tf);
/*
 * The running user thread used FP/SIMD while not allowed (arch_fpu_allow).
 * Called with interrupts off; on return the arch re-executes the trapping
 * instruction with FP allowed.
 */
void trap_fpu(struct trap_frame *tf);

#include <hal_arch/user.h>

#endif
