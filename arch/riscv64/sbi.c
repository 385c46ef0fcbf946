/* The SBI calls the kernel makes: probing, the debug console, shutdown. */
#include "sbi.h"
#include "riscv.h"

struct sbi_ret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
			unsigned long a2)
{
	register unsigned long r_a0 __asm__("a0") = a0;
	register unsigned long r_a1 __asm__("a1") = a1;
	register unsigned long r_a2 __asm__("a2") = a2;
	register unsigned long r_a6 __asm__("a6") = fid;
	register unsigned long r_a7 __asm__("a7") = ext;

	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbi_ret){.error = (long)r_a0, .value = (long)r_a1};
}

/* The legacy extensions (v0.1) return their result in a0 and take no function id. */
static long sbi_legacy_call(unsigned long ext, unsigned long a0)
{
	return sbi_call(ext, 0, a0, 0, 0).error;
}

bool sbi_probe(unsigned long ext)
{
	struct sbi_ret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, ext, 0, 0);
	return r.error == 0 && r.value != 0;
}

/* Probed once, on the first console call: 0 unknown, 1 DBCN, 2 legacy. */
static int console_mode;

static bool console_has_dbcn(void)
{
	if (console_mode == 0)
		console_mode = sbi_probe(SBI_EXT_DBCN) ? 1 : 2;
	return console_mode == 1;
}

void sbi_console_putc(char c)
{
	if (console_has_dbcn())
		sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE, (unsigned char)c, 0, 0);
	else
		sbi_legacy_call(SBI_EXT_LEGACY_PUTCHAR, (unsigned char)c);
}

int sbi_console_getc(void)
{
	if (console_has_dbcn()) {
		/* DBCN reads into memory by physical address (a0 = bytes, a1/a2 = address lo/hi). */
		static volatile unsigned char c;
		struct sbi_ret r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, 1, riscv_kernel_pa(&c), 0);
		return r.error == 0 && r.value == 1 ? c : -1;
	}
	long r = sbi_legacy_call(SBI_EXT_LEGACY_GETCHAR, 0);
	return r < 0 ? -1 : (int)(r & 0xff);
}

void sbi_shutdown(bool failure)
{
	sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_SHUTDOWN,
		 failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE, 0);
	sbi_legacy_call(SBI_EXT_LEGACY_SHUTDOWN, 0);
}
