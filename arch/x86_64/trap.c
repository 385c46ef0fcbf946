/*
 * The IDT and the C half of trap entry: decode the vector into a struct
 * trap_info and hand it to the portable handlers (Intel SDM vol. 3, 6.14,
 * 6.15). Vectors 0..31 are exceptions, 32..255 interrupts: the LAPIC timer
 * goes to trap_timer(), spurious vectors are dropped, the device lines'
 * vectors go to irq.c (x86_64_irq_vector), which reports any other as
 * unroutable. Page faults go to trap_page_fault(), every other
 * exception to trap_fault(). Traps from ring 3 come the same way (trap.S
 * has swapped GS and will call trap_user_return on the way out); system
 * calls do not pass here.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/hal/irq.h"
#include "arch/hal/mmu.h"
#include "arch/hal/timer.h"
#include "arch/hal/trap.h"
#include "arch/hal/user.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "gdt.h"
#include "insn.h"
#include "irq.h"
#include "lapic.h"
#include "legacy/legacy.h"
#include "mm/pt.h"
#include "x86.h"

#define IDT_ENTRIES	 256
#define FIRST_IRQ_VECTOR 32

enum {
	VEC_DE = 0, /* divide error */
	VEC_DB = 1, /* debug */
	VEC_NMI = 2,
	VEC_BP = 3, /* int3 */
	VEC_OF = 4, /* into */
	VEC_UD = 6, /* invalid opcode */
	VEC_NM = 7, /* FP instruction with CR0.TS set: lazy FP switching */
	VEC_DF = 8, /* double fault */
	VEC_GP = 13,
	VEC_PF = 14,
	VEC_MC = 18, /* machine check */
};

/* The #PF error code (SDM vol. 3, 4.7). */
#define PF_P	(1u << 0) /* a protection violation, not a non-present page */
#define PF_W	(1u << 1) /* a write */
#define PF_U	(1u << 2) /* from ring 3 */
#define PF_RSVD (1u << 3) /* a reserved bit set in a paging entry */
#define PF_I	(1u << 4) /* an instruction fetch (with EFER.NXE) */

/* The #GP error code names a descriptor; this bit says it is an IDT gate (int n). */
#define GP_IDT (1u << 1)

/* Gate type and attribute byte: present, DPL, 64-bit interrupt gate (interrupts off on entry). */
#define GATE_PRESENT (1u << 7)
#define GATE_DPL(n)  ((unsigned)(n) << 5)
#define GATE_INTR64  0xeu

/* An IDT gate, as the hardware reads it. */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;  /* IST slot, 0 for the current stack */
	uint8_t type; /* GATE_* */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate size");

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* A page of its own: ring 1/2 page tables map it (legacy/ring.c). */
static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));

_Static_assert(sizeof(idt) == PAGE_SIZE, "the IDT fills its page");

uintptr_t x86_idt_page(void)
{
	return (uintptr_t)idt;
}

/* The stubs in trap.S, one per vector. */
extern const uintptr_t trap_stub_table[IDT_ENTRIES];

/* What each exception vector means. Unnamed vectors are reserved. */
static const struct exception {
	const char *name;
	enum trap_kind kind;
} exceptions[FIRST_IRQ_VECTOR] = {
    [0] = {"#DE", TRAP_ARITH},	     [1] = {"#DB", TRAP_BREAKPOINT},
    [2] = {"NMI", TRAP_OTHER},	     [3] = {"#BP", TRAP_BREAKPOINT},
    [4] = {"#OF", TRAP_ARITH},	     [5] = {"#BR", TRAP_OTHER},
    [6] = {"#UD", TRAP_ILLEGAL},     [7] = {"#NM", TRAP_OTHER},
    [8] = {"#DF", TRAP_OTHER},	     [9] = {"coprocessor overrun", TRAP_OTHER},
    [10] = {"#TS", TRAP_OTHER},	     [11] = {"#NP", TRAP_BUS},
    [12] = {"#SS", TRAP_BUS},	     [13] = {"#GP", TRAP_BUS},
    [14] = {"#PF", TRAP_PAGE_FAULT}, [16] = {"#MF", TRAP_ARITH},
    [17] = {"#AC", TRAP_ALIGNMENT},  [18] = {"#MC", TRAP_OTHER},
    [19] = {"#XM", TRAP_ARITH},	     [20] = {"#VE", TRAP_OTHER},
    [21] = {"#CP", TRAP_OTHER},	     [28] = {"#HV", TRAP_OTHER},
    [29] = {"#VC", TRAP_OTHER},	     [30] = {"#SX", TRAP_OTHER},
};

static void idt_set(unsigned vec, uintptr_t handler, unsigned ist, unsigned dpl)
{
	idt[vec] = (struct idt_gate){
	    .offset_lo = handler & 0xffff,
	    .selector = SEL_KCODE,
	    .ist = (uint8_t)ist,
	    .type = (uint8_t)(GATE_PRESENT | GATE_DPL(dpl) | GATE_INTR64),
	    .offset_mid = (handler >> 16) & 0xffff,
	    .offset_hi = (uint32_t)(handler >> 32),
	};
}

void arch_trap_init(void)
{
	struct idt_ptr idtr = {.limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt};

	for (unsigned v = 0; v < IDT_ENTRIES; v++)
		idt_set(v, trap_stub_table[v], 0, 0);
	/* These may strike when the current stack is unusable: give them their own. */
	idt_set(VEC_DF, trap_stub_table[VEC_DF], IST_DOUBLE_FAULT, 0);
	idt_set(VEC_NMI, trap_stub_table[VEC_NMI], IST_NMI, 0);
	idt_set(VEC_MC, trap_stub_table[VEC_MC], IST_MACHINE_CHECK, 0);
	/* int3 from user mode is a breakpoint, not a #GP. */
	idt_set(VEC_BP, trap_stub_table[VEC_BP], 0, 3);
	/* The r2 gates may be called from any ring; legacy/r2.c answers only the right one. */
	for (unsigned v = R2_GATE_RING1; v <= R2_GATE_RING3; v++)
		idt_set(v, trap_stub_table[v], 0, 3);
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

static bool from_user(const struct trap_frame *tf)
{
	return (tf->cs & 3) != 0;
}

/*
 * NMI, #DF and #MC run on IST stacks, not on the thread's: they are the
 * machine's, not the program's, and never end a process (which would
 * switch threads on a shared stack). The portable handler panics on them.
 */
static bool on_ist_stack(uint64_t vector)
{
	return vector == VEC_NMI || vector == VEC_DF || vector == VEC_MC;
}

/*
 * Up to `len` bytes of user memory at `va`, read through the direct map
 * after a walk of the live page table: never through the user mapping
 * (SMAP forbids it, and the page may be gone). Returns the bytes read.
 */
static unsigned user_peek(uintptr_t va, uint8_t *buf, unsigned len)
{
	const struct page_table pt = {.root = arch_mmu_root(), .levels = 4, .fmt = &arch_pt_format};
	uint64_t pa = 0;
	unsigned flags;

	for (unsigned i = 0; i < len; i++, va++, pa++) {
		if (i == 0 || va % PAGE_SIZE == 0)
			if (va >= USER_TOP || pt_query(&pt, va, &pa, &flags, NULL) != E_OK ||
			    !(flags & PTE_USER))
				return i;
		buf[i] = *(const volatile uint8_t *)(uintptr_t)(PHYS_MAP_BASE + pa);
	}
	return len;
}

/*
 * A #GP from ring 3 is a system instruction (cli, hlt, in, out, ...), an
 * int n to a kernel gate, or a non-canonical address; only the
 * instruction's bytes tell the first and the last apart.
 */
static enum trap_kind user_gp_kind(const struct trap_frame *tf)
{
	uint8_t insn[INSN_MAX];

	if (tf->error & GP_IDT)
		return TRAP_ILLEGAL;
	unsigned n = user_peek(tf->rip, insn, sizeof(insn));
	return x86_insn_is_system(insn, n) ? TRAP_ILLEGAL : TRAP_BUS;
}

static struct trap_info trap_decode(const struct trap_frame *tf)
{
	const struct exception *e = &exceptions[tf->vector];
	struct trap_info info = {
	    .kind = e->name ? e->kind : TRAP_OTHER,
	    .name = e->name ? e->name : "reserved vector",
	    .cause = tf->vector,
	    .pc = tf->rip,
	    .user = from_user(tf) && !on_ist_stack(tf->vector),
	};

	if (tf->vector == VEC_BP)
		info.pc = tf->rip - 1; /* a trap: rip is past the one-byte int3 */
	if (tf->vector == VEC_GP && info.user)
		info.kind = user_gp_kind(tf);
	/* #PF: the faulting address. #DF: CR2 still names the last #PF, e.g. a stack overflow's. */
	if (tf->vector == VEC_PF || tf->vector == VEC_DF)
		info.addr = read_cr2();
	if (tf->vector == VEC_PF)
		info.name = "#PF with a reserved bit set in a page-table entry";
	return info;
}

/* Code of rings 1 and 2 makes supervisor accesses (no PF_U), but it is user code all the same. */
static unsigned page_fault_access(const struct trap_frame *tf)
{
	uint64_t error = tf->error;
	unsigned access = error & PF_I ? FAULT_EXEC : error & PF_W ? FAULT_WRITE : FAULT_READ;

	if (error & PF_P)
		access |= FAULT_PRESENT;
	if (error & PF_U || from_user(tf))
		access |= FAULT_USER;
	return access;
}

/* Called by trap.S with the saved frame; returning resumes at tf->rip. */
void x86_64_trap(struct trap_frame *tf);

void x86_64_trap(struct trap_frame *tf)
{
	if (tf->vector >= FIRST_IRQ_VECTOR) {
		switch (tf->vector) {
		case VEC_LAPIC_TIMER:
			/*
			 * Acknowledge first: trap_timer() may switch threads and
			 * return only much later, and the APIC must not wait on us.
			 * Interrupts stay off (interrupt gate) until iretq.
			 */
			x86_lapic_eoi();
			kbd_tick(); /* a libcr2 keyboard buffer's next scancode */
			trap_timer(tf);
			return;
		case R2_GATE_RING1:
		case R2_GATE_RING2:
		case R2_GATE_RING3:
			x86_r2_gate(tf);
			return;
		case VEC_LAPIC_SPURIOUS: /* no EOI for the spurious vector */
		case VEC_PIC_SPURIOUS1:	 /* the masked 8259s may still raise IRQ 7/15 */
		case VEC_PIC_SPURIOUS2:
			return;
		default: /* the 8259s', the GSIs' and the MSIs' (the keyboard's among them) */
			x86_64_irq_vector(tf, (unsigned)tf->vector);
			return;
		}
	}
	/*
	 * A page fault goes to the portable handler, which moves the pc itself
	 * when it must. A reserved-bit fault is a corrupt page table rather
	 * than an access the handler could fix: report it as a plain fault.
	 */
	if (tf->vector == VEC_PF && !(tf->error & PF_RSVD)) {
		trap_page_fault(tf, read_cr2(), page_fault_access(tf));
		return;
	}
	if (tf->vector == VEC_NM && from_user(tf)) {
		trap_fpu(tf); /* loads this thread's FP state; the instruction runs again */
		return;
	}
	struct trap_info info = trap_decode(tf);
	trap_fault(tf, &info); /* returns only when a handler expected or resolved this fault */
	if (!info.user)
		arch_trap_skip(tf); /* a user frame resumes as the handler left it */
}

uintptr_t arch_trap_pc(const struct trap_frame *tf)
{
	return tf->rip;
}

/* The fault hit the callee's first instruction, so the return address is still on top of the stack. */
void arch_trap_return_from_call(struct trap_frame *tf)
{
	tf->rip = *(const uint64_t *)tf->rsp;
	tf->rsp += 8;
}

void arch_trap_skip(struct trap_frame *tf)
{
	switch (tf->vector) {
	case VEC_DB: /* traps (or, for #DB, a fault on a breakpoint we never set): rip is next */
	case VEC_BP:
	case VEC_OF:
	case VEC_NMI: /* an interrupt: rip is the instruction still to run */
		return;
	case VEC_DF:
	case VEC_MC:
		panic("%s cannot be resumed", exceptions[tf->vector].name);
	default:
		break;
	}
	/* A fault: rip is the faulting instruction; step over it. */
	unsigned len = x86_insn_len((const uint8_t *)tf->rip);
	if (len == 0)
		panic("arch_trap_skip: cannot decode the instruction at %#lx",
		      (unsigned long)tf->rip);
	tf->rip += len;
}

/* A user rbp leads into user memory, which the kernel never reads: no backtrace there. */
uintptr_t arch_trap_fp(const struct trap_frame *tf)
{
	return from_user(tf) ? 0 : tf->rbp;
}

void arch_trap_dump(const struct trap_frame *tf)
{
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx,
		tf->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", tf->rsi, tf->rdi, tf->rbp,
		tf->rsp);
	kprintf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", tf->r8, tf->r9, tf->r10,
		tf->r11);
	kprintf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", tf->r12, tf->r13, tf->r14,
		tf->r15);
	kprintf("  rip %016lx rflags %08lx cs %04lx ss %04lx vector %lu error %#lx\n", tf->rip,
		tf->rflags, tf->cs, tf->ss, tf->vector, tf->error);
	kprintf("  cr0 %08lx cr2 %016lx cr3 %016lx cr4 %08lx\n", read_cr0(), read_cr2(), read_cr3(),
		read_cr4());
}
