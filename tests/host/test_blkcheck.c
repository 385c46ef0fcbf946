/*
 * The block server's check of a client's request (drivers/lib/blkcheck.c):
 * each way a descriptor can be wrong gets its DriverError, the edges that
 * are right pass, and no arithmetic on what a client wrote wraps.
 */
#include <criterion/criterion.h>

#include "drivers/lib/blkserv.h"
#include "include/abi/error.h"

#define DATA (1u << 20)

static const struct block_geometry geo = {
    .block_size = 512, .total_blocks = 2048, .max_transfer_blocks = 256, .alignment = 512};

static int check(uint64_t off, uint32_t len, uint64_t lba, unsigned op, uint32_t *count)
{
	struct ring_desc d = {.offset = off, .length = len, .arg = BLK_ARG(lba, op)};
	uint32_t unused;
	return blkserv_check(&d, &geo, DATA, count ? count : &unused);
}

Test(blkcheck, good_requests_pass_with_their_count)
{
	uint32_t n;
	cr_assert_eq(check(0, 512, 0, BLK_OP_READ, &n), DRIVER_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(check(DATA - 131072, 131072, 2048 - 256, BLK_OP_WRITE, &n), DRIVER_OK);
	cr_assert_eq(n, 256);
	cr_assert_eq(check(512, 512, 2047, BLK_OP_READ, &n), DRIVER_OK);
	cr_assert_eq(check(0, 0, 0, BLK_OP_FLUSH, &n), DRIVER_OK);
	cr_assert_eq(n, 0);
}

Test(blkcheck, each_bad_field_is_refused)
{
	cr_assert_eq(check(0, 512, 2048, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, 1024, 2047, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, 1024, (1ull << 56) - 1, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(1, 512, 0, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(256, 512, 0, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, 100, 0, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, 0, 0, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, 257 * 512, 0, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, UINT32_MAX & ~511u, 0, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(DATA, 512, 0, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(DATA - 512, 1024, 0, BLK_OP_READ, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(UINT64_MAX & ~511ull, 1024, 0, BLK_OP_READ, NULL),
		     DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, 512, 0, 0, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, 512, 0, 4, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, 512, 0, 0xff, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(check(0, 512, 0, BLK_OP_FLUSH, NULL), DRIVER_INVALID_PARAMETER);
	cr_assert_eq(blkserv_check(NULL, &geo, DATA, &(uint32_t){0}), DRIVER_INVALID_PARAMETER);
}

Test(blkcheck, read_only_refuses_writes_only)
{
	struct block_geometry ro = geo;
	ro.flags = BLK_FLAG_READ_ONLY;
	struct ring_desc w = {.length = 512, .arg = BLK_ARG(0, BLK_OP_WRITE)};
	struct ring_desc r = {.length = 512, .arg = BLK_ARG(0, BLK_OP_READ)};
	struct ring_desc f = {.arg = BLK_ARG(0, BLK_OP_FLUSH)};
	uint32_t n;
	cr_assert_eq(blkserv_check(&w, &ro, DATA, &n), DRIVER_READ_ONLY);
	cr_assert_eq(blkserv_check(&r, &ro, DATA, &n), DRIVER_OK);
	cr_assert_eq(blkserv_check(&f, &ro, DATA, &n), DRIVER_OK);
}

Test(blkcheck, a_broken_geometry_refuses_everything)
{
	struct block_geometry g = geo;
	struct ring_desc r = {.length = 512, .arg = BLK_ARG(0, BLK_OP_READ)};
	uint32_t n;
	g.block_size = 0;
	cr_assert_eq(blkserv_check(&r, &g, DATA, &n), DRIVER_INVALID_PARAMETER);
	g.block_size = 500;
	cr_assert_eq(blkserv_check(&r, &g, DATA, &n), DRIVER_INVALID_PARAMETER);
	g = geo;
	g.max_transfer_blocks = 0;
	cr_assert_eq(blkserv_check(&r, &g, DATA, &n), DRIVER_INVALID_PARAMETER);
	g = geo;
	g.alignment = 3;
	cr_assert_eq(blkserv_check(&r, &g, DATA, &n), DRIVER_INVALID_PARAMETER);
	g = geo;
	g.alignment = 0; /* no constraint: any offset */
	r.offset = 3;
	cr_assert_eq(blkserv_check(&r, &g, DATA, &n), DRIVER_OK);
	g.total_blocks = 0;
	cr_assert_eq(blkserv_check(&r, &g, DATA, &n), DRIVER_INVALID_PARAMETER);
}

/* Every small combination against a model that computes in 128 bits. */
Test(blkcheck, agrees_with_a_model)
{
	const uint64_t offs[] = {0, 1, 511, 512, DATA - 1024, DATA - 512, DATA, UINT64_MAX - 511};
	const uint32_t lens[] = {0, 1, 512, 1000, 1024, 131072, 131584, UINT32_MAX};
	const uint64_t lbas[] = {0, 1, 1792, 2047, 2048, (1ull << 56) - 1};
	for (unsigned a = 0; a < 8; a++)
		for (unsigned b = 0; b < 8; b++)
			for (unsigned c = 0; c < 6; c++)
				for (unsigned op = 0; op <= 4; op++) {
					uint64_t o = offs[a], l = lens[b], lba = lbas[c];
					bool rw = op == BLK_OP_READ || op == BLK_OP_WRITE;
					bool ok = rw ? l && !(l % 512) && !(o % 512) &&
							   l / 512 <= 256 &&
							   (unsigned __int128)o + l <= DATA &&
							   (unsigned __int128)lba + l / 512 <= 2048
						     : op == BLK_OP_FLUSH && !l;
					uint32_t n;
					int got = check(o, (uint32_t)l, lba, op, &n);
					cr_assert_eq(got == DRIVER_OK, ok, "%u %u %u %u", a, b, c,
						     op);
					if (ok && rw)
						cr_assert_eq(n, l / 512);
				}
}
