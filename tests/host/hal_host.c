/*
 * The HAL on the host, for the portable code under test: the console is a
 * buffer the tests can read back.
 */
#include <string.h>

#include "arch/hal/console.h"
#include "hal_host.h"

static char console_buf[8192];
static size_t console_len;

void arch_console_init(const struct console_desc *desc)
{
	(void)desc;
}

void arch_console_putc(char c)
{
	if (console_len + 1 < sizeof(console_buf))
		console_buf[console_len++] = c;
	console_buf[console_len] = '\0';
}

int arch_console_getc(void)
{
	return -1;
}

const char *host_console_take(void)
{
	static char out[sizeof(console_buf)];

	memcpy(out, console_buf, console_len + 1);
	console_len = 0;
	console_buf[0] = '\0';
	return out;
}
