/* The scheduler's clock: a periodic tick from the arch's one-shot timer. */
#ifndef CORE_TIMER_H
#define CORE_TIMER_H

#include <stdint.h>

#define TIMER_TICK_NS 10000000ull /* 10 ms */

/* Start the tick on this CPU (interrupts still decide when it is taken). */
void timer_start(void);
/* Ticks taken since boot. */
uint64_t timer_ticks(void);

#endif
