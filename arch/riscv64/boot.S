/*
 * riscv64 entry. OpenSBI (or U-Boot's booti) jumps here in S-mode with the
 * MMU off: a0 = hart id, a1 = physical address of the device tree. With
 * -smp N the boot hart is whichever won OpenSBI's lottery; the others stay
 * stopped in OpenSBI's HSM, but a loader may still send more than one hart
 * here, so only the first to arrive goes on.
 *
 * The image runs at whatever physical address it was loaded to, so until
 * paging is on everything here is position independent (lla, pc-relative
 * loads; boot_pt_build() is medany C that takes no absolute address). Then
 * it jumps to the link address, in the higher half, and stays there.
 */
#include "memlayout.h"

/*
 * The RISC-V Linux Image header (Documentation/arch/riscv/boot-image-header.rst),
 * 64 bytes at the start of the binary, so U-Boot's booti accepts the Image.
 */
	.section .text.head, "ax"
	.globl _start
_start:
	.option push
	.option norvc           /* code0/code1 are two 4-byte instructions */
	j	boot_entry      /* code0 */
	nop                     /* code1 */
	.option pop
	.dword	IMAGE_TEXT_OFFSET /* text_offset */
	.dword	__image_size    /* image_size: the whole image, .bss included (linker.ld) */
	.dword	0               /* flags: little endian */
	.word	2               /* version 0.2 */
	.word	0               /* res1 */
	.dword	0               /* res2 */
	.ascii	"RISCV\0\0\0"   /* magic (deprecated, still checked by some loaders) */
	.ascii	"RSC\x05"       /* magic2 */
	.word	0               /* res3: no PE/COFF header */

	.section .text.boot, "ax"
boot_entry:
	rdtime	t2		/* the boot figure starts here (arch_boot_counter) */
	/* No interrupt until the kernel has a vector and wants them. */
	csrw	sie, zero
	csrci	sstatus, 2

	/* The lottery: the first hart to swap in a 1 boots, every later one parks. */
	lla	t0, boot_lottery
	li	t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez	t1, park
	lla	t0, boot_entry_counter
	sd	t2, 0(t0)

	/* Zero .bss (8-byte aligned by linker.ld); a0 and a1 stay untouched. */
	lla	t0, __bss_start
	lla	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	/* Build the boot page tables on the physical boot stack. */
	mv	s1, a0                  /* hart id */
	mv	s2, a1                  /* device tree */
	lla	s3, __kernel_start      /* where the loader put us: the image's physical address */
	lla	sp, __boot_stack_top
	li	s0, 0
	mv	a0, s3
	ld	a1, kernel_link         /* __kernel_start's link address */
	call	boot_pt_build           /* returns the root's physical address, 0 if impossible */
	beqz	a0, park

	/*
	 * Paging on. The first sfence.vma orders the table stores before the
	 * walks that follow the satp write; the second drops any translation
	 * the hart may have cached from before. Execution goes on through the
	 * identity map of the image's GiB until the jump.
	 */
	srli	a0, a0, 12
	li	t0, 1
	slli	t0, t0, 63              /* SATP_MODE_SV39: 8 << 60 */
	or	a0, a0, t0
	sfence.vma zero, zero
	csrw	satp, a0
	sfence.vma zero, zero
	ld	t0, high_entry          /* an absolute address: the link address of boot_high */
	jr	t0

	.section .text
boot_high:
	/* For debuggers: no caller (ra undefined), GDB's backtrace ends here. */
	.cfi_sections .debug_frame
	.cfi_startproc
	.cfi_undefined ra
	/* From here on every pc-relative address is a virtual, higher-half one. */
	lla	sp, __boot_stack_top
	/* fp = 0 ends the frame-pointer chain; no gp relaxation (no __global_pointer$). */
	li	s0, 0
	li	ra, 0
	mv	a0, s1
	mv	a1, s2
	mv	a2, s3
	call	boot_main       /* boot_main(hart id, dtb, kernel_phys): never returns */
	.cfi_endproc

	.section .text.boot, "ax"
park:
	csrw	sie, zero
3:	wfi
	j	3b

	.section .rodata
	.balign	8
kernel_link:
	.dword	__kernel_start
high_entry:
	.dword	boot_high

	/* In .data, not .bss: zeroing .bss must not reopen the lottery. */
	.section .data
	.balign	4
boot_lottery:
	.word	0

	/* In .data: .bss is zeroed after the counter is read. */
	.data
	.balign 8
	.globl	boot_entry_counter
boot_entry_counter:
	.dword	0
