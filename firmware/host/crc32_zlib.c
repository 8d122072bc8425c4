/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CRC-32 engine of host builds (the vhost-user port, the tests): zlib's.
 * The M4's byte-wise table (firmware/services/crc32.c) gives the same
 * answers at a tenth of the speed; firmware/crc32.h says why there are two.
 */
#include <stddef.h>
#include <zlib.h>

#include "firmware/crc32.h"

/* Every uint32_t length reaches zlib unchanged. */
_Static_assert(sizeof(uInt) >= sizeof(uint32_t), "zlib's uInt holds a uint32_t length");
_Static_assert(sizeof(z_off_t) > sizeof(uint32_t), "zlib's z_off_t holds a uint32_t length");

#if defined(__SANITIZE_ADDRESS__)
#define CRC32_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRC32_ASAN 1
#endif
#endif

#ifdef CRC32_ASAN
#include <sanitizer/asan_interface.h>
#endif

/*
 * zlib is not built with the sanitizers, so ASan would not see it read past
 * a caller's buffer as it saw the table's loads: in sanitized builds the
 * first bad byte becomes a load of this file's, which ASan reports with
 * the caller's stack.
 */
static void check_readable(const void *data, uint32_t len)
{
#ifdef CRC32_ASAN
	const volatile uint8_t *bad = __asan_region_is_poisoned((void *)data, len);

	if (bad)
		(void)*bad;
#else
	(void)data;
	(void)len;
#endif
}

uint32_t fw_crc32_update(uint32_t crc, const void *data, uint32_t len)
{
	if (len == 0)
		return crc; /* zlib answers 0 for a NULL buffer, whatever crc was */
	check_readable(data, len);
	return (uint32_t)crc32(crc, data, len);
}

uint32_t fw_crc32_combine(uint32_t crc_a, uint32_t crc_b, uint32_t len_b)
{
	return (uint32_t)crc32_combine(crc_a, crc_b, (z_off_t)len_b);
}
