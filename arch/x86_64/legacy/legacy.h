/*
 * The r2 (rou2exOS) personality's kernel half: the gates (r2.c) and the
 * legacy PC devices it drives. The ABI itself is include/abi/r2.h. Every
 * function here runs with interrupts off (the gates are interrupt gates;
 * only R2_PRINT lets pending ones in, between its chunks, where it holds
 * nothing); user memory is reached only through mm/uaccess.h.
 */
#ifndef X86_64_LEGACY_LEGACY_H
#define X86_64_LEGACY_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/hal/trap.h"
#include "include/abi/r2.h"

struct process;

/* r2.c: has process `pid` ended (no such process, or a zombie not yet reaped)? */
bool r2_process_gone(uint64_t pid);

/*
 * r2_dev.c: call op (a1, a2, b[0] and b[1] lent) on the driver that is
 * the Xous server `server` (include/abi/pcdev.h); its r2 code, results in
 * out[1..2]. R2_NOT_IMPLEMENTED when no driver serves it (none runs, it
 * crashed, it is being restarted), R2_INVALID_INPUT when the buffers
 * cannot be lent.
 */
struct fwd_buf;
uint64_t r2_dev_call(const char *server, uint64_t op, uint64_t a1, uint64_t a2,
		     const struct fwd_buf *b, uint64_t out[3]);

/* r2.c: a pointer to `n` bytes of user memory (any alignment), writable with `w`. */
bool user_ok(struct process *p, uint64_t ptr, size_t n, bool w);
/* r2.c: block the calling thread for `ms` (interrupts off, as in every gate); false if killed. */
bool r2_wait_ms(uint64_t ms);

/* r2_sound.c: the sound gates, forwarded to the speaker driver (PCDEV_SPEAKER_NAME). */
uint64_t r2_tone(struct process *p, uint64_t hz, uint64_t ms);
uint64_t r2_midi(struct process *p, uint64_t op, uint64_t arg);
uint64_t r2_stop(struct process *p, uint64_t a1, uint64_t a2);

/* r2.c: pid's R2_CONV_* bits; whether they say libcr2; set them (no checks: the gate's). */
unsigned r2_convention_of(uint64_t pid);
bool r2_is_libcr2(uint64_t pid);
uint64_t r2_set_convention(uint64_t pid, uint64_t conv);

/* r2_proc.c: `by` asked for program `pid` (0x29/0x2a), so 0x3b lets it end it. */
void r2_started_by(uint64_t pid, uint64_t by);
/* r2_proc.c: R2_TASKS, R2_KILL, R2_MEMINFO, R2_HEAP_CONTAINS. */
uint64_t r2_tasks(struct process *p, uint64_t buf, uint64_t max);
uint64_t r2_kill(struct process *p, uint64_t id, uint64_t unused);
uint64_t r2_meminfo(struct process *p, uint64_t ptr, uint64_t version);
uint64_t r2_heap_has(struct process *p, uint64_t addr, uint64_t size);

/* r2.c: the current directory 0x2e set, as SysInfo_T's system_path and system_path_cluster report it. */
void r2_set_cwd(const char *path, size_t len, uint32_t cluster);

/* Where a gate borrows R2_MIDI_MAX bytes of the caller's space for a call (R2_MIDI by name). */
#define R2_SCRATCH_VA 0x610000000000ul
#define R2_READ_FILE  0x20

/* r2_file.c: a file call (R2_IS_FILE_CALL), forwarded to the file server. */
uint64_t r2_file_call(struct process *p, uint64_t nr, uint64_t a1, uint64_t a2);

/* trap.c: a trap through one of the r2 gates (vector R2_GATE_RING1..3). */
void x86_r2_gate(struct trap_frame *tf);

/*
 * vga.c: the text screen as the early console (vgacon.c) writes it, in
 * text mode only: which mode the VGA driver set, the screen gates say.
 */
void vga_console_put(const char *s, size_t n);
void vga_console_clear(void);
/* At boot: cleared, the hardware cursor off. */
void vga_console_boot(void);
void vga_console_mode(uint64_t mode);
/* The physical VGA window, mapped for the kernel (once). */
volatile uint8_t *vga_window(void);

/*
 * vgacon.c: the VGA text screen and the PS/2 keyboard as a console beside
 * COM1 (`console=vga`): on once vgacon_init has seen it on the command line.
 */
struct boot_info;
extern bool vgacon_on;
void vgacon_init(const struct boot_info *bi);
void vgacon_putc(char c);
/* A scancode nobody holds the keyboard for: typed into the console's input. */
void vgacon_key(uint8_t scancode);
/* kbd.c: unheld scancodes go to vgacon_key. */
void kbd_console(bool on);

/*
 * fb.c: the linear framebuffer GRUB set up, if it did (32-bit 0x00RRGGBB),
 * at most FB_MAX_DIM pixels each way: described to the device manager
 * (its driver draws, drivers/pc/fb.c), its geometry kept here.
 */
#define FB_MAX_DIM 4096
void fb_describe(const struct boot_info *bi);
void fb_init(const struct boot_info *bi);
/* Its size (bpp 32); false when there is none. */
bool fb_info(FBInfo_T *out);
/* Its PCDEV_FB_GEOMETRY word, for the driver's calls. */
uint64_t fb_geometry(void);

/* kbd.c: R2_KEYBOARD, on a libcr2 buffer (byte 0 polled) or Kestrel's ring. */
#define R2_KBD_READ_BYTES 16 /* a libcr2 read: up to 16 scancodes, then a 0 if fewer */
uint64_t kbd_call(struct process *p, uint64_t op, uintptr_t buf, bool libcr2);
/* trap.c: every timer tick: the next scancode into a libcr2 buffer whose byte 0 was taken. */
void kbd_tick(void);

/* heap.c: the caller's r2 heap. */
uint64_t r2_heap_alloc(struct process *p, uint64_t size);
uint64_t r2_heap_realloc(struct process *p, uint64_t addr, uint64_t size);
uint64_t r2_heap_free(struct process *p, uint64_t addr);
/* R2_HEAP_CONTAINS: [addr, addr + size) inside p's heap (mapped), size not 0. */
bool r2_heap_contains(struct process *p, uint64_t addr, uint64_t size);
/* R2_MEMINFO's heap half: p's own heap, and every heap's process and use. */
struct r2_heap_stats {
	uint64_t va, size, used, largest_free, blocks, free_blocks;
	uint64_t pid[R2_HEAPS], used_by[R2_HEAPS]; /* pid 0: a free heap */
};
void r2_heap_stats(struct process *p, struct r2_heap_stats *s);

/*
 * ring.c: processes in rings 1 and 2. Each runs on page tables of its own
 * that map its memory as supervisor pages and, of the kernel, only what
 * taking a trap needs; trap.S switches CR3 on entry and exit.
 */
extern unsigned x86_r2_rings_live; /* ring 1/2 processes known (gdt.c skips the hook at 0) */
/* gdt.c, on every switch to a user thread: set the per-CPU ring words for it. */
void x86_r2_ring_switch(uintptr_t kstack_top);
/* trap.S, on the way out to ring 1 or 2: bring its page tables up to date. */
void x86_r2_ring_exit(void);
/* user_exit found a ring 1/2 frame without that ring's page tables: end the process. */
_Noreturn void x86_r2_stray_ring(struct trap_frame *tf);
/* R2_SET_RING. */
uint64_t r2_set_ring(struct process *p, uint64_t pid, uint64_t ring);

#endif
