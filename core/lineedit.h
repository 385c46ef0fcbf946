/*
 * The shell's line editor, byte by byte and free of the hardware (the host
 * tests run it): printable characters, backspace, Delete, left/right,
 * Home/End (also Ctrl-A/Ctrl-E), history up/down, Ctrl-C, Ctrl-D; escape
 * sequences it does not know are swallowed whole. What the terminal must
 * show goes through the `out` callback (VT100 cursor movements).
 */
#ifndef CORE_LINEEDIT_H
#define CORE_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINE_LEN_MAX  1024 /* characters in a line */
#define HISTORY_LINES 32
#define LE_ESC_MAX    16 /* parameter bytes of an escape sequence that are kept */

struct line_history {
	char lines[HISTORY_LINES][LINE_LEN_MAX + 1];
	unsigned count;	 /* lines kept, at most HISTORY_LINES */
	unsigned newest; /* index of the newest line */
};

struct line_editor {
	char buf[LINE_LEN_MAX + 1];
	size_t len, pos; /* characters in buf, cursor */
	bool too_long;	 /* more was typed than fits: the line is refused */
	bool after_cr;	 /* the last byte was CR: a following LF is the same Enter */
	uint8_t esc;	 /* escape sequence state (lineedit.c) */
	uint8_t esc_n;	 /* parameter bytes seen */
	char esc_param[LE_ESC_MAX];
	int hist_at;		      /* -1: the new line; else how far back in the history */
	char saved[LINE_LEN_MAX + 1]; /* the new line while the history is shown */
	struct line_history *hist;
	void (*out)(const char *s, size_t n, void *ctx);
	void *ctx;
};

enum le_result {
	LE_MORE,     /* keep feeding */
	LE_LINE,     /* Enter: the line is in buf (NUL-terminated), len characters */
	LE_TOO_LONG, /* Enter on a line that did not fit: nothing to run */
	LE_CANCEL,   /* Ctrl-C: the line is dropped */
	LE_EOF,	     /* Ctrl-D on an empty line */
};

/* Set up an editor writing through `out`, with `hist` (may be NULL) as its history. */
void le_init(struct line_editor *e, struct line_history *hist,
	     void (*out)(const char *s, size_t n, void *ctx), void *ctx);
/* Begin a new, empty line (after the prompt). */
void le_begin(struct line_editor *e);
/* Take one byte from the terminal. */
enum le_result le_feed(struct line_editor *e, uint8_t c);
/* Remember a line in the history (not an empty one, nor a repeat of the newest). */
void le_history_add(struct line_history *h, const char *line);
/* The history line `back` steps back (0: the newest), or NULL. */
const char *le_history_get(const struct line_history *h, unsigned back);

#endif
