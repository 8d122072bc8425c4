/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A CRC-32 engine of firmware/crc32.h against zlib's answers. Built once per
 * engine: the M4's byte-wise table (services/crc32.c, which no host library
 * holds) and the host builds' call into zlib (host/crc32_zlib.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <zlib.h>

#include <firmware/crc32.h>

#define BUF_SIZE (256u * 1024u)
#define ROUNDS 300u

static uint8_t buf[BUF_SIZE];
static uint64_t rng_state;

/* xorshift64*: the same inputs on every run, so a failure repeats. */
static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)rng() * n) >> 32);
}

static int setup(void **state)
{
	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < BUF_SIZE; i++)
		buf[i] = (uint8_t)rng();
	return 0;
}

static uint32_t zlib_crc(uint32_t crc, const uint8_t *p, uint32_t len)
{
	return (uint32_t)crc32(crc, p, len);
}

/* Mostly short lengths, where the loops' heads and tails are; some long. */
static uint32_t random_length(uint32_t max)
{
	uint32_t len = rng_below(4) ? rng_below(65) : rng_below(max + 1);

	return len < max ? len : max;
}

static void test_check_value_and_empty(void **state)
{
	(void)state;
	assert_int_equal(fw_crc32_update(0, "123456789", 9), 0xCBF43926u);
	assert_int_equal(fw_crc32_update(0, NULL, 0), 0);
	/* no bytes leave any CRC as it was (zlib alone answers 0 for NULL) */
	assert_int_equal(fw_crc32_update(0xCBF43926u, NULL, 0), 0xCBF43926u);
	assert_int_equal(fw_crc32_update(0xCBF43926u, buf, 0), 0xCBF43926u);
}

/* A stretch of buf at a random offset (alignment) and length, cut in two at split. */
struct stretch {
	const uint8_t *p;
	uint32_t len, split;
};

static struct stretch random_stretch(void)
{
	uint32_t off = rng_below(64);
	uint32_t len = random_length(BUF_SIZE - off);

	return (struct stretch){buf + off, len, rng_below(len + 1)};
}

/* Any offset (alignment), any length, whole or in two pieces. */
static void test_update_matches_zlib(void **state)
{
	(void)state;
	for (uint32_t round = 0; round < ROUNDS; round++) {
		struct stretch st = random_stretch();
		const uint8_t *p = st.p;
		uint32_t len = st.len, split = st.split;
		uint32_t want = zlib_crc(0, p, len);

		assert_int_equal(fw_crc32_update(0, p, len), want);
		assert_int_equal(
			fw_crc32_update(fw_crc32_update(0, p, split), p + split, len - split),
			want);
		/* from any CRC, not only 0 */
		uint32_t start = rng();

		assert_int_equal(fw_crc32_update(start, p, len), zlib_crc(start, p, len));
	}
}

static void test_combine_matches_zlib(void **state)
{
	(void)state;
	for (uint32_t round = 0; round < ROUNDS; round++) {
		struct stretch st = random_stretch();
		const uint8_t *p = st.p;
		uint32_t len = st.len, split = st.split;
		uint32_t a = zlib_crc(0, p, split);
		uint32_t b = zlib_crc(0, p + split, len - split);

		assert_int_equal(fw_crc32_combine(a, b, len - split), zlib_crc(0, p, len));
	}
	/* Lengths no buffer here has, up to the largest: the arithmetic alone. */
	for (uint32_t round = 0; round < ROUNDS; round++) {
		uint32_t a = rng(), b = rng();
		uint32_t len = round == 0 ? UINT32_MAX : 1 + rng_below(UINT32_MAX);

		assert_int_equal(fw_crc32_combine(a, b, len),
				 (uint32_t)crc32_combine(a, b, (z_off_t)len));
	}
	/* a wrong length gives another answer: the length is really used */
	assert_int_not_equal(fw_crc32_combine(zlib_crc(0, buf, 10), zlib_crc(0, buf + 10, 20), 21),
			     zlib_crc(0, buf, 30));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_check_value_and_empty, setup),
		cmocka_unit_test_setup(test_update_matches_zlib, setup),
		cmocka_unit_test_setup(test_combine_matches_zlib, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
