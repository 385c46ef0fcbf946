/*
 * Making a FAT12 volume (fat_format, fat.h): a boot sector with the BPB,
 * two empty FAT copies and an empty root directory, laid out as the FAT
 * specification (fatgen103) gives them.
 */
#include "fs/fat_internal.h"

#include "core/kstring.h"

#define ROOT_ENTRIES 224 /* 14 sectors, as a floppy has */

int fat_format(const struct fat_dev *dev, uint32_t sectors, unsigned sec_per_clus,
	       const char *label)
{
	if (!dev || !dev->write || sectors < 64 || sectors > dev->sectors ||
	    sectors > 0xFFFF * 64 || !sec_per_clus || sec_per_clus > 128 ||
	    (sec_per_clus & (sec_per_clus - 1)))
		return FAT_E_INVALID;
	uint32_t root_sectors = ROOT_ENTRIES * DIRENT / FAT_SECTOR, fat_sectors = 1, clusters = 0;
	/* The FAT's size and the cluster count depend on each other: grow the FAT until it holds all. */
	for (;;) {
		uint32_t meta = 1 + 2 * fat_sectors + root_sectors;
		if (meta >= sectors)
			return FAT_E_INVALID;
		clusters = (sectors - meta) / sec_per_clus;
		if (((clusters + 2) * 3 + 1) / 2 <= fat_sectors * FAT_SECTOR)
			break;
		fat_sectors++;
	}
	if (clusters < 1 || clusters > FAT12_MAX_CLUSTERS)
		return FAT_E_INVALID; /* too many: a larger cluster is needed */
	uint8_t s[FAT_SECTOR];
	memset(s, 0, sizeof(s));
	s[0] = 0xEB, s[1] = 0x3C, s[2] = 0x90;
	memcpy(s + 3, "KESTREL ", 8);
	put16(s + 11, FAT_SECTOR);
	s[13] = (uint8_t)sec_per_clus;
	put16(s + 14, 1); /* reserved: the boot sector */
	s[16] = 2;
	put16(s + 17, ROOT_ENTRIES);
	if (sectors < 0x10000)
		put16(s + 19, (uint16_t)sectors);
	else
		put32(s + 32, sectors);
	s[21] = 0xF8; /* a fixed disk */
	put16(s + 22, (uint16_t)fat_sectors);
	put16(s + 24, 32); /* sectors per track, heads: a geometry nobody uses */
	put16(s + 26, 64);
	s[36] = 0x80;
	s[38] = 0x29; /* the extended boot signature: serial, label and type follow */
	put32(s + 39, 0x4b455354u);
	uint8_t name[11];
	memcpy(name, label ? "           " : "NO NAME    ", 11);
	for (unsigned i = 0; label && label[i] && i < 11; i++)
		name[i] = (uint8_t)label[i];
	memcpy(s + 43, name, 11);
	memcpy(s + 54, "FAT12   ", 8);
	s[510] = 0x55, s[511] = 0xAA;
	if (dev->write(dev->ctx, 0, 1, s))
		return FAT_E_IO;
	for (uint32_t lba = 1; lba < 1 + 2 * fat_sectors + root_sectors; lba++) {
		memset(s, 0, sizeof(s));
		uint32_t in_fat = (lba - 1) % fat_sectors;
		if (lba < 1 + 2 * fat_sectors && in_fat == 0)
			s[0] = 0xF8, s[1] = 0xFF, s[2] = 0xFF; /* entries 0 and 1: media, end */
		if (lba == 1 + 2 * fat_sectors &&
		    label) { /* the label again, as the root's entry */
			memcpy(s, name, 11);
			s[11] = FAT_ATTR_VOLUME_ID;
		}
		if (dev->write(dev->ctx, lba, 1, s))
			return FAT_E_IO;
	}
	if (dev->flush && dev->flush(dev->ctx))
		return FAT_E_IO;
	return FAT_OK;
}
