/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MPU region over the bulk pool's window (mpu.h), on the host: the
 * values the port writes to RBAR and RASR, checked field by field against
 * the ARMv7-M ARM's layout (B3.5.8 RBAR, B3.5.9 RASR; memory types table
 * B3-13, access permissions table B3-15) rather than against the macros
 * that built them. QEMU takes unaligned accesses to Device memory without
 * a fault, so a wrong memory type would show only on the board: here is
 * where it is pinned down.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "memory_map.h"
#include "mpu.h"

/* RASR fields, by bit position as the architecture numbers them. */
static uint32_t field(uint32_t v, unsigned int hi, unsigned int lo)
{
	return (v >> lo) & ((1u << (hi - lo + 1u)) - 1u);
}

static void test_board_window(void **state)
{
	struct m4_mpu_region r;

	(void)state;
	assert_true(m4_mpu_bulk_region(0xDD000000u, 16u << 20, &r));
	/* RBAR: the base in bits 31:5; VALID (4) and REGION (3:0) left 0, RNR selects. */
	assert_int_equal(r.rbar, 0xDD000000u);
	assert_int_equal(field(r.rasr, 28, 28), 1); /* XN: no instruction fetch */
	assert_int_equal(field(r.rasr, 26, 24), 3); /* AP 011: read-write, any privilege */
	assert_int_equal(field(r.rasr, 21, 19), 1); /* TEX 001 with C 0, B 0: Normal, */
	assert_int_equal(field(r.rasr, 17, 17), 0); /* non-cacheable */
	assert_int_equal(field(r.rasr, 16, 16), 0);
	assert_int_equal(field(r.rasr, 18, 18), 1); /* S: shareable */
	assert_int_equal(field(r.rasr, 15, 8), 0);  /* SRD: no subregion disabled */
	assert_int_equal(field(r.rasr, 5, 1), 23);  /* 2^(23+1) bytes: 16 MiB */
	assert_int_equal(field(r.rasr, 0, 0), 1);   /* ENABLE */
	/* Reserved bits (31:29, 27, 23:22, 7:6) are 0. */
	assert_int_equal(r.rasr & 0xE8C000C0u, 0);
	assert_int_equal(r.rasr, 0x130C002Fu);
}

/* What the image is built with (memory_map.h) is a region, and the same one. */
static void test_built_window(void **state)
{
	struct m4_mpu_region r;

	(void)state;
	assert_true(m4_mpu_bulk_region(M4_BULK_WINDOW_BASE, M4_BULK_WINDOW_SIZE, &r));
	assert_int_equal(r.rbar, M4_BULK_WINDOW_BASE);
	assert_int_equal(1ull << (field(r.rasr, 5, 1) + 1u), M4_BULK_WINDOW_SIZE);
}

static void test_other_sizes(void **state)
{
	struct m4_mpu_region r;

	(void)state;
	/* the smallest region ARMv7-M has: SIZE 4, 32 bytes */
	assert_true(m4_mpu_bulk_region(0x21000020u, 32u, &r));
	assert_int_equal(field(r.rasr, 5, 1), 4);
	assert_int_equal(r.rbar, 0x21000020u);
	assert_true(m4_mpu_bulk_region(0xC0000000u, 64u << 20, &r));
	assert_int_equal(field(r.rasr, 5, 1), 25);
	assert_true(m4_mpu_bulk_region(0x80000000u, 0x80000000u, &r));
	assert_int_equal(field(r.rasr, 5, 1), 30);
	/* the attributes do not depend on the size */
	assert_int_equal(r.rasr & ~0x3Eu, 0x130C0001u);
}

static void test_not_a_region(void **state)
{
	struct m4_mpu_region r = {0x5A5A5A5Au, 0x5A5A5A5Au};

	(void)state;
	assert_false(m4_mpu_bulk_region(0xDD000000u, 0, &r));
	assert_false(m4_mpu_bulk_region(0xDD000000u, 16u, &r));	      /* below 32 bytes */
	assert_false(m4_mpu_bulk_region(0xDD000000u, 3u << 20, &r));  /* not a power of two */
	assert_false(m4_mpu_bulk_region(0xDD800000u, 16u << 20, &r)); /* not aligned to its size */
	assert_false(m4_mpu_bulk_region(0xDD000010u, 32u, &r));
	/* nothing written when refused */
	assert_int_equal(r.rbar, 0x5A5A5A5Au);
	assert_int_equal(r.rasr, 0x5A5A5A5Au);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_board_window),
		cmocka_unit_test(test_built_window),
		cmocka_unit_test(test_other_sizes),
		cmocka_unit_test(test_not_a_region),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
