/* Host half of <arch/hal/trap.h>: the host takes no traps; portable code uses only the FAULT_* bits. */
#ifndef HAL_ARCH_TRAP_H
#define HAL_ARCH_TRAP_H
#endif
