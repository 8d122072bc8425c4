/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finds the firmware's reply frames in a byte stream (a tty is one; the
 * other transports deliver messages, which are appended the same way).
 * Bytes that cannot start a reply are skipped one at a time, so a reader
 * falls back in step after garbage; a frame whose payload CRC is wrong is
 * reported as corrupt rather than trusted.
 */
#ifndef AMPLINK_FRAME_READER_H
#define AMPLINK_FRAME_READER_H

#include <stddef.h>
#include <stdint.h>

#include <amplink/frame.h>

/* Replies are at most an echo: header plus AMP_ECHO_MAX_LEN. */
#define AMP_READER_MAX_PAYLOAD AMP_ECHO_MAX_LEN

struct amp_frame_reader {
	uint8_t frame[AMP_FRAME_HDR_SIZE + AMP_READER_MAX_PAYLOAD];
	size_t have;
	size_t skipped; /* garbage bytes passed over, in total */
};

enum amp_reader_result {
	AMP_READER_MORE,    /* all input used, no complete frame yet */
	AMP_READER_FRAME,   /* *hdr and *payload describe a good frame */
	AMP_READER_CORRUPT, /* a frame whose payload fails its CRC; *hdr is set */
};

void amp_reader_init(struct amp_frame_reader *r);

/*
 * Consumes input up to the end of the next frame. *used tells how much was
 * taken; call again with the rest. *payload points into the reader and is
 * valid until the next call.
 */
enum amp_reader_result amp_reader_push(struct amp_frame_reader *r, const uint8_t *data, size_t len,
				       size_t *used, struct amp_frame_hdr *hdr,
				       const uint8_t **payload);

#endif
