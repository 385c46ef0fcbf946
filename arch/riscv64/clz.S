/*
 * __clzdi2, the helper GCC calls for __builtin_clzll (and clzl) when the
 * ISA has no clz instruction (Zbb), as the kernel's rv64imac has not. It
 * replaces libgcc's, which finds the top non-zero byte one byte at a time
 * (a loop of up to seven rounds; 37 instructions for the scheduler's
 * priority bitmap): here three halvings, then a table for the last byte,
 * 13 to 20 instructions whatever the value. Linked before libgcc, so
 * libgcc's copy stays out. Like libgcc's, __clzdi2(0) is 64.
 */
	.text
	.globl	__clzdi2
	.type	__clzdi2, @function
__clzdi2:
	li	a1, 0                   /* leading zeros found so far */
	srli	a2, a0, 32
	bnez	a2, 1f
	slli	a0, a0, 32              /* top half zero: count it, look at the low half */
	li	a1, 32
1:	srli	a2, a0, 48
	bnez	a2, 2f
	slli	a0, a0, 16
	addi	a1, a1, 16
2:	srli	a2, a0, 56
	bnez	a2, 3f
	slli	a0, a0, 8
	addi	a1, a1, 8
3:	srli	a0, a0, 56              /* the top byte holds the highest set bit, if any */
	lla	a2, clz8
	add	a2, a2, a0
	lbu	a0, 0(a2)
	add	a0, a0, a1
	ret
	.size	__clzdi2, . - __clzdi2

	.section .rodata
	/* clz8[b]: the leading zeros of byte b, 8 for 0. */
	.type	clz8, @object
clz8:
	.byte	8, 7, 6, 6
	.fill	4, 1, 5
	.fill	8, 1, 4
	.fill	16, 1, 3
	.fill	32, 1, 2
	.fill	64, 1, 1
	.fill	128, 1, 0
	.size	clz8, . - clz8
