/*
 * The fuzzer's r2 calls (x86_64): random r2 numbers through the three
 * gates, with the pointers each call reads or writes chosen as for the
 * native calls (tests/user/fuzz_values.c). Exit (whatever argument 1
 * says, it ends the caller), kill (it may name the caller), writing a
 * file at an offset (as the other writing file calls), a child's
 * convention (below), the serial port's init and write (they would disturb
 * COM2's peer) are left out; sleeps are short.
 */
#include "fuzz.h"
#include "include/abi/r2.h"
#include "include/abi/r2_vfs.h"

#define R2_GATE(gate, rax, rdi, rsi) \
	__asm__ volatile("int $" #gate : "+a"(rax) : "D"(rdi), "S"(rsi) : "memory", "cc")

/* One r2 call through one of the three gates (only 0x7f answers ring 3). */
void fuzz_r2(struct fuzz_thread *t)
{
	static const uint8_t numbers[] = {
	    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0a, 0x0b, 0x0f, 0x10, 0x11, 0x12, 0x13,
	    0x14, 0x15, 0x16, 0x17, 0x18, 0x1a, 0x1b, 0x1f, 0x20, 0x2b, 0x2c, 0x2d, 0x2e,
	    0x2f, 0x30, 0x31, 0x32, 0x33, 0x37, 0x39, 0x3c, 0x3e, 0x3f, 0x40, 0x43};
	uint64_t nr = fuzz_chance(t, 85) ? numbers[fuzz_below(t, sizeof(numbers))] : fuzz_any(t);
	uint64_t rdi = fuzz_any(t), rsi = fuzz_any(t);
	switch (nr) {
	case R2_EXIT:
	case R2_KILL:
	case R2_CONVENTION:
		/*
		 * A convention other than the seed's has a child read its call's
		 * number from RDX, which nothing here sets: its calls would be any,
		 * writing wherever and sleeping for up to an hour (the conventions
		 * are tested in test_r2.c and test_r2_files.c).
		 */
		fz.filtered++;
		return;
	case R2_SLEEP:
		rdi = fuzz_below(t, 20);
		break;
	case R2_MAP_VGA:
		rsi = fuzz_chance(t, 50) ? 0 : fuzz_out_ptr(t, 8);
		break;
	case R2_FONT:
	case R2_TASKS:
	case R2_FB_INFO:
		rdi = fuzz_out_ptr(t, 128);
		rsi = nr == R2_TASKS ? 1 + fuzz_below(t, 6) : fuzz_below(t, 129); /* what fits */
		break;
	case R2_READ_AT: { /* a range of our making: the kernel writes only the arena */
		static ReadRange_T range;
		uint64_t len = fuzz_below(t, 256);
		range = (ReadRange_T){
		    .buffer = fuzz_out_ptr(t, len), .offset = fuzz_below(t, 4096), .length = len};
		rdi = fuzz_in_ptr(t);
		rsi = fuzz_chance(t, 80) ? (uintptr_t)&range : fuzz_bad_address(t);
		break;
	}
	case R2_WRITE_AT: /* files would change: as 0x21..0x27, left out */
		fz.filtered++;
		return;
	case R2_FS_STAT:
		rdi = fuzz_in_ptr(t);
		rsi = fuzz_out_ptr(t, sizeof(FsStat_T));
		break;
	case R2_MEMINFO:
		rdi = fuzz_out_ptr(t, sizeof(MemInfo2_T));
		rsi = fuzz_chance(t, 50) ? R2_MEMINFO_V2 : rsi;
		break;
	case R2_HEAP_CONTAINS:
		rdi = fuzz_recall(t, FK_ADDR);
		rsi = fuzz_below(t, 1u << 21);
		break;
	case R2_SYSINFO:
	case R2_RTC:
	case R2_KEYBOARD:
	case R2_PORT_IN:
		rdi = fuzz_chance(t, 80) ? 1 + fuzz_below(t, 3) : rdi;
		rsi = fuzz_out_ptr(t, 128);
		break;
	case R2_PACKET: /* built in our arena; 0x34 would send on COM2, as a serial write */
		rdi = fuzz_chance(t, 80) ? 1 + fuzz_below(t, 3) : rdi;
		rsi = fuzz_out_ptr(t, 1600);
		break;
	case R2_SERIAL: /* reading only: init and write would disturb COM2's peer */
		rdi = fuzz_chance(t, 50) ? 2 : 4 + fuzz_below(t, 100);
		rsi = fuzz_out_ptr(t, 8);
		break;
	case R2_MALLOC:
	case R2_REALLOC:
	case R2_FREE:
		rdi = fuzz_chance(t, 60) ? fuzz_recall(t, FK_ADDR) : fuzz_chance(t, 50) ? 0 : rdi;
		rsi = fuzz_chance(t, 70) ? fuzz_below(t, 8192) : rsi;
		break;
	case R2_PRINT:
		fuzz_console_args(t, &rdi, &rsi);
		break;
	case R2_MODE13_BUF:
	case R2_MIDI:
	case R2_PORT_OUT:
		rsi = fuzz_in_ptr(t);
		if (nr == R2_MODE13_BUF)
			rdi = fuzz_in_ptr(t);
		break;
	case R2_VIDEO_MODE:
		rdi = fuzz_chance(t, 80) ? (fuzz_chance(t, 50) ? R2_MODE_TEXT : R2_MODE_13H) : rdi;
		break;
	case R2_TONE:
		rdi = fuzz_chance(t, 70) ? fuzz_below(t, 25000) : rdi;
		rsi = fuzz_chance(t, 70) ? fuzz_below(t, 100) : rsi;
		break;
	case R2_LIST_MOUNTS:
		rsi = fuzz_out_ptr(t, R2_MOUNTS_MAX * sizeof(MountInfo_T));
		break;
	case R2_LIST_PATH:
		rdi = fuzz_in_ptr(t);
		rsi = fuzz_out_ptr(t, R2_DIR_MAX * sizeof(VfsDirEntry_T));
		break;
	case R2_CHDIR:
		rdi = fuzz_in_ptr(t);
		break;
	case R2_SET_RING:
		rdi = fuzz_pid(t);
		rsi = fuzz_below(t, 4);
		break;
	default:
		break;
	}
	uint64_t rax = nr;
	switch (fuzz_below(t, 8)) {
	case 0:
		R2_GATE(0x7d, rax, rdi, rsi);
		break;
	case 1:
		R2_GATE(0x7e, rax, rdi, rsi);
		break;
	default:
		R2_GATE(0x7f, rax, rdi, rsi);
	}
	fz.made[SYS_COUNT]++;
	fz.succeeded[SYS_COUNT] += rax == R2_OK;
	if (nr == R2_MALLOC || nr == R2_REALLOC || nr == R2_MAP_VGA)
		fuzz_remember(FK_ADDR, rax);
	else if (nr == R2_IO_TOKEN)
		fuzz_remember(FK_TOKEN, rax);
}
