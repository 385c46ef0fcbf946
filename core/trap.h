/* Portable trap policy: which faults are expected, for tests and fault-safe code. */
#ifndef CORE_TRAP_H
#define CORE_TRAP_H

#include "arch/hal/trap.h"

/* Accept the next synchronous trap of `kind` on this CPU instead of panicking. */
void trap_expect(enum trap_kind kind);
/* Stop expecting a trap; returns true when the expected trap was taken. */
bool trap_expect_done(void);
/* The last trap accepted through trap_expect(). */
const struct trap_info *trap_last(void);

#endif
