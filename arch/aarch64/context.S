/*
 * Kernel thread switch for AArch64 (AAPCS64: x19-x29, sp and, for us, the
 * return address in x30 are what a thread needs to resume), and the EL0
 * thread pointer TPIDR_EL0 with them (hal_arch/context.h says why).
 */
	.text
	.globl arch_context_switch
	.type arch_context_switch, %function
arch_context_switch:
	mov x9, sp
	mrs x10, tpidr_el0
	stp x19, x20, [x0, #0]
	stp x21, x22, [x0, #16]
	stp x23, x24, [x0, #32]
	stp x25, x26, [x0, #48]
	stp x27, x28, [x0, #64]
	stp x29, x30, [x0, #80]
	stp x9, x10, [x0, #96]
	ldp x19, x20, [x1, #0]
	ldp x21, x22, [x1, #16]
	ldp x23, x24, [x1, #32]
	ldp x25, x26, [x1, #48]
	ldp x27, x28, [x1, #64]
	ldp x29, x30, [x1, #80]
	ldp x9, x10, [x1, #96]
	mov sp, x9
	msr tpidr_el0, x10
	ret
	.size arch_context_switch, . - arch_context_switch

/* First run of a thread: x19 = entry, x20 = argument (see context.c). */
	.globl a64_thread_start
	.type a64_thread_start, %function
a64_thread_start:
	mov x0, x20
	blr x19
	bl kthread_exit
	brk #0
	.size a64_thread_start, . - a64_thread_start
