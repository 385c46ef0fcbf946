/* System calls from user mode: results, errors for bad numbers, arguments and pointers. */
#include "utest.h"

#define KERNEL_ADDR 0xffffffff80000000ul /* the kernel image on every arch */
#define UNMAPPED    0x30000000ul	 /* nothing maps it in init */

UTEST(write_and_bad_pointers)
{
	static const char msg[] = "  (user write)\n";
	uintptr_t r[7];
	UASSERT_EQ(SYS3(SYS_WRITE, 1, msg, sizeof(msg) - 1, r), E_OK);
	UASSERT_EQ(r[0], sizeof(msg) - 1);
	UASSERT_EQ(sys_write(7, msg, 1), E_INVALID_CAPABILITY); /* not a file capability */
	UASSERT_EQ(sys_write(1, NULL, 4), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_write(1, (void *)KERNEL_ADDR, 16), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_write(1, (void *)UNMAPPED, 16), E_MEM_BAD_ADDRESS);
	/* A buffer that runs off the end of mapped memory. */
	UASSERT_EQ(sys_write(1, msg, 1ul << 40), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_debug_print((void *)KERNEL_ADDR, 8), E_MEM_BAD_ADDRESS);
	return 0;
}

UTEST(unknown_and_unimplemented_numbers)
{
	UASSERT_EQ(SYS0(0, NULL), E_NOT_IMPLEMENTED);
	UASSERT_EQ(SYS0(255, NULL), E_NOT_IMPLEMENTED);
	UASSERT_EQ(SYS0(100000, NULL), E_NOT_IMPLEMENTED);
	UASSERT_EQ(SYS0(SYS_READ, NULL), E_NOT_IMPLEMENTED);
	UASSERT_EQ(SYS0(18, NULL), E_NOT_IMPLEMENTED); /* a hole in the IPC range */
	UASSERT_EQ(SYS0(SYS_IPC_CALL, NULL), E_INVALID_CAPABILITY);
	return 0;
}

UTEST(registers_survive_a_syscall)
{
	/* Results go where the ABI says; the arguments we did not use come back as results. */
	uintptr_t r[7];
	long tag = sys(SYS_THREAD_SELF, 11, 22, 33, 44, 55, 66, 77, r);
	UASSERT_EQ(tag, E_OK);
	UASSERT(r[0] != 0);
	UASSERT_EQ(r[0], sys_thread_self());
	return 0;
}

UTEST(mmap_munmap)
{
	void *p;
	uint64_t cap;
	UASSERT_EQ(sys_mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, &p, &cap), E_OK);
	UASSERT(p != NULL);
	unsigned char *b = p;
	for (unsigned i = 0; i < 3 * 4096; i++)
		UASSERT_EQ(b[i], 0); /* fresh memory is zero */
	memset(b, 0x5a, 3 * 4096);
	UASSERT_EQ(b[3 * 4096 - 1], 0x5a);
	unsigned type;
	uint64_t object;
	UASSERT_EQ(sys_cap_validate(cap, RIGHT_READ | RIGHT_WRITE, &type, &object, NULL), E_OK);
	UASSERT_EQ(type, OBJ_MEMORY);
	UASSERT_EQ(object, (uintptr_t)p);
	/* The middle page goes, the ends stay. */
	UASSERT_EQ(sys_munmap(b + 4096, 4096), E_OK);
	UASSERT_EQ(b[0], 0x5a);
	UASSERT_EQ(b[2 * 4096], 0x5a);
	UASSERT_EQ(sys_write(1, b + 4096, 1), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_munmap(b + 4096, 4096), E_MEM_NOT_MAPPED);
	UASSERT_EQ(sys_munmap(b, 4096), E_OK);
	UASSERT_EQ(sys_munmap(b + 2 * 4096, 4096), E_OK);
	/* Never writable and executable; no zero length; nothing over an existing mapping. */
	UASSERT_EQ(sys_mmap(NULL, 4096, PROT_WRITE | PROT_EXEC, &p, NULL), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_mmap(NULL, 0, PROT_READ, &p, NULL), E_INVALID_PARAMETER);
	UASSERT_EQ(sys_mmap((void *)0x400000, 4096, PROT_READ, &p, NULL), E_MEM_ALREADY_MAPPED);
	UASSERT_EQ(sys_mmap((void *)KERNEL_ADDR, 4096, PROT_READ, &p, NULL), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_mmap((void *)0x1000, 4096, PROT_READ, &p, NULL), E_MEM_BAD_ADDRESS);
	return 0;
}

UTEST(clock_and_sleep)
{
	uint64_t t0 = sys_clock();
	UASSERT_EQ(sys_sleep(30000000), E_OK); /* 30 ms */
	uint64_t t1 = sys_clock();
	UASSERT(t1 - t0 >= 30000000);	/* never early; how late is the host's business */
	UASSERT_EQ(sys_sleep(0), E_OK); /* a yield */
	return 0;
}

UTEST(metrics_and_debug)
{
	struct kernel_metrics a, b;
	UASSERT_EQ(sys_kernel_metrics(&a), E_OK);
	sys_yield();
	UASSERT_EQ(sys_kernel_metrics(&b), E_OK);
	UASSERT(b.syscalls_processed >= a.syscalls_processed + 2);
	UASSERT(a.context_switches > 0);
	UASSERT(a.interrupts_handled > 0);
	UASSERT(a.memory_allocations > 0);
	UASSERT(a.average_syscall_latency_ns > 0);
	UASSERT_EQ(sys_kernel_metrics((void *)KERNEL_ADDR), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_kernel_metrics((void *)0x400000), E_MEM_BAD_ADDRESS); /* read-only text */
	UASSERT_EQ(sys_dump_process(0), E_OK);
	UASSERT_EQ(sys_dump_process(1u << 30), E_NOT_FOUND);
	UASSERT_EQ(sys_dump_memory(), E_OK);
	UASSERT_EQ(sys_dump_ipc(), E_OK);
	UASSERT_EQ(sys_trace(1), E_OK);
	sys_thread_self();
	UASSERT_EQ(sys_trace(0), E_OK);
	return 0;
}
