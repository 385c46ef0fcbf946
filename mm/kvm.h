/*
 * The kernel address space: the image mapped W^X at its link address, a
 * direct map of all RAM, the console and power-off device pages, nothing
 * in the lower half; an unmapped guard page below the boot stack.
 */
#ifndef MM_KVM_H
#define MM_KVM_H

#include "core/boot_info.h"
#include "mm/pt.h"

/* The kernel's page table, live after mm_init(). */
extern struct page_table kernel_pt;

/* Frames, the kernel address space and the heap, in that order; panics on failure. */
void mm_init(const struct boot_info *bi);

/*
 * Map `size` bytes of device registers at physical `pa` uncached in the
 * direct map (idempotent) and return their virtual address; NULL on error.
 * Drivers and arch code call it after mm_init().
 */
void *kvm_map_device(uint64_t pa, uint64_t size);

/*
 * The kernel half below the image, on every arch (clear of the direct map):
 *   KVM_KSTACK_AREA  [image - 2 GiB, image - 1 GiB)  kernel stacks (mm/kstack.c)
 *   KVM_SCRATCH_VA   [image - 1 GiB, image)          free for tests and benchmarks
 */
#define KVM_KSTACK_AREA (KERNEL_VIRT_BASE - 0x80000000ul)
#define KVM_SCRATCH_VA	(KERNEL_VIRT_BASE - 0x40000000ul)

/* Kernel image boundaries from the linker script. */
extern char __kernel_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __kernel_end[], __boot_stack_guard[], __boot_stack_top[];

#endif
