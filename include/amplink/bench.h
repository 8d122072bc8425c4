/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark's services, shared by the firmware and libamplink.
 *
 * AMP_BENCH_SERVICE takes blocks towards the firmware: each block one
 * message, answered with an amp_ack (frame.h). AMP_BENCH_SOURCE_SERVICE
 * sends blocks towards Linux: each request message (struct
 * amp_bench_request, AMP_BENCH_REQUEST_SIZE bytes) is answered with one
 * message of the length asked for, whose bytes are amp_bench_pattern(), so
 * the receiver checks every byte, beside the frames' own CRCs.
 *
 * Freestanding: usable from the firmware.
 */
#ifndef AMPLINK_BENCH_H
#define AMPLINK_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <amplink/frame.h>

#define AMP_BENCH_SOURCE_SERVICE "amplink-bench-source"
#define AMP_BENCH_REQUEST_SIZE 8u

struct amp_bench_request {
	uint32_t len;  /* bytes of the block to send, 0..AMP_MSG_MAX */
	uint32_t seed; /* amp_bench_pattern()'s seed */
};

static inline void amp_bench_request_encode(uint8_t out[AMP_BENCH_REQUEST_SIZE],
					    const struct amp_bench_request *r)
{
	amp_put32(out, r->len);
	amp_put32(out + 4, r->seed);
}

/* 0, or -1 when len is not a request's or the length asked for is too large. */
static inline int amp_bench_request_decode(const uint8_t *in, uint32_t len,
					   struct amp_bench_request *r)
{
	if (len != AMP_BENCH_REQUEST_SIZE)
		return -1;
	r->len = amp_get32(in);
	r->seed = amp_get32(in + 4);
	return r->len <= AMP_MSG_MAX ? 0 : -1;
}

/*
 * Byte i of a source block: changes with every byte, with every 256-byte
 * stretch and with the seed, so a byte dropped, repeated, moved or taken
 * from another block shows.
 */
static inline uint8_t amp_bench_pattern(uint32_t seed, uint32_t i)
{
	return (uint8_t)(seed + i + (i >> 8) * 29u + (i >> 16) * 113u);
}

/*
 * The same bytes a 256-byte stretch at a time: within one only i changes,
 * so each byte is a constant plus i, a loop compilers vectorise (on this
 * machine's host 16 MiB take 2 ms, against 8 ms byte by byte; checking, 3
 * against 20). What the bench source sends and the bench checks, so that
 * the figures measure the transports, not the pattern.
 */
static inline uint32_t amp_bench_stretch_end(uint32_t i, uint32_t end)
{
	uint32_t next = (i | 255u) + 1u;

	return next > end || next == 0 ? end : next;
}

/*
 * Writes bytes [offset, offset + len) of seed's block into dst; byte by
 * byte where code size counts more (AMP_BENCH_COMPACT, the M4 image).
 */
static inline void amp_bench_fill(uint8_t *dst, uint32_t seed, uint32_t offset, uint32_t len)
{
#if defined(AMP_BENCH_COMPACT) && AMP_BENCH_COMPACT
	for (uint32_t n = 0; n < len; n++)
		dst[n] = amp_bench_pattern(seed, offset + n);
#else
	uint32_t i = offset, end = offset + len;

	while (i < end) {
		uint32_t stop = amp_bench_stretch_end(i, end);
		uint8_t k = (uint8_t)(seed + (i >> 8) * 29u + (i >> 16) * 113u);

		for (; i < stop; i++)
			*dst++ = (uint8_t)(k + i);
	}
#endif
}

/* Whether the len bytes at p are bytes [0, len) of seed's block. */
static inline bool amp_bench_check(const uint8_t *p, uint32_t seed, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint32_t stop = amp_bench_stretch_end(i, len);
		uint8_t k = (uint8_t)(seed + (i >> 8) * 29u + (i >> 16) * 113u), diff = 0;

		for (; i < stop; i++)
			diff |= (uint8_t)(p[i] ^ (uint8_t)(k + i));
		if (diff)
			return false;
	}
	return true;
}

#endif
