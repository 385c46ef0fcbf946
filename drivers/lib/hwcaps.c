/*
 * A driver's hardware capabilities as text (driver.h's KESTREL_HW format):
 * written by the manager, read back by the driver. Pure C: the host tests
 * run it.
 */
#include "drivers/lib/driver.h"
#include "include/abi/error.h"

#if defined(KESTREL_HOST_TEST) || defined(KESTREL_HOST)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#define kvsnprintf vsnprintf
#else
#include "core/kprintf.h"
#include "kestrel.h"
#endif

#define HWCAPS_MAX_CAPS 24 /* capabilities one driver can be given */

/* The capabilities in the order hwcaps_format numbers them (0: none, skipped). */
static unsigned cap_list(const struct hardware_caps *hw, uint64_t *caps, unsigned max)
{
	unsigned n = 0;
#define ADD(c)                         \
	do {                           \
		if ((c) && n < max)    \
			caps[n] = (c); \
		if (c)                 \
			n++;           \
	} while (0)
	ADD(hw->manager);
	ADD(hw->dma);
	ADD(hw->pci);
	for (unsigned i = 0; i < hw->mmio_count && i < HWCAPS_MAX_MMIO; i++)
		ADD(hw->mmio_regions[i].cap);
	for (unsigned i = 0; i < hw->port_count && i < HWCAPS_MAX_PORTS; i++)
		ADD(hw->port_ranges[i].cap);
	for (unsigned i = 0; i < hw->interrupt_count && i < HWCAPS_MAX_IRQ; i++)
		ADD(hw->interrupts[i].cap);
#undef ADD
	return n;
}

unsigned hwcaps_cap_list(const struct hardware_caps *hw, uint64_t *caps, unsigned max)
{
	unsigned n = cap_list(hw, caps, max);
	return n < max ? n : max;
}

struct out {
	char *buf;
	size_t size, len;
	bool over;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->size ? o->size - o->len : 0;
	int n = kvsnprintf(o->buf + (o->len < o->size ? o->len : o->size), room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		o->over = true;
	else
		o->len += (size_t)n;
}

static bool word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!n || n >= max)
		return false; /* parse refuses an empty word: so does format */
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == ',')
			return false;
	return true;
}

uint64_t hwcaps_port_cap(const struct hardware_caps *hw, uint16_t port, uint16_t count)
{
	for (unsigned i = 0; i < hw->port_count && i < HWCAPS_MAX_PORTS; i++) {
		const struct port_range *pr = &hw->port_ranges[i];
		if (pr->writable && port >= pr->base && port - pr->base + count <= pr->size)
			return pr->cap;
	}
	return 0;
}

int hwcaps_format(const struct hardware_caps *hw, const uint64_t *unused, char *buf, size_t size)
{
	(void)unused;
	if (!hw || !buf || !size || hw->mmio_count > HWCAPS_MAX_MMIO ||
	    hw->port_count > HWCAPS_MAX_PORTS || hw->interrupt_count > HWCAPS_MAX_IRQ ||
	    !word_ok(hw->device, sizeof(hw->device)))
		return E_INVALID_PARAMETER;
	struct out o = {.buf = buf, .size = size};
	unsigned idx = 0;
	put(&o, "dev=%s slot=%u gen=%u", hw->device, hw->slot, hw->generation);
	if (hw->manager)
		put(&o, " mgr=%u", idx++);
	if (hw->dma)
		put(&o, " dma=%u", idx++);
	if (hw->pci)
		put(&o, " pci=%u:%#x", idx++, hw->sbdf);
	for (unsigned i = 0; i < hw->mmio_count; i++) {
		const struct mmio_region *m = &hw->mmio_regions[i];
		if (m->cap)
			put(&o, " mmio=%u:%#llx:%#llx:%c", idx++, (unsigned long long)m->base,
			    (unsigned long long)m->size, m->writable ? 'w' : 'r');
	}
	for (unsigned i = 0; i < hw->port_count; i++) {
		const struct port_range *p = &hw->port_ranges[i];
		if (p->cap)
			put(&o, " ports=%u:%#x:%#x:%c", idx++, p->base, p->size,
			    p->writable ? 'w' : 'r');
	}
	for (unsigned i = 0; i < hw->interrupt_count; i++) {
		const struct interrupt_line *l = &hw->interrupts[i];
		if (l->cap)
			put(&o, " irq=%u:%u:%u", idx++, l->line, l->flags);
	}
	if (hw->pci)
		for (unsigned i = 0; i < 6; i++) {
			const struct pci_bar *b = &hw->bars[i];
			if (b->size)
				put(&o, " bar=%u:%#llx:%#llx:%#llx:%u", i,
				    (unsigned long long)b->pci_base,
				    (unsigned long long)b->cpu_base, (unsigned long long)b->size,
				    (b->io ? 1u : 0) | (b->prefetchable ? 2u : 0) |
					(b->address_64bit ? 4u : 0));
		}
	if (hw->args[0]) {
		put(&o, " args=");
		for (const char *a = hw->args; *a; a++) {
			if (*a < ' ' || *a > '~' || *a == ',')
				return E_INVALID_PARAMETER;
			put(&o, "%c", *a == ' ' ? ',' : *a);
		}
	}
	return o.over ? E_OUT_OF_MEMORY : E_OK; /* the buffer is too small */
}

/* A number (0x-hex or decimal) ending at `stop` or the word's end; false if malformed. */
static bool number(const char **s, char stop, uint64_t max, uint64_t *out)
{
	const char *p = *s;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	uint64_t v = 0;
	const char *start = p;
	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / (unsigned)base)
			return false;
		v = v * (unsigned)base + d;
	}
	if (p == start || v > max)
		return false;
	if (stop ? *p != stop : (*p && *p != ' '))
		return false;
	*s = stop ? p + 1 : p;
	*out = v;
	return true;
}

/* The idx'th token of "0x..,0x..": 0 if there is none. */
static uint64_t cap_at(const char *list, uint64_t idx)
{
	const char *s = list;
	while (s && idx--) {
		s = strchr(s, ',');
		s = s ? s + 1 : NULL;
	}
	if (!s || !*s)
		return 0;
	uint64_t v;
	const char *p = s;
	while (*p && *p != ',')
		p++;
	char tmp[24];
	size_t n = (size_t)(p - s);
	if (n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	const char *t = tmp;
	return number(&t, 0, UINT64_MAX, &v) ? v : 0;
}

static bool prefix(const char **s, const char *key)
{
	size_t n = strlen(key);
	if (strncmp(*s, key, n))
		return false;
	*s += n;
	return true;
}

int hwcaps_parse(const char *text, const char *caps_list, struct hardware_caps *hw)
{
	if (!text || !hw)
		return E_INVALID_PARAMETER;
	memset(hw, 0, sizeof(*hw));
	if (!caps_list)
		caps_list = "";
	const char *s = text;
	uint64_t v, idx;
	bool have_dev = false;
	while (*s) {
		if (prefix(&s, "dev=")) {
			size_t n = 0;
			while (s[n] && s[n] != ' ')
				n++;
			if (!n || n >= sizeof(hw->device))
				return E_INVALID_PARAMETER;
			memcpy(hw->device, s, n);
			hw->device[n] = 0;
			s += n;
			have_dev = true;
		} else if (prefix(&s, "slot=")) {
			if (!number(&s, 0, UINT32_MAX, &v))
				return E_INVALID_PARAMETER;
			hw->slot = (uint32_t)v;
		} else if (prefix(&s, "gen=")) {
			if (!number(&s, 0, UINT32_MAX, &v))
				return E_INVALID_PARAMETER;
			hw->generation = (uint32_t)v;
		} else if (prefix(&s, "mgr=")) {
			if (!number(&s, 0, HWCAPS_MAX_CAPS, &idx) ||
			    !(hw->manager = cap_at(caps_list, idx)))
				return E_INVALID_PARAMETER;
		} else if (prefix(&s, "dma=")) {
			if (!number(&s, 0, HWCAPS_MAX_CAPS, &idx) ||
			    !(hw->dma = cap_at(caps_list, idx)))
				return E_INVALID_PARAMETER;
		} else if (prefix(&s, "pci=")) {
			if (!number(&s, ':', HWCAPS_MAX_CAPS, &idx) ||
			    !number(&s, 0, UINT32_MAX, &v) || !(hw->pci = cap_at(caps_list, idx)))
				return E_INVALID_PARAMETER;
			hw->sbdf = (uint32_t)v;
		} else if (prefix(&s, "mmio=")) {
			if (hw->mmio_count >= HWCAPS_MAX_MMIO)
				return E_INVALID_PARAMETER;
			struct mmio_region *m = &hw->mmio_regions[hw->mmio_count];
			uint64_t base, size;
			if (!number(&s, ':', HWCAPS_MAX_CAPS, &idx) ||
			    !number(&s, ':', UINT64_MAX, &base) ||
			    !number(&s, ':', UINT64_MAX, &size) || !size || base + size < base ||
			    (*s != 'w' && *s != 'r') || (s[1] && s[1] != ' ') ||
			    !(m->cap = cap_at(caps_list, idx)))
				return E_INVALID_PARAMETER;
			m->base = base;
			m->size = size;
			m->writable = *s++ == 'w';
			hw->mmio_count++;
		} else if (prefix(&s, "ports=")) {
			if (hw->port_count >= HWCAPS_MAX_PORTS)
				return E_INVALID_PARAMETER;
			struct port_range *p = &hw->port_ranges[hw->port_count];
			uint64_t base, size;
			if (!number(&s, ':', HWCAPS_MAX_CAPS, &idx) ||
			    !number(&s, ':', 0xffff, &base) || !number(&s, ':', 0x10000, &size) ||
			    !size || base + size > 0x10000 || (*s != 'w' && *s != 'r') ||
			    (s[1] && s[1] != ' ') || !(p->cap = cap_at(caps_list, idx)))
				return E_INVALID_PARAMETER;
			p->base = (uint16_t)base;
			p->size = (uint16_t)(size > 0xffff ? 0xffff : size);
			p->writable = *s++ == 'w';
			hw->port_count++;
		} else if (prefix(&s, "irq=")) {
			if (hw->interrupt_count >= HWCAPS_MAX_IRQ)
				return E_INVALID_PARAMETER;
			struct interrupt_line *l = &hw->interrupts[hw->interrupt_count];
			uint64_t line, flags;
			if (!number(&s, ':', HWCAPS_MAX_CAPS, &idx) ||
			    !number(&s, ':', UINT32_MAX, &line) || !number(&s, 0, 3, &flags) ||
			    !(l->cap = cap_at(caps_list, idx)))
				return E_INVALID_PARAMETER;
			l->line = (uint32_t)line;
			l->flags = (uint32_t)flags;
			hw->interrupt_count++;
		} else if (prefix(&s, "bar=")) {
			uint64_t n, pci, cpu, size, flags;
			if (!number(&s, ':', 5, &n) || !number(&s, ':', UINT64_MAX, &pci) ||
			    !number(&s, ':', UINT64_MAX, &cpu) ||
			    !number(&s, ':', UINT64_MAX, &size) || !number(&s, 0, 7, &flags) ||
			    !size)
				return E_INVALID_PARAMETER;
			hw->bars[n] = (struct pci_bar){.pci_base = pci,
						       .cpu_base = cpu,
						       .size = size,
						       .io = flags & 1,
						       .prefetchable = (flags & 2) != 0,
						       .address_64bit = (flags & 4) != 0};
		} else if (prefix(&s, "args=")) {
			size_t n = 0;
			while (s[n] && s[n] != ' ') {
				if (n + 1 >= sizeof(hw->args))
					return E_INVALID_PARAMETER;
				hw->args[n] = s[n] == ',' ? ' ' : s[n];
				n++;
			}
			hw->args[n] = 0;
			s += n;
		} else {
			return E_INVALID_PARAMETER;
		}
		if (*s == ' ')
			s++;
		else if (*s)
			return E_INVALID_PARAMETER;
	}
	return have_dev ? E_OK : E_INVALID_PARAMETER;
}
