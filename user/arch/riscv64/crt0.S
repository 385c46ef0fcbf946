/* Process entry: argc in a0, argv in a1, sp 16-byte aligned. */
	.section .text.start, "ax"
	.globl	_start
_start:
	mv	s0, zero	/* the end of the frame-pointer chain */
	mv	ra, zero
	call	__libc_start	/* never returns */
	unimp
