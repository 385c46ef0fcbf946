/*
 * The HAL on the host, for the portable code under test: the console is a
 * buffer the tests can read back.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/hal/console.h"
#include "arch/hal/mmu.h"
#include "hal_host.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/pt.h"

static char console_buf[8192];
static size_t console_len;

void arch_console_init(const struct console_desc *desc)
{
	(void)desc;
}

void arch_console_putc(char c)
{
	if (console_len + 1 < sizeof(console_buf))
		console_buf[console_len++] = c;
	console_buf[console_len] = '\0';
}

int arch_console_getc(void)
{
	return -1;
}

const char *host_console_take(void)
{
	static char out[sizeof(console_buf)];

	memcpy(out, console_buf, console_len + 1);
	console_len = 0;
	console_buf[0] = '\0';
	return out;
}

/* Simulated physical memory and the MMU hooks of the walker. */
uintptr_t host_phys_map_base;
unsigned host_mmu_levels = 4;
static void *phys_buf;
static unsigned long tlb_flushes;
static uint64_t mmu_root;

void host_phys_setup(size_t size)
{
	free(phys_buf);
	phys_buf = aligned_alloc(1 << 21, size);
	memset(phys_buf, 0, size);
	host_phys_map_base = (uintptr_t)phys_buf;
}

int host_memory_setup(size_t size, size_t firmware)
{
	static struct boot_info bi;

	host_phys_setup(size);
	memset(&bi, 0, sizeof(bi));
	boot_add_ram(&bi, 0, size);
	if (firmware)
		boot_add_reserved(&bi, 0, firmware, RESERVE_FIRMWARE);
	return pmm_init(&bi, UINT64_MAX);
}

unsigned long host_tlb_flushes_take(void)
{
	unsigned long n = tlb_flushes;
	tlb_flushes = 0;
	return n;
}

unsigned arch_mmu_levels(void)
{
	return host_mmu_levels;
}

void arch_mmu_activate(uint64_t root)
{
	mmu_root = root;
}

uint64_t arch_mmu_root(void)
{
	return mmu_root;
}

void arch_tlb_flush_page(uintptr_t va)
{
	(void)va;
	tlb_flushes++;
}

void arch_tlb_flush_all(void)
{
	tlb_flushes++;
}
bool host_irq_on = true;

int host_user_space_setup(struct page_table *kpt)
{
	int err = host_memory_setup(64ull << 20, 1ull << 20);
	if (!err) {
		heap_init();
		err = pt_create(kpt, &x86_64_pt_format, 4);
	}
	if (!err) {
		kpt->keep_top = true;
		err = map_page(kpt, 0xffff800000000000ull, 0x200000, PTE_PRESENT | PTE_WRITABLE);
	}
	return err;
}

size_t host_free_frames(void)
{
	pmm_drain_caches();
	return memory_stats().free_frames;
}
