/* Device register access for the GIC and the ITS (gic.c, its.c): plain volatile loads and stores. */
#ifndef AARCH64_MMIO_H
#define AARCH64_MMIO_H

#include <stdint.h>

static inline uint8_t rd8(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint8_t *)(base + off);
}

static inline void wr8(volatile uint8_t *base, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(base + off) = v;
}

static inline uint32_t rd32(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint32_t *)(base + off);
}

static inline void wr32(volatile uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

static inline uint64_t rd64(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint64_t *)(base + off);
}

static inline void wr64(volatile uint8_t *base, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(base + off) = v;
}

#endif
