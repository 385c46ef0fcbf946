/*
 * HAL: traps. The arch installs its vector table, saves a struct trap_frame
 * (arch-owned layout) and calls the portable handlers declared here.
 */
#ifndef HAL_TRAP_H
#define HAL_TRAP_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame; /* defined by <hal_arch/trap.h> */

/* Kinds of synchronous fault, decoded by the arch from its cause register. */
enum trap_kind {
	TRAP_BREAKPOINT,
	TRAP_ILLEGAL,	/* undefined or privileged instruction */
	TRAP_ALIGNMENT, /* misaligned access */
	TRAP_PAGE_FAULT,
	TRAP_BUS,     /* access fault, bus error */
	TRAP_ARITH,   /* divide error */
	TRAP_SYSCALL, /* syscall from a mode that may not make one */
	TRAP_OTHER,
	TRAP_KIND_COUNT,
};

/* What the arch decoded about a synchronous trap. */
struct trap_info {
	enum trap_kind kind;
	const char *name; /* the arch's name for the cause, e.g. "#UD", "EC 0x3c" */
	uint64_t cause;	  /* raw cause: vector, ESR, scause */
	uintptr_t pc;	  /* faulting instruction */
	uintptr_t addr;	  /* faulting data address when the cause has one, else 0 */
	bool user;	  /* taken from user mode */
};

/* Access kinds of a page fault, for trap_page_fault(). */
enum {
	FAULT_READ = 1u << 0,
	FAULT_WRITE = 1u << 1,
	FAULT_EXEC = 1u << 2,	 /* instruction fetch */
	FAULT_USER = 1u << 3,	 /* taken from user mode */
	FAULT_PRESENT = 1u << 4, /* a permission fault on a mapped page (when the arch knows) */
};

/* Install this CPU's trap vector; after it, every trap reaches the handlers below. */
void arch_trap_init(void);
/* Print the registers of a trap frame on the console. */
void arch_trap_dump(const struct trap_frame *tf);
/* Move the frame's pc past the instruction that trapped (length decoded by the arch). */
void arch_trap_skip(struct trap_frame *tf);
/* The pc of the instruction a trap frame resumes at. */
uintptr_t arch_trap_pc(const struct trap_frame *tf);
/* Resume as if the function whose first instruction faulted had returned at once. */
void arch_trap_return_from_call(struct trap_frame *tf);
/* The frame pointer that was live when the trap was taken (for backtraces). */
uintptr_t arch_trap_fp(const struct trap_frame *tf);

/*
 * Portable handler for synchronous faults. Returns only when the fault was
 * expected (a test hook accepted it); the arch then resumes after the
 * faulting instruction. An unexpected fault panics with its cause.
 */
void trap_fault(struct trap_frame *tf, const struct trap_info *info);
/*
 * Portable page-fault handler: `addr` is the faulting virtual address,
 * `access` the FAULT_* bits. Returns only when the fault was handled; the
 * arch then resumes the frame exactly as the handler left it (the handler
 * moves the pc itself when it must). An unhandled fault panics.
 */
void trap_page_fault(struct trap_frame *tf, uintptr_t addr, unsigned access);
/*
 * Portable handler for a device interrupt on line `irq` (arch/hal/irq.h),
 * with interrupts off: runs the handler registered for the line
 * (core/irq.c). IRQ_NONE for an interrupt the arch could not attribute; a
 * line without a handler is reported and masked.
 */
void trap_irq(struct trap_frame *tf, unsigned irq);

#include <hal_arch/trap.h>

#endif
