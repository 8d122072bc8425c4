/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC-32 as zlib computes it (IEEE 802.3, reflected, check value 0xCBF43926
 * for "123456789"), over every byte a transfer carries.
 *
 * The engine is the port's. Host builds (the vboard's firmware process, the
 * tests) call zlib's crc32() and crc32_combine() from
 * firmware/host/crc32_zlib.c: ten times the speed of a byte-wise table,
 * which bounded the vboard's bulk transfers. The M4 has no zlib, nor room
 * in its image for the larger tables of a faster software CRC: it keeps the
 * byte-wise table (1 KiB, firmware/services/crc32.c), held to zlib's
 * answers on the host by unit.firmware.crc32_table and run on the M4 by the
 * QEMU self-test.
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
