/*
 * riscv64 registers and the arch's internal hooks: control-register
 * accessors, the bits the port uses, MMIO helpers. Arch code only. The
 * register bits are also for assembly (RV_UL: GAS takes no "ul" suffix).
 */
#ifndef ARCH_RISCV64_RISCV_H
#define ARCH_RISCV64_RISCV_H

#ifdef __ASSEMBLER__
#define RV_UL(x) x
#else
#define RV_UL(x) x##ul
#endif

/* sstatus */
#define SSTATUS_SIE	   (RV_UL(1) << 1)  /* interrupts enabled in S-mode */
#define SSTATUS_SPIE	   (RV_UL(1) << 5)  /* SIE before the trap */
#define SSTATUS_SPP	   (RV_UL(1) << 8)  /* mode before the trap: 1 supervisor, 0 user */
#define SSTATUS_VS_MASK	   (RV_UL(3) << 9)  /* vector unit state: kept Off */
#define SSTATUS_FS_MASK	   (RV_UL(3) << 13) /* FP unit state: Off, Initial, Clean, Dirty */
#define SSTATUS_FS_INITIAL (RV_UL(1) << 13)
#define SSTATUS_FS_CLEAN   (RV_UL(2) << 13)
#define SSTATUS_SUM	   (RV_UL(1) << 18) /* S-mode may access U pages: kept 0 */
#define SSTATUS_MXR	   (RV_UL(1) << 19) /* loads from execute-only pages: kept 0 */

/* Exception codes (privileged spec, table "scause values"). */
#define EXC_INSN_MISALIGNED  0
#define EXC_INSN_ACCESS	     1
#define EXC_ILLEGAL	     2
#define EXC_BREAKPOINT	     3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS	     5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U	     8
#define EXC_ECALL_S	     9
#define EXC_INSN_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

#ifndef __ASSEMBLER__

#include <stdint.h>

#include "arch/hal/mmu.h"

/* Read, write, set bits of, clear bits of a CSR named by its assembler name. */
#define csr_read(csr)                                          \
	({                                                     \
		unsigned long v_;                              \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_)); \
		v_;                                            \
	})
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" : : "rK"(v) : "memory")
#define csr_set(csr, v)	  __asm__ volatile("csrs " #csr ", %0" : : "rK"(v) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" : : "rK"(v) : "memory")

/* sie / sip: the supervisor interrupt sources (interrupt code = bit number). */
#define IRQ_S_SOFT  1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT   9
#define SIE_STIE    (1ul << IRQ_S_TIMER)

/* scause: the top bit tells an interrupt from an exception. */
#define SCAUSE_INTERRUPT (1ul << 63)
#define SCAUSE_CODE(c)	 ((c) & ~SCAUSE_INTERRUPT)

/* satp: translation mode (bits 63:60), ASID (59:44, always 0 here), root PPN (43:0). */
#define SATP_MODE_SV39 (8ul << 60)
#define SATP_MODE_SV48 (9ul << 60)
#define SATP_PPN_MASK  ((1ul << 44) - 1)

/* Page-table entry bits, for the boot tables (pte.c keeps its own copy: it builds on the host). */
#define RISCV_PTE_V	    (1ul << 0)
#define RISCV_PTE_R	    (1ul << 1)
#define RISCV_PTE_W	    (1ul << 2)
#define RISCV_PTE_X	    (1ul << 3)
#define RISCV_PTE_G	    (1ul << 5)
#define RISCV_PTE_A	    (1ul << 6)
#define RISCV_PTE_D	    (1ul << 7)
#define RISCV_PTE_PPN_SHIFT 10

/*
 * sfence.vma with rs1 = rs2 = x0: orders every earlier page-table store
 * before every later implicit access, and drops all cached translations.
 */
static inline void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

/* Where physical address `pa` is seen through the direct map. */
static inline uintptr_t riscv_phys_va(uint64_t pa)
{
	return (uintptr_t)(PHYS_MAP_BASE + pa);
}

/* Device registers: order against earlier memory accesses, then access once. */
static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	__asm__ volatile("fence w, o" : : : "memory");
	*(volatile uint32_t *)addr = v;
}

static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
	__asm__ volatile("fence w, o" : : : "memory");
	*(volatile uint8_t *)addr = v;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
	uint32_t v = *(volatile uint32_t *)addr;
	__asm__ volatile("fence i, r" : : : "memory");
	return v;
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
	uint8_t v = *(volatile uint8_t *)addr;
	__asm__ volatile("fence i, r" : : : "memory");
	return v;
}

struct boot_info;
struct trap_frame;

/* Boot-time hooks, called by boot_main() before kmain(). */
/* Remember the exit device of the device tree for arch_power_off() (power.c). */
void riscv_power_setup(const struct boot_info *bi);
/* Set the rate of the time CSR, from /cpus timebase-frequency (cpu.c). */
void riscv_counter_setup(uint64_t hz);
/* The supervisor timer interrupt: acknowledge it, then run trap_timer() (timer.c). */
void riscv_timer_interrupt(struct trap_frame *tf);
/* The supervisor external interrupt: claim, handle and complete at the PLIC (irq.c). */
void riscv_external_interrupt(struct trap_frame *tf);
/*
 * What every return to U-mode keeps of the frame's sstatus: all bits while
 * user FP is allowed, all but FS (so Off) while not (arch_fpu_allow, trap.S).
 */
extern unsigned long riscv_user_sstatus_mask;
/* The kernel stack of the user thread switched to last (arch_set_kernel_stack, trap.S). */
extern uintptr_t riscv_user_kstack_top;
/* Fill the boot page tables with the MMU off; returns the root's physical address (boot_pt.c). */
uint64_t boot_pt_build(uint64_t pa, uintptr_t va);
/* Once running high: drop the boot identity map, move to Sv48 when offered (boot_pt.c). */
void riscv_boot_pt_finish(uint64_t kernel_phys);
/* Record where the image lies and how many levels the MMU walks (mmu.c). */
void riscv_mmu_setup(uint64_t kernel_phys, unsigned levels);
/* The physical address of a kernel-image object (for SBI calls that take one) (mmu.c). */
uint64_t riscv_kernel_pa(const volatile void *p);

#endif /* !__ASSEMBLER__ */

#endif
