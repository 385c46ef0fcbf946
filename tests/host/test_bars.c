/*
 * The device manager's BAR allocator (drivers/manager/bars.c) against the
 * host bridge windows of QEMU's virt machines, as their device trees say
 * (qemu-system-aarch64 -machine virt,dumpdtb=virt.dtb, likewise riscv64,
 * dtc -I dtb -O dts: /pcie@10000000 ranges, QEMU 8.2):
 *   aarch64  I/O 0x3eff0000 (64 KiB, PCI 0), MEM32 0x10000000 + 0x2eff0000,
 *            MEM64 0x80_0000_0000 + 0x80_0000_0000
 *   riscv64  I/O 0x03000000 (64 KiB, PCI 0), MEM32 0x40000000 + 0x40000000,
 *            MEM64 0x4_0000_0000 + 0x4_0000_0000
 * and the BAR read-backs of the PCI specification (6.2.5.1).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "drivers/manager/bars.h"

static struct hw_rec_pci_host host(const uint64_t (*w)[4], unsigned n)
{
	struct hw_rec_pci_host h;
	memset(&h, 0, sizeof(h));
	h.rec.type = HW_REC_PCI_HOST;
	h.rec.size = sizeof(h);
	h.window_count = n;
	for (unsigned i = 0; i < n; i++) {
		h.window[i].type = (uint32_t)w[i][0];
		h.window[i].pci_addr = w[i][1];
		h.window[i].cpu_addr = w[i][2];
		h.window[i].size = w[i][3];
	}
	return h;
}

static const uint64_t aarch64_virt[][4] = {
    {HW_WINDOW_IO, 0, 0x3eff0000, 0x10000},
    {HW_WINDOW_MEM32, 0x10000000, 0x10000000, 0x2eff0000},
    {HW_WINDOW_MEM64, 0x8000000000, 0x8000000000, 0x8000000000},
};
static const uint64_t riscv64_virt[][4] = {
    {HW_WINDOW_IO, 0, 0x3000000, 0x10000},
    {HW_WINDOW_MEM32, 0x40000000, 0x40000000, 0x40000000},
    {HW_WINDOW_MEM64, 0x400000000, 0x400000000, 0x400000000},
};

Test(bars, decode_read_backs)
{
	struct bar_probe p;
	/* 32-bit memory, 16 KiB. */
	cr_assert(bars_decode(0, 0xffffc000u, 0, &p));
	cr_assert_eq(p.size, 0x4000);
	cr_assert(!p.io && !p.is64 && !p.prefetch);
	/* 64-bit prefetchable, 16 KiB (virtio-pci's BAR 4 on QEMU). */
	cr_assert(bars_decode(0xc, 0xffffc00cu, 0xffffffffu, &p));
	cr_assert_eq(p.size, 0x4000);
	cr_assert(p.is64 && p.prefetch);
	/* 64-bit, 8 GiB: the size comes from the upper half. */
	cr_assert(bars_decode(0x4, 0x00000004u, 0xfffffffeu, &p));
	cr_assert_eq(p.size, 0x200000000ull);
	/* I/O, 32 ports (a transitional virtio device's BAR 0). */
	cr_assert(bars_decode(0x1, 0xffffffe1u, 0, &p));
	cr_assert(p.io);
	cr_assert_eq(p.size, 0x20);
	/* I/O decoding 16 bits only. */
	cr_assert(bars_decode(0x1, 0x0000ffe1u, 0, &p));
	cr_assert_eq(p.size, 0x20);
	/* Not implemented. */
	cr_assert(!bars_decode(0, 0, 0, &p));
	cr_assert_eq(p.size, 0);
}

Test(bars, natural_alignment_in_the_32bit_window_first)
{
	struct hw_rec_pci_host h = host(aarch64_virt, 3);
	struct bar_space s;
	bars_init(&s, &h);
	cr_assert_eq(s.count, 2, "the I/O window is not for memory BARs");
	uint64_t a, b, c, d;
	cr_assert(bars_place(&s, 0x100, false, false, false, &a));
	cr_assert_eq(a, 0x10000000);
	cr_assert(bars_place(&s, 0x4000, true, true, false, &b));
	cr_assert_eq(b, 0x10004000, "16 KiB aligned, after a page for the small one");
	cr_assert(bars_place(&s, 0x1000, false, false, false, &c));
	cr_assert_eq(c, 0x10008000);
	cr_assert(bars_place(&s, 0x100000, false, false, false, &d));
	cr_assert_eq(d, 0x10100000);
	uint64_t cpu;
	cr_assert(bars_to_cpu(&s, b, 0x4000, &cpu));
	cr_assert_eq(cpu, b, "virt's memory windows are identity-mapped");
}

Test(bars, big_64bit_bars_go_to_the_64bit_window_32bit_ones_never)
{
	struct hw_rec_pci_host h = host(riscv64_virt, 3);
	struct bar_space s;
	bars_init(&s, &h);
	uint64_t a;
	/* 2 GiB does not fit the 1 GiB window below 4 GiB. */
	cr_assert(bars_place(&s, 0x80000000ull, true, true, false, &a));
	cr_assert_eq(a, 0x400000000ull);
	cr_assert(!bars_place(&s, 0x80000000ull, false, false, false, &a));
	cr_assert(bars_place(&s, 0x4000, false, false, false, &a));
	cr_assert_eq(a, 0x40000000);
	/* The 32-bit window fills up: a 32-bit BAR has nowhere to go, a 64-bit one has. */
	cr_assert(bars_place(&s, 0x20000000, false, false, false, &a));
	cr_assert_eq(a, 0x60000000);
	cr_assert(!bars_place(&s, 0x20000000, false, false, false, &a));
	cr_assert(bars_place(&s, 0x20000000, true, false, false, &a));
	cr_assert_eq(a, 0x480000000ull);
	cr_assert(!bars_place(&s, 0x3000, false, false, false, &a), "not a power of two");
}

Test(bars, reserved_bars_are_not_reused)
{
	struct hw_rec_pci_host h = host(aarch64_virt, 3);
	struct bar_space s;
	bars_init(&s, &h);
	bars_reserve(&s, 0x10000000, 0x4000);
	bars_reserve(&s, 0x10008000, 0x1000);
	bars_reserve(&s, 0x20000, 0x1000); /* in no window: ignored */
	uint64_t a;
	cr_assert(bars_place(&s, 0x1000, false, false, false, &a));
	cr_assert_eq(a, 0x10009000);
}

Test(bars, bridge_window_covers_what_is_behind_it)
{
	struct hw_rec_pci_host h = host(riscv64_virt, 3);
	struct bar_space s;
	bars_init(&s, &h);
	uint64_t a, mark, base, limit, b1, b2;
	cr_assert(bars_place(&s, 0x4000, true, true, false, &a)); /* a device on bus 0 */
	cr_assert(bars_bridge_begin(&s, &mark));
	cr_assert_eq(mark, 0x40100000);
	cr_assert(bars_place(&s, 0x4000, true, true, true, &b1));
	cr_assert(bars_place(&s, 0x1000, false, false, true, &b2));
	cr_assert(bars_bridge_end(&s, mark, &base, &limit));
	cr_assert_eq(base, 0x40100000);
	cr_assert_eq(limit, 0x401fffff);
	cr_assert(b1 >= base && b1 + 0x4000 - 1 <= limit);
	cr_assert(b2 >= base && b2 + 0x1000 - 1 <= limit);
	cr_assert(b1 < 1ull << 32, "behind a bridge even a 64-bit BAR is below 4 GiB");
	/* After the bridge: past its window. */
	cr_assert(bars_place(&s, 0x1000, false, false, false, &a));
	cr_assert_eq(a, 0x40200000);
	/* An empty bridge: no window. */
	cr_assert(bars_bridge_begin(&s, &mark));
	cr_assert(!bars_bridge_end(&s, mark, &base, &limit));
}

Test(bars, prefetchable_windows_and_translation)
{
	/* A host whose windows translate (PCI 0 at CPU 0xc0000000) and one prefetchable window. */
	static const uint64_t w[][4] = {
	    {HW_WINDOW_MEM32 | HW_WINDOW_PREFETCH, 0x0, 0xc0000000, 0x1000000},
	    {HW_WINDOW_MEM32, 0x1000000, 0xc1000000, 0x1000000},
	};
	struct hw_rec_pci_host h = host(w, 2);
	struct bar_space s;
	bars_init(&s, &h);
	cr_assert_eq(s.mem32, 1, "bridges take the non-prefetchable window");
	uint64_t a, cpu;
	cr_assert(bars_place(&s, 0x1000, false, false, false, &a));
	cr_assert_eq(a, 0x1000000, "a non-prefetchable BAR skips the prefetchable window");
	cr_assert(bars_to_cpu(&s, a, 0x1000, &cpu));
	cr_assert_eq(cpu, 0xc1000000);
	cr_assert(bars_place(&s, 0x1000, false, true, false, &a));
	cr_assert_eq(a, 0);
	cr_assert(bars_to_cpu(&s, 0x10, 0x10, &cpu));
	cr_assert_eq(cpu, 0xc0000010);
	cr_assert(!bars_to_cpu(&s, 0x2000000, 0x1000, &cpu));
	/* No windows at all (a PC whose firmware placed everything). */
	bars_init(&s, NULL);
	cr_assert(!bars_place(&s, 0x1000, false, false, false, &a));
	cr_assert(!bars_bridge_begin(&s, &a));
}
