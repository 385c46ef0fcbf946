/*
 * Every way into the kernel and back out: 256 small stubs, one per IDT
 * vector; the common path that saves the general registers as a struct
 * trap_frame (hal_arch/trap.h) and calls x86_64_trap(tf) in trap.c; the
 * SYSCALL entry; and the exits to ring 3 (sysretq, iretq).
 *
 * GS: the kernel runs with GS base = its per-CPU area (gdt.h), user code
 * with its own (KERNEL_GS_BASE holds the other one). swapgs exchanges them
 * at each crossing of the ring 3 boundary and nowhere else, so the saved
 * cs tells a trap's entry whether to swap. Not so for NMI, #DF and #MC:
 * they can strike between syscall and its swapgs, or between the exit's
 * swapgs and sysretq, so their entry asks the GS base MSR instead.
 *
 * A trap from ring 3 switches to TSS.rsp0, the top of the thread's kernel
 * stack, so its frame is arch_user_frame(); the syscall entry builds the
 * same frame at the same place. A thread may switch away inside the C
 * handler and come back much later: the exit reloads everything from the
 * frame.
 *
 * Rings 1 and 2 (r2 drivers, legacy/ring.c) are "user" like ring 3 (cs &
 * 3 != 0) but run on restricted page tables that map, of the kernel, only
 * these pages (.text.entry), the IDT, GDT, per-CPU area, IST stacks and
 * the thread's kernel stack. Entry from them loads %gs:CPU_KCR3 (the
 * full tables) before anything else; the exit loads %gs:CPU_UCR3 last and
 * flushes the global TLB entries the kernel left. Both are 0 for ring 3.
 */
#include <hal_arch/trap.h>
#include "gdt.h"
#include "x86.h"

/* Vectors for which the CPU pushes an error code; the other stubs push a 0 in its place. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
		      (v) == 29 || (v) == 30)
/* NMI, #DF and #MC, which run on IST stacks (trap.c) and may find either GS. */
#define IS_PARANOID(v) ((v) == 2 || (v) == 8 || (v) == 18)

/* The general registers of struct trap_frame, rax first (highest). */
.macro PUSH_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

/*
 * Call x86_64_trap with the frame below a frame record for the interrupted
 * code (its rbp, its rip), so a backtrace continues through the trapping
 * function. Two words keep the stack 16-byte aligned (TF_SIZE % 16 == 0).
 */
.macro CALL_TRAP_KERNEL
	pushq TF_RIP(%rsp)
	pushq %rbp
	movq %rsp, %rbp
	leaq 16(%rsp), %rdi
	call x86_64_trap
	addq $16, %rsp
.endm

#define CR4_PGE_BIT 0x80

/* Switch to the full page tables if we came from ring 1 or 2 (GS is the kernel's). */
.macro ENTRY_CR3
	pushq %rax
	movq %gs:CPU_KCR3, %rax
	testq %rax, %rax
	jz 9f
	movq %rax, %cr3
9:
	popq %rax
.endm

/* Load the ring 1/2 tables in %rax and drop every TLB entry, global ones too (CR4.PGE). */
.macro LOAD_UCR3
	movq %rax, %cr3
	movq %cr4, %rax
	xorq $CR4_PGE_BIT, %rax
	movq %rax, %cr4
	xorq $CR4_PGE_BIT, %rax
	movq %rax, %cr4
.endm

	/* Pages of their own: ring 1/2 page tables map them (legacy/ring.c). */
	.section .text.entry, "ax", @progbits
	.balign 4096
	.globl x86_entry_text_start
x86_entry_text_start:
trap_common:
	testb $3, 24(%rsp) /* the saved cs (above vector, error, rip): from ring 3? */
	jnz trap_from_user
	PUSH_REGS
	cld
	CALL_TRAP_KERNEL
	POP_REGS
	addq $16, %rsp /* vector, error code */
	iretq

trap_from_user:
	swapgs
	ENTRY_CR3
	PUSH_REGS
	/* DF and AC are the user's: clear them (AC set would switch SMAP off). */
	pushq $2
	popfq
	xorl %ebp, %ebp /* the kernel's backtrace ends here, not in user memory */
	movq %rsp, %rdi
	call x86_64_trap
	/* Fall through: handlers may have enabled interrupts. */

/* Back to ring 3 from the frame at rsp, after trap_user_return. */
user_exit:
	cli
	movq %rsp, %rdi
	call trap_user_return
	cmpq $0, %gs:CPU_UCR3
	jz user_exit_iret
	call x86_r2_ring_exit /* its page tables up to date */
user_exit_iret:
	movq %gs:CPU_UCR3, %rax /* rax and rcx are restored below */
	testq %rax, %rax
	jnz 2f
	/*
	 * On the full page tables only ring 3 may be returned to: rings 1
	 * and 2 are supervisor to paging. A thread that lowered itself from
	 * ring 1 to 2 (iretq allows it) lost its restricted tables: it dies.
	 */
	movl TF_CS(%rsp), %ecx
	notl %ecx
	testl $3, %ecx
	jz 1f
	movq %rsp, %rdi
	call x86_r2_stray_ring /* does not return */
2:
	LOAD_UCR3
1:
	POP_REGS
	addq $16, %rsp /* vector, error code */
	swapgs
	iretq

/*
 * NMI, #DF, #MC. rbx (callee-saved, so it survives the call) remembers
 * whether we swapped: the kernel's GS base is an upper-half address.
 */
trap_paranoid:
	PUSH_REGS
	cld
	xorl %ebx, %ebx
	movl $MSR_GS_BASE, %ecx
	rdmsr
	testl %edx, %edx
	js 1f
	swapgs
	movl $1, %ebx
1:
	/* On ring 1/2 page tables (code of that ring, or an entry or exit path): the full ones. */
	xorl %r12d, %r12d
	movq %cr3, %rax
	cmpq %gs:CPU_UCR3, %rax
	jne 3f
	movq %gs:CPU_KCR3, %rax
	movq %rax, %cr3
	movl $1, %r12d
3:
	CALL_TRAP_KERNEL
	testl %r12d, %r12d
	jz 4f
	movq %gs:CPU_UCR3, %rax
	LOAD_UCR3
4:
	testl %ebx, %ebx
	jz 2f
	swapgs
2:
	POP_REGS
	addq $16, %rsp
	iretq

/*
 * SYSCALL (LSTAR): rcx = user rip, r11 = user rflags, rsp still the user's;
 * SFMASK has cleared IF, DF, TF and AC. Build the same frame a trap from
 * ring 3 would, at the top of this thread's kernel stack.
 */
	.globl x86_syscall_entry
	.type x86_syscall_entry, @function
	.balign 16
x86_syscall_entry:
	swapgs
	movq %rsp, %gs:CPU_USER_RSP
	movq %gs:CPU_RSP0, %rsp
	pushq $SEL_UDATA	    /* ss */
	pushq %gs:CPU_USER_RSP	    /* rsp */
	pushq %r11		    /* rflags */
	pushq $SEL_UCODE	    /* cs */
	pushq %rcx		    /* rip */
	pushq $0		    /* error code */
	pushq $TF_VECTOR_SYSCALL    /* vector */
	PUSH_REGS
	xorl %ebp, %ebp
	movq %rsp, %rdi
	call trap_syscall	    /* interrupts off (SFMASK), as the HAL's rule says */
	cli			    /* and for certain: a switch may have brought them back */
	movq %rsp, %rdi
	call trap_user_return
	/*
	 * sysretq loads rip from rcx, and with a non-canonical one it faults
	 * in ring 0 with the user's rsp already in place: iretq instead. No
	 * user page lies below such an address (USER_TOP leaves the last page
	 * out), so only a frame the kernel rewrote can take that path.
	 */
	movq TF_RIP(%rsp), %rcx
	movq %rcx, %r11
	shrq $47, %r11
	jnz user_exit_iret
	movq TF_RFLAGS(%rsp), %r11
	/* Every register but rcx and r11, which sysretq sets from rip and rflags. */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	addq $8, %rsp /* r11 */
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	addq $8, %rsp /* rcx */
	popq %rbx
	popq %rax
	/* Interrupts stay off until sysretq: nothing but an IST trap can run on the user stack. */
	swapgs
	movq TF_RSP - TF_VECTOR(%rsp), %rsp
	sysretq
	.size x86_syscall_entry, . - x86_syscall_entry

/*
 * SYSCALL from ring 1 or 2 (LSTAR while such a thread runs, legacy/ring.c):
 * the same frame with that ring's selectors, the full page tables first,
 * and out through iretq (sysretq only returns to ring 3).
 */
	.globl x86_syscall_entry_ring12
	.type x86_syscall_entry_ring12, @function
	.balign 16
x86_syscall_entry_ring12:
	swapgs
	movq %rsp, %gs:CPU_USER_RSP
	movq %gs:CPU_RSP0, %rsp
	ENTRY_CR3
	pushq %gs:CPU_USER_SS	    /* ss */
	pushq %gs:CPU_USER_RSP	    /* rsp */
	pushq %r11		    /* rflags */
	pushq %gs:CPU_USER_CS	    /* cs */
	pushq %rcx		    /* rip */
	pushq $0		    /* error code */
	pushq $TF_VECTOR_SYSCALL    /* vector */
	PUSH_REGS
	xorl %ebp, %ebp
	movq %rsp, %rdi
	call trap_syscall	    /* interrupts off (SFMASK) */
	jmp user_exit
	.size x86_syscall_entry_ring12, . - x86_syscall_entry_ring12

/* arch_user_enter(tf): the running thread's user frame, address space and rsp0 in place. */
	.globl arch_user_enter
	.type arch_user_enter, @function
arch_user_enter:
	cli
	movq %rdi, %rsp
	jmp user_exit_iret
	.size arch_user_enter, . - arch_user_enter

/* The stubs; trap_stub_table[v] is the address of vector v's stub, for the IDT. */
	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
	.section .text.entry, "ax", @progbits
	.set vec, 0
	.rept 256
	.balign 8
1:
	.if HAS_ERROR(vec) == 0
	pushq $0
	.endif
	pushq $vec
	.if IS_PARANOID(vec)
	jmp trap_paranoid
	.else
	jmp trap_common
	.endif
	.pushsection .rodata
	.quad 1b
	.popsection
	.set vec, vec + 1
	.endr
	.balign 4096
	.globl x86_entry_text_end
x86_entry_text_end:

	.section .note.GNU-stack, "", @progbits
