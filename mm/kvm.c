/*
 * Building and switching to the kernel address space. The arch's boot
 * tables map the image and at least the first 4 GiB of physical memory, so
 * the new tables are built in frames from below 4 GiB, through the direct
 * map, then activated. From then on nothing is mapped in the lower half.
 */
#include "mm/kvm.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"

#define BOOT_MAP_LIMIT (4ull << 30)

struct page_table kernel_pt;

static uint64_t image_phys(const struct boot_info *bi, const void *va)
{
	return bi->kernel_phys + ((uintptr_t)va - bi->kernel_virt);
}

static void map_image(const struct boot_info *bi, const char *start, const char *end,
		      unsigned flags)
{
	int err = pt_map_range(&kernel_pt, (uintptr_t)start, image_phys(bi, start),
			       (uint64_t)(end - start), flags);
	if (err)
		panic("kvm: mapping the image at %p-%p: error %d", start, end, err);
}

/* A device page the kernel needs from the start (console, power-off). */
static void map_device(uint64_t pa)
{
	if (!kvm_map_device(pa, 1))
		panic("kvm: cannot map the device page at %#llx", (unsigned long long)pa);
}

static void direct_map(uint64_t start, uint64_t end, unsigned flags)
{
	if (start >= end)
		return;
	int err = pt_map_range(&kernel_pt, PHYS_MAP_BASE + start, start, end - start, flags);
	if (err)
		panic("kvm: direct map of %#llx-%#llx: error %d", (unsigned long long)start,
		      (unsigned long long)end, err);
}

/* The frame allocator must never hand out the kernel image: refuse to boot if it could. */
static void check_image_reserved(const struct boot_info *bi)
{
	uint64_t img = image_phys(bi, __kernel_start), img_end = image_phys(bi, __kernel_end);

	for (unsigned i = 0; i < bi->reserved_count; i++)
		if (bi->reserved[i].base <= img &&
		    bi->reserved[i].base + bi->reserved[i].size >= img_end)
			return;
	panic("mm: the kernel image %#llx-%#llx is not in the reserved map",
	      (unsigned long long)img, (unsigned long long)img_end);
}

static void kvm_init(const struct boot_info *bi)
{
	const unsigned kflags = PTE_PRESENT | PTE_GLOBAL;

	if (pt_create(&kernel_pt, &arch_pt_format, arch_mmu_levels()))
		panic("kvm: no frame for the root table");
	kernel_pt.table_limit = BOOT_MAP_LIMIT;
	kernel_pt.keep_top = true; /* process roots share the tables below the root */

	/* The image, W^X, with a hole for the boot stack's guard page. */
	map_image(bi, __text_start, __text_end, kflags);
	map_image(bi, __rodata_start, __rodata_end, kflags | PTE_NO_EXECUTE);
	map_image(bi, __data_start, __boot_stack_guard, kflags | PTE_WRITABLE | PTE_NO_EXECUTE);
	map_image(bi, __boot_stack_guard + PAGE_SIZE, __kernel_end,
		  kflags | PTE_WRITABLE | PTE_NO_EXECUTE);

	/*
	 * All RAM, with 2 MiB pages where alignment allows; the image's own
	 * frames read-only there, so its alias cannot undo W^X.
	 */
	uint64_t img = image_phys(bi, __kernel_start) & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t img_end = image_phys(bi, __kernel_end);
	for (unsigned i = 0; i < bi->ram_count; i++) {
		uint64_t start = (bi->ram[i].base + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
		uint64_t end = (bi->ram[i].base + bi->ram[i].size) & ~(uint64_t)(PAGE_SIZE - 1);
		if (end > PHYS_MAP_SIZE)
			end = PHYS_MAP_SIZE;
		if (img >= start && img_end <= end) {
			direct_map(start, img, kflags | PTE_WRITABLE | PTE_NO_EXECUTE);
			direct_map(img, img_end, kflags | PTE_NO_EXECUTE);
			direct_map(img_end, end, kflags | PTE_WRITABLE | PTE_NO_EXECUTE);
		} else {
			direct_map(start, end, kflags | PTE_WRITABLE | PTE_NO_EXECUTE);
		}
	}
	if (bi->console.kind == CONSOLE_NS16550_MMIO || bi->console.kind == CONSOLE_PL011)
		map_device(bi->console.base);
	if (bi->power == POWER_SIFIVE_TEST)
		map_device(bi->power_base);

	arch_mmu_activate(kernel_pt.root);
	kernel_pt.table_limit = 0;
}

void *kvm_map_device(uint64_t pa, uint64_t size)
{
	uint64_t first = pa & ~(uint64_t)(PAGE_SIZE - 1);
	if (!size || pa + size < pa || pa + size > PHYS_MAP_SIZE)
		return NULL;
	for (uint64_t page = first; page < pa + size; page += PAGE_SIZE) {
		int err = map_page(&kernel_pt, PHYS_MAP_BASE + page, page,
				   PTE_PRESENT | PTE_WRITABLE | PTE_NO_EXECUTE | PTE_GLOBAL |
				       PTE_CACHE_DISABLE);
		if (err && err != E_MEM_ALREADY_MAPPED)
			return NULL;
	}
	return phys_to_virt(pa);
}

void mm_init(const struct boot_info *bi)
{
	check_image_reserved(bi);
	int err = pmm_init(bi, BOOT_MAP_LIMIT);
	if (err)
		panic("mm: no usable memory for the frame allocator (error %d)", err);
	kvm_init(bi);
	pmm_release_rest(); /* the direct map now covers all RAM */
	heap_init();
	struct memory_stats s = memory_stats();
	pr_info("mm: %zu MiB in %zu frames, %zu free; kernel tables %llu pages, %u levels",
		s.total_frames / 256, s.total_frames, s.free_frames,
		(unsigned long long)kernel_pt.tables, kernel_pt.levels);
}
