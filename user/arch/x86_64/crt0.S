/* Process entry: argc in rdi, argv in rsi, rsp 16-byte aligned. */
	.section .text.start, "ax"
	.globl	_start
_start:
	xorl	%ebp, %ebp	/* the end of the frame-pointer chain */
	call	__libc_start	/* never returns */
	ud2
