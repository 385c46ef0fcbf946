/*
 * The VGA text screen's cells (80x25, at 0xB8000 in text mode 3) as a
 * console writes them: a cursor that wraps and scrolls, "\r", "\n" and
 * "\b" (the line editor's "\b \b"), other controls drawn as nothing.
 * Pure code, shared by the kernel's early console on the screen
 * (console=vga) and the user-space VGA driver (drivers/pc/vga.c).
 */
#ifndef CORE_VGA_TEXT_H
#define CORE_VGA_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define VGA_TEXT_COLS 80
#define VGA_TEXT_ROWS 25
#define VGA_TEXT_ATTR 0x07 /* light grey on black */

struct vga_text {
	volatile uint16_t *cells;
	unsigned row, col;
};

void vga_text_put(struct vga_text *t, const char *s, size_t n);
/* Blank cells, the cursor home. */
void vga_text_clear(struct vga_text *t);

#endif
