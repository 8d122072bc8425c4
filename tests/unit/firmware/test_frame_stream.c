/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frame parser both sides share: frames whole and cut anywhere, empty
 * payloads, garbage before and between frames (reported once per run),
 * headers that decode to nonsense, CRC failures, a reset mid-frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <zlib.h>

#include <amplink/frame_stream.h>

static uint32_t zlib_crc(uint32_t crc, const void *data, uint32_t len)
{
	return (uint32_t)crc32(crc, data, len);
}

/* What the parser reported, in order, with payloads joined back together. */
struct seen {
	unsigned int headers, ends, garbage, bad_crc;
	struct amp_frame_hdr last_hdr;
	enum amp_status last_garbage;
	uint8_t payload[4096];
	uint32_t payload_len;
	bool offsets_ok;
};

static void feed_all(struct amp_stream *s, const uint8_t *in, size_t len, size_t piece,
		     struct seen *w)
{
	while (len > 0) {
		size_t n = len < piece ? len : piece, off = 0;
		struct amp_stream_event ev;

		do {
			off += amp_stream_feed(s, in + off, n - off, &ev);
			assert_true(off <= n);
			switch (ev.type) {
			case AMP_STREAM_HEADER:
				w->headers++;
				w->last_hdr = ev.hdr;
				w->payload_len = 0;
				break;
			case AMP_STREAM_PAYLOAD:
				if (ev.offset != w->payload_len)
					w->offsets_ok = false;
				assert_true(w->payload_len + ev.len <= sizeof(w->payload));
				memcpy(w->payload + w->payload_len, ev.data, ev.len);
				w->payload_len += ev.len;
				break;
			case AMP_STREAM_END:
				w->ends++;
				if (!ev.crc_ok)
					w->bad_crc++;
				assert_int_equal(ev.crc, zlib_crc(0, w->payload, w->payload_len));
				break;
			case AMP_STREAM_GARBAGE:
				w->garbage++;
				w->last_garbage = ev.status;
				break;
			case AMP_STREAM_NONE:
				assert_int_equal(off, n);
				break;
			}
		} while (ev.type != AMP_STREAM_NONE);
		in += n;
		len -= n;
	}
}

static size_t frame(uint8_t *out, uint8_t type, uint32_t seq, const uint8_t *payload, uint32_t len)
{
	amp_frame_encode(out, type, seq, len, zlib_crc(0, payload, len));
	if (len)
		memcpy(out + AMP_FRAME_HDR_SIZE, payload, len);
	return AMP_FRAME_HDR_SIZE + len;
}

static void init(struct amp_stream *s, struct seen *w)
{
	amp_stream_init(s, zlib_crc);
	memset(w, 0, sizeof(*w));
	w->offsets_ok = true;
}

/* Every cut of a frame gives the same header, payload and END. */
static void test_any_cut(void **state)
{
	uint8_t payload[1200], buf[1300];
	size_t len;

	(void)state;
	for (unsigned int i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7u + 3u);
	len = frame(buf, AMP_FRAME_MSG, 9, payload, sizeof(payload));
	for (size_t piece = 1; piece <= len; piece += piece < 40 ? 1 : 97) {
		struct amp_stream s;
		struct seen w;

		init(&s, &w);
		feed_all(&s, buf, len, piece, &w);
		assert_int_equal(w.headers, 1);
		assert_int_equal(w.ends, 1);
		assert_int_equal(w.bad_crc, 0);
		assert_int_equal(w.garbage, 0);
		assert_true(w.offsets_ok);
		assert_int_equal(w.last_hdr.type, AMP_FRAME_MSG);
		assert_int_equal(w.last_hdr.seq, 9);
		assert_int_equal(w.payload_len, sizeof(payload));
		assert_memory_equal(w.payload, payload, sizeof(payload));
		assert_false(amp_stream_mid_frame(&s));
	}
}

/* An empty payload still ends, even when no byte follows the header. */
static void test_empty_payloads(void **state)
{
	uint8_t buf[3 * AMP_FRAME_HDR_SIZE];
	struct amp_stream s;
	struct seen w;
	size_t len = 0;

	(void)state;
	for (uint32_t seq = 1; seq <= 3; seq++)
		len += frame(buf + len, AMP_FRAME_MSG, seq, NULL, 0);
	init(&s, &w);
	feed_all(&s, buf, AMP_FRAME_HDR_SIZE, AMP_FRAME_HDR_SIZE, &w);
	assert_int_equal(w.ends, 1);
	feed_all(&s, buf + AMP_FRAME_HDR_SIZE, len - AMP_FRAME_HDR_SIZE, 7, &w);
	assert_int_equal(w.headers, 3);
	assert_int_equal(w.ends, 3);
	assert_int_equal(w.last_hdr.seq, 3);
}

/* Garbage before, between and inside would-be headers: one report per run. */
static void test_garbage_runs(void **state)
{
	static const uint8_t noise[] = "AMPAMPLxAMxyz\x00\xff AMP";
	uint8_t buf[512];
	struct amp_stream s;
	struct seen w;
	size_t len = 0;

	(void)state;
	memcpy(buf, noise, sizeof(noise) - 1);
	len += sizeof(noise) - 1;
	len += frame(buf + len, AMP_FRAME_MSG, 1, (const uint8_t *)"one", 3);
	memcpy(buf + len, noise, sizeof(noise) - 1);
	len += sizeof(noise) - 1;
	len += frame(buf + len, AMP_FRAME_CREDIT, 2, (const uint8_t *)"abcd", 4);
	for (size_t piece = 1; piece <= len; piece++) {
		init(&s, &w);
		feed_all(&s, buf, len, piece, &w);
		assert_int_equal(w.headers, 2);
		assert_int_equal(w.ends, 2);
		assert_int_equal(w.garbage, 2);
		assert_int_equal(w.last_hdr.type, AMP_FRAME_CREDIT);
		assert_memory_equal(w.payload, "abcd", 4);
		assert_int_equal(s.skipped, 2 * (sizeof(noise) - 1));
	}
}

/* A header with the magic but a bad version, type or length slides by one byte. */
static void test_bad_headers_slide(void **state)
{
	uint8_t buf[256];
	struct amp_stream s;
	struct seen w;
	size_t len;

	(void)state;
	amp_frame_encode(buf, AMP_FRAME_MSG, 1, 0, 0);
	buf[4] = 9; /* version */
	len = AMP_FRAME_HDR_SIZE;
	len += frame(buf + len, AMP_FRAME_MSG, 2, (const uint8_t *)"x", 1);
	init(&s, &w);
	feed_all(&s, buf, len, len, &w);
	assert_int_equal(w.garbage, 1);
	assert_int_equal(w.last_garbage, AMP_STATUS_BAD_VERSION);
	assert_int_equal(w.headers, 1);
	assert_int_equal(w.last_hdr.seq, 2);

	amp_frame_encode(buf, 200, 1, 0, 0);
	init(&s, &w);
	feed_all(&s, buf, AMP_FRAME_HDR_SIZE, 1, &w);
	assert_int_equal(w.last_garbage, AMP_STATUS_BAD_TYPE);

	amp_frame_encode(buf, AMP_FRAME_DATA, 1, AMP_FRAME_MAX_LEN + 1u, 0);
	init(&s, &w);
	feed_all(&s, buf, AMP_FRAME_HDR_SIZE, 3, &w);
	assert_int_equal(w.last_garbage, AMP_STATUS_TOO_LARGE);
	assert_int_equal(w.headers, 0);
}

static void test_crc_mismatch_reported(void **state)
{
	uint8_t buf[64];
	struct amp_stream s;
	struct seen w;
	size_t len = frame(buf, AMP_FRAME_MSG, 1, (const uint8_t *)"payload", 7);

	(void)state;
	buf[len - 1] ^= 0x40;
	init(&s, &w);
	feed_all(&s, buf, len, 5, &w);
	assert_int_equal(w.ends, 1);
	assert_int_equal(w.bad_crc, 1);
}

/* After a reset mid-payload the next frame is found afresh. */
static void test_reset_mid_frame(void **state)
{
	uint8_t buf[128];
	struct amp_stream s;
	struct seen w;
	size_t len = frame(buf, AMP_FRAME_MSG, 1, (const uint8_t *)"0123456789", 10);

	(void)state;
	init(&s, &w);
	feed_all(&s, buf, AMP_FRAME_HDR_SIZE + 4, 64, &w);
	assert_true(amp_stream_mid_frame(&s));
	amp_stream_reset(&s);
	assert_false(amp_stream_mid_frame(&s));
	feed_all(&s, buf, len, 64, &w);
	assert_int_equal(w.headers, 2);
	assert_int_equal(w.ends, 1);
	assert_int_equal(w.payload_len, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any_cut),
		cmocka_unit_test(test_empty_payloads),
		cmocka_unit_test(test_garbage_runs),
		cmocka_unit_test(test_bad_headers_slide),
		cmocka_unit_test(test_crc_mismatch_reported),
		cmocka_unit_test(test_reset_mid_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
