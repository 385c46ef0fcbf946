/* The 8259 lines' dispatch, for trap.c (arch/x86_64/irq.c). */
#ifndef X86_64_IRQ_H
#define X86_64_IRQ_H

#include "arch/hal/trap.h"

/* An interrupt on 8259 line `irq`: run its handler (trap_irq), then end it. */
void x86_64_irq_dispatch(struct trap_frame *tf, unsigned irq);

#endif
