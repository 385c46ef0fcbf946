/* The shell's line editor, fed byte strings as a terminal sends them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/lineedit.h"

static char screen[8192]; /* what the editor wrote, for the checks that look */
static size_t shown;
static struct line_history hist;
static struct line_editor ed;

static void out(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	cr_assert_lt(shown + n, sizeof(screen));
	memcpy(screen + shown, s, n);
	shown += n;
	screen[shown] = '\0';
}

static void setup(void)
{
	memset(&hist, 0, sizeof(hist));
	shown = 0;
	screen[0] = '\0';
	le_init(&ed, &hist, out, NULL);
	le_begin(&ed);
}

/* Feed `s` (n bytes); the result of the last byte. */
static enum le_result feed_n(const char *s, size_t n)
{
	enum le_result r = LE_MORE;
	for (size_t i = 0; i < n; i++) {
		r = le_feed(&ed, (uint8_t)s[i]);
		if (r != LE_MORE && i + 1 < n)
			cr_assert_fail("line ended at byte %zu of %zu", i, n);
	}
	return r;
}

static enum le_result feed(const char *s)
{
	return feed_n(s, strlen(s));
}

/* Type a whole line; its text, and it goes into the history as the shell does. */
static const char *line(const char *typed)
{
	le_begin(&ed);
	cr_assert_eq(feed(typed), LE_LINE, "typed %s", typed);
	le_history_add(&hist, ed.buf);
	return ed.buf;
}

TestSuite(lineedit, .init = setup);

Test(lineedit, plain_line_and_echo)
{
	cr_expect_str_eq(line("echo hi\r"), "echo hi");
	cr_expect_str_eq(screen, "echo hi\n");
	cr_expect_eq(ed.len, 7);
}

Test(lineedit, cr_lf_is_one_enter)
{
	cr_expect_str_eq(line("a\r"), "a");
	le_begin(&ed);
	cr_expect_eq(le_feed(&ed, '\n'), LE_MORE);
	cr_expect_eq(feed("b\n"), LE_LINE);
	cr_expect_str_eq(ed.buf, "b");
	le_begin(&ed);
	cr_expect_eq(feed("\n"), LE_LINE); /* LF alone is Enter */
	cr_expect_str_eq(ed.buf, "");
}

Test(lineedit, backspace_and_delete_in_the_middle)
{
	cr_expect_str_eq(line("abc\b\x7f"
			      "d\r"),
			 "ad");
	cr_expect_str_eq(line("aXbYc\x1b[D\x1b[D\x1b[3~\x1b[D\x7f\r"), "abc");
	cr_expect_str_eq(line("\x7f\x7f"
			      "x\x1b[3~\r"),
			 "x");			       /* nothing to remove: nothing happens */
	cr_expect_str_eq(line("xyz\x01\x04\r"), "yz"); /* Ctrl-D on a line deletes */
}

Test(lineedit, cursor_keys_insert_where_the_cursor_is)
{
	cr_expect_str_eq(line("cho\x1b[He\x1b[F!\r"), "echo!");
	cr_expect_str_eq(line("bd\x1b[Dc\x1b[D\x1b[Da\r"), "abcd");
	cr_expect_str_eq(line("2\x1bOH"
			      "1\x1bOF"
			      "3\r"),
			 "123");						/* SS3 Home/End */
	cr_expect_str_eq(line("2\x1b[1~1\x1b[4~3\x1b[7~0\x1b[8~4\r"), "01234"); /* CSI n~ */
	cr_expect_str_eq(line("b\x01"
			      "a\x05"
			      "c\x02\x02\x06"
			      "X\r"),
			 "abXc");
	cr_expect_str_eq(line("\x1b[D\x1b[Dab\x1b[C\x1b[C"
			      "c\r"),
			 "abc"); /* stops at the ends */
}

Test(lineedit, unknown_sequences_are_swallowed_whole)
{
	cr_expect_str_eq(line("a\x1b[5~\x1b[6~\x1b[2~\x1b[15~\x1b[24~b\r"), "ab");
	cr_expect_str_eq(line("a\x1bOP\x1bOQ\x1b[1;5P\x1b[1;5C\x1b[?25hb\r"), "ab");
	cr_expect_str_eq(line("a\x1bxb\r"), "ab"); /* Alt-x */
	/* ESC ESC [C: a right arrow, the cursor at the end already. */
	cr_expect_str_eq(line("a\x1b\x1b[Cb\r"), "ab");
	/* A sequence broken off by Enter still ends the line. */
	le_begin(&ed);
	cr_expect_eq(feed("a\x1b[1\r"), LE_LINE);
	cr_expect_str_eq(ed.buf, "a");
	/* Overlong parameters are swallowed too. */
	cr_expect_str_eq(line("a\x1b[11111111111111111111111111111111~b\r"), "ab");
}

Test(lineedit, history_up_and_down)
{
	line("one\r");
	line("two\r");
	line("two\r"); /* a repeat is kept once */
	cr_expect_eq(hist.count, 2);
	cr_expect_str_eq(line("\x1b[A\r"), "two");
	cr_expect_str_eq(line("\x1b[A\x1b[A\r"), "one");
	cr_expect_str_eq(line("\x1b[A\x1b[A\x1b[A\x1b[A\r"), "one"); /* the oldest stays */
	cr_expect_str_eq(line("new\x1b[A\x1b[B\r"), "new");	     /* down comes back to it */
	cr_expect_str_eq(line("\x1b[B\x1b[Bx\r"), "x"); /* down at the new line: nothing */
	cr_expect_str_eq(line("\x1b[A!\r"), "x!");	/* a recalled line can be edited */
	le_begin(&ed);
	cr_expect_eq(feed("\r"), LE_LINE);
	le_history_add(&hist, ed.buf); /* an empty line is not kept */
	cr_expect_str_eq(le_history_get(&hist, 0), "x!");
}

Test(lineedit, history_keeps_the_newest_lines)
{
	char buf[32];
	for (int i = 0; i < HISTORY_LINES + 5; i++) {
		snprintf(buf, sizeof(buf), "line %d\r", i);
		line(buf);
	}
	cr_expect_eq(hist.count, HISTORY_LINES);
	snprintf(buf, sizeof(buf), "line %d", HISTORY_LINES + 4);
	cr_expect_str_eq(le_history_get(&hist, 0), buf);
	cr_expect_str_eq(le_history_get(&hist, HISTORY_LINES - 1), "line 5");
	cr_expect_null(le_history_get(&hist, HISTORY_LINES));
}

Test(lineedit, longest_line_fits_one_more_is_refused)
{
	static char typed[LINE_LEN_MAX + 8];
	memset(typed, 'a', LINE_LEN_MAX);
	typed[LINE_LEN_MAX] = '\r';
	cr_expect_eq(feed_n(typed, LINE_LEN_MAX + 1), LE_LINE);
	cr_expect_eq(strlen(ed.buf), LINE_LEN_MAX);
	le_begin(&ed);
	typed[LINE_LEN_MAX] = 'b';
	typed[LINE_LEN_MAX + 1] = '\r';
	cr_expect_eq(feed_n(typed, LINE_LEN_MAX + 2), LE_TOO_LONG);
	cr_expect_eq(ed.len, LINE_LEN_MAX); /* what fitted, never cut into a shorter command */
	le_begin(&ed);
	cr_expect_eq(feed("ok\r"), LE_LINE); /* the next line is fine */
	cr_expect_str_eq(ed.buf, "ok");
}

Test(lineedit, ctrl_c_and_ctrl_d)
{
	cr_expect_eq(feed("abc\x03"), LE_CANCEL);
	le_begin(&ed);
	cr_expect_eq(feed("\x04"), LE_EOF);
	le_begin(&ed);
	cr_expect_eq(feed("\t\x07\x80\xff"
			  "a\r"),
		     LE_LINE); /* other control and high bytes ignored */
	cr_expect_str_eq(ed.buf, "a");
}

Test(lineedit, random_bytes_never_break_it)
{
	unsigned seed = 12345;
	for (int i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		uint8_t c = (uint8_t)(seed >> 16);
		if (c == '\r' || c == '\n' || c == 3 || c == 4)
			c = 'x';
		shown = 0;
		enum le_result r = le_feed(&ed, c);
		cr_assert_eq(r, LE_MORE);
		cr_assert_leq(ed.len, LINE_LEN_MAX);
		cr_assert_leq(ed.pos, ed.len);
		cr_assert_eq(ed.buf[ed.len], '\0');
		if (i % 5000 == 4999) {
			le_history_add(&hist, ed.buf);
			le_begin(&ed);
		}
	}
}
