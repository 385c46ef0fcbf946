/*
 * The GDT, TSS and per-CPU area of the boot CPU: segments for long mode,
 * IST stacks for traps, the stack for traps from ring 3. Shared with trap.S.
 */
#ifndef X86_64_GDT_H
#define X86_64_GDT_H

/*
 * Selectors. The user entries sit in the order SYSRET needs (STAR[63:48] =
 * SEL_USER_BASE: 32-bit code, data at +8, 64-bit code at +16); SYSCALL
 * loads SEL_KCODE and SEL_KCODE + 8 (STAR[47:32]).
 */
#define SEL_KCODE     0x08
#define SEL_KDATA     0x10
#define SEL_USER_BASE 0x18
#define SEL_UDATA     (0x20 | 3)
#define SEL_UCODE     (0x28 | 3)
#define SEL_TSS	      0x30
/* Rings 1 and 2, for r2 drivers and services (legacy/ring.c): 64-bit code, then data. */
#define SEL_R1CODE (0x40 | 1)
#define SEL_R1DATA (0x48 | 1)
#define SEL_R2CODE (0x50 | 2)
#define SEL_R2DATA (0x58 | 2)

/* Interrupt stack table slots (1-based, as IDT gates name them). */
#define IST_DOUBLE_FAULT  1
#define IST_NMI		  2
#define IST_MACHINE_CHECK 3

/*
 * Byte offsets into the per-CPU area the kernel's GS base points at
 * (struct x86_cpu in gdt.c). Its first page, read-only to code in rings
 * 1 and 2: the TSS's rsp0; the page tables to switch to on entry from
 * and exit to ring 1 or 2 (0 for ring 3: no switch); the selectors the
 * ring 1/2 syscall entry puts in the frame. Its second page, writable:
 * the syscall entry's scratch word for the user stack pointer.
 */
#define CPU_RSP0     4
#define CPU_KCR3     104
#define CPU_UCR3     112
#define CPU_USER_CS  120
#define CPU_USER_SS  128
#define CPU_USER_RSP 4096

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Load this CPU's GDT, reload every segment register, load the TSS, point GS at the per-CPU area. */
void x86_64_gdt_init(void);

/* What must stay mapped while code of ring 1 or 2 runs (legacy/ring.c), page-aligned. */
struct x86_entry_area {
	uintptr_t gdt, cpu_ro, cpu_rw, ist, ist_size;
};
void x86_entry_area(struct x86_entry_area *out);
/* trap.c: the IDT's page. trap.S: the entry code's pages. */
uintptr_t x86_idt_page(void);
extern char x86_entry_text_start[], x86_entry_text_end[];
/* The per-CPU words the entry paths read: see CPU_KCR3 .. CPU_USER_SS. */
void x86_cpu_set_ring(uint64_t kcr3, uint64_t ucr3, uint64_t cs, uint64_t ss);
#endif

#endif
