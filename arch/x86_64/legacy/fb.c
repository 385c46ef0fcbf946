/*
 * The linear framebuffer GRUB sets up when the ISO asks for one (ci/boot
 * --framebuffer WxHxD): 32-bit 0x00RRGGBB pixels, the one format core/mb2.c
 * lets through. It is mapped for the kernel on first use, uncached like
 * the VGA window: a machine booted without one (every -kernel boot, and
 * GRUB's text screen) never maps anything. The r2 gates 0x16, 0x17 and
 * 0x13 draw on it; they copy user rows into their own buffers and hand
 * them here, so nothing in this file touches user memory.
 */
#include "core/boot_info.h"
#include "core/kprintf.h"
#include "legacy.h"
#include "mm/kvm.h"

static struct boot_framebuffer fb;
static volatile uint8_t *fb_base;

void fb_init(const struct boot_info *bi)
{
	if (!bi->fb.present)
		return;
	/* The gates' row buffers hold FB_MAX_DIM pixels: a wider screen is not served. */
	if (bi->fb.width > FB_MAX_DIM || bi->fb.height > FB_MAX_DIM) {
		pr_info("fb: %ux%u is larger than %ux%u: no framebuffer for r2", bi->fb.width,
			bi->fb.height, FB_MAX_DIM, FB_MAX_DIM);
		return;
	}
	fb = bi->fb;
}

/* The kernel's mapping, made once; NULL when there is no framebuffer or it cannot be mapped. */
static volatile uint8_t *fb_map(void)
{
	if (!fb.present || fb_base)
		return fb_base;
	fb_base = kvm_map_device(fb.phys, (uint64_t)fb.pitch * fb.height);
	if (!fb_base) {
		pr_warn("fb: cannot map the framebuffer at %#llx", (unsigned long long)fb.phys);
		fb.present = false; /* from now on, as if there were none */
	}
	return fb_base;
}

bool fb_info(FBInfo_T *out)
{
	if (!fb_map())
		return false;
	*out = (FBInfo_T){.width = fb.width, .height = fb.height, .pitch = fb.pitch, .bpp = 32};
	return true;
}

void fb_put_row(unsigned y, const uint32_t *pixels)
{
	volatile uint8_t *b = fb_map();
	if (!b || y >= fb.height)
		return;
	volatile uint32_t *d = (volatile uint32_t *)(b + (uint64_t)y * fb.pitch);
	for (unsigned x = 0; x < fb.width; x++)
		d[x] = pixels[x] & 0xffffff; /* bits 24..31 are padding: written as 0 */
}

void fb_stretch_row(const uint32_t *src, unsigned src_w, uint32_t *out)
{
	for (unsigned x = 0; x < fb.width; x++)
		out[x] = src[(uint64_t)x * src_w / fb.width];
}

unsigned fb_src_row(unsigned y, unsigned src_h)
{
	return (unsigned)((uint64_t)y * src_h / fb.height);
}
