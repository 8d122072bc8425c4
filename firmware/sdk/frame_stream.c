/* SPDX-License-Identifier: BSD-3-Clause */
#include <amplink/frame_stream.h>

#include <string.h>

static const uint8_t magic_bytes[4] = {'A', 'M', 'P', 'L'};

void amp_stream_init(struct amp_stream *s, amp_crc_fn crc_fn)
{
	memset(s, 0, sizeof(*s));
	s->crc_fn = crc_fn;
}

void amp_stream_reset(struct amp_stream *s)
{
	s->have = 0;
	s->in_payload = false;
	s->got = 0;
	s->crc = 0;
}

/* Drops the first collected byte: it starts no frame. */
static void slide(struct amp_stream *s)
{
	memmove(s->hdr_bytes, s->hdr_bytes + 1, s->have - 1u);
	s->have--;
	s->skipped++;
}

/* Reports a run of garbage once, when it starts. */
static bool garbage(struct amp_stream *s, enum amp_status why, struct amp_stream_event *ev)
{
	if (s->in_garbage)
		return false;
	s->in_garbage = true;
	ev->type = AMP_STREAM_GARBAGE;
	ev->status = why;
	return true;
}

/* Whether the bytes collected so far agree with the magic. */
static bool could_be_magic(const struct amp_stream *s)
{
	uint32_t n = s->have < sizeof(magic_bytes) ? s->have : (uint32_t)sizeof(magic_bytes);

	return memcmp(s->hdr_bytes, magic_bytes, n) == 0;
}

/*
 * Takes header bytes; returns true when an event is ready in *ev. The
 * collected bytes always form a possible start of a header: a byte that
 * breaks the magic slides the window at once, so garbage costs few copies.
 */
static bool take_header(struct amp_stream *s, const uint8_t *in, size_t len, size_t *used,
			struct amp_stream_event *ev)
{
	while (*used < len) {
		s->hdr_bytes[s->have++] = in[(*used)++];
		while (!could_be_magic(s)) {
			slide(s);
			if (garbage(s, AMP_STATUS_BAD_MAGIC, ev))
				return true;
		}
		if (s->have < AMP_FRAME_HDR_SIZE)
			continue;
		enum amp_status st = amp_frame_decode(s->hdr_bytes, &s->frame);

		if (st == AMP_STATUS_OK) {
			s->have = 0;
			s->in_payload = true;
			s->in_garbage = false;
			s->got = 0;
			s->crc = 0;
			ev->type = AMP_STREAM_HEADER;
			ev->hdr = s->frame;
			return true;
		}
		slide(s);
		if (garbage(s, st, ev))
			return true;
	}
	return false;
}

size_t amp_stream_feed(struct amp_stream *s, const uint8_t *in, size_t len,
		       struct amp_stream_event *ev)
{
	size_t used = 0;

	ev->type = AMP_STREAM_NONE;
	if (!s->in_payload) {
		take_header(s, in, len, &used, ev);
		return used;
	}
	ev->hdr = s->frame;
	if (s->got == s->frame.len) {
		s->in_payload = false;
		ev->type = AMP_STREAM_END;
		ev->crc = s->crc;
		ev->crc_ok = s->crc == s->frame.crc;
		return 0;
	}
	if (len == 0)
		return 0;

	uint32_t want = s->frame.len - s->got;
	uint32_t n = len < want ? (uint32_t)len : want;

	ev->type = AMP_STREAM_PAYLOAD;
	ev->data = in;
	ev->len = n;
	ev->offset = s->got;
	s->crc = s->crc_fn(s->crc, in, n);
	s->got += n;
	return n;
}
