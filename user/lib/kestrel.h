/*
 * The user-space runtime: system call wrappers over the one portable ABI
 * (include/abi/syscall.h; the registers are in syscall_arch.h per arch)
 * and a small freestanding libc: string functions, printf to the debug
 * console, getenv. Every wrapper returns the call's tag: 0 or an E_* code.
 */
#ifndef USER_KESTREL_H
#define USER_KESTREL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "include/abi/cap.h"
#include "include/abi/error.h"
#include "include/abi/syscall.h"
#include "syscall_arch.h"

/* Any call by number: up to seven arguments, results in r[0..6] when r is not NULL. */
static inline long sys(unsigned long nr, uintptr_t a0, uintptr_t a1, uintptr_t a2, uintptr_t a3,
		       uintptr_t a4, uintptr_t a5, uintptr_t a6, uintptr_t *r)
{
	const uintptr_t a[7] = {a0, a1, a2, a3, a4, a5, a6};
	uintptr_t unused[7];
	/* Inlined, the stores to results nobody reads disappear. */
	return sys_raw(nr, a, r ? r : unused);
}

#define SYS0(nr, r)	     sys(nr, 0, 0, 0, 0, 0, 0, 0, r)
#define SYS1(nr, a, r)	     sys(nr, (uintptr_t)(a), 0, 0, 0, 0, 0, 0, r)
#define SYS2(nr, a, b, r)    sys(nr, (uintptr_t)(a), (uintptr_t)(b), 0, 0, 0, 0, 0, r)
#define SYS3(nr, a, b, c, r) sys(nr, (uintptr_t)(a), (uintptr_t)(b), (uintptr_t)(c), 0, 0, 0, 0, r)

static inline _Noreturn void sys_exit(int code)
{
	SYS1(SYS_EXIT, code, NULL);
	__builtin_unreachable();
}

static inline long sys_write(int fd, const void *buf, size_t len)
{
	return SYS3(SYS_WRITE, fd, buf, len, NULL);
}

/* Map len bytes of zeroed memory (addr 0: anywhere); its address and a memory capability. */
static inline long sys_mmap(void *addr, size_t len, unsigned prot, void **out, uint64_t *cap)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_MMAP, addr, len, prot, r);
	if (!tag) {
		*out = (void *)r[0];
		if (cap)
			*cap = r[1];
	}
	return tag;
}

static inline long sys_munmap(void *addr, size_t len)
{
	return SYS2(SYS_MUNMAP, addr, len, NULL);
}

static inline long sys_process_create(const struct process_spec *spec, uint64_t *pid, uint64_t *cap)
{
	uintptr_t r[7];
	long tag = SYS1(SYS_PROCESS_CREATE, spec, r);
	if (!tag) {
		*pid = r[0];
		*cap = r[1];
	}
	return tag;
}

static inline long sys_process_start(uint64_t cap)
{
	return SYS1(SYS_PROCESS_START, cap, NULL);
}

static inline long sys_process_wait(uint64_t cap, uint64_t timeout_ns,
				    struct process_exit_info *info)
{
	return SYS3(SYS_PROCESS_WAIT, cap, timeout_ns, info, NULL);
}

static inline long sys_process_terminate(uint64_t cap, int code)
{
	return SYS2(SYS_PROCESS_TERMINATE, cap, code, NULL);
}

static inline long sys_thread_create(void (*entry)(uintptr_t), void *stack, size_t size,
				     uintptr_t arg, unsigned priority, uint64_t *tid, uint64_t *cap)
{
	uintptr_t r[7];
	long tag = sys(SYS_THREAD_CREATE, (uintptr_t)entry, (uintptr_t)stack, size, arg, priority,
		       0, 0, r);
	if (!tag) {
		*tid = r[0];
		*cap = r[1];
	}
	return tag;
}

static inline _Noreturn void sys_thread_exit(int code)
{
	SYS1(SYS_THREAD_EXIT, code, NULL);
	__builtin_unreachable();
}

static inline long sys_thread_join(uint64_t cap, uint64_t timeout_ns, int *code)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_THREAD_JOIN, cap, timeout_ns, r);
	if (!tag)
		*code = (int)r[0];
	return tag;
}

static inline long sys_thread_info(uint64_t cap, struct thread_info *info)
{
	return SYS2(SYS_THREAD_INFO, cap, info, NULL);
}

/* The calling thread's thread pointer (TLS): FS base on x86_64, TPIDR_EL0, tp. */
static inline long sys_thread_set_pointer(const void *p)
{
	return SYS1(SYS_THREAD_SET_POINTER, p, NULL);
}

static inline uint64_t sys_thread_self(void)
{
	uintptr_t r[7];
	SYS0(SYS_THREAD_SELF, r);
	return r[0];
}

static inline long sys_cap_create(unsigned type, uint64_t object, uint32_t rights, uint64_t *token)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_CAPABILITY_CREATE, type, object, rights, r);
	if (!tag)
		*token = r[0];
	return tag;
}

static inline long sys_cap_derive(uint64_t token, uint32_t rights, uint64_t *child)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_CAPABILITY_DERIVE, token, rights, r);
	if (!tag)
		*child = r[0];
	return tag;
}

static inline long sys_cap_revoke(uint64_t token)
{
	return SYS1(SYS_CAPABILITY_REVOKE, token, NULL);
}

/* Validate a token for `rights`; what it names in type/object/held (any may be NULL). */
static inline long sys_cap_validate(uint64_t token, uint32_t rights, unsigned *type,
				    uint64_t *object, uint32_t *held)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_CAPABILITY_VALIDATE, token, rights, r);
	if (!tag) {
		if (type)
			*type = (unsigned)r[0];
		if (object)
			*object = r[1];
		if (held)
			*held = (uint32_t)r[2];
	}
	return tag;
}

/* The extent of the object a capability names (hardware ranges: include/abi/hw.h; else 0). */
static inline long sys_cap_extent(uint64_t token, uint64_t *extent)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_CAPABILITY_VALIDATE, token, 0, r);
	if (!tag)
		*extent = r[3];
	return tag;
}

static inline long sys_yield(void)
{
	return SYS0(SYS_YIELD, NULL);
}

static inline long sys_set_priority(uint64_t thread_cap, unsigned priority)
{
	return SYS2(SYS_SET_PRIORITY, thread_cap, priority, NULL);
}

static inline long sys_set_affinity(uint64_t thread_cap, uint32_t cpus)
{
	return SYS2(SYS_SET_AFFINITY, thread_cap, cpus, NULL);
}

static inline long sys_sleep(uint64_t ns)
{
	return SYS1(SYS_SLEEP, ns, NULL);
}

static inline uint64_t sys_clock(void)
{
	uintptr_t r[7];
	SYS0(SYS_CLOCK, r);
	return r[0];
}

/* Nanoseconds since 1970-01-01 00:00 UTC; E_NOT_SUPPORTED without a real-time clock. */
static inline long sys_clock_realtime(uint64_t *ns)
{
	uintptr_t r[7];
	long tag = SYS1(SYS_CLOCK, CLOCK_REALTIME, r);
	*ns = tag ? 0 : r[0];
	return tag;
}

/* A shared region of size bytes (prot PROT_READ | PROT_WRITE): its id and a capability. */
static inline long sys_shared_region_create(size_t size, unsigned prot, uint64_t *id, uint64_t *cap)
{
	uintptr_t r[7];
	long tag = SYS2(SYS_SHARED_REGION_CREATE, size, prot, r);
	if (!tag) {
		if (id)
			*id = r[0];
		*cap = r[1];
	}
	return tag;
}

/* Map a shared region into the caller at addr (NULL: anywhere); prot 0: as the capability allows. */
static inline long sys_shared_region_map(uint64_t cap, void *addr, unsigned prot, void **out)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_SHARED_REGION_MAP, cap, addr, prot, r);
	if (!tag)
		*out = (void *)r[0];
	return tag;
}

/* Transfer a region to the process `process_cap` names (mode SHM_*): the target's token. */
static inline long sys_shared_region_transfer(uint64_t cap, uint64_t process_cap, unsigned mode,
					      uint64_t *token)
{
	uintptr_t r[7];
	long tag = SYS3(SYS_SHARED_REGION_TRANSFER, cap, process_cap, mode, r);
	if (!tag)
		*token = r[0];
	return tag;
}

static inline long sys_kernel_metrics(struct kernel_metrics *m)
{
	return SYS1(SYS_KERNEL_METRICS, m, NULL);
}

static inline long sys_debug_print(const char *s, size_t len)
{
	return SYS2(SYS_DEBUG_PRINT, s, len, NULL);
}

static inline long sys_dump_process(uint64_t pid)
{
	return SYS1(SYS_DEBUG_DUMP_PROCESS, pid, NULL);
}

static inline long sys_dump_memory(void)
{
	return SYS0(SYS_DEBUG_DUMP_MEMORY, NULL);
}

static inline long sys_dump_ipc(void)
{
	return SYS0(SYS_DEBUG_DUMP_IPC, NULL);
}

static inline long sys_trace(int on)
{
	return SYS1(SYS_DEBUG_TRACE, on, NULL);
}

/* libc subset. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int puts(const char *s);
/* Write what printf has buffered to the console. */
void flush(void);
/* The value of environment variable `name`, or NULL. */
const char *getenv(const char *name);
/* The number at the start of `s` (decimal, or hex after 0x), and where it ended. */
unsigned long strtoul(const char *s, char **end, int base);
/* Capability n of those the process was created with (KESTREL_CAPS, in order), or 0. */
uint64_t kestrel_given_cap(unsigned n);

extern char **environ;

#endif
