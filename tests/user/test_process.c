/*
 * Processes from user mode: create from an ELF image, start, wait with
 * ProcessExitInfo, terminate; faults end only the faulting process, with
 * the right exit reason.
 */
#include "utest.h"

#define KERNEL_ADDR 0xffffffff80000000ul

UCHILD(exit42)
{
	return 42;
}

UCHILD(spin)
{
	static volatile int forever = 1;
	while (forever)
		;
	return 0;
}

UCHILD(read_kernel)
{
	return *(volatile int *)KERNEL_ADDR;
}

UCHILD(write_text)
{
	*(volatile int *)0x400000 = 1; /* our own code is read-only */
	return 0;
}

static unsigned char data_code[16]; /* in .bss: never executable */

UCHILD(exec_data)
{
	((void (*)(void))(uintptr_t)data_code)();
	return 0;
}

UCHILD(jump_null)
{
	void (*volatile fn)(void) = NULL;
	fn();
	return 0;
}

UCHILD(illegal)
{
#if defined(__x86_64__)
	__asm__ volatile("ud2");
#elif defined(__aarch64__)
	__asm__ volatile("udf #0");
#else
	__asm__ volatile("unimp");
#endif
	return 0;
}

UCHILD(privileged)
{
#if defined(__x86_64__)
	__asm__ volatile("cli");
#elif defined(__aarch64__)
	__asm__ volatile("msr daifset, #2");
#else
	__asm__ volatile("csrci sstatus, 2");
#endif
	return 0;
}

UCHILD(misaligned)
{
#if defined(__x86_64__)
	/* x86 checks alignment in user mode only with RFLAGS.AC (and CR0.AM) set. */
	static volatile uint64_t words[2];
	__asm__ volatile("pushfq; orq $0x40000, (%%rsp); popfq" ::: "memory", "cc");
	return (int)*(volatile uint64_t *)((volatile char *)words + 1);
#elif defined(__aarch64__)
	/* A jump to an address no instruction can start at. */
	void (*volatile fn)(void) = (void (*)(void))(uintptr_t)(0x400000 + 1);
	fn();
	return 0;
#else
	/* Loads may be misaligned on RISC-V (and jalr drops bit 0); atomics may not. */
	static volatile uint64_t words[2];
	int old;
	__asm__ volatile("amoadd.w %0, %2, (%1)"
			 : "=r"(old)
			 : "r"((volatile char *)words + 1), "r"(1)
			 : "memory");
	return old;
#endif
}

UTEST(exit_code_and_usage)
{
	struct process_exit_info info;
	UASSERT_EQ(utest_spawn("exit42", NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 42);
	UASSERT_EQ(info.exit_reason, EXIT_NORMAL);
	UASSERT(info.process_id != 0);
	UASSERT(info.usage.syscalls >= 1); /* its exit at least */
	UASSERT_EQ(info.usage.threads, 1);
	UASSERT(info.usage.memory_peak >= 0x10000); /* its stack */
	return 0;
}

static int expect_fault(const char *name, uint32_t reason)
{
	struct process_exit_info info;
	UASSERT_EQ(utest_spawn(name, NULL, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, reason);
	UASSERT_EQ(info.exit_code, -1);
	return 0;
}

UTEST(read_kernel_memory_is_killed)
{
	return expect_fault("read_kernel", EXIT_PAGE_FAULT);
}

UTEST(write_to_code_is_killed)
{
	return expect_fault("write_text", EXIT_PAGE_FAULT);
}

UTEST(execute_data_is_killed)
{
	return expect_fault("exec_data", EXIT_PAGE_FAULT);
}

UTEST(jump_to_null_is_killed)
{
	return expect_fault("jump_null", EXIT_PAGE_FAULT);
}

UTEST(illegal_instruction_is_killed)
{
	return expect_fault("illegal", EXIT_ILLEGAL);
}

UTEST(privileged_instruction_is_killed)
{
	struct process_exit_info info;
	UASSERT_EQ(utest_spawn("privileged", NULL, 0, &info), E_OK);
	/* #GP on x86_64, a trapped system register access on AArch64: "illegal" or "fault". */
	UASSERT(info.exit_reason == EXIT_ILLEGAL || info.exit_reason == EXIT_FAULT);
	UASSERT_EQ(info.exit_code, -1);
	return 0;
}

UTEST(misaligned_access_is_killed)
{
#if defined(__x86_64__)
	/* QEMU's TCG does not model #AC: the access goes through and the child ends normally. */
	struct process_exit_info info;
	UASSERT_EQ(utest_spawn("misaligned", NULL, 0, &info), E_OK);
	UASSERT(info.exit_reason == EXIT_ALIGNMENT || info.exit_reason == EXIT_NORMAL);
	return 0;
#else
	return expect_fault("misaligned", EXIT_ALIGNMENT);
#endif
}

UTEST(spinning_process_is_preempted_and_terminated)
{
	uint64_t cap;
	struct process_exit_info info;
	/* Same priority as ours: only the tick can take the CPU back from it. */
	UASSERT_EQ(utest_start("spin", NULL, 0, &cap), E_OK);
	uint64_t t0 = sys_clock();
	unsigned rounds = 0;
	do { /* the CPU back at least once, for 50 ms of the clock */
		sys_yield();
		rounds++;
	} while (sys_clock() - t0 < 50000000);
	UASSERT(rounds > 0);
	UASSERT_EQ(sys_process_wait(cap, 20000000, &info), E_TIMEOUT); /* still spinning */
	UASSERT_EQ(sys_process_terminate(cap, 7), E_OK);
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_OK);
	UASSERT_EQ(info.exit_reason, EXIT_TERMINATED);
	UASSERT_EQ(info.exit_code, 7);
	UASSERT(info.usage.cpu_time_ns > 0); /* it ran */
	/* Gone: the capability names nothing now. */
	UASSERT_EQ(sys_process_wait(cap, 0, &info), E_NOT_FOUND);
	return 0;
}

UTEST(malformed_images_and_specs)
{
	static const unsigned char junk[256] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	static const char args[] = "junk";
	struct process_spec spec = {
	    .image = junk, .image_size = sizeof(junk), .args = args, .args_size = sizeof(args)};
	uint64_t pid, cap;
	UASSERT_EQ(sys_process_create(&spec, &pid, &cap), E_INVALID_PARAMETER);
	spec.image_size = 0;
	UASSERT_EQ(sys_process_create(&spec, &pid, &cap), E_INVALID_PARAMETER);
	spec.image = (void *)KERNEL_ADDR;
	spec.image_size = 4096;
	UASSERT_EQ(sys_process_create(&spec, &pid, &cap), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_process_create((void *)KERNEL_ADDR, &pid, &cap), E_MEM_BAD_ADDRESS);
	/* Arguments must be NUL-terminated strings. */
	spec.image = junk;
	spec.image_size = sizeof(junk);
	spec.args_size = 4;
	UASSERT(sys_process_create(&spec, &pid, &cap) != E_OK);
	return 0;
}

UTEST(wait_needs_the_right_rights)
{
	uint64_t cap, read_only;
	struct process_exit_info info;
	UASSERT_EQ(utest_start("exit42", NULL, 0, &cap), E_OK);
	UASSERT_EQ(sys_cap_derive(cap, RIGHT_READ, &read_only), E_OK);
	UASSERT_EQ(sys_process_terminate(read_only, 1), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_process_start(read_only), E_PERMISSION_DENIED);
	UASSERT_EQ(sys_process_wait(read_only, 0, (void *)KERNEL_ADDR), E_MEM_BAD_ADDRESS);
	UASSERT_EQ(sys_process_wait(read_only, 0, &info), E_OK);
	UASSERT_EQ(info.exit_code, 42);
	UASSERT_EQ(sys_process_wait(0x1234567812345678ull, 0, &info), E_INVALID_CAPABILITY);
	return 0;
}

/* Several children at once, of every kind, waited in another order than they started. */
UTEST(many_children_at_once)
{
	static const char *const kinds[] = {"exit42", "read_kernel", "spin", "illegal",
					    "exit42", "exec_data",   "spin", "exit42"};
	enum { N = sizeof(kinds) / sizeof(kinds[0]) };
	uint64_t caps[N];
	struct process_exit_info info;
	for (unsigned i = 0; i < N; i++)
		UASSERT_EQ(utest_start(kinds[i], NULL, 0, &caps[i]), E_OK);
	sys_sleep(20000000); /* let them all run a little */
	for (unsigned i = N; i-- > 0;) {
		if (!strcmp(kinds[i], "spin"))
			UASSERT_EQ(sys_process_terminate(caps[i], 3), E_OK);
		UASSERT_EQ(sys_process_wait(caps[i], 0, &info), E_OK);
		uint32_t want = !strcmp(kinds[i], "exit42")    ? EXIT_NORMAL
				: !strcmp(kinds[i], "spin")    ? EXIT_TERMINATED
				: !strcmp(kinds[i], "illegal") ? EXIT_ILLEGAL
							       : EXIT_PAGE_FAULT;
		UASSERT_EQ(info.exit_reason, want);
	}
	return 0;
}
