/*
 * Trap entry: 256 small stubs, one per IDT vector, and the common path that
 * saves the general registers as a struct trap_frame (hal_arch/trap.h),
 * calls x86_64_trap(tf) in trap.c and returns with iretq.
 *
 * Kernel mode only for now: no swapgs, since nothing runs in ring 3 yet.
 */
#include <hal_arch/trap.h>

/* Vectors for which the CPU pushes an error code; the other stubs push a 0 in its place. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
		      (v) == 29 || (v) == 30)

	.text
	.balign 16
trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	/*
	 * A frame record for the interrupted code (its rbp, its rip), so a
	 * backtrace from the handler continues through the trapping function.
	 * Two words keep the stack 16-byte aligned for the call (TF_SIZE % 16 == 0).
	 */
	pushq TF_RIP(%rsp)
	pushq %rbp
	movq %rsp, %rbp
	leaq 16(%rsp), %rdi
	call x86_64_trap
	addq $16, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp /* vector, error code */
	iretq

/* The stubs; trap_stub_table[v] is the address of vector v's stub, for the IDT. */
	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
	.text
	.set vec, 0
	.rept 256
	.balign 8
1:
	.if HAS_ERROR(vec) == 0
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.pushsection .rodata
	.quad 1b
	.popsection
	.set vec, vec + 1
	.endr

	.section .note.GNU-stack, "", @progbits
