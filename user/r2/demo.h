/*
 * The r2 demo (r2demo.c): built into init as the child entry `r2demo`
 * (user/r2/demo.c, `run r2demo` at the kernel's shell) and as the
 * standalone program R2DEMO.ELF on the x86_64 disk (user/programs/).
 * Also the picture and the MIDI files the r2 system tests check.
 */
#ifndef USER_R2_DEMO_H
#define USER_R2_DEMO_H

#include <stdint.h>

/* The demo: text output, a mode-13h picture and a tune, then text mode again; 0. */
int r2_demo(void);
/*
 * The r2_mode13 picture (tests/system/r2_check draws the same), put on the
 * screen. Its palette's colour i is (i, 255 - i, i * 4 & 0xff), the DAC
 * keeping 6 bits: colour 255 as the pixel call's RGB, which no other holds.
 */
#define R2_DEMO_RGB255 0xff00fcu
void r2_demo_picture(void);
/* A format-0 Standard MIDI File of `n` notes (number, eighths), 96 ticks a quarter; its size. */
uint64_t r2_demo_midi(uint8_t *m, const uint8_t (*notes)[2], unsigned n);

#endif
