/*
 * The line editor (core/lineedit.h). The cursor is moved with BS and CSI n D
 * to the left, by printing the characters again to the right, and the rest
 * of a line is cleared with CSI K, which every VT100-like terminal knows.
 */
#include "core/lineedit.h"
#include "core/kprintf.h"
#include "core/kstring.h"

#define CTRL(c) ((c)&0x1f)
#define ESC	0x1b
#define DEL	0x7f

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

static void put(struct line_editor *e, const char *s, size_t n)
{
	if (n)
		e->out(s, n, e->ctx);
}

static void puts_(struct line_editor *e, const char *s)
{
	put(e, s, strlen(s));
}

static void left(struct line_editor *e, size_t n)
{
	char seq[24];
	if (n == 0)
		return;
	if (n == 1) {
		put(e, "\b", 1);
		return;
	}
	int len = ksnprintf(seq, sizeof(seq), "\x1b[%zuD", n);
	put(e, seq, (size_t)len);
}

void le_init(struct line_editor *e, struct line_history *hist,
	     void (*out)(const char *s, size_t n, void *ctx), void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->hist = hist;
	e->out = out;
	e->ctx = ctx;
	e->hist_at = -1;
}

void le_begin(struct line_editor *e)
{
	e->len = e->pos = 0;
	e->buf[0] = '\0';
	e->too_long = false;
	e->esc = ESC_NONE;
	e->hist_at = -1;
}

void le_history_add(struct line_history *h, const char *line)
{
	if (!h || !*line)
		return;
	if (h->count && !strcmp(h->lines[h->newest], line))
		return;
	unsigned slot = h->count ? (h->newest + 1) % HISTORY_LINES : 0;
	kstrlcpy(h->lines[slot], line, sizeof(h->lines[slot]));
	h->newest = slot;
	if (h->count < HISTORY_LINES)
		h->count++;
}

const char *le_history_get(const struct line_history *h, unsigned back)
{
	if (!h || back >= h->count)
		return NULL;
	return h->lines[(h->newest + HISTORY_LINES - back) % HISTORY_LINES];
}

/* Show `text` instead of the line being edited, the cursor at its end. */
static void replace(struct line_editor *e, const char *text)
{
	left(e, e->pos);
	e->too_long = false; /* a line from the history fits */
	e->len = kstrlcpy(e->buf, text, sizeof(e->buf));
	if (e->len > LINE_LEN_MAX)
		e->len = LINE_LEN_MAX;
	e->pos = e->len;
	put(e, e->buf, e->len);
	puts_(e, "\x1b[K");
}

static void history(struct line_editor *e, bool older)
{
	int to = e->hist_at + (older ? 1 : -1);
	if (to < -1 || !e->hist)
		return;
	const char *text = to < 0 ? e->saved : le_history_get(e->hist, (unsigned)to);
	if (!text)
		return; /* past the oldest line */
	if (e->hist_at < 0)
		memcpy(e->saved, e->buf, e->len + 1);
	e->hist_at = to;
	replace(e, text);
}

static void insert(struct line_editor *e, char c)
{
	if (e->len == LINE_LEN_MAX) {
		if (!e->too_long)
			put(e, "\a", 1); /* the line is full: a bell once, the message at Enter */
		e->too_long = true;
		return;
	}
	memmove(e->buf + e->pos + 1, e->buf + e->pos, e->len - e->pos + 1);
	e->buf[e->pos] = c;
	e->len++;
	put(e, e->buf + e->pos, e->len - e->pos);
	e->pos++;
	left(e, e->len - e->pos);
}

/* Remove the character under the cursor and show the rest of the line again. */
static void remove_at_cursor(struct line_editor *e)
{
	if (e->pos == e->len)
		return;
	memmove(e->buf + e->pos, e->buf + e->pos + 1, e->len - e->pos);
	e->len--;
	put(e, e->buf + e->pos, e->len - e->pos);
	put(e, " ", 1);
	left(e, e->len - e->pos + 1);
}

static void move_left(struct line_editor *e)
{
	if (e->pos) {
		e->pos--;
		left(e, 1);
	}
}

static void move_right(struct line_editor *e)
{
	if (e->pos < e->len) {
		put(e, e->buf + e->pos, 1);
		e->pos++;
	}
}

static void home(struct line_editor *e)
{
	left(e, e->pos);
	e->pos = 0;
}

static void end(struct line_editor *e)
{
	put(e, e->buf + e->pos, e->len - e->pos);
	e->pos = e->len;
}

/* A cursor key, by the final byte of its CSI or SS3 sequence. */
static void key(struct line_editor *e, char final)
{
	switch (final) {
	case 'A':
		history(e, true);
		break;
	case 'B':
		history(e, false);
		break;
	case 'C':
		move_right(e);
		break;
	case 'D':
		move_left(e);
		break;
	case 'H':
		home(e);
		break;
	case 'F':
		end(e);
		break;
	default:
		break; /* F1-F4 (SS3 P-S) and the rest: swallowed */
	}
}

/* The end of a CSI sequence: cursor keys, and "n~" for Home, End, Delete. */
static void csi(struct line_editor *e, char final)
{
	if (final != '~') {
		key(e, final);
		return;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < e->esc_n && e->esc_param[i] >= '0' && e->esc_param[i] <= '9'; i++)
		n = n * 10 + (unsigned)(e->esc_param[i] - '0');
	if (n == 1 || n == 7)
		home(e);
	else if (n == 4 || n == 8)
		end(e);
	else if (n == 3)
		remove_at_cursor(e);
	/* Insert, PgUp, PgDn, F5-F12, ...: swallowed */
}

/* Feed a byte of an escape sequence; false when it is not one (the sequence broke off). */
static bool escape(struct line_editor *e, uint8_t c)
{
	switch (e->esc) {
	case ESC_START:
		if (c == '[') {
			e->esc = ESC_CSI;
			e->esc_n = 0;
		} else if (c == 'O') {
			e->esc = ESC_SS3;
		} else if (c == ESC) {
			e->esc = ESC_START; /* ESC ESC: the first was alone */
		} else if (c >= 0x20 && c < DEL) {
			e->esc = ESC_NONE; /* Alt-key, ESC letter: swallowed */
		} else {
			e->esc = ESC_NONE;
			return false;
		}
		return true;
	case ESC_CSI:
		if (c >= 0x20 && c <= 0x3f) { /* parameter and intermediate bytes */
			if (e->esc_n < LE_ESC_MAX)
				e->esc_param[e->esc_n++] = (char)c;
			return true;
		}
		e->esc = ESC_NONE;
		if (c >= 0x40 && c <= 0x7e) {
			csi(e, (char)c);
			return true;
		}
		return false;
	case ESC_SS3:
		e->esc = ESC_NONE;
		if (c >= 0x40 && c <= 0x7e) {
			key(e, (char)c);
			return true;
		}
		return false;
	default:
		return false;
	}
}

enum le_result le_feed(struct line_editor *e, uint8_t c)
{
	bool after_cr = e->after_cr;
	e->after_cr = false;
	if (e->esc != ESC_NONE && escape(e, c))
		return LE_MORE;
	switch (c) {
	case '\r':
	case '\n':
		if (c == '\n' && after_cr)
			return LE_MORE; /* CR LF: one Enter */
		e->after_cr = c == '\r';
		put(e, "\n", 1);
		e->buf[e->len] = '\0';
		if (e->too_long)
			return LE_TOO_LONG;
		return LE_LINE;
	case CTRL('C'):
		puts_(e, "^C\n");
		return LE_CANCEL;
	case CTRL('D'):
		if (e->len == 0) {
			put(e, "\n", 1);
			return LE_EOF;
		}
		remove_at_cursor(e);
		return LE_MORE;
	case CTRL('A'):
		home(e);
		return LE_MORE;
	case CTRL('E'):
		end(e);
		return LE_MORE;
	case CTRL('B'):
		move_left(e);
		return LE_MORE;
	case CTRL('F'):
		move_right(e);
		return LE_MORE;
	case '\b':
	case DEL:
		if (e->pos) {
			move_left(e);
			remove_at_cursor(e);
		}
		return LE_MORE;
	case ESC:
		e->esc = ESC_START;
		return LE_MORE;
	default:
		if (c >= 0x20 && c < DEL)
			insert(e, (char)c);
		return LE_MORE; /* other control bytes and bytes above 0x7f: ignored */
	}
}
