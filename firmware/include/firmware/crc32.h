/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC-32 as zlib computes it (IEEE 802.3, reflected, check value 0xCBF43926
 * for "123456789"). The firmware cannot link zlib; libamplink uses zlib's
 * crc32() and the tests hold the two to the same answers.
 */
#ifndef FIRMWARE_CRC32_H
#define FIRMWARE_CRC32_H

#include <stdint.h>

/* Start with crc 0; feed the result back in to continue over more data. */
uint32_t fw_crc32_update(uint32_t crc, const void *data, uint32_t len);

/*
 * The CRC-32 of A followed by B, from A's CRC, B's CRC and B's length:
 * what zlib's crc32_combine() gives, without touching the bytes again.
 */
uint32_t fw_crc32_combine(uint32_t crc_a, uint32_t crc_b, uint32_t len_b);

#endif
