/*
 * The x86_64 entry, shared by both boot paths:
 *   GRUB (Multiboot2): EAX = 0x36d76289, EBX = physical address of the MBI;
 *   QEMU -kernel (PVH, Xen ELF note 18): EBX = physical address of the
 *   struct hvm_start_info, EAX unspecified.
 * Both enter _start32 in 32-bit protected mode, paging off, interrupts off,
 * with no usable stack, GDT or IDT. This code builds the boot page tables
 * (memlayout.h), enters long mode, moves to the higher half, drops the
 * identity map it needed to get there and calls x86_64_boot(magic, info)
 * in boot.c on the boot stack with rbp = 0. From then on nothing in the
 * lower half is mapped: C reads physical memory through PHYS_MAP_BASE.
 *
 * Secondary CPUs never run this: on x86 they wait for an INIT-SIPI-SIPI
 * sequence the kernel has not sent, which is how they stay parked.
 */
#include "memlayout.h"

#define PHYS(x) ((x) - KERNEL_VMA)

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386    0
#define MB2_TAG_FRAMEBUFFER 5
#define MB2_TAG_OPTIONAL    1 /* flags bit 0: boot even if the loader cannot honour the tag */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define CR0_PE    (1 << 0)
#define CR0_WP    (1 << 16) /* ring 0 writes honour read-only pages too */
#define CR0_PG    (1 << 31)
#define CR4_PAE   (1 << 5)
#define CR4_PGE   (1 << 7)  /* global pages survive CR3 writes; every 64-bit CPU has them */
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

/* Table slots of an address, and the byte offset of a slot. */
#define PML4_SLOT(va) (((va) >> 39) & 511)
#define PDPT_SLOT(va) (((va) >> 30) & 511)
#define SLOT(n) ((n) * 8)

#define BOOT_SEL_CODE 0x08
#define BOOT_SEL_DATA 0x10

#define COM1     0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20
#define DEBUG_EXIT_PORT 0xf4

/*
 * Multiboot2 header: GRUB looks for it in the first 32 KiB of the file,
 * 8-byte aligned; the linker script puts .boot.header first. GRUB loads
 * the ELF by its segments' physical addresses and enters at e_entry, which
 * is _start32's physical address. One tag besides the end tag: a
 * framebuffer request, optional and with no preferred size or depth, so
 * that grub.cfg's gfxpayload decides ("text", the default, keeps the VGA
 * text screen; ci/mkiso --framebuffer asks for a linear one).
 */
	.section .boot.header, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.short MB2_TAG_FRAMEBUFFER
	.short MB2_TAG_OPTIONAL
	.long 20 /* size */
	.long 0  /* width, height, depth: no preference */
	.long 0
	.long 0
	.balign 8 /* every tag starts 8-byte aligned */
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

/*
 * The boot GDT: just enough to reach 64-bit code; gdt.c loads the real one.
 * It lives in the image's .rodata so that it stays mapped once the
 * identity map is gone; lgdt in 32-bit mode reaches it by its physical
 * address (a 16-bit limit, a 32-bit base), in 64-bit mode by its high one.
 */
	.section .rodata
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9b000000ffff /* 0x08: 64-bit code, ring 0, accessed */
	.quad 0x00cf93000000ffff /* 0x10: data, ring 0, accessed */
boot_gdt_end:
	.balign 8
	.short 0, 0, 0
boot_gdt_ptr64:
	.short boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .boot.rodata, "a"
	.balign 4
	.short 0
boot_gdt_ptr32:
	.short boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)
no_long_mode_msg:
	.asciz "kestrel: this CPU has no 64-bit long mode; halting\r\n"
no_nx_msg:
	.asciz "kestrel: this CPU has no NX (execute-disable) bit; halting\r\n"

	.section .boot.text, "ax"
	.code32
	.globl _start32
	.type _start32, @function
_start32:
	cli
	cld
	movl %eax, %ebp /* Multiboot2 magic, or anything (PVH) */
	movl %ebx, %esi /* physical address of the MBI or the PVH start info */
	rdtsc		/* the boot figure starts here (arch_boot_counter) */
	movl %eax, PHYS(boot_entry_counter)
	movl %edx, PHYS(boot_entry_counter) + 4

	/* Zero .bss first: the page tables and the boot stack live there. */
	movl $PHYS(__bss_start), %edi
	movl $PHYS(__bss_end), %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl
	movl $PHYS(__boot_stack_top), %esp

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
	movl $no_long_mode_msg, %ebx
	cmpl %eax, %ecx
	je fail
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	movl $no_long_mode_msg, %ebx
	jb fail
	movl $0x80000001, %eax
	cpuid
	movl $no_long_mode_msg, %ebx
	testl $CPUID_EXT_LM, %edx
	jz fail
	/*
	 * The kernel's W^X needs NX: the page-table format always encodes
	 * PTE_NO_EXECUTE as bit 63, which is reserved (a fault on every use)
	 * when EFER.NXE cannot be set. Refuse to boot rather than fault later.
	 */
	movl $no_nx_msg, %ebx
	testl $CPUID_EXT_NX, %edx
	jz fail

	/*
	 * The boot tables (memlayout.h). PML4[0] and PML4[256] share one PDPT
	 * whose four page directories map [0, 4 GiB) with 2 MiB pages: the
	 * identity map this code runs in until it jumps high, and the direct
	 * map. PML4[511] holds the kernel's PDPT, whose slot for KERNEL_VMA
	 * reuses the first of those page directories: physical [0, 1 GiB).
	 */
	movl $PHYS(boot_pdpt_phys) + PTE_P + PTE_W, PHYS(boot_pml4) + SLOT(0)
	movl $PHYS(boot_pdpt_phys) + PTE_P + PTE_W, PHYS(boot_pml4) + SLOT(PML4_SLOT(PHYS_MAP_BASE))
	movl $PHYS(boot_pdpt_kernel) + PTE_P + PTE_W, PHYS(boot_pml4) + SLOT(PML4_SLOT(KERNEL_VMA))
	movl $PHYS(boot_pd) + PTE_P + PTE_W, PHYS(boot_pdpt_kernel) + SLOT(PDPT_SLOT(KERNEL_VMA))
	movl $PHYS(boot_pdpt_phys), %edi
	movl $PHYS(boot_pd) + PTE_P + PTE_W, %eax
	movl $(BOOT_PHYS_MAP_SIZE >> 30), %ecx
1:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 1b
	/*
	 * 2 MiB pages, write-back (PAT entry 0): the firmware's MTRRs make
	 * the MMIO holes below 4 GiB uncached. High halves stay 0.
	 */
	movl $PHYS(boot_pd), %edi
	movl $PTE_P + PTE_W + PTE_PS, %eax
	movl $(BOOT_PHYS_MAP_SIZE / PAGE_2M), %ecx
1:	movl %eax, (%edi)
	addl $PAGE_2M, %eax
	addl $8, %edi
	loop 1b

	/* Long mode, in the order the architecture requires: PAE, CR3, EFER.LME, then paging. */
	movl %cr4, %eax
	orl $(CR4_PAE | CR4_PGE), %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0
	lgdt boot_gdt_ptr32
	ljmp $BOOT_SEL_CODE, $start64_low

	/* Unsupported CPU: print the message at EBX on COM1, ask QEMU to exit with status 1, halt. */
fail:
1:	movb (%ebx), %cl
	testb %cl, %cl
	jz 3f
	movw $COM1_LSR, %dx
2:	inb %dx, %al
	testb $LSR_THRE, %al
	jz 2b
	movw $COM1, %dx
	movb %cl, %al
	outb %al, %dx
	incl %ebx
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

	/*
	 * In the higher half: a high stack, the GDT by its high address, then
	 * the identity map goes. The CR3 write drops its TLB entries (none is
	 * global); after it only high addresses work.
	 */
	.text
start64:
	/* For debuggers: no caller (rip undefined), GDB's backtrace ends here. */
	.cfi_sections .debug_frame
	.cfi_startproc
	.cfi_undefined rip
	movq $__boot_stack_top, %rsp
	lgdt boot_gdt_ptr64(%rip)
	movq $0, boot_pml4 + SLOT(0)(%rip)
	movq %cr3, %rax
	movq %rax, %cr3
	movl %ebp, %edi /* magic, zero-extended */
	movl %esi, %esi /* info, zero-extended */
	xorl %ebp, %ebp /* the end of the frame-pointer chain */
	call x86_64_boot
1:	cli
	hlt
	jmp 1b
	.cfi_endproc

	/* The boot page tables, zeroed with the rest of .bss. */
	.section .bss.boot_tables, "aw", @nobits
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt_phys:
	.skip 4096
boot_pdpt_kernel:
	.skip 4096
boot_pd:
	.skip 4096 * (BOOT_PHYS_MAP_SIZE >> 30)

	/* The boot stack; linker.ld puts it right above its guard page, __boot_stack_guard. */
	.section .boot_stack, "aw", @nobits
	.balign 4096
	.skip BOOT_STACK_SIZE

	.section .note.GNU-stack, "", @progbits

	/* In .data: .bss is zeroed after the counter is read. */
	.data
	.balign 8
	.globl boot_entry_counter
boot_entry_counter:
	.quad 0
