/*
 * User address spaces: a page table whose upper half is the kernel's (root
 * entries copied, kept in step) and whose lower half holds the process's
 * regions of anonymous, zeroed memory. Every user page is PTE_USER, never
 * writable and executable at once.
 */
#ifndef MM_VMSPACE_H
#define MM_VMSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/pt.h"

#define USER_BASE 0x10000ul /* the lowest user address: null stays unmapped */

/* What backs a region, and so who frees its frames. */
enum vm_kind {
	VM_ANON,     /* zeroed frames the space owns and frees */
	VM_BORROWED, /* another space's frames, lent (vmspace_lend): never freed here */
	VM_PHYS,     /* device memory or frames someone vouches for: never freed here */
	VM_SHM,	     /* a shared region's pages (mm/shm.h): the region object frees them */
};

struct shm;
struct vmspace;

struct vm_region {
	uintptr_t start, end; /* page aligned, [start, end) */
	unsigned flags;	      /* PTE_* of its pages */
	uint8_t kind;	      /* enum vm_kind */
	bool lent;	      /* VM_ANON whose pages are lent out: reserved, not mapped here */
	bool pinned;	      /* the kernel's (an IPC buffer): no munmap, lend or spawn takes it */
	uint16_t dma_pins;    /* pinned for DMA (vmspace_dma_pin): no munmap or lend either */
	struct vm_region *next;
	/* VM_SHM: the object, its page at `start`, and the object's list of mappings. */
	struct shm *shm;
	size_t first;
	struct vmspace *vs; /* the space this region belongs to */
	struct vm_region *shm_next;
};

struct vmspace {
	struct page_table pt;
	const struct page_table *kernel; /* whose upper half we carry */
	uint32_t kernel_gen;		 /* its root_gen when we last copied it */
	struct vm_region *regions;	 /* sorted by address */
	uint64_t mapped, peak;		 /* bytes of user memory */
};

/* An empty user space sharing `kernel`'s upper half. */
int vmspace_create(struct vmspace *vs, const struct page_table *kernel);
/* Free every page and table of the user half. The space must not be live on any CPU. */
void vmspace_destroy(struct vmspace *vs);
/* Copy the kernel's root entries again if it has filled new ones since; call before activating. */
void vmspace_sync(struct vmspace *vs);
/*
 * Back [va, va + len) with zeroed frames mapped with `flags` (PTE_USER and
 * PTE_PRESENT are added). E_MEM_BAD_ADDRESS outside [USER_BASE, USER_TOP),
 * unaligned or writable and executable, E_MEM_ALREADY_MAPPED over another
 * region, E_OUT_OF_MEMORY.
 */
int vmspace_map(struct vmspace *vs, uintptr_t va, size_t len, unsigned flags);
/*
 * The same, writable and executable allowed: only for the ELF loader's page
 * two segments share (one ends there, the next begins), as some linker
 * scripts lay programs out.
 */
int vmspace_map_wx(struct vmspace *vs, uintptr_t va, size_t len, unsigned flags);
/*
 * Whether [va, va + len) could be unmapped now: E_OK, E_MEM_NOT_MAPPED over
 * a hole, E_BUSY over pages lent out, borrowed or pinned.
 */
int vmspace_can_unmap(const struct vmspace *vs, uintptr_t va, size_t len);
/* Pin or unpin the region starting at `va` (E_MEM_NOT_MAPPED if none starts there). */
int vmspace_pin(struct vmspace *vs, uintptr_t va, bool pinned);
/*
 * Pin [va, va + len), which must lie in one VM_ANON region of the space's
 * own (not lent, not the kernel's pinned IPC buffer), for a device: no munmap or lend takes it until as many
 * unpins; the physical address of each page into pa[]. E_MEM_NOT_MAPPED,
 * E_MEM_BAD_ADDRESS (not the space's own anonymous memory) and nothing
 * changes otherwise. The frames go with the space as usual.
 */
int vmspace_dma_pin(struct vmspace *vs, uintptr_t va, size_t len, uint64_t *pa);
void vmspace_dma_unpin(struct vmspace *vs, uintptr_t va);
/*
 * Unmap and free [va, va + len), which must lie within mapped regions:
 * E_MEM_NOT_MAPPED over a hole, E_BUSY over pages lent out or borrowed.
 */
int vmspace_unmap(struct vmspace *vs, uintptr_t va, size_t len);
/*
 * Lend the pages of [va, va + len) (page aligned, inside anonymous regions of
 * `from` that it owns, none of them lent already) to `to`: they leave `from`'s
 * page table (the range stays reserved in `from`: touching it faults, munmap of
 * it is E_BUSY) and appear in `to` at a free address (*to_va, at or above
 * USER_MMAP_BASE-like hint `hint`), read-only or writable. The frames stay
 * `from`'s. E_MEM_BAD_ADDRESS for a range `from` does not own or has lent.
 * Also E_PERMISSION_DENIED for a writable lend of pages `from` may not
 * write, E_OUT_OF_MEMORY when `to` has no room or memory runs out; shared
 * regions (VM_SHM) and borrowed pages are not `from`'s to lend.
 */
/* What vmspace_lend checks of the lender's side, without lending: E_OK if it may. */
int vmspace_lend_check(struct vmspace *from, uintptr_t va, size_t len, bool writable);
int vmspace_lend(struct vmspace *from, uintptr_t va, size_t len, struct vmspace *to, uintptr_t hint,
		 bool writable, uintptr_t *to_va);
/* Give them back: unmap from `to` (without freeing) and map again in `from`. */
void vmspace_unlend(struct vmspace *from, uintptr_t va, size_t len, struct vmspace *to,
		    uintptr_t to_va);
/*
 * The lender is going: the lent pages become the borrower's own (it frees
 * them), and leave the lender, whose range becomes a hole.
 */
void vmspace_lend_orphan(struct vmspace *from, uintptr_t va, size_t len, struct vmspace *to,
			 uintptr_t to_va);
/* Map [pa, pa + len) (device memory or any frames the caller vouches for) at va; never freed by the space. */
int vmspace_map_phys(struct vmspace *vs, uintptr_t va, uint64_t pa, size_t len, unsigned flags);
/*
 * Map shared region `shm` at va (its whole size), writable or not: a
 * VM_SHM region holding one reference to it, dropped when the region is
 * unmapped. Pages shared copy-on-write are mapped read-only until written.
 */
int vmspace_map_shm(struct vmspace *vs, uintptr_t va, struct shm *shm, bool writable);
/*
 * Resolve a fault at `addr` with FAULT_* `access` if it is a write to a
 * copy-on-write page of a writable shared region (from user mode or a
 * kernel copy to user memory): E_OK when the access can be retried,
 * E_MEM_BAD_ADDRESS when it really is an error. The space's own record is
 * not changed, only its page table, hence const.
 */
int vmspace_fault(const struct vmspace *vs, uintptr_t addr, unsigned access);
/* The lowest free range of `len` bytes at or above `hint`, or 0. */
uintptr_t vmspace_find_free(const struct vmspace *vs, uintptr_t hint, size_t len);
/* The region holding `va`, or NULL. */
const struct vm_region *vmspace_region(const struct vmspace *vs, uintptr_t va);

#endif
