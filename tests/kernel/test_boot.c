/*
 * The parsed boot information matches the machine QEMU was started with:
 * ci/boot --test puts the -m and -smp values on the command line as
 * expect.mem (bytes) and expect.cpus. Without them (the shell's `ktest` on a
 * plain boot) the comparisons skip; what needs no help always runs.
 */
#include "core/boot_info.h"
#include "core/kstring.h"
#include "tests/kernel/ktest.h"

KTEST(boot_memory_matches_qemu)
{
	const struct boot_info *bi = ktest_boot_info();
	uint64_t want;

	if (!ktest_expect("mem", &want))
		KTEST_SKIP(KTEST_NO_EXPECT("mem"));
	uint64_t total = boot_ram_total(bi);
	KASSERT_GT_U(want, 0);
	/* Firmware keeps a little (x86 low memory holes, ACPI); never more than 1/64. */
	KASSERT_CMP_(total, <=, want, "%llu", unsigned long long);
	KASSERT_CMP_(total, >=, want - want / 64, "%llu", unsigned long long);
	KASSERT_CMP_(boot_ram_usable(bi), <, total, "%llu", unsigned long long);
}

KTEST(boot_cpus_match_qemu)
{
	const struct boot_info *bi = ktest_boot_info();
	uint64_t want;

	if (!ktest_expect("cpus", &want))
		KTEST_SKIP(KTEST_NO_EXPECT("cpus"));
	KASSERT_EQ(bi->cpu_count, want);
}

KTEST(boot_ranges_are_sane)
{
	const struct boot_info *bi = ktest_boot_info();
	bool kernel = false;

	KASSERT_GT(bi->ram_count, 0);
	for (unsigned i = 1; i < bi->ram_count; i++)
		KASSERT_CMP_(bi->ram[i - 1].base, <=, bi->ram[i].base, "%#llx", unsigned long long);
	for (unsigned i = 0; i < bi->reserved_count; i++)
		kernel |= bi->reserved[i].type == RESERVE_KERNEL;
	KASSERT(kernel);
	KASSERT_NE(bi->console.kind, CONSOLE_NONE);
	KASSERT(bi->loader != NULL);
}

/* Words of the command line match whole: "ktest" is there in a test boot, "kte" never. */
KTEST(boot_cmdline_words_match_whole)
{
	const struct boot_info *bi = ktest_boot_info();

	KASSERT(!boot_cmdline_has(bi, "kte"));
	if (!boot_cmdline_has(bi, "ktest"))
		KTEST_SKIP("no 'ktest' on the command line: not a test boot (ci/boot --test)");
}
