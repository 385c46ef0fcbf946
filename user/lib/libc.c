/*
 * The C runtime of user programs: the start routine, console output
 * through the kernel's formatter (core/kprintf.c, built into the library
 * too) buffered into SYS_WRITE calls, and the environment.
 */
#include "core/kprintf.h"
#include "kestrel.h"

int main(int argc, char **argv);

char **environ;

static struct {
	char buf[256];
	size_t len;
} out;

void flush(void)
{
	if (out.len)
		sys_write(1, out.buf, out.len);
	out.len = 0;
}

/* The formatter's byte sink (arch/hal/console.h); the kernel adds CR itself. */
void arch_console_putc(char c)
{
	if (c == '\r')
		return;
	out.buf[out.len++] = c;
	if (c == '\n' || out.len == sizeof(out.buf))
		flush();
}

int vprintf(const char *fmt, va_list ap)
{
	return kvprintf(fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = kvsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len;
}

int puts(const char *s)
{
	kputs(s);
	kputs("\n");
	return 0;
}

const char *getenv(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

uint64_t kestrel_given_cap(unsigned n)
{
	const char *s = getenv("KESTREL_CAPS");
	for (; s && n; n--)
		if ((s = strchr(s, ',')))
			s++;
	return s ? strtoul(s, NULL, 0) : 0;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = 10;
	}
	for (;; s++) {
		int d = *s >= '0' && *s <= '9'	 ? *s - '0'
			: *s >= 'a' && *s <= 'z' ? *s - 'a' + 10
			: *s >= 'A' && *s <= 'Z' ? *s - 'A' + 10
						 : 99;
		if (d >= base)
			break;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

/* Called by crt0 with the registers the kernel set: argc, argv (envp follows argv's NULL). */
_Noreturn void __libc_start(long argc, char **argv);
_Noreturn void __libc_start(long argc, char **argv)
{
	environ = argv + argc + 1;
	int code = main((int)argc, argv);
	flush();
	sys_exit(code);
}
