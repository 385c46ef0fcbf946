/*
 * User copies, page by page through the direct map. A page's translation
 * and its copy happen with interrupts off, so another thread of the
 * process cannot unmap it in between (one CPU runs the kernel today).
 */
#include "mm/uaccess.h"
#include "arch/hal/cpu.h"
#include "arch/hal/trap.h"
#include "core/kstring.h"
#include "mm/phys.h"

/* The kernel address of user byte `va`, if its page has all of `need` (PTE_*). */
static void *user_byte(const struct vmspace *vs, uintptr_t va, unsigned need)
{
	uint64_t pa;
	unsigned flags;
	if (va < USER_BASE || va >= USER_TOP || pt_query(&vs->pt, va, &pa, &flags, NULL))
		return NULL;
	/* A copy-on-write page is owed to a writer: copy it as a user write would. */
	if (need & PTE_WRITABLE && !(flags & PTE_WRITABLE) &&
	    vmspace_fault(vs, va, FAULT_WRITE) == E_OK && pt_query(&vs->pt, va, &pa, &flags, NULL))
		return NULL;
	if ((flags & need) != need)
		return NULL;
	return phys_to_virt(pa);
}

static int copy(const struct vmspace *vs, uintptr_t uva, void *kbuf, size_t n, bool to_user,
		unsigned need)
{
	char *k = kbuf;

	if (uva + n < uva)
		return E_MEM_BAD_ADDRESS;
	while (n) {
		size_t chunk = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		irqflags_t irq = arch_irq_save();
		void *u = user_byte(vs, uva, need);
		if (u) {
			if (to_user)
				memcpy(u, k, chunk);
			else
				memcpy(k, u, chunk);
		}
		arch_irq_restore(irq);
		if (!u)
			return E_MEM_BAD_ADDRESS;
		uva += chunk;
		k += chunk;
		n -= chunk;
	}
	return E_OK;
}

int user_range_ok(const struct vmspace *vs, uintptr_t uva, size_t n, bool write)
{
	unsigned need = PTE_USER | (write ? PTE_WRITABLE : 0);
	if (uva + n < uva)
		return E_MEM_BAD_ADDRESS;
	for (uintptr_t page = uva & ~(PAGE_SIZE - 1); page < uva + n; page += PAGE_SIZE)
		if (!user_byte(vs, page, need))
			return E_MEM_BAD_ADDRESS;
	return E_OK;
}

int copy_from_user(const struct vmspace *vs, void *dst, uintptr_t src, size_t n)
{
	return copy(vs, src, dst, n, false, PTE_USER);
}

int copy_to_user(const struct vmspace *vs, uintptr_t dst, const void *src, size_t n)
{
	return copy(vs, dst, (void *)src, n, true, PTE_USER | PTE_WRITABLE);
}

int vmspace_poke(const struct vmspace *vs, uintptr_t dst, const void *src, size_t n)
{
	return copy(vs, dst, (void *)src, n, true, PTE_USER);
}
