/* The length of an x86_64 instruction, for resuming after a fault that a handler accepted. */
#ifndef X86_64_INSN_H
#define X86_64_INSN_H

#include <stdint.h>

/*
 * The length in bytes of the 64-bit-mode instruction at `p`, or 0 when it
 * is not one this decoder knows (it covers the general-purpose integer,
 * control and system instructions the kernel executes, not SIMD or x87).
 */
unsigned x86_insn_len(const uint8_t *p);

#endif
