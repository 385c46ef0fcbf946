/*
 * AArch64 system register fields this port uses (Arm ARM, DDI 0487), in a
 * form both C and the assembly can read, and accessors for C.
 */
#ifndef AARCH64_SYSREG_H
#define AARCH64_SYSREG_H

#ifdef __ASSEMBLER__
#define UL(x) x
#else
#define UL(x) x##ul
#endif

/* CurrentEL: the exception level in bits [3:2]. */
#define CURRENTEL_EL1 UL(0x4)
#define CURRENTEL_EL2 UL(0x8)

/* MPIDR_EL1 affinity fields Aff3 [39:32] and Aff2..Aff0 [23:0]; MT and U are not an id. */
#define MPIDR_AFF_LOW UL(0xffffff)
#define MPIDR_AFF3    UL(0xff00000000)

/*
 * SCTLR_EL1 at boot: MMU and data cache off, instruction cache on, stack
 * alignment checked at EL1 and EL0, little endian. Alignment checks on:
 * with the MMU off every data access is to Device memory, where a real CPU
 * faults on misaligned accesses but QEMU does not model it; with A set,
 * QEMU faults too. The ARMv8.0 RES1 bits (EOS, TSCXT, EIS, SPAN, nTLSMD,
 * LSMAOE) keep their ARMv8.0 behaviour on later CPUs such as -cpu max,
 * except SPAN: user.c clears it where PAN exists.
 */
#define SCTLR_A	  (UL(1) << 1)
#define SCTLR_SA  (UL(1) << 3)
#define SCTLR_SA0 (UL(1) << 4)
#define SCTLR_I	  (UL(1) << 12)
#define SCTLR_EL1_RES1                                                                   \
	((UL(1) << 11) | (UL(1) << 20) | (UL(1) << 22) | (UL(1) << 23) | (UL(1) << 28) | \
	 (UL(1) << 29))
#define SCTLR_EL1_BOOT (SCTLR_EL1_RES1 | SCTLR_I | SCTLR_A | SCTLR_SA | SCTLR_SA0)
/* SCTLR_EL1.SPAN: 0 sets PSTATE.PAN on every exception taken to EL1 (RES1 before ARMv8.1). */
#define SCTLR_SPAN (UL(1) << 23)
/* ID_AA64MMFR1_EL1.PAN [23:20]: nonzero when PSTATE.PAN exists. */
#define MMFR1_PAN_SHIFT 20
#define MMFR1_PAN_MASK	UL(0xf)
/*
 * CPACR_EL1.FPEN [21:20]: 0b01 traps FP/SIMD at EL0 only (EC 0x07, to
 * EL1), 0b11 at neither EL0 nor EL1. Every other field stays 0 (SVE and
 * SME trapped): user.c writes the whole register with one of the two.
 */
#define CPACR_FPEN_EL1 (UL(1) << 20)
#define CPACR_FPEN_ALL (UL(3) << 20)
/*
 * SCTLR_EL1 once boot.S has built its tables: MMU (M) and data cache (C)
 * on, alignment checks off (Normal memory allows unaligned accesses; Device
 * memory still faults on them). WXN stays off: every mapping says itself
 * whether it may execute (pte.c).
 */
#define SCTLR_M		 (UL(1) << 0)
#define SCTLR_C		 (UL(1) << 2)
#define SCTLR_EL1_MMU_ON (SCTLR_EL1_RES1 | SCTLR_I | SCTLR_C | SCTLR_M | SCTLR_SA | SCTLR_SA0)

/*
 * MAIR_EL1, one attribute byte per AttrIndx (pte.c uses the indices):
 * 0 Normal write-back RW-allocate, 1 Device-nGnRE, 2 Normal non-cacheable,
 * 3 Normal write-through RW-allocate, 4 Device-nGnRnE.
 */
#define MAIR_EL1_VALUE UL(0x00bb4404ff)

/*
 * TCR_EL1: a 47-bit lower half (T0SZ = 17: exactly [0, USER_TOP), root
 * entries 0-255 of TTBR0's root, so the kernel's entries 256-511 of a
 * user root are never used) and a 48-bit upper half (T1SZ = 16, TTBR1,
 * always the kernel's root), 4 KiB granules,
 * table walks inner/outer write-back write-allocate cacheable and inner
 * shareable, ASID 0 from TTBR0 (8 bits). IPS is filled in from
 * ID_AA64MMFR0_EL1.PARange at boot, capped at 48 bits.
 */
#define TCR_T0SZ(n)    (UL(n) << 0)
#define TCR_IRGN0_WBWA (UL(1) << 8)
#define TCR_ORGN0_WBWA (UL(1) << 10)
#define TCR_SH0_INNER  (UL(3) << 12)
#define TCR_TG0_4K     (UL(0) << 14)
#define TCR_T1SZ(n)    (UL(n) << 16)
#define TCR_IRGN1_WBWA (UL(1) << 24)
#define TCR_ORGN1_WBWA (UL(1) << 26)
#define TCR_SH1_INNER  (UL(3) << 28)
#define TCR_TG1_4K     (UL(2) << 30)
#define TCR_IPS_SHIFT  32
#define TCR_EL1_VALUE                                                                  \
	(TCR_T0SZ(17) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K | \
	 TCR_T1SZ(16) | TCR_IRGN1_WBWA | TCR_ORGN1_WBWA | TCR_SH1_INNER | TCR_TG1_4K)
/* ID_AA64MMFR0_EL1.PARange [3:0]; 0b0101 is 48 bits, the most 4 KiB tables address. */
#define MMFR0_PARANGE_MASK UL(0xf)
#define PARANGE_48	   UL(5)

/*
 * The few descriptor bits boot.S needs for its boot tables (pte.c has the
 * full format): table, block, AttrIndx, inner shareable, access flag,
 * execute-never at EL1 (PXN) and EL0 (UXN).
 */
#define DESC_TABLE	  UL(0x3)
#define DESC_BLOCK	  UL(0x1)
#define DESC_ATTR_NORMAL  (UL(0) << 2)
#define DESC_ATTR_DEVICE  (UL(1) << 2)
#define DESC_SH_INNER	  (UL(3) << 8)
#define DESC_AF		  (UL(1) << 10)
#define DESC_PXN	  (UL(1) << 53)
#define DESC_UXN	  (UL(1) << 54)
#define BOOT_BLOCK_NORMAL (DESC_BLOCK | DESC_ATTR_NORMAL | DESC_SH_INNER | DESC_AF)
#define BOOT_BLOCK_DATA	  (BOOT_BLOCK_NORMAL | DESC_PXN | DESC_UXN)
#define BOOT_BLOCK_DEVICE (DESC_BLOCK | DESC_ATTR_DEVICE | DESC_AF | DESC_PXN | DESC_UXN)
#define BOOT_BLOCK_KERNEL (BOOT_BLOCK_NORMAL | DESC_UXN)

/* HCR_EL2.RW: EL1 runs AArch64. Everything else 0: no stage 2, no traps, no VHE. */
#define HCR_EL2_RW (UL(1) << 31)
/* CNTHCTL_EL2 (E2H = 0): EL1 may read the physical counter and use the physical timer. */
#define CNTHCTL_EL1PCTEN (UL(1) << 0)
#define CNTHCTL_EL1PCEN	 (UL(1) << 1)
/* CPTR_EL2 (E2H = 0) with only its RES1 bits: no FP/SIMD, SVE or trace traps to EL2. */
#define CPTR_EL2_RES1 UL(0x33ff)

/* SPSR: return to EL1 using SP_EL1, with D, A, I and F masked; or to EL0, nothing masked. */
#define SPSR_EL1H UL(0x5)
#define SPSR_EL0T UL(0x0)
#define SPSR_DAIF (UL(0xf) << 6)

/* ESR_ELx: exception class [31:26], instruction length [25], syndrome [24:0]. */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK  UL(0x3f)
#define ESR_ISS_MASK UL(0x1ffffff)
/* Data and instruction aborts: fault status code [5:0], FAR not valid [10]. */
#define ESR_FSC_MASK UL(0x3f)
#define ESR_FNV	     (UL(1) << 10)

#define EC_UNKNOWN	 0x00
#define EC_WFX		 0x01
#define EC_FP_ACCESS	 0x07
#define EC_BTI		 0x0d
#define EC_ILLEGAL_STATE 0x0e
#define EC_SVC64	 0x15
#define EC_HVC64	 0x16
#define EC_SMC64	 0x17
#define EC_SYSREG	 0x18
#define EC_SVE_ACCESS	 0x19
#define EC_PAC_FAIL	 0x1c
#define EC_IABT_LOWER	 0x20
#define EC_IABT_SAME	 0x21
#define EC_PC_ALIGN	 0x22
#define EC_DABT_LOWER	 0x24
#define EC_DABT_SAME	 0x25
#define EC_SP_ALIGN	 0x26
#define EC_FP_EXC64	 0x2c
#define EC_SERROR	 0x2f
#define EC_HWBP_LOWER	 0x30
#define EC_HWBP_SAME	 0x31
#define EC_STEP_LOWER	 0x32
#define EC_STEP_SAME	 0x33
#define EC_WATCH_LOWER	 0x34
#define EC_WATCH_SAME	 0x35
#define EC_BRK64	 0x3c

/* Data aborts: write, not read [6]; cache maintenance [8]. */
#define ESR_WNR (UL(1) << 6)
#define ESR_CM	(UL(1) << 8)

/* Fault status codes (DFSC/IFSC) of the MMU, with the level in bits [1:0]. */
#define FSC_TYPE_MASK	0x3c
#define FSC_TRANSLATION 0x04
#define FSC_ACCESS_FLAG 0x08
#define FSC_PERMISSION	0x0c
/* Fault status codes (DFSC/IFSC) that are not a translation problem. */
#define FSC_EXT_ABORT 0x10 /* 0x10..0x1f: external aborts, parity/ECC errors */
#define FSC_TAG_CHECK 0x11
#define FSC_ALIGNMENT 0x21

/* CNTV_CTL_EL0: the EL1 virtual timer's control. */
#define CNTV_CTL_ENABLE (UL(1) << 0)
#define CNTV_CTL_IMASK	(UL(1) << 1)

/* ID_AA64PFR0_EL1.GIC [27:24]: nonzero when the GICv3 system register interface exists. */
#define PFR0_GIC_SHIFT 24
#define PFR0_GIC_MASK  UL(0xf)
/* ICC_SRE_ELx: system register access (SRE); at EL2 also Enable, EL1 may use ICC_SRE_EL1. */
#define ICC_SRE_SRE    (UL(1) << 0)
#define ICC_SRE_ENABLE (UL(1) << 3)

#ifndef __ASSEMBLER__
#include <stdint.h>

#define SYSREG_READ(reg)                                     \
	static inline uint64_t reg##_read(void)              \
	{                                                    \
		uint64_t v;                                  \
		__asm__ volatile("mrs %0, " #reg : "=r"(v)); \
		return v;                                    \
	}

SYSREG_READ(mpidr_el1)
SYSREG_READ(cntfrq_el0)
SYSREG_READ(currentel)

/* The CPU's hardware id: its affinity fields packed as Aff3.Aff2.Aff1.Aff0. */
static inline uint32_t mpidr_to_id(uint64_t mpidr)
{
	return (uint32_t)((mpidr & MPIDR_AFF_LOW) | (mpidr & MPIDR_AFF3) >> 8);
}
#endif

#endif
