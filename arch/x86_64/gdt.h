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

/* Interrupt stack table slots (1-based, as IDT gates name them). */
#define IST_DOUBLE_FAULT  1
#define IST_NMI		  2
#define IST_MACHINE_CHECK 3

/*
 * Byte offsets into the per-CPU area the kernel's GS base points at
 * (struct x86_cpu in gdt.c): the TSS's rsp0, and the syscall entry's
 * scratch word for the user stack pointer.
 */
#define CPU_RSP0     4
#define CPU_USER_RSP 104

#ifndef __ASSEMBLER__
/* Load this CPU's GDT, reload every segment register, load the TSS, point GS at the per-CPU area. */
void x86_64_gdt_init(void);
#endif

#endif
