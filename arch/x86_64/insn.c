/*
 * x86_64 instruction lengths (Intel SDM vol. 2, chapter 2 and appendix A),
 * so that a fault a handler accepted can resume after the instruction.
 * Legacy prefixes, REX, the one- and two-byte opcode maps, ModRM, SIB,
 * displacement and immediate; no VEX/EVEX, x87 or three-byte maps.
 */
#include <stdbool.h>

#include "insn.h"

/*
 * Operands by opcode, one character each, rows of 16:
 *   .  none                 m  ModRM              b  ModRM + imm8
 *   v  ModRM + imm16/32     1  imm8               2  imm16
 *   3  imm16 + imm8         z  imm16/32           d  rel32 (always 4 bytes)
 *   q  imm16/32/64          o  moffs (8, or 4 with 0x67)
 *   g  group 3: ModRM, plus an immediate for /0 and /1 (test)
 *   e  0x0f escape          x  invalid in 64-bit mode, or not decoded here
 * Prefixes (66 67 f0 f2 f3, segments, REX) are consumed before the table.
 */
static const char one_byte_map[] = "mmmm1zxxmmmm1zxe" /* 0x */
				   "mmmm1zxxmmmm1zxx" /* 1x */
				   "mmmm1zxxmmmm1zxx" /* 2x */
				   "mmmm1zxxmmmm1zxx" /* 3x */
				   "xxxxxxxxxxxxxxxx" /* 4x: REX */
				   "................" /* 5x */
				   "xxxmxxxxzv1b...." /* 6x */
				   "1111111111111111" /* 7x */
				   "bvxbmmmmmmmmmmmm" /* 8x */
				   "..........x....." /* 9x */
				   "oooo....1z......" /* ax */
				   "11111111qqqqqqqq" /* bx */
				   "bb2.xxbv3.2..1x." /* cx */
				   "mmmmxxx.xxxxxxxx" /* dx */
				   "11111111ddx1...." /* ex */
				   "x.xx..gg......mm" /* fx */;

static const char two_byte_map[] = "mmmmx.....x.xmxx" /* 0f 0x */
				   "mmmmmmmmmmmmmmmm" /* 0f 1x */
				   "mmmmxxxxmmmmmmmm" /* 0f 2x */
				   "......x.xxxxxxxx" /* 0f 3x */
				   "mmmmmmmmmmmmmmmm" /* 0f 4x */
				   "mmmmmmmmmmmmmmmm" /* 0f 5x */
				   "mmmmmmmmmmmmmmmm" /* 0f 6x */
				   "bbbbmmm.mmxxmmmm" /* 0f 7x */
				   "dddddddddddddddd" /* 0f 8x */
				   "mmmmmmmmmmmmmmmm" /* 0f 9x */
				   "...mbmxx...mbmmm" /* 0f ax */
				   "mmmmmmmmmmbmmmmm" /* 0f bx */
				   "mmbmbbbm........" /* 0f cx */
				   "mmmmmmmmmmmmmmmm" /* 0f dx */
				   "mmmmmmmmmmmmmmmm" /* 0f ex */
				   "mmmmmmmmmmmmmmmm" /* 0f fx */;

_Static_assert(sizeof(one_byte_map) == 257, "one-byte map has 256 entries");
_Static_assert(sizeof(two_byte_map) == 257, "two-byte map has 256 entries");

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0: /* lock */
	case 0xf2: /* repne */
	case 0xf3: /* rep */
	case 0x26: /* segment overrides */
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x64:
	case 0x65:
		return true;
	default:
		return false;
	}
}

/* Bytes of ModRM, SIB and displacement (64-bit and 32-bit addressing share the layout). */
static unsigned modrm_len(const uint8_t *p)
{
	unsigned mod = p[0] >> 6, rm = p[0] & 7, n = 1;

	if (mod == 3)
		return 1;
	if (rm == 4) {
		n++; /* SIB */
		if (mod == 0 && (p[1] & 7) == 5)
			n += 4; /* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		n += 4; /* rip-relative disp32 */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

unsigned x86_insn_len(const uint8_t *p)
{
	bool opsize16 = false, addr32 = false, rexw = false;
	unsigned n = 0;

	/* A REX prefix counts only right before the opcode; a later legacy prefix cancels it. */
	for (;; n++) {
		if (n >= INSN_MAX)
			return 0;
		uint8_t b = p[n];
		if ((b & 0xf0) == 0x40) {
			rexw = (b & 8) != 0;
			continue;
		}
		if (b == 0x66)
			opsize16 = true;
		else if (b == 0x67)
			addr32 = true;
		else if (!is_legacy_prefix(b))
			break;
		rexw = false;
	}

	uint8_t op = p[n++];
	char kind = one_byte_map[op];
	if (kind == 'e') {
		op = p[n++];
		kind = two_byte_map[op];
	}
	unsigned immz = opsize16 ? 2 : 4;
	switch (kind) {
	case '.':
		break;
	case 'm':
		n += modrm_len(p + n);
		break;
	case 'b':
		n += modrm_len(p + n) + 1;
		break;
	case 'v':
		n += modrm_len(p + n) + immz;
		break;
	case 'g': {
		unsigned reg = (p[n] >> 3) & 7;
		n += modrm_len(p + n);
		if (reg <= 1)
			n += op == 0xf6 ? 1 : immz;
		break;
	}
	case '1':
		n += 1;
		break;
	case '2':
		n += 2;
		break;
	case '3':
		n += 3;
		break;
	case 'z':
		n += immz;
		break;
	case 'd':
		n += 4;
		break;
	case 'q':
		n += rexw ? 8 : immz;
		break;
	case 'o':
		n += addr32 ? 4 : 8;
		break;
	default:
		return 0;
	}
	return n <= INSN_MAX ? n : 0;
}

/* Opcodes after 0f: sldt/str/lldt/ltr, lgdt/lidt/invlpg/swapgs..., clts, sysret, invd, wbinvd. */
static bool is_system_0f(uint8_t op)
{
	return op <= 0x01 || (op >= 0x06 && op <= 0x09) ||
	       (op >= 0x20 && op <= 0x23) || /* mov to/from control and debug registers */
	       op == 0x30 ||
	       (op >= 0x32 && op <= 0x35); /* wrmsr, rdmsr, rdpmc, sysenter, sysexit */
}

bool x86_insn_is_system(const uint8_t *p, unsigned n)
{
	unsigned i = 0;

	while (i < n && (is_legacy_prefix(p[i]) || p[i] == 0x66 || p[i] == 0x67))
		i++;
	if (i < n && (p[i] & 0xf0) == 0x40) /* REX */
		i++;
	if (i >= n)
		return false;
	uint8_t op = p[i];
	if (op == 0x0f)
		return i + 1 < n && is_system_0f(p[i + 1]);
	return op == 0xf4 || op == 0xfa || op == 0xfb ||		 /* hlt, cli, sti */
	       (op >= 0x6c && op <= 0x6f) ||				 /* ins, outs */
	       (op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef); /* in, out */
}
