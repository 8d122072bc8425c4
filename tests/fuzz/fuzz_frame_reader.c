/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The library's reply reader on arbitrary bytes in arbitrary pieces: the
 * first input byte picks the piece size. Whatever comes out must be a
 * well-formed frame no larger than the reader promises.
 */
#include <stdint.h>
#include <stdlib.h>

#include <amplink/amplink.h>

#include "frame_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amp_frame_reader r;
	size_t piece;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1u;
	data++;
	size--;
	amp_reader_init(&r);
	while (size > 0) {
		size_t n = size < piece ? size : piece, off = 0;

		while (off < n) {
			struct amp_frame_hdr h;
			const uint8_t *p;
			size_t used;
			enum amp_reader_result res =
				amp_reader_push(&r, data + off, n - off, &used, &h, &p);

			if (used > n - off)
				abort();
			off += used;
			if (res != AMP_READER_MORE &&
			    (h.magic != AMP_FRAME_MAGIC || h.len > AMP_READER_MAX_PAYLOAD))
				abort();
			if (res == AMP_READER_FRAME && amp_crc32(0, p, h.len) != h.crc)
				abort();
			if (res == AMP_READER_MORE && off != n)
				abort();
		}
		data += n;
		size -= n;
	}
	return 0;
}
