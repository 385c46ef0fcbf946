/*
 * cr2's calls (cr2.h): each is one `int $0x7f` in libcr2's registers.
 */
#include <stdarg.h>

#include "cr2.h"

int64_t syscall(int64_t number, int64_t arg1, int64_t arg2, int64_t arg3)
{
	int64_t ret;
	__asm__ volatile("int $0x7f"
			 : "=a"(ret)
			 : "d"(number), "D"(arg1), "S"(arg2), "c"(arg3)
			 : "r11", "memory");
	return ret;
}

_Noreturn void exit(int64_t pid, int64_t code)
{
	syscall(ScExit, pid, code, 0);
	for (;;) {
	}
}

static int64_t ok(int64_t ret)
{
	return ret == 0;
}

int64_t read_sysinfo(SysInfo_T *sysinfo)
{
	return ok(syscall(ScSysInfo, 0x01, (int64_t)sysinfo, 0));
}

int64_t read_rtc(RTC_T *rtc)
{
	return ok(syscall(ScRTC, 0x01, (int64_t)rtc, 0));
}

int64_t pipe_subscribe(const uint8_t *buffer)
{
	return ok(syscall(ScPipeSubscribe, 0x01, (int64_t)buffer, 0));
}

int64_t pipe_unsubscribe(const uint8_t *buffer)
{
	return ok(syscall(ScPipeSubscribe, 0x02, (int64_t)buffer, 0));
}

int64_t print(const char *str)
{
	int64_t len = (int64_t)strlen(str);
	if (len > 0 && syscall(ScPrintString, (int64_t)str, len + 1, 0))
		return 0;
	return len;
}

uint64_t map_vram(void)
{
	uint64_t base = 0;
	syscall(ScMapVram, 0, (int64_t)&base, 0);
	return base;
}

int64_t set_video_mode(uint8_t mode)
{
	return syscall(ScSetVideoMode, mode, 0, 0);
}

int64_t play_freq(uint16_t freq, uint16_t duration)
{
	return ok(syscall(ScPlayFreq, freq, duration, 0));
}

int64_t stop_speaker(void)
{
	return ok(syscall(ScPlayStop, 0, 0, 0));
}

int64_t write_port(uint16_t port, uint32_t value)
{
	return syscall(ScWritePort, (int64_t)&port, (int64_t)&value, 0);
}

int64_t read_port(uint16_t port, uint32_t *value)
{
	return syscall(ScReadPort, (int64_t)&port, (int64_t)value, 0);
}

int64_t serial_init(void)
{
	return ok(syscall(ScSerialPort, 0x01, 0, 0));
}

int64_t new_packet(uint8_t type, uint8_t *buffer)
{
	return ok(syscall(ScNewPacket, type, (int64_t)buffer, 0));
}

int64_t send_packet(uint8_t type, uint8_t *buffer)
{
	return ok(syscall(ScSendPacket, type, (int64_t)buffer, 0));
}

int64_t serial_read(uint32_t *value)
{
	return ok(syscall(ScSerialPort, 0x02, (int64_t)value, 0));
}

uint64_t get_ticks(void)
{
	return (uint64_t)syscall(ScGetTicks, 0, 0, 0);
}

int64_t sleep_ms(uint64_t ms)
{
	return ok(syscall(ScSleep, (int64_t)ms, 0, 0));
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

static char *digits(char *buf, uint64_t v, unsigned width, unsigned base)
{
	char tmp[24];
	unsigned n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width && n < sizeof(tmp))
		tmp[n++] = '0';
	for (unsigned i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return buf;
}

char *cr2_dec(char *buf, uint64_t v, unsigned width)
{
	return digits(buf, v, width, 10);
}

char *cr2_hex(char *buf, uint64_t v, unsigned width)
{
	return digits(buf, v, width, 16);
}

void cr2_print(const char *first, ...)
{
	char line[256];
	size_t n = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		while (*s && n < sizeof(line) - 1)
			line[n++] = *s++;
	va_end(ap);
	line[n] = 0;
	print(line);
}
