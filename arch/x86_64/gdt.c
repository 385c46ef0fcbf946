/*
 * The GDT and TSS (Intel SDM vol. 3, 3.4.5 and 8.7). In long mode segments
 * are flat and only their type, privilege and L bit matter; the TSS holds
 * the stacks the CPU switches to: IST stacks for faults that must not run
 * on a possibly broken stack (#DF, NMI, #MC), rsp0 for traps from user
 * mode. The TSS sits in the per-CPU area that the kernel's GS base points
 * at, so the syscall entry finds rsp0 through %gs too. One CPU for now:
 * secondaries will each need their own copy of all three.
 */
#include <stddef.h>
#include <stdint.h>

#include "arch/hal/mmu.h"
#include "arch/hal/user.h"
#include "gdt.h"
#include "legacy/legacy.h"
#include "x86.h"

/* Access byte of a descriptor. */
#define SEG_PRESENT  (1u << 7)
#define SEG_DPL(n)   ((uint32_t)(n) << 5)
#define SEG_CODEDATA (1u << 4) /* S: code or data, not a system descriptor */
#define SEG_CODE     0xbu      /* execute/read, accessed (the CPU need not write it) */
#define SEG_DATA     0x3u      /* read/write, accessed */
#define SEG_TSS64    0x9u      /* available 64-bit TSS */
/* Flags nibble (bits 52..55). */
#define SEGF_GRAN (1u << 3) /* limit in 4 KiB units */
#define SEGF_DB	  (1u << 2) /* 32-bit default size (data segments) */
#define SEGF_LONG (1u << 1) /* 64-bit code */

#define IST_STACK_SIZE 8192
#define IST_COUNT      3

enum {
	GDT_NULL,
	GDT_KCODE,
	GDT_KDATA,
	GDT_UCODE32, /* kept null: no 32-bit user code */
	GDT_UDATA,
	GDT_UCODE,
	GDT_TSS_LO,
	GDT_TSS_HI,
	GDT_R1CODE,
	GDT_R1DATA,
	GDT_R2CODE,
	GDT_R2DATA,
	GDT_ENTRIES,
};

_Static_assert(GDT_KCODE * 8 == SEL_KCODE && GDT_KDATA * 8 == SEL_KDATA, "kernel selectors");
_Static_assert(GDT_UCODE32 * 8 == SEL_USER_BASE && (GDT_UDATA * 8 | 3) == SEL_UDATA &&
		   (GDT_UCODE * 8 | 3) == SEL_UCODE,
	       "user selectors in SYSRET order");
_Static_assert(GDT_TSS_LO * 8 == SEL_TSS, "TSS selector");
_Static_assert((GDT_R1CODE * 8 | 1) == SEL_R1CODE && (GDT_R1DATA * 8 | 1) == SEL_R1DATA &&
		   (GDT_R2CODE * 8 | 2) == SEL_R2CODE && (GDT_R2DATA * 8 | 2) == SEL_R2DATA,
	       "ring 1 and 2 selectors");

/* The 64-bit TSS, laid out by the hardware. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3]; /* stack for traps from ring 3 (rsp[0]) */
	uint64_t reserved1;
	uint64_t ist[7]; /* ist[n - 1] is IST slot n */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base; /* past the limit: no I/O permission bitmap */
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS size");
_Static_assert(offsetof(struct tss, ist) == 36, "TSS IST offset");

/*
 * The per-CPU area (gdt.h): %gs:CPU_* in the kernel, found by swapgs on
 * entry from rings 1..3. Two pages: code in rings 1 and 2 runs with the
 * first mapped read-only (the TSS and the page tables to switch to must
 * not be theirs to change) and the second writable.
 */
struct x86_cpu {
	struct tss tss;
	uint64_t kcr3;	  /* on entry from ring 1/2: the full page tables (0: no switch) */
	uint64_t ucr3;	  /* on exit to ring 1/2: its restricted page tables (0: none) */
	uint64_t user_cs; /* the ring 1/2 syscall entry's frame */
	uint64_t user_ss;
	uint8_t pad[PAGE_SIZE - 136];
	uint64_t user_rsp; /* syscall entry: the user rsp until the frame holds it */
	uint8_t pad2[PAGE_SIZE - 8];
};

_Static_assert(offsetof(struct x86_cpu, tss.rsp) == CPU_RSP0, "CPU_RSP0");
_Static_assert(offsetof(struct x86_cpu, kcr3) == CPU_KCR3, "CPU_KCR3");
_Static_assert(offsetof(struct x86_cpu, ucr3) == CPU_UCR3, "CPU_UCR3");
_Static_assert(offsetof(struct x86_cpu, user_cs) == CPU_USER_CS, "CPU_USER_CS");
_Static_assert(offsetof(struct x86_cpu, user_ss) == CPU_USER_SS, "CPU_USER_SS");
_Static_assert(offsetof(struct x86_cpu, user_rsp) == CPU_USER_RSP, "CPU_USER_RSP");
_Static_assert(sizeof(struct x86_cpu) == 2 * PAGE_SIZE, "two pages");

struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Each in pages of its own, so ring 1/2 page tables can map them and nothing else (legacy/ring.c). */
static uint64_t gdt[PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
static struct x86_cpu cpu0 __attribute__((aligned(PAGE_SIZE)));
static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(PAGE_SIZE)));

_Static_assert(GDT_ENTRIES * 8 <= PAGE_SIZE && (IST_COUNT * IST_STACK_SIZE) % PAGE_SIZE == 0,
	       "page-sized GDT and IST stacks");

/* A flat code or data descriptor: base 0, limit 4 GiB (ignored in long mode but conventional). */
static uint64_t seg_desc(uint32_t access, uint32_t flags)
{
	return 0xffffull | (uint64_t)access << 40 | 0xfull << 48 | (uint64_t)flags << 52;
}

/* The two halves of a 16-byte system descriptor for the TSS. */
static void tss_desc(uint64_t *lo, uint64_t *hi, uint64_t base, uint32_t limit)
{
	*lo = (limit & 0xffffull) | (base & 0xffffffull) << 16 |
	      (uint64_t)(SEG_PRESENT | SEG_TSS64) << 40 | ((uint64_t)(limit >> 16) & 0xf) << 48 |
	      ((base >> 24) & 0xff) << 56;
	*hi = base >> 32;
}

static void gdt_fill(void)
{
	gdt[GDT_NULL] = 0;
	gdt[GDT_KCODE] =
	    seg_desc(SEG_PRESENT | SEG_DPL(0) | SEG_CODEDATA | SEG_CODE, SEGF_GRAN | SEGF_LONG);
	gdt[GDT_KDATA] =
	    seg_desc(SEG_PRESENT | SEG_DPL(0) | SEG_CODEDATA | SEG_DATA, SEGF_GRAN | SEGF_DB);
	gdt[GDT_UCODE32] = 0;
	gdt[GDT_UDATA] =
	    seg_desc(SEG_PRESENT | SEG_DPL(3) | SEG_CODEDATA | SEG_DATA, SEGF_GRAN | SEGF_DB);
	gdt[GDT_UCODE] =
	    seg_desc(SEG_PRESENT | SEG_DPL(3) | SEG_CODEDATA | SEG_CODE, SEGF_GRAN | SEGF_LONG);
	tss_desc(&gdt[GDT_TSS_LO], &gdt[GDT_TSS_HI], (uint64_t)(uintptr_t)&cpu0.tss,
		 sizeof(cpu0.tss) - 1);
	gdt[GDT_R1CODE] =
	    seg_desc(SEG_PRESENT | SEG_DPL(1) | SEG_CODEDATA | SEG_CODE, SEGF_GRAN | SEGF_LONG);
	gdt[GDT_R1DATA] =
	    seg_desc(SEG_PRESENT | SEG_DPL(1) | SEG_CODEDATA | SEG_DATA, SEGF_GRAN | SEGF_DB);
	gdt[GDT_R2CODE] =
	    seg_desc(SEG_PRESENT | SEG_DPL(2) | SEG_CODEDATA | SEG_CODE, SEGF_GRAN | SEGF_LONG);
	gdt[GDT_R2DATA] =
	    seg_desc(SEG_PRESENT | SEG_DPL(2) | SEG_CODEDATA | SEG_DATA, SEGF_GRAN | SEGF_DB);
}

static void tss_fill(void)
{
	for (unsigned i = 0; i < IST_COUNT; i++)
		cpu0.tss.ist[i] = (uint64_t)(uintptr_t)(ist_stacks[i] + IST_STACK_SIZE);
	cpu0.tss.iomap_base = sizeof(cpu0.tss);
	cpu0.user_cs = SEL_UCODE;
	cpu0.user_ss = SEL_UDATA;
}

_Static_assert(IST_DOUBLE_FAULT <= IST_COUNT && IST_NMI <= IST_COUNT &&
		   IST_MACHINE_CHECK <= IST_COUNT,
	       "every IST slot has a stack");

void x86_64_gdt_init(void)
{
	struct descriptor_ptr gdtr = {.limit = GDT_ENTRIES * 8 - 1,
				      .base = (uint64_t)(uintptr_t)gdt};

	tss_fill();
	gdt_fill();
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
	/* CS changes only through a far transfer: return to the next line with the new selector. */
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %[ds], %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs"
			 :
			 : [cs] "i"(SEL_KCODE), [ds] "i"(SEL_KDATA)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS) : "memory");
	/*
	 * After the selector loads, which may clear the base: the kernel runs
	 * with GS at the per-CPU area, user code with KERNEL_GS_BASE's 0.
	 */
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)&cpu0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/*
 * Traps from ring 3 push their frame at rsp0 (aligned down to 16 by the
 * CPU); the syscall entry loads it as it is, so store it aligned.
 */
void arch_set_kernel_stack(uintptr_t kstack_top)
{
	cpu0.tss.rsp[0] = kstack_top & ~(uintptr_t)15;
	/* Threads of rings 1 and 2 run on page tables of their own: only while there are some. */
	if (x86_r2_rings_live || cpu0.ucr3)
		x86_r2_ring_switch(kstack_top);
}

void x86_entry_area(struct x86_entry_area *out)
{
	*out = (struct x86_entry_area){
	    .gdt = (uintptr_t)gdt,
	    .cpu_ro = (uintptr_t)&cpu0,
	    .cpu_rw = (uintptr_t)&cpu0 + PAGE_SIZE,
	    .ist = (uintptr_t)ist_stacks,
	    .ist_size = sizeof(ist_stacks),
	};
}

void x86_cpu_set_ring(uint64_t kcr3, uint64_t ucr3, uint64_t cs, uint64_t ss)
{
	cpu0.kcr3 = kcr3;
	cpu0.ucr3 = ucr3;
	cpu0.user_cs = cs;
	cpu0.user_ss = ss;
}
