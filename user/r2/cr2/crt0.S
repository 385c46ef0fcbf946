/*
 * cr2's entry (x86_64): what libcr2's crt0 does. The kernel leaves argc at
 * [rsp] and argv at rsp+8; the program gets a stack of its own in .bss,
 * main(argc, argv) runs on it, and what main returns is the exit code of
 * call 0x00 (the number in RDX, argument 1 the pid 0, the code in RSI).
 */
#define CR2_STACK_SIZE (64 * 1024)

	.section .bss
	.balign 16
cr2_stack:
	.skip CR2_STACK_SIZE
cr2_stack_top:

	.section .text
	.globl _start
	.type _start, @function
_start:
	movq (%rsp), %rdi		/* argc */
	leaq 8(%rsp), %rsi		/* argv */
	leaq cr2_stack_top(%rip), %rsp
	andq $-16, %rsp
	xorl %edx, %edx
	call main
	movq %rax, %rsi			/* the exit code */
	xorl %edi, %edi			/* pid: ignored */
	xorl %edx, %edx			/* 0x00: exit */
	int $0x7f
1:	jmp 1b				/* should exit come back */
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
