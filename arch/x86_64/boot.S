/*
 * The x86_64 entry, shared by both boot paths:
 *   GRUB (Multiboot2): EAX = 0x36d76289, EBX = physical address of the MBI;
 *   QEMU -kernel (PVH, Xen ELF note 18): EBX = physical address of the
 *   struct hvm_start_info, EAX unspecified.
 * Both enter _start32 in 32-bit protected mode, paging off, interrupts off,
 * with no usable stack, GDT or IDT. This code builds the boot page tables
 * (memlayout.h), enters long mode, moves to the higher half and calls
 * x86_64_boot(magic, info) in boot.c with a boot stack and rbp = 0.
 *
 * Secondary CPUs never run this: on x86 they wait for an INIT-SIPI-SIPI
 * sequence the kernel has not sent, which is how they stay parked.
 */
#include "memlayout.h"

#define PHYS(x) ((x) - KERNEL_VMA)

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386    0
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define CR0_PE    (1 << 0)
#define CR0_WP    (1 << 16)
#define CR0_PG    (1 << 31)
#define CR4_PAE   (1 << 5)
#define MSR_EFER  0xc0000080
#define EFER_LME  (1 << 8)
#define EFER_NXE  (1 << 11)
#define CPUID_EXT_LM (1 << 29) /* leaf 0x80000001 EDX */
#define CPUID_EXT_NX (1 << 20)
#define EFLAGS_ID (1 << 21)

#define PTE_P  0x001
#define PTE_W  0x002
#define PTE_PS 0x080 /* in a page directory: a 2 MiB page */
#define PAGE_2M 0x200000

#define BOOT_SEL_CODE 0x08
#define BOOT_SEL_DATA 0x10

#define COM1     0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20
#define DEBUG_EXIT_PORT 0xf4

/*
 * Multiboot2 header: GRUB looks for it in the first 32 KiB of the file,
 * 8-byte aligned; the linker script puts .boot.header first. No tags but
 * the end tag: GRUB loads the ELF by its segments' physical addresses and
 * enters at e_entry, which is _start32's physical address.
 */
	.section .boot.header, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.short 0 /* end tag: type */
	.short 0 /* flags */
	.long 8  /* size */
mb2_header_end:

/*
 * PVH: the Xen note with the 32-bit physical entry. QEMU finds it in a
 * PT_NOTE segment; it reads 8 bytes of descriptor (QEMU 7.2 for ELF64) and
 * computes the padding from the segment's alignment, which must be 4.
 */
	.section .note.pvh, "a", @note
	.balign 4
	.long 4 /* namesz: "Xen\0" */
	.long 8 /* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad _start32
	.balign 4

/* The boot GDT: just enough to reach 64-bit code; gdt.c loads the real one. */
	.section .boot.rodata, "a"
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9b000000ffff /* 0x08: 64-bit code, ring 0, accessed */
	.quad 0x00cf93000000ffff /* 0x10: data, ring 0, accessed */
boot_gdt_end:
	.balign 4
	.short 0
boot_gdt_ptr:                    /* lgdt in 32-bit mode reads a 16-bit limit, 32-bit base */
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt
no_long_mode_msg:
	.asciz "kestrel: this CPU has no 64-bit long mode; halting\r\n"

	.section .boot.text, "ax"
	.code32
	.globl _start32
	.type _start32, @function
_start32:
	cli
	cld
	movl %eax, %ebp /* Multiboot2 magic, or anything (PVH) */
	movl %ebx, %esi /* physical address of the MBI or the PVH start info */

	/* Zero .bss first: the page tables and the boot stack live there. */
	movl $PHYS(__bss_start), %edi
	movl $PHYS(__bss_end), %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl
	movl $PHYS(boot_stack_top), %esp

	/* CPUID must exist (EFLAGS.ID can be toggled), then long mode. */
	pushfl
	popl %eax
	movl %eax, %ecx
	xorl $EFLAGS_ID, %eax
	pushl %eax
	popfl
	pushfl
	popl %eax
	pushl %ecx
	popfl
	cmpl %eax, %ecx
	je no_long_mode
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $CPUID_EXT_LM, %edx
	jz no_long_mode
	movl %edx, %ebx /* keep the NX bit for EFER below */

	/* PML4[0] -> identity PDPT, PML4[511] -> higher-half PDPT. */
	movl $PHYS(boot_pdpt_low) + PTE_P + PTE_W, PHYS(boot_pml4)
	movl $PHYS(boot_pdpt_high) + PTE_P + PTE_W, PHYS(boot_pml4) + 511 * 8
	/* KERNEL_VMA is PDPT slot 510 of the last 512 GiB: physical 0 .. 1 GiB, boot_pd's first page. */
	movl $PHYS(boot_pd) + PTE_P + PTE_W, PHYS(boot_pdpt_high) + 510 * 8
	/* The identity PDPT: one page directory per GiB. */
	movl $PHYS(boot_pdpt_low), %edi
	movl $PHYS(boot_pd) + PTE_P + PTE_W, %eax
	movl $(BOOT_IDENTITY_SIZE >> 30), %ecx
1:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 1b
	/* The page directories: 2 MiB pages over the low 4 GiB (high halves stay 0). */
	movl $PHYS(boot_pd), %edi
	movl $PTE_P + PTE_W + PTE_PS, %eax
	movl $(BOOT_IDENTITY_SIZE / PAGE_2M), %ecx
1:	movl %eax, (%edi)
	addl $PAGE_2M, %eax
	addl $8, %edi
	loop 1b

	/* Long mode, in the order the architecture requires: PAE, CR3, EFER.LME, then paging. */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	testl $CPUID_EXT_NX, %ebx
	jz 1f
	orl $EFER_NXE, %eax /* only when present: setting it otherwise faults */
1:	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $BOOT_SEL_CODE, $start64_low

	/* No long mode: say so on COM1, ask QEMU to exit with status 1, halt. */
no_long_mode:
	movl $no_long_mode_msg, %esi
1:	movb (%esi), %bl
	testb %bl, %bl
	jz 3f
	movw $COM1_LSR, %dx
2:	inb %dx, %al
	testb $LSR_THRE, %al
	jz 2b
	movw $COM1, %dx
	movb %bl, %al
	outb %al, %dx
	incl %esi
	jmp 1b
3:	movw $DEBUG_EXIT_PORT, %dx
	movl $1, %eax
	outl %eax, %dx
4:	cli
	hlt
	jmp 4b
	.size _start32, . - _start32

	/* 64-bit now, still at the physical address: load data segments, go high. */
	.code64
start64_low:
	movl $BOOT_SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $start64, %rax
	jmpq *%rax

	.text
start64:
	movq $boot_stack_top, %rsp
	movl %ebp, %edi /* magic, zero-extended */
	movl %esi, %esi /* info, zero-extended */
	xorl %ebp, %ebp /* the end of the frame-pointer chain */
	call x86_64_boot
1:	cli
	hlt
	jmp 1b

	.section .bss.boot, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4096 * (BOOT_IDENTITY_SIZE >> 30)
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
