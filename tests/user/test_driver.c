/*
 * The driver framework's helpers in this process, with init's own
 * capabilities: DMA buffers (coherent ones, and memory pinned in pieces
 * with its pages merged into segments, nothing left pinned after a
 * failure or a free), PCI config space through a pci_device on the
 * virtio-rng function every machine has (its capability list walked),
 * the DriverError names, the driver programs the image carries and the
 * statistics.
 */
#include "drivers/lib/driver.h"
#include "drivers/lib/virtio.h"
#include "hw.h"
#include "utest.h"

UTEST(driver_dma_buffers)
{
	uint64_t dma = hw_find_cap(OBJ_DMA, 0);
	struct dma_buffer b;
	UASSERT(dma != 0);
	UASSERT_EQ(dma_alloc_coherent(dma, 10000, DMA_BIDIRECTIONAL, &b), DRIVER_OK);
	UASSERT(b.coherent && b.seg_count == 1 && b.seg[0].len == 10000 && b.size == 10000);
	UASSERT_EQ(dma_physical_addr(&b), b.seg[0].phys);
	UASSERT(dma_as_slice(&b) == b.virt);
	((volatile uint8_t *)b.virt)[9999] = 1;
	dma_sync(&b, DMA_SYNC_FOR_DEVICE);
	dma_free(&b);
	UASSERT(b.virt == NULL);
	UASSERT_EQ(dma_alloc_coherent(0, 4096, DMA_TO_DEVICE, &b),
		   DRIVER_INSUFFICIENT_CAPABILITIES);
	UASSERT_EQ(dma_alloc_coherent(dma, 0, DMA_TO_DEVICE, &b), DRIVER_INVALID_PARAMETER);
	/* Our own memory pinned: in two pieces of at most 512 pages, merged where adjacent. */
	const size_t len = 600 * 4096;
	void *mem;
	uint64_t mcap;
	UASSERT_EQ(sys_mmap(NULL, len, PROT_READ | PROT_WRITE, &mem, &mcap), E_OK);
	int err = dma_map_memory(dma, mem, len, DMA_FROM_DEVICE, &b);
	if (err == DRIVER_OK) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < b.seg_count; i++) {
			sum += b.seg[i].len;
			if (i)
				UASSERT(b.seg[i].phys != b.seg[i - 1].phys + b.seg[i - 1].len);
		}
		UASSERT_EQ(sum, len);
		UASSERT_EQ(sys_munmap(mem, len), E_BUSY); /* pinned */
		dma_free(&b);
	} else {
		UASSERT_EQ(err,
			   DRIVER_OUT_OF_RESOURCES); /* scattered pages: more than 34 segments */
	}
	/* A small one always fits, its last page partly. */
	UASSERT_EQ(dma_map_memory(dma, mem, 5 * 4096 + 100, DMA_TO_DEVICE, &b), DRIVER_OK);
	uint64_t sum = 0;
	for (unsigned i = 0; i < b.seg_count; i++)
		sum += b.seg[i].len;
	UASSERT_EQ(sum, 5 * 4096 + 100);
	dma_free(&b);
	UASSERT_EQ(dma_map_memory(dma, (uint8_t *)mem + 8, 4096, DMA_TO_DEVICE, &b),
		   DRIVER_INVALID_PARAMETER);
	UASSERT(dma_map_memory(dma, (void *)0x7ff0000000ull, 4096, DMA_TO_DEVICE, &b) !=
		DRIVER_OK);			/* nothing mapped there */
	UASSERT_EQ(sys_munmap(mem, len), E_OK); /* nothing is left pinned */
	sys_cap_revoke(mcap);
	return 0;
}

UTEST(driver_pci_config_and_capabilities)
{
	uint64_t bus = hw_find_cap(OBJ_DEVICE, HW_DEV_PCI_BUS);
	uint32_t sbdf;
	UASSERT(bus != 0);
	UASSERT_EQ(virtio_pci_find(bus, VIRTIO_ID_ENTROPY, &sbdf), E_OK);
	struct hardware_caps hw = {.pci = bus, .sbdf = sbdf};
	struct pci_device d;
	UASSERT_EQ(pci_device_open(&d, &hw), DRIVER_OK);
	UASSERT_EQ(d.function, sbdf & 7);
	UASSERT_EQ(d.bus, (sbdf >> 8) & 0xff);
	uint32_t id;
	UASSERT_EQ(pci_config_read_u32(&d, 0, &id), DRIVER_OK);
	UASSERT_EQ(id & 0xffff, 0x1af4); /* virtio's vendor */
	UASSERT_EQ(pci_config_read_u32(&d, 2, &id), DRIVER_INVALID_PARAMETER);
	/* virtio 1.x describes itself in vendor-specific capabilities (0x09). */
	uint8_t at = pci_find_capability(&d, 0x09);
	UASSERT(at >= 0x40);
	uint32_t v;
	UASSERT_EQ(pci_config_read_u32(&d, at, &v), DRIVER_OK);
	UASSERT_EQ(v & 0xff, 0x09);
	UASSERT_EQ(pci_find_capability(&d, 0x77), 0);
	struct pci_bar bar;
	UASSERT_EQ(pci_get_bar(&d, 6, &bar), DRIVER_INVALID_PARAMETER);
	UASSERT_EQ(pci_get_bar(&d, 0, &bar), DRIVER_HARDWARE_NOT_FOUND); /* none in hw */
	hw.bars[4] = (struct pci_bar){.pci_base = 0x1000, .cpu_base = 0x1000, .size = 0x4000};
	UASSERT_EQ(pci_get_bar(&d, 4, &bar), DRIVER_OK);
	UASSERT_EQ(bar.size, 0x4000);
	struct hardware_caps none = {0};
	UASSERT_EQ(pci_device_open(&d, &none), DRIVER_INSUFFICIENT_CAPABILITIES);
	return 0;
}

UTEST(driver_names_programs_and_statistics)
{
	UASSERT(!strcmp(driver_error_name(DRIVER_OK), "Ok"));
	UASSERT(!strcmp(driver_error_name(DRIVER_READ_ONLY), "ReadOnly"));
	UASSERT(!strcmp(driver_error_name(DRIVER_RESTARTED), "Restarted"));
	UASSERT(!strcmp(driver_error_name(-1), "Unknown"));
	UASSERT(!strcmp(driver_error_name(DRIVER_ERROR_COUNT), "Unknown"));
	const struct driver_program *p = driver_program("ramdisk");
	UASSERT(p != NULL && p->ops && p->ops->block && p->ops->info);
	UASSERT(!strcmp(p->ops->info->name, "ramdisk"));
	UASSERT(!strcmp(p->ops->info->vendor, "Kestrel"));
	UASSERT(driver_program("nonesuch") == NULL);
	UASSERT(driver_program(NULL) == NULL);
	struct driver_statistics s0, s1;
	driver_stats_get(&s0);
	/* Timed ones make the average latency; an untimed one counts in the totals alone. */
	driver_stats_record(4096, 1000, 2000, false);
	driver_stats_record(4096, 1000, 4000, false);
	driver_stats_record(4096, 0, 0, false);
	driver_stats_record(0, 0, 0, true);
	driver_stats_get(&s1);
	UASSERT_EQ(s1.operations_completed, s0.operations_completed + 3);
	UASSERT_EQ(s1.bytes_transferred, s0.bytes_transferred + 12288);
	UASSERT_EQ(s1.errors_encountered, s0.errors_encountered + 1);
	if (!s0.operations_completed)
		UASSERT_EQ(s1.average_latency_ns, 2000); /* (1000 + 3000) / 2 */
	return 0;
}
