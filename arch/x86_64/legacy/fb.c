/*
 * The linear framebuffer GRUB sets up when the ISO asks for one (ci/boot
 * --framebuffer WxHxD): 32-bit 0x00RRGGBB pixels, the one format core/mb2.c
 * lets through. The kernel never maps or draws it: it describes it to the
 * device manager (a "framebuffer" record, PCDEV_FB_COMPAT), whose driver
 * (drivers/pc/fb.c) draws what the r2 gates 0x13 and 0x17 lend it, and
 * keeps its geometry, which is boot information, for 0x16 and for those
 * calls (include/abi/pcdev.h).
 */
#include "core/boot_info.h"
#include "core/kprintf.h"
#include "core/machine.h"
#include "include/abi/pcdev.h"
#include "legacy.h"

static struct boot_framebuffer fb;

/* The gates and the driver take at most FB_MAX_DIM pixels each way. */
static bool usable(const struct boot_framebuffer *f)
{
	return f->present && f->width && f->height && f->width <= FB_MAX_DIM &&
	       f->height <= FB_MAX_DIM && (uint64_t)f->width * 4 <= f->pitch;
}

void fb_describe(const struct boot_info *bi)
{
	if (!usable(&bi->fb))
		return;
	struct hw_rec_device d = {
	    .rec = {.type = HW_REC_DEVICE, .size = sizeof(d), .flags = HW_REC_ISA},
	    .name = "framebuffer",
	    .compatible = PCDEV_FB_COMPAT,
	    .reg_count = 1,
	    .reg = {{bi->fb.phys, (uint64_t)bi->fb.pitch * bi->fb.height}}};
	machine_add(&d.rec);
}

void fb_init(const struct boot_info *bi)
{
	if (!bi->fb.present)
		return;
	if (!usable(&bi->fb)) {
		pr_info("fb: %ux%u (pitch %u) is not one r2 takes (at most %ux%u): no framebuffer "
			"for r2",
			bi->fb.width, bi->fb.height, bi->fb.pitch, FB_MAX_DIM, FB_MAX_DIM);
		return;
	}
	fb = bi->fb;
}

bool fb_info(FBInfo_T *out)
{
	if (!fb.present)
		return false;
	*out = (FBInfo_T){.width = fb.width, .height = fb.height, .pitch = fb.pitch, .bpp = 32};
	return true;
}

uint64_t fb_geometry(void)
{
	return PCDEV_FB_GEOMETRY(fb.width, fb.height, fb.pitch);
}
