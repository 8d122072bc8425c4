/* SPDX-License-Identifier: BSD-3-Clause */
#include "frame_reader.h"

#include <string.h>

#include <amplink/amplink.h>

void amp_reader_init(struct amp_frame_reader *r)
{
	r->have = 0;
	r->skipped = 0;
}

/* Drops the first byte of what is held: it cannot begin a reply. */
static void slide(struct amp_frame_reader *r)
{
	memmove(r->frame, r->frame + 1, r->have - 1);
	r->have--;
	r->skipped++;
}

/* Whether the held header can start a reply this reader accepts. */
static int header_acceptable(const struct amp_frame_reader *r, struct amp_frame_hdr *hdr)
{
	return amp_frame_decode(r->frame, hdr) == AMP_STATUS_OK &&
	       hdr->len <= AMP_READER_MAX_PAYLOAD;
}

enum amp_reader_result amp_reader_push(struct amp_frame_reader *r, const uint8_t *data, size_t len,
				       size_t *used, struct amp_frame_hdr *hdr,
				       const uint8_t **payload)
{
	size_t taken = 0;

	for (;;) {
		size_t want = AMP_FRAME_HDR_SIZE;

		if (r->have >= AMP_FRAME_HDR_SIZE) {
			if (!header_acceptable(r, hdr)) {
				slide(r);
				continue;
			}
			want += hdr->len;
		}
		if (r->have == want && r->have >= AMP_FRAME_HDR_SIZE) {
			*used = taken;
			*payload = r->frame + AMP_FRAME_HDR_SIZE;
			r->have = 0;
			return amp_crc32(0, *payload, hdr->len) == hdr->crc ? AMP_READER_FRAME
									    : AMP_READER_CORRUPT;
		}
		if (taken == len)
			break;
		size_t n = want - r->have;

		if (n > len - taken)
			n = len - taken;
		memcpy(r->frame + r->have, data + taken, n);
		r->have += n;
		taken += n;
	}
	*used = taken;
	return AMP_READER_MORE;
}
