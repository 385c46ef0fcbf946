/* Process entry: argc in rdi, argv in rsi; rsp as if _start had been called. */
	.section .text.start, "ax"
	.globl	_start
_start:
	xorl	%ebp, %ebp	/* the end of the frame-pointer chain */
	andq	$-16, %rsp	/* the call below leaves the ABI's alignment */
	call	__libc_start	/* never returns */
	ud2
