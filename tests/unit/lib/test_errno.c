/* SPDX-License-Identifier: BSD-3-Clause */
/* The library never passes on the kernel's internal error numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "transport.h"

static void test_restart_codes_are_timeouts(void **state)
{
	(void)state;
	/* ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK */
	assert_int_equal(amp_user_errno(512), ETIMEDOUT);
	assert_int_equal(amp_user_errno(513), ETIMEDOUT);
	assert_int_equal(amp_user_errno(514), ETIMEDOUT);
	assert_int_equal(amp_user_errno(516), ETIMEDOUT);
}

static void test_other_internal_codes(void **state)
{
	(void)state;
	assert_int_equal(amp_user_errno(515), ENOTTY);	   /* ENOIOCTLCMD */
	assert_int_equal(amp_user_errno(524), EOPNOTSUPP); /* ENOTSUPP */
	assert_int_equal(amp_user_errno(517), EIO);	   /* EPROBE_DEFER */
	assert_int_equal(amp_user_errno(529), EIO);	   /* EIOCBQUEUED */
	for (int e = 512; e < 600; e++)
		assert_true(amp_user_errno(e) < 512);
}

static void test_real_errnos_pass(void **state)
{
	static const int real[] = {0, EINTR, EAGAIN, ENOMEM, ENODEV, EPIPE, ETIMEDOUT, EIO};

	(void)state;
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		assert_int_equal(amp_user_errno(real[i]), real[i]);
	assert_null(strstr(strerror(amp_user_errno(512)), "Unknown"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_codes_are_timeouts),
		cmocka_unit_test(test_other_internal_codes),
		cmocka_unit_test(test_real_errnos_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
