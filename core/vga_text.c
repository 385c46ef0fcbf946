/* The VGA text screen's cells as a console writes them (vga_text.h). */
#include "core/vga_text.h"

static void scroll(struct vga_text *t)
{
	for (unsigned i = 0; i < VGA_TEXT_COLS * (VGA_TEXT_ROWS - 1); i++)
		t->cells[i] = t->cells[i + VGA_TEXT_COLS];
	for (unsigned i = VGA_TEXT_COLS * (VGA_TEXT_ROWS - 1); i < VGA_TEXT_COLS * VGA_TEXT_ROWS;
	     i++)
		t->cells[i] = VGA_TEXT_ATTR << 8 | ' ';
	t->row = VGA_TEXT_ROWS - 1;
}

void vga_text_put(struct vga_text *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\n' || t->col == VGA_TEXT_COLS) {
			t->col = 0;
			if (++t->row == VGA_TEXT_ROWS)
				scroll(t);
		}
		if (c == '\n')
			continue;
		if (c == '\r') {
			t->col = 0;
			continue;
		}
		if (c == '\b') { /* "\b \b" rubs a character out */
			t->col -= t->col > 0;
			continue;
		}
		if ((uint8_t)c < 0x20)
			continue; /* other controls (a bell, a tab) draw nothing */
		t->cells[t->row * VGA_TEXT_COLS + t->col++] =
		    (uint16_t)(VGA_TEXT_ATTR << 8 | (uint8_t)c);
	}
}

void vga_text_clear(struct vga_text *t)
{
	for (unsigned i = 0; i < VGA_TEXT_COLS * VGA_TEXT_ROWS; i++)
		t->cells[i] = VGA_TEXT_ATTR << 8 | ' ';
	t->row = t->col = 0;
}
