/*
 * The riscv64 memory map, drawn once. QEMU virt, S-mode under OpenSBI, no
 * paging yet (satp = 0, bare): virtual = physical. Only the kernel's own
 * load address is a constant; RAM, reservations and devices come from the
 * device tree at boot.
 *
 *   0x0000_1000  QEMU boot ROM: reset vector, fw_dynamic info       (not RAM)
 *   0x0010_0000  sifive_test finisher (exit device)           DTB /soc/test
 *   0x1000_0000  NS16550A UART                                DTB stdout-path
 *   0x8000_0000  RAM base: OpenSBI, M-mode, PMP-protected     DTB /reserved-memory
 *   0x8020_0000  KERNEL_BASE = RAM base + IMAGE_TEXT_OFFSET   __kernel_start
 *                  Image header (64 bytes), .text
 *                  .rodata, .ktests                           (page aligned)
 *                  .data, .bss (boot stack, BOOT_STACK_SIZE)  (page aligned)
 *                                                             __kernel_end
 *                free RAM
 *   near the top of RAM: the DTB (placed by QEMU or relocated by U-Boot), reserved by
 *                fdt_boot_info() as boot data
 *
 * U-Boot's booti copies the Image to RAM base + text_offset, the same address
 * QEMU's -kernel loads the ELF at, so both boot paths run the kernel where it
 * was linked.
 */
#ifndef ARCH_RISCV64_MEMLAYOUT_H
#define ARCH_RISCV64_MEMLAYOUT_H

/* Offset of the kernel from the start of RAM, in the Image header (Linux's value). */
#define IMAGE_TEXT_OFFSET 0x200000
/* Link address; linker.ld says the same. */
#define KERNEL_BASE 0x80200000
/* The boot CPU's stack, in .bss. */
#define BOOT_STACK_SIZE 0x4000

#endif
