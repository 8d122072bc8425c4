/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rpmsg/rp_mem.h>

#define BASE 0x10040000u
#define SIZE 0x1000u

static uint8_t sram[SIZE];
static uint8_t top[0x100];

static const struct rp_mem_region regions[] = {
	{.bus_addr = BASE, .size = SIZE, .local = sram},
	/* The last bytes of the address space: any addr + len there wraps. */
	{.bus_addr = UINT64_MAX - 0xffu, .size = 0x100, .local = top},
};

static const struct rp_mem one = {.regions = regions, .count = 1};
static const struct rp_mem both = {.regions = regions, .count = 2};

static void test_to_ptr_inside(void **state)
{
	(void)state;
	assert_ptr_equal(rp_mem_to_ptr(&one, BASE, SIZE), sram);
	assert_ptr_equal(rp_mem_to_ptr(&one, BASE + 0x10u, 0x20), sram + 0x10);
	assert_ptr_equal(rp_mem_to_ptr(&one, BASE + SIZE - 1u, 1), sram + SIZE - 1);
	assert_ptr_equal(rp_mem_to_ptr(&one, BASE + SIZE, 0), sram + SIZE);
}

static void test_to_ptr_outside(void **state)
{
	(void)state;
	assert_null(rp_mem_to_ptr(&one, BASE - 1u, 1));
	assert_null(rp_mem_to_ptr(&one, BASE - 1u, 2));
	assert_null(rp_mem_to_ptr(&one, BASE, SIZE + 1u));
	assert_null(rp_mem_to_ptr(&one, BASE + SIZE, 1));
	assert_null(rp_mem_to_ptr(&one, BASE + SIZE - 1u, 2));
	assert_null(rp_mem_to_ptr(&one, BASE + SIZE + 1u, 0));
	assert_null(rp_mem_to_ptr(&one, 0, 1));
}

static void test_to_ptr_wrapping_length(void **state)
{
	(void)state;
	assert_null(rp_mem_to_ptr(&one, BASE + 1u, UINT64_MAX));
	assert_null(rp_mem_to_ptr(&one, BASE, UINT64_MAX - BASE + 1u));
	assert_null(rp_mem_to_ptr(&both, UINT64_MAX, 2));
	assert_null(rp_mem_to_ptr(&both, UINT64_MAX - 0xffu, 0x101));
	assert_null(rp_mem_to_ptr(&both, UINT64_MAX - 0xffu, UINT64_MAX));
	assert_ptr_equal(rp_mem_to_ptr(&both, UINT64_MAX, 1), top + 0xff);
	assert_ptr_equal(rp_mem_to_ptr(&both, UINT64_MAX - 0xffu, 0x100), top);
}

static void test_no_regions(void **state)
{
	const struct rp_mem none = {.regions = NULL, .count = 0};
	uint64_t addr = 0x1234;

	(void)state;
	assert_null(rp_mem_to_ptr(&none, BASE, 1));
	assert_null(rp_mem_to_ptr(&none, 0, 0));
	assert_int_equal(rp_mem_to_bus(&none, sram, 1, &addr), -1);
	assert_int_equal(addr, 0x1234);
}

static void test_to_bus(void **state)
{
	uint64_t addr = 0;

	(void)state;
	assert_int_equal(rp_mem_to_bus(&one, sram, SIZE, &addr), 0);
	assert_int_equal(addr, BASE);
	assert_int_equal(rp_mem_to_bus(&one, sram + SIZE - 1, 1, &addr), 0);
	assert_int_equal(addr, BASE + SIZE - 1u);
	assert_int_equal(rp_mem_to_bus(&both, top + 0xff, 1, &addr), 0);
	assert_int_equal(addr, UINT64_MAX);
}

static void test_to_bus_outside(void **state)
{
	uint64_t addr = 7;

	(void)state;
	assert_int_equal(rp_mem_to_bus(&one, sram, SIZE + 1u, &addr), -1);
	assert_int_equal(rp_mem_to_bus(&one, sram + SIZE - 1, 2, &addr), -1);
	assert_int_equal(rp_mem_to_bus(&one, sram + 1, UINT64_MAX, &addr), -1);
	assert_int_equal(rp_mem_to_bus(&one, top, 1, &addr), -1);
	assert_int_equal(rp_mem_to_bus(&one, &addr, sizeof(addr), &addr), -1);
	assert_int_equal(addr, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_ptr_inside),
		cmocka_unit_test(test_to_ptr_outside),
		cmocka_unit_test(test_to_ptr_wrapping_length),
		cmocka_unit_test(test_no_regions),
		cmocka_unit_test(test_to_bus),
		cmocka_unit_test(test_to_bus_outside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
