/* The whole HAL, for files that need several of its parts. */
#ifndef HAL_HAL_H
#define HAL_HAL_H

#include "arch/hal/console.h"
#include "arch/hal/cpu.h"
#include "arch/hal/power.h"
#include "arch/hal/trap.h"

/* The arch's name as the kernel prints it: "x86_64", "aarch64", "riscv64". */
extern const char arch_name[];

#endif
