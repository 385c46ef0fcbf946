/*
 * The riscv64 memory map, drawn once: physical here, virtual in
 * hal_arch/mmu.h. QEMU virt, S-mode under OpenSBI. RAM, reservations and
 * devices come from the device tree at boot; only the kernel's link address
 * is a constant, and the loader chooses its physical address.
 *
 * Physical:
 *   0x0000_1000  QEMU boot ROM: reset vector, fw_dynamic info       (not RAM)
 *   0x0010_0000  sifive_test finisher (exit device)           DTB /soc/test
 *   0x1000_0000  NS16550A UART                                DTB stdout-path
 *   0x8000_0000  RAM base: OpenSBI, M-mode, PMP-protected     DTB /reserved-memory
 *   0x8020_0000  the kernel as QEMU's -kernel loads the ELF (its LMA); U-Boot's
 *                booti runs the Image where it loaded it (kernel_addr_r)
 *                  Image header (64 bytes), .text              __kernel_start
 *                  .rodata, .ktests                            (page aligned)
 *                  .data, .bss: boot page tables, guard page,  (page aligned)
 *                  boot stack                                  __kernel_end
 *                free RAM
 *   below 3 GiB or near the top of RAM: the DTB (placed by QEMU or relocated by
 *                U-Boot), reserved by fdt_boot_info() as boot data
 *
 * Virtual, while booting (boot_pt.c builds these Sv39 tables in .bss before
 * the MMU is on; the portable kernel replaces them with its own):
 *   the GiB(s) holding the image, identity mapped RWX: only until boot.S has
 *       jumped to the link address; riscv_boot_pt_finish() removes them
 *   PHYS_MAP_BASE + [0, 128 GiB): the direct map, RW, 1 GiB pages, no X
 *   KERNEL_VIRT_BASE + IMAGE_TEXT_OFFSET: the image in 4 KiB pages, W^X
 *       (.text RX, .rodata R, .data/.bss RW), the boot stack's guard page unmapped
 */
#ifndef ARCH_RISCV64_MEMLAYOUT_H
#define ARCH_RISCV64_MEMLAYOUT_H

/* Offset of the kernel from the start of RAM, in the Image header (Linux's value). */
#define IMAGE_TEXT_OFFSET 0x200000
/* Largest image (.bss included) the boot tables can map; linker.ld asserts it. */
#define BOOT_KERNEL_MAX 0x800000

#endif
