/* x86_64 instruction decoding: lengths, to resume after an accepted fault; system instructions. */
#ifndef X86_64_INSN_H
#define X86_64_INSN_H

#include <stdbool.h>
#include <stdint.h>

/* The longest x86 instruction, in bytes. */
#define INSN_MAX 15

/*
 * The length in bytes of the 64-bit-mode instruction at `p`, or 0 when it
 * is not one this decoder knows (it covers the general-purpose integer,
 * control and system instructions the kernel executes, not SIMD or x87).
 */
unsigned x86_insn_len(const uint8_t *p);

/*
 * True when the first `n` bytes of an instruction name a system
 * instruction ring 3 may not run (hlt, cli, sti, port I/O, descriptor
 * tables, control and debug registers, MSRs): its #GP is an illegal
 * instruction rather than a bad address.
 */
bool x86_insn_is_system(const uint8_t *p, unsigned n);

#endif
