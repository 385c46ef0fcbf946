/*
 * kprintf: one formatter for the console and for buffers. No allocation,
 * no floating point; output goes through a small sink so the same code
 * fills a buffer (ksnprintf) or the console (kprintf).
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/hal/console.h"
#include "core/kprintf.h"

struct sink {
	char *buf; /* NULL: the console */
	size_t cap;
	size_t len; /* characters produced, including any that did not fit */
};

static void console_putc(char c)
{
	/* Serial terminals want CR LF; the HAL sends bytes as they are. */
	if (c == '\n')
		arch_console_putc('\r');
	arch_console_putc(c);
}

static void put(struct sink *s, char c)
{
	if (!s->buf)
		console_putc(c);
	else if (s->len + 1 < s->cap)
		s->buf[s->len] = c;
	s->len++;
}

static void put_repeat(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
	char len; /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z', 't', 'j' */
};

static void put_str(struct sink *s, const struct spec *sp, const char *str)
{
	int n = 0;

	if (!str)
		str = "(null)";
	while (str[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	if (!sp->left)
		put_repeat(s, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(s, str[i]);
	if (sp->left)
		put_repeat(s, ' ', sp->width - n);
}

static void put_num(struct sink *s, const struct spec *sp, uint64_t v, bool neg, unsigned base,
		    bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int nd = 0;

	while (v) {
		tmp[nd++] = digits[v % base];
		v /= base;
	}
	int prec = sp->prec < 0 ? 1 : sp->prec; /* "%.0d" of 0 prints nothing */
	int zeros = prec > nd ? prec - nd : 0;
	const char *prefix = "";
	if (neg)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	else if (sp->alt && base == 16 && nd)
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8 && zeros == 0)
		prefix = "0";
	int plen = 0;
	while (prefix[plen])
		plen++;
	int pad = sp->width - plen - zeros - nd;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!sp->left)
		put_repeat(s, ' ', pad);
	for (int i = 0; i < plen; i++)
		put(s, prefix[i]);
	put_repeat(s, '0', zeros);
	while (nd)
		put(s, tmp[--nd]);
	if (sp->left)
		put_repeat(s, ' ', pad);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){.prec = -1};
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width * 10 + (*f - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		}
		for (; *f >= '0' && *f <= '9'; f++)
			sp->prec = sp->prec * 10 + (*f - '0');
	}
	if (f[0] == 'h' && f[1] == 'h') {
		sp->len = 'H';
		f += 2;
	} else if (f[0] == 'l' && f[1] == 'l') {
		sp->len = 'L';
		f += 2;
	} else if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 't' || *f == 'j') {
		sp->len = *f++;
	}
	return f;
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
	case 't':
		return va_arg(*ap, ptrdiff_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
	case 't':
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static void format(struct sink *s, const char *f, va_list ap_in)
{
	va_list ap;
	struct spec sp;

	va_copy(ap, ap_in);
	while (*f) {
		if (*f != '%') {
			put(s, *f++);
			continue;
		}
		f = parse_spec(f + 1, &sp, &ap);
		char conv = *f;
		if (conv)
			f++;
		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&sp, &ap);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			put_num(s, &sp, mag, v < 0, 10, false);
			break;
		}
		case 'u':
			sp.plus = sp.space = false;
			put_num(s, &sp, arg_unsigned(&sp, &ap), false, 10, false);
			break;
		case 'x':
		case 'X':
		case 'o':
			sp.plus = sp.space = false;
			put_num(s, &sp, arg_unsigned(&sp, &ap), false, conv == 'o' ? 8 : 16,
				conv == 'X');
			break;
		case 'p':
			sp = (struct spec){
			    .alt = true, .prec = -1, .width = sp.width, .left = sp.left};
			put_num(s, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false);
			break;
		case 's':
			put_str(s, &sp, va_arg(ap, const char *));
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			if (!sp.left)
				put_repeat(s, ' ', sp.width - 1);
			put(s, c);
			if (sp.left)
				put_repeat(s, ' ', sp.width - 1);
			break;
		}
		case '%':
			put(s, '%');
			break;
		default: /* unknown or truncated: show it as written */
			put(s, '%');
			if (conv)
				put(s, conv);
			break;
		}
	}
	va_end(ap);
}

int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	char dummy;
	struct sink s = {.buf = n ? buf : &dummy, .cap = n};

	format(&s, fmt, ap);
	if (n)
		buf[s.len < n ? s.len : n - 1] = '\0';
	return (int)s.len;
}

int ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = kvsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int kvprintf(const char *fmt, va_list ap)
{
	struct sink s = {0};

	format(&s, fmt, ap);
	return (int)s.len;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = kvprintf(fmt, ap);
	va_end(ap);
	return r;
}

void kputs(const char *s)
{
	while (*s)
		console_putc(*s++);
}

static enum log_level log_level = LOG_INFO;

void klog_set_level(enum log_level level)
{
	log_level = level;
}

void klog(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
	    [LOG_ERROR] = "error: ",
	    [LOG_WARN] = "warning: ",
	    [LOG_INFO] = "",
	    [LOG_DEBUG] = "debug: ",
	};
	va_list ap;

	if (level > log_level)
		return;
	kputs(prefix[level]);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kputs("\n");
}
