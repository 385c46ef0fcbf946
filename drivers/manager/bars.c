/*
 * The PCI BAR allocator (bars.h). Facts from the PCI Local Bus
 * specification 3.0, 6.2.5.1: bit 0 tells I/O from memory; for memory,
 * bits 2:1 are the type (0b10: 64-bit, the next register the upper half)
 * and bit 3 prefetchable; the size is the two's complement of what reads
 * back after all ones are written, the low type bits masked.
 */
#include "drivers/manager/bars.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void bars_init(struct bar_space *s, const struct hw_rec_pci_host *h)
{
	s->count = 0;
	s->mem32 = -1;
	for (unsigned i = 0; h && i < h->window_count && i < HW_MAX_WINDOWS; i++) {
		unsigned type = h->window[i].type & 0xff;
		if (type != HW_WINDOW_MEM32 && type != HW_WINDOW_MEM64)
			continue;
		if (!h->window[i].size ||
		    h->window[i].pci_addr + h->window[i].size < h->window[i].pci_addr)
			continue;
		struct bar_window *w = &s->w[s->count];
		*w = (struct bar_window){.type = h->window[i].type,
					 .pci = h->window[i].pci_addr,
					 .cpu = h->window[i].cpu_addr,
					 .size = h->window[i].size,
					 .next = h->window[i].pci_addr};
		/* A bridge forwards 32-bit addresses through its memory window. */
		if (s->mem32 < 0 && !(w->type & HW_WINDOW_PREFETCH) &&
		    w->pci + w->size <= 1ull << 32)
			s->mem32 = (int)s->count;
		s->count++;
	}
}

bool bars_decode(uint32_t orig, uint32_t mask_lo, uint32_t mask_hi, struct bar_probe *out)
{
	*out = (struct bar_probe){0};
	if (orig & 1) { /* I/O: 32 address bits at most, 16 decoded by most */
		uint32_t m = mask_lo & ~3u;
		if (!m)
			return false;
		m |= 0xffff0000u; /* devices that decode 16 bits read back zeros up there */
		out->io = true;
		out->size = (uint32_t)(~m + 1);
		return out->size != 0;
	}
	out->is64 = (orig & 6) == 4;
	out->prefetch = (orig & 8) != 0;
	uint64_t m = mask_lo & ~0xfull;
	if (out->is64)
		m |= (uint64_t)mask_hi << 32;
	else if (m)
		m |= ~0ull << 32;
	if (!m)
		return false;
	out->size = ~m + 1;
	return out->size != 0 && !(out->size & (out->size - 1));
}

void bars_reserve(struct bar_space *s, uint64_t pci, uint64_t size)
{
	for (unsigned i = 0; i < s->count; i++) {
		struct bar_window *w = &s->w[i];
		if (pci >= w->pci && pci - w->pci < w->size && pci + size > w->next)
			w->next = pci + size;
	}
}

/* [at, at + size) in window `w`, or false. */
static bool take(struct bar_window *w, uint64_t size, bool is64, uint64_t *pci)
{
	uint64_t a = size > BARS_MIN_ALIGN ? size : BARS_MIN_ALIGN;
	uint64_t at = align_up(w->next, a), end = w->pci + w->size;
	if (at < w->next || at + size < at || at + size > end)
		return false;
	if (!is64 && at + size > 1ull << 32)
		return false;
	*pci = at;
	w->next = at + (size > BARS_MIN_ALIGN ? size : BARS_MIN_ALIGN);
	return true;
}

bool bars_place(struct bar_space *s, uint64_t size, bool is64, bool prefetch, bool bridged,
		uint64_t *pci)
{
	if (!size || size & (size - 1))
		return false;
	if (bridged)
		return s->mem32 >= 0 && take(&s->w[s->mem32], size, is64, pci);
	/* 32-bit windows first (every BAR fits there), then 64-bit ones for 64-bit BARs. */
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < s->count; i++) {
			struct bar_window *w = &s->w[i];
			unsigned type = w->type & 0xff;
			if ((type == HW_WINDOW_MEM32) != (pass == 0))
				continue;
			if (type == HW_WINDOW_MEM64 && !is64)
				continue;
			if ((w->type & HW_WINDOW_PREFETCH) && !prefetch)
				continue;
			if (take(w, size, is64, pci))
				return true;
		}
	return false;
}

bool bars_bridge_begin(struct bar_space *s, uint64_t *mark)
{
	if (s->mem32 < 0)
		return false;
	struct bar_window *w = &s->w[s->mem32];
	w->next = align_up(w->next, BARS_BRIDGE_ALIGN);
	*mark = w->next;
	return true;
}

bool bars_bridge_end(struct bar_space *s, uint64_t mark, uint64_t *base, uint64_t *limit)
{
	if (s->mem32 < 0)
		return false;
	struct bar_window *w = &s->w[s->mem32];
	if (w->next == mark)
		return false; /* nothing behind it */
	w->next = align_up(w->next, BARS_BRIDGE_ALIGN);
	*base = mark;
	*limit = w->next - 1;
	return true;
}

bool bars_to_cpu(const struct bar_space *s, uint64_t pci, uint64_t size, uint64_t *cpu)
{
	for (unsigned i = 0; i < s->count; i++) {
		const struct bar_window *w = &s->w[i];
		if (pci >= w->pci && pci - w->pci < w->size && size <= w->size - (pci - w->pci)) {
			*cpu = w->cpu + (pci - w->pci);
			return true;
		}
	}
	return false;
}
