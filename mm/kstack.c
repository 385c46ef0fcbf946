/* Kernel stack slots: a bitmap of used slots, frames mapped page by page. */
#include "mm/kstack.h"
#include "core/panic.h"
#include "mm/kvm.h"
#include "mm/pmm.h"

static uint64_t used[KSTACK_SLOTS / 64];

_Static_assert(KVM_KSTACK_AREA + KSTACK_SLOTS * (uint64_t)KSTACK_STRIDE <= KVM_SCRATCH_VA,
	       "the stacks fit below the scratch window");

int kstack_alloc(uintptr_t *top)
{
	unsigned slot = 0;
	while (slot < KSTACK_SLOTS && used[slot / 64] >> (slot % 64) & 1)
		slot++;
	if (slot == KSTACK_SLOTS)
		return E_OUT_OF_MEMORY;
	uintptr_t base =
	    KVM_KSTACK_AREA + (uintptr_t)slot * KSTACK_STRIDE + (KSTACK_STRIDE - KSTACK_SIZE);
	for (uintptr_t va = base; va < base + KSTACK_SIZE; va += PAGE_SIZE) {
		uint64_t frame;
		int err = allocate_frames(1, ZONE_NORMAL, &frame);
		if (!err)
			err = map_page(&kernel_pt, va, frame * FRAME_SIZE,
				       PTE_PRESENT | PTE_WRITABLE | PTE_NO_EXECUTE | PTE_GLOBAL);
		if (err) {
			for (uintptr_t back = base; back < va; back += PAGE_SIZE) {
				uint64_t pa;
				if (!unmap_page(&kernel_pt, back, &pa))
					free_frames(pa / FRAME_SIZE, 1);
			}
			return E_OUT_OF_MEMORY;
		}
	}
	used[slot / 64] |= 1ull << (slot % 64);
	*top = base + KSTACK_SIZE;
	return E_OK;
}

void kstack_free(uintptr_t top)
{
	uintptr_t base = top - KSTACK_SIZE;
	uint64_t slot = (base - KVM_KSTACK_AREA) / KSTACK_STRIDE;

	if (base < KVM_KSTACK_AREA || slot >= KSTACK_SLOTS || !(used[slot / 64] >> (slot % 64) & 1))
		panic("kstack_free(%#lx): not a kernel stack", (unsigned long)top);
	for (uintptr_t va = base; va < top; va += PAGE_SIZE) {
		uint64_t pa;
		if (!unmap_page(&kernel_pt, va, &pa))
			free_frames(pa / FRAME_SIZE, 1);
	}
	used[slot / 64] &= ~(1ull << (slot % 64));
}
