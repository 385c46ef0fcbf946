/* Test helpers: files read whole, and damaged copies of them. */
#ifndef TESTS_HOST_BLOB_H
#define TESTS_HOST_BLOB_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a whole file into a buffer of exactly its size (so ASan sees any overrun). */
static inline uint8_t *blob_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	cr_assert_gt(n, 0);
	uint8_t *b = malloc((size_t)n);
	cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* A copy of the first n bytes in a buffer of exactly n bytes. */
static inline uint8_t *blob_prefix(const uint8_t *b, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	memcpy(c, b, n);
	return c;
}

/* A small deterministic generator, the same on every host. */
static inline uint32_t blob_rand(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*state >> 33);
}

#endif
