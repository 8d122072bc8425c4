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

#endif
