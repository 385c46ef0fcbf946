/*
 * Calls into the Supervisor Binary Interface (OpenSBI): ecall with the
 * extension id in a7, the function id in a6, arguments in a0-a5; the
 * error comes back in a0, the value in a1 (SBI spec v1.0, chapter 3).
 */
#ifndef ARCH_RISCV64_SBI_H
#define ARCH_RISCV64_SBI_H

#include <stdbool.h>

#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR	 0x01
#define SBI_EXT_LEGACY_GETCHAR	 0x02
#define SBI_EXT_LEGACY_SHUTDOWN	 0x08
#define SBI_EXT_BASE		 0x10
#define SBI_EXT_TIME		 0x54494d45 /* "TIME": timer */
#define SBI_EXT_SRST		 0x53525354 /* "SRST": system reset */
#define SBI_EXT_DBCN		 0x4442434e /* "DBCN": debug console */

#define SBI_BASE_PROBE_EXTENSION 3
#define SBI_TIME_SET_TIMER	 0
#define SBI_DBCN_WRITE		 0
#define SBI_DBCN_READ		 1
#define SBI_DBCN_WRITE_BYTE	 2
#define SBI_SRST_RESET		 0

#define SBI_SRST_SHUTDOWN	0 /* reset type */
#define SBI_SRST_REASON_NONE	0
#define SBI_SRST_REASON_FAILURE 1

struct sbi_ret {
	long error; /* 0 on success, a negative SBI error code otherwise */
	long value;
};

/* One SBI call with up to three arguments. */
struct sbi_ret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
			unsigned long a2);
/* True when the firmware implements extension `ext`. */
bool sbi_probe(unsigned long ext);
/* Write one character on the SBI console (DBCN when present, else legacy putchar). */
void sbi_console_putc(char c);
/* Read one character from the SBI console without blocking; -1 when none. */
int sbi_console_getc(void);
/* Shut the machine down through SRST, then the legacy call; returns when neither works. */
void sbi_shutdown(bool failure);

#endif
