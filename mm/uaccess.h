/*
 * Access to user memory. The kernel never dereferences a user pointer: it
 * walks the process's page table, checks each page is a user page with the
 * access right, and copies through the direct map. A bad pointer is
 * E_MEM_BAD_ADDRESS, never a kernel fault, and SMAP/PAN/SUM stay on.
 */
#ifndef MM_UACCESS_H
#define MM_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/vmspace.h"

/* E_OK when all of [uva, uva + n) is user memory (writable too, with `write`), as of now. */
int user_range_ok(const struct vmspace *vs, uintptr_t uva, size_t n, bool write);
/* Copy n bytes from user address `src` into `dst`. */
int copy_from_user(const struct vmspace *vs, void *dst, uintptr_t src, size_t n);
/*
 * Copy n bytes from `src` to user address `dst` (the pages must be writable;
 * a copy-on-write page is copied for this space first, as a user write would).
 */
int copy_to_user(const struct vmspace *vs, uintptr_t dst, const void *src, size_t n);
/*
 * Copy into user pages whatever their write permission (loading an image
 * into fresh anonymous regions: it breaks no copy-on-write sharing).
 */
int vmspace_poke(const struct vmspace *vs, uintptr_t dst, const void *src, size_t n);

#endif
