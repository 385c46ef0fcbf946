/* Formatted output to the console, and kernel log levels. */
#ifndef CORE_KPRINTF_H
#define CORE_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/*
 * Conversions: %s %c %d %i %u %x %X %p %o %%, flags '-' '0' '+' ' ',
 * width and precision (numbers or '*'), length modifiers hh h l ll z t j.
 */
/* Format into buf (always NUL-terminated when n > 0); returns the full length. */
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t n, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Format to the console; returns the number of characters written. */
int kvprintf(const char *fmt, va_list ap);
int kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Write a string to the console as is. */
void kputs(const char *s);

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Print a line at `level` with its prefix when the level is enabled. */
void klog(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Messages above `level` are dropped. */
void klog_set_level(enum log_level level);

#define pr_err(...)   klog(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
