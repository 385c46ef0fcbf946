/*
 * The device manager's matcher (drivers/lib/devmgr_client.c, devmgr_match)
 * and device names as two words: -1 fields match anything, PCI fields never
 * match a platform device, custom_match decides last.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "drivers/lib/devmgr.h"

static const struct device_info blk_modern = {
    .bus = BUS_PCI, .vendor_id = 0x1af4, .device_id = 0x1042, .class_code = 1, .subclass = 0};
static const struct device_info mmio_blk = {
    .bus = BUS_PLATFORM, .compatible = "virtio,mmio", .compatible_len = 12, .virtio_id = 2};
static const struct device_info mmio_rng = {
    .bus = BUS_PLATFORM, .compatible = "virtio,mmio", .compatible_len = 12, .virtio_id = 4};

static bool virtio_blk_mmio(const struct device_info *i)
{
	return i->bus == BUS_PLATFORM && i->virtio_id == 2;
}

Test(devmgr_match, ids_and_wildcards)
{
	struct device_matcher exact = {0x1af4, 0x1042, -1, -1, -1, NULL};
	struct device_matcher other = {0x1af4, 0x1001, -1, -1, -1, NULL};
	struct device_matcher any = {-1, -1, -1, -1, -1, NULL};
	struct device_matcher storage = {-1, -1, 1, -1, -1, NULL};
	struct device_matcher net = {-1, -1, 2, -1, -1, NULL};
	cr_assert(devmgr_match(&exact, &blk_modern));
	cr_assert(!devmgr_match(&other, &blk_modern));
	cr_assert(devmgr_match(&any, &blk_modern));
	cr_assert(devmgr_match(&any, &mmio_blk));
	cr_assert(devmgr_match(&storage, &blk_modern));
	cr_assert(!devmgr_match(&net, &blk_modern));
	cr_assert(!devmgr_match(NULL, &blk_modern));
	cr_assert(!devmgr_match(&any, NULL));
}

Test(devmgr_match, pci_fields_never_match_platform_devices)
{
	struct device_matcher vendor = {0x1af4, -1, -1, -1, -1, NULL};
	struct device_matcher cls = {-1, -1, 0, -1, -1, NULL};
	cr_assert(!devmgr_match(&vendor, &mmio_blk));
	cr_assert(!devmgr_match(&cls, &mmio_blk), "class 0 is a PCI field too");
}

Test(devmgr_match, custom_match_decides_last)
{
	struct device_matcher m = {-1, -1, -1, -1, -1, virtio_blk_mmio};
	struct device_matcher pci_and_custom = {0x1af4, -1, -1, -1, -1, virtio_blk_mmio};
	cr_assert(devmgr_match(&m, &mmio_blk));
	cr_assert(!devmgr_match(&m, &mmio_rng));
	cr_assert(!devmgr_match(&m, &blk_modern));
	cr_assert(!devmgr_match(&pci_and_custom, &mmio_blk), "fields are checked first");
}

Test(devmgr_match, names_as_two_words)
{
	uint64_t w[2];
	char back[17];
	cr_assert(devmgr_name_pack("blk0", w));
	devmgr_name_unpack(w, back);
	cr_assert_str_eq(back, "blk0");
	cr_assert(devmgr_name_pack("fifteen-chars15", w));
	devmgr_name_unpack(w, back);
	cr_assert_str_eq(back, "fifteen-chars15");
	cr_assert(!devmgr_name_pack("sixteen-chars-16", w));
	cr_assert(!devmgr_name_pack("", w));
	cr_assert(!devmgr_name_pack(NULL, w));
}
