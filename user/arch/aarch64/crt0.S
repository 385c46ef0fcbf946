/* Process entry: argc in x0, argv in x1, sp 16-byte aligned. */
	.section .text.start, "ax"
	.globl	_start
_start:
	mov	x29, xzr	/* the end of the frame-pointer chain */
	mov	x30, xzr
	bl	__libc_start	/* never returns */
	udf	#0
