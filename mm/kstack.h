/*
 * Kernel stacks: 16 KiB each in a dedicated area of the kernel half, every
 * one with unmapped guard pages below it, so an overflow faults instead of
 * writing over a neighbour.
 */
#ifndef MM_KSTACK_H
#define MM_KSTACK_H

#include <stdint.h>

#define KSTACK_SIZE   (16u << 10)
#define KSTACK_STRIDE (32u << 10) /* 16 KiB of guard below each stack */
#define KSTACK_SLOTS  1024

/* A fresh stack: its top (16-byte aligned) in *top; E_OUT_OF_MEMORY when none is left. */
int kstack_alloc(uintptr_t *top);
/* Give back a stack by its top. */
void kstack_free(uintptr_t top);
/* The lowest mapped byte of the stack whose top is `top` (its guard lies just below). */
static inline uintptr_t kstack_bottom(uintptr_t top)
{
	return top - KSTACK_SIZE;
}

#endif
