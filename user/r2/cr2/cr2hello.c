/*
 * CR2HELLO.ELF: a program in libcr2's style (run --libcr2 CR2HELLO.ELF):
 * prints, reads the system information and the clock (into a packed
 * structure at an odd address), sleeps 200 ms by the kernel's clock,
 * prints its arguments and exits with code 7.
 */
#include "cr2.h"

/* In .data: the program's writable segment shares a page with its code. */
static char greeting[] = "cr2hello: hello\n";

/* The clock after one byte: at an odd address, as a packed structure puts it. */
struct stamp {
	uint8_t tag;
	RTC_T rtc;
} __attribute__((packed));

static void print_field(const char *what, const uint8_t *field, size_t size)
{
	char value[40];
	size_t n = 0;
	while (n < size && n < sizeof(value) - 1 && field[n])
		value[n] = (char)field[n], n++;
	value[n] = 0;
	cr2_print("cr2hello: ", what, " ", value, "\n", NULL);
}

int main(int argc, char **argv)
{
	char a[8], b[8], c[8], d[8], e[8], f[8];

	print(greeting);

	SysInfo_T info;
	memset(&info, 0, sizeof(info));
	if (!read_sysinfo(&info)) {
		print("cr2hello: read_sysinfo failed\n");
		exit(0xff, 1);
	}
	print_field("name", info.system_name, sizeof(info.system_name));
	print_field("version", info.system_version, sizeof(info.system_version));

	struct stamp now;
	memset(&now, 0, sizeof(now));
	now.tag = 0x5a;
	if (!read_rtc(&now.rtc)) {
		print("cr2hello: read_rtc failed\n");
		exit(0xff, 1);
	}
	cr2_print("cr2hello: rtc ", cr2_dec(a, now.rtc.year, 4), "-", cr2_dec(b, now.rtc.month, 2),
		  "-", cr2_dec(c, now.rtc.day, 2), " ", cr2_dec(d, now.rtc.hours, 2), ":",
		  cr2_dec(e, now.rtc.minutes, 2), ":", cr2_dec(f, now.rtc.seconds, 2), "\n", NULL);

	uint64_t t0 = get_ticks();
	sleep_ms(200);
	uint64_t t1 = get_ticks();
	cr2_print("cr2hello: slept ", cr2_dec(a, t1 - t0, 1), " ms\n", NULL);
	print(t1 - t0 >= 200 ? "cr2hello: slept ok\n" : "cr2hello: slept too little\n");

	cr2_print("cr2hello: argc ", cr2_dec(a, (uint64_t)argc, 1), "\n", NULL);
	for (int i = 0; i < argc; i++)
		cr2_print("cr2hello: argv[", cr2_dec(a, (uint64_t)i, 1), "] ", argv[i], "\n", NULL);

	exit(12345, 7); /* the kernel ignores the first argument */
}
