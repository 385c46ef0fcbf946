/*
 * User mode on x86_64: what the CPU needs before ring 3 runs (SYSCALL
 * MSRs, the FPU, SMEP/SMAP/UMIP), the user frame, and the user FP/SIMD
 * registers. The entry and exit paths are in trap.S, the TSS and the
 * per-CPU area in gdt.c.
 */
#include <stdint.h>

#include "arch/hal/user.h"
#include "core/kprintf.h"
#include "gdt.h"
#include "user.h"
#include "x86.h"

#define RFLAGS_RESERVED (1ull << 1) /* always 1 */
#define RFLAGS_TF	(1ull << 8)
#define RFLAGS_IF	(1ull << 9)
#define RFLAGS_DF	(1ull << 10)
#define RFLAGS_IOPL	(3ull << 12)
#define RFLAGS_NT	(1ull << 14)
#define RFLAGS_AC	(1ull << 18)

/* CPUID leaf 7 (structured extended features). */
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CPUID7_ECX_UMIP (1u << 2)

#define FCW_DEFAULT   0x37f  /* x87: every exception masked, 64-bit precision, round to nearest */
#define MXCSR_DEFAULT 0x1f80 /* SSE: every exception masked, round to nearest */

void x86_syscall_entry(void); /* trap.S */

static uint64_t cr4_protections; /* what x86_64_user_init turned on, for the report */

/*
 * SYSCALL: CS = STAR[47:32], SS = +8. SYSRET: CS = STAR[63:48] + 16,
 * SS = +8, both with RPL 3 (gdt.h keeps the user descriptors in that
 * order). SFMASK clears IF so the entry runs with interrupts off until it
 * is on the kernel stack, TF so no single step lands on the user's stack,
 * DF for C, AC so SMAP holds, NT and IOPL for good measure.
 */
static void syscall_init(void)
{
	wrmsr(MSR_STAR, (uint64_t)(SEL_USER_BASE | 3) << 48 | (uint64_t)SEL_KCODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)x86_syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_AC);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

/* Protections the CPU offers (CPUID leaf 7, when it exists), as CR4 bits. */
static uint64_t cpu_protections(void)
{
	if (cpuid(0, 0).eax < 7)
		return 0;
	struct cpuid r = cpuid(7, 0);
	return (r.ebx & CPUID7_EBX_SMEP ? CR4_SMEP : 0) | (r.ebx & CPUID7_EBX_SMAP ? CR4_SMAP : 0) |
	       (r.ecx & CPUID7_ECX_UMIP ? CR4_UMIP : 0);
}

void x86_64_user_init(void)
{
	/* x87 and SSE for user code: no emulation, no lazy switching (TS), #MF and #XM for errors. */
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE | CR0_AM);
	/*
	 * The kernel never executes or touches user pages (it copies through
	 * the direct map), so SMEP and SMAP can stay on for good: no stac/clac.
	 */
	cr4_protections = cpu_protections();
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | cr4_protections);
	syscall_init();
}

static const char *on_off(uint64_t bit)
{
	return cr4_protections & bit ? "on" : "off (not offered)";
}

void x86_64_user_report(void)
{
	pr_info("x86_64: user mode by SYSCALL, FXSAVE; SMEP %s, SMAP %s, UMIP %s", on_off(CR4_SMEP),
		on_off(CR4_SMAP), on_off(CR4_UMIP));
}

/*
 * The CPU aligns rsp0 down to 16 before pushing a trap frame from ring 3;
 * arch_set_kernel_stack stores it aligned so the syscall entry agrees.
 */
struct trap_frame *arch_user_frame(uintptr_t kstack_top)
{
	return (struct trap_frame *)((kstack_top & ~(uintptr_t)15) - sizeof(struct trap_frame));
}

void arch_user_frame_init(struct trap_frame *tf, uintptr_t pc, uintptr_t sp, uintptr_t arg0,
			  uintptr_t arg1)
{
	*tf = (struct trap_frame){
	    .rdi = arg0,
	    .rsi = arg1,
	    .rip = pc,
	    .cs = SEL_UCODE,
	    .rflags = RFLAGS_RESERVED | RFLAGS_IF,
	    .rsp = sp - 8, /* as if called: the slot of a return address */
	    .ss = SEL_UDATA,
	};
}

void arch_fpu_init(struct fpu_state *fs)
{
	*fs = (struct fpu_state){.fcw = FCW_DEFAULT, .mxcsr = MXCSR_DEFAULT};
}

static bool fpu_trapping; /* CR0.TS is set (one CPU runs the kernel today) */

/* FS base: kept per thread, loaded on every switch (hal_arch/user.h says why). */
void arch_set_thread_pointer(struct trap_frame *tf, uintptr_t *kept, uintptr_t value)
{
	(void)tf;
	*kept = value;
	arch_load_thread_pointer(value);
}

void arch_fpu_allow(bool on)
{
	if (on == !fpu_trapping)
		return;
	if (on)
		__asm__ volatile("clts" ::: "memory");
	else
		write_cr0(read_cr0() | CR0_TS);
	fpu_trapping = !on;
}

/* The 64-bit forms keep the full x87 instruction and operand pointers. */
void arch_fpu_save(struct fpu_state *fs)
{
	if (fpu_trapping)
		__asm__ volatile("clts" ::: "memory");
	__asm__ volatile("fxsave64 %0" : "=m"(*fs));
	if (fpu_trapping)
		write_cr0(read_cr0() | CR0_TS);
}

void arch_fpu_restore(const struct fpu_state *fs)
{
	if (fpu_trapping)
		__asm__ volatile("clts" ::: "memory");
	__asm__ volatile("fxrstor64 %0" : : "m"(*fs));
	if (fpu_trapping)
		write_cr0(read_cr0() | CR0_TS);
}
