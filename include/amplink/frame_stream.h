/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finds amplink frames in a byte stream: the one parser of both sides (the
 * firmware's node and libamplink). Transports cut frames anywhere (a tty is
 * a plain byte stream; rpmsg cuts at 496 bytes), so the parser keeps what it
 * has of a header across calls and hands out payload bytes in place, as
 * they come, with the CRC computed on the way: nothing is stored, so no
 * length from the peer can overflow anything here.
 *
 * Bytes that cannot start a frame are skipped one at a time (a header that
 * does not decode slides by one byte), so a reader falls back in step after
 * garbage; each run of garbage is reported once.
 *
 * Use: call amp_stream_feed() until it has consumed the input, acting on the
 * event it reports each time. Freestanding (no libc beyond string.h).
 */
#ifndef AMPLINK_FRAME_STREAM_H
#define AMPLINK_FRAME_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <amplink/frame.h>

/* CRC-32 (zlib/IEEE) continued over len more bytes. */
typedef uint32_t (*amp_crc_fn)(uint32_t crc, const void *data, uint32_t len);

enum amp_stream_event_type {
	AMP_STREAM_NONE,    /* the input was used up without anything to report */
	AMP_STREAM_HEADER,  /* a frame begins: hdr */
	AMP_STREAM_PAYLOAD, /* its next payload bytes: data, len, at offset */
	AMP_STREAM_END,	    /* the frame is complete: crc, crc_ok */
	AMP_STREAM_GARBAGE, /* bytes start no frame: status says why (reported once per run) */
};

struct amp_stream_event {
	enum amp_stream_event_type type;
	struct amp_frame_hdr hdr; /* HEADER, PAYLOAD, END: the frame's header */
	const uint8_t *data;	  /* PAYLOAD: points into the input */
	uint32_t len;
	uint32_t offset;	/* PAYLOAD: where data starts in the payload */
	uint32_t crc;		/* END: CRC-32 of the payload as it arrived */
	bool crc_ok;		/* END: crc equals the header's */
	enum amp_status status; /* GARBAGE: why the bytes were refused */
};

struct amp_stream {
	amp_crc_fn crc_fn;
	uint8_t hdr_bytes[AMP_FRAME_HDR_SIZE];
	uint32_t have; /* header bytes collected */
	bool in_payload;
	bool in_garbage; /* the current run of garbage was reported */
	struct amp_frame_hdr frame;
	uint32_t got; /* payload bytes seen */
	uint32_t crc;
	uint32_t skipped; /* garbage bytes passed over, in total */
};

void amp_stream_init(struct amp_stream *s, amp_crc_fn crc_fn);

/* Forgets a frame in progress (e.g. its sender stalled); counters stay. */
void amp_stream_reset(struct amp_stream *s);

/* True between a frame's first header byte and its END. */
static inline bool amp_stream_mid_frame(const struct amp_stream *s)
{
	return s->in_payload || s->have > 0;
}

/*
 * Consumes input up to the next event and reports it in *ev; returns the
 * bytes consumed (all of len when ev->type is AMP_STREAM_NONE). A frame with
 * an empty payload gives HEADER then END.
 */
size_t amp_stream_feed(struct amp_stream *s, const uint8_t *in, size_t len,
		       struct amp_stream_event *ev);

#endif
