/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frame parser both sides share, on arbitrary bytes in arbitrary
 * pieces (the first input byte picks the piece size). Whatever it reports
 * must be consistent: payload pieces inside the input and in order, never
 * more payload than the header announced, an END for every frame whose
 * bytes all came, and a CRC that matches the bytes handed out.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include <amplink/frame_stream.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t zcrc(uint32_t crc, const void *p, uint32_t len)
{
	return (uint32_t)crc32(crc, p, len);
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amp_stream s;
	bool in_frame = false;
	uint32_t got = 0, crc = 0, want = 0;

	if (size < 1)
		return 0;
	size_t piece = (size_t)data[0] % 64u + 1u;

	data++;
	size--;
	amp_stream_init(&s, zcrc);
	while (size > 0) {
		size_t n = size < piece ? size : piece, off = 0;
		struct amp_stream_event ev;

		do {
			size_t used = amp_stream_feed(&s, data + off, n - off, &ev);

			check(used <= n - off);
			switch (ev.type) {
			case AMP_STREAM_HEADER:
				check(!in_frame);
				check(ev.hdr.magic == AMP_FRAME_MAGIC &&
				      ev.hdr.len <= AMP_FRAME_MAX_LEN);
				in_frame = true;
				got = crc = 0;
				want = ev.hdr.len;
				break;
			case AMP_STREAM_PAYLOAD:
				check(in_frame && ev.offset == got && ev.len > 0);
				check(ev.data == data + off && ev.len == used);
				check(got + ev.len <= want);
				crc = zcrc(crc, ev.data, ev.len);
				got += ev.len;
				break;
			case AMP_STREAM_END:
				check(in_frame && got == want && ev.crc == crc);
				check(ev.crc_ok == (crc == ev.hdr.crc));
				in_frame = false;
				break;
			case AMP_STREAM_GARBAGE:
				check(!in_frame && ev.status != AMP_STATUS_OK);
				break;
			case AMP_STREAM_NONE:
				check(off + used == n);
				break;
			}
			off += used;
		} while (ev.type != AMP_STREAM_NONE);
		data += n;
		size -= n;
	}
	check(in_frame == (s.in_payload));
	return 0;
}
