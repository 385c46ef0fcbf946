/*
 * Kernel thread switch for x86_64 (System V: rbx, rbp, r12-r15 and rsp are
 * preserved across calls). The callee-saved registers go on the old
 * thread's stack, its rsp into from->rsp; the new thread's come back off
 * its stack and ret resumes it.
 */
	.text
	.globl arch_context_switch
	.type arch_context_switch, @function
arch_context_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov (%rsi), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size arch_context_switch, . - arch_context_switch

/* First run of a thread: r12 = entry, r13 = argument (see context.c). */
	.globl x86_thread_start
	.type x86_thread_start, @function
x86_thread_start:
	mov %r13, %rdi
	call *%r12
	call kthread_exit
	ud2
	.size x86_thread_start, . - x86_thread_start
