/*
 * The VGA's default 256-colour palette (mode 13h's), in the DAC's 6-bit
 * values and as 0x00RRGGBB. Pure code, shared by the user-space VGA
 * driver (drivers/pc/vga.c) and the kernel's framebuffer path for mode
 * 13h pictures (arch/x86_64/legacy/r2.c).
 */
#ifndef CORE_VGA_PALETTE_H
#define CORE_VGA_PALETTE_H

#include <stdint.h>

/* Entry i (0..255): the 16 EGA colours, 16 greys, nine rings of 24 hues, 8 blacks. */
void vga_default_dac(unsigned i, uint8_t out[3]);
/* Entry i as 0x00RRGGBB (each 6-bit value widened to 8 bits, 63 to 255). */
uint32_t vga_default_rgb(unsigned i);

#endif
