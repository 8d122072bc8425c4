/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Channels: transports opened by name, and the bench API on top. A bench
 * channel is a client of the firmware's bench service (AMP_BENCH_SERVICE):
 * each block one message, answered by an ack with the bytes and CRC-32
 * that arrived; ECHO and STATS are the node's diagnostics on the same
 * transport (lib/client.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <amplink/bench.h>

#include "client_internal.h"
#include "transport.h"

static const char *const transport_names[AMP_TRANSPORT_COUNT] = {
	[AMP_TRANSPORT_NETLINK] = "netlink",
	[AMP_TRANSPORT_TTY] = "tty",
	[AMP_TRANSPORT_CHAR] = "char",
	[AMP_TRANSPORT_SHM] = "shm",
};

const char *amp_transport_name(enum amp_transport t)
{
	return (unsigned int)t < AMP_TRANSPORT_COUNT ? transport_names[t] : "unknown";
}

int amp_transport_parse(const char *name, enum amp_transport *out)
{
	for (unsigned int t = 0; t < AMP_TRANSPORT_COUNT; t++) {
		if (name && strcmp(name, transport_names[t]) == 0) {
			*out = (enum amp_transport)t;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

uint32_t amp_crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* zlib takes at most UINT_MAX bytes per call. */
	while (len > 0) {
		uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;

		crc = (uint32_t)crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
}

int amp_channel_init(struct amp_channel *ch, enum amp_transport transport, const char *device,
		     int timeout_ms)
{
	ch->fd = -1;
	ch->transport = transport;
	ch->timeout_ms = timeout_ms ? timeout_ms : AMP_DEFAULT_TIMEOUT_MS;
	switch (transport) {
	case AMP_TRANSPORT_TTY:
		return amp_tty_open(ch, device);
	case AMP_TRANSPORT_CHAR:
		return amp_char_open(ch, device);
	default:
		return amp_netlink_open(ch, device);
	}
}

void amp_channel_fini(struct amp_channel *ch)
{
	ch->ops->close(ch);
}

/* A client of the bench service (or, source, of the bench source). */
static struct amp_channel *open_bench(const struct amp_open_options *opts, bool source)
{
	struct amp_client *c;
	struct amp_channel *ch;

	if (!opts || (unsigned int)opts->transport >= AMP_TRANSPORT_COUNT || opts->timeout_ms < 0) {
		errno = EINVAL;
		return NULL;
	}
	struct amp_client_options co = {
		.transport = opts->transport,
		.device = opts->device,
		.timeout_ms = opts->timeout_ms,
		/* the bench measures netlink's direct path; shm is the bulk one */
		.bulk_threshold = opts->transport == AMP_TRANSPORT_NETLINK ? AMP_BULK_NEVER : 0,
	};

	c = amp_client_open_channel(source ? AMP_BENCH_SOURCE_SERVICE : AMP_BENCH_SERVICE, &co);
	if (!c)
		return NULL;
	ch = amp_client_channel(c);
	ch->source = source;
	return ch;
}

struct amp_channel *amp_channel_open(const struct amp_open_options *opts)
{
	return open_bench(opts, false);
}

struct amp_channel *amp_channel_open_source(const struct amp_open_options *opts)
{
	return open_bench(opts, true);
}

void amp_channel_close(struct amp_channel *ch)
{
	if (ch)
		amp_client_close(amp_channel_client(ch));
}

const char *amp_channel_device(const struct amp_channel *ch)
{
	return ch->device;
}

enum amp_transport amp_channel_transport(const struct amp_channel *ch)
{
	return ch->transport;
}

int amp_channel_send_block(struct amp_channel *ch, const void *data, size_t len,
			   struct amp_transfer *out)
{
	struct amp_transfer t = {.bytes = (uint32_t)len};
	struct amp_ack ack = {0};
	int rc;

	if (!ch || (len && !data) || ch->source) {
		errno = EINVAL;
		return -1;
	}
	if (len > AMP_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	/* once per block: for the message's frame, and to check the ack against */
	uint32_t crc = amp_crc32(0, data, len);

	rc = amp_client_block(amp_channel_client(ch), data, len, crc, &ack, &t);
	if (rc == 0) {
		t.acked_bytes = ack.received;
		t.acked_crc = ack.crc;
		t.status = ack.status;
		if (ack.status != AMP_STATUS_OK || ack.received != len || ack.crc != crc) {
			errno = EIO;
			rc = -1;
		}
	}
	if (out)
		*out = t;
	return rc;
}

int amp_channel_fetch_block(struct amp_channel *ch, void *buf, size_t len, struct amp_transfer *out)
{
	struct amp_transfer t = {.bytes = (uint32_t)len};
	uint8_t req[AMP_BENCH_REQUEST_SIZE];
	const uint8_t *p = buf;
	ssize_t n;

	if (!ch || (len && !buf) || !ch->source) {
		errno = EINVAL;
		return -1;
	}
	if (len > AMP_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	struct amp_bench_request r = {.len = (uint32_t)len, .seed = ++ch->source_seed};

	amp_bench_request_encode(req, &r);
	n = amp_client_fetch(amp_channel_client(ch), req, sizeof(req), buf, len, &t);
	if (n >= 0) {
		/* the frames' CRCs were checked on the way in; the bytes are checked here */
		t.acked_bytes = (uint32_t)n;
		t.status = AMP_STATUS_OK;
		if (!amp_bench_check(p, r.seed, (uint32_t)n))
			t.status = AMP_STATUS_BAD_CRC;
		if ((size_t)n != len || t.status != AMP_STATUS_OK) {
			errno = EIO;
			n = -1;
		}
	}
	if (out)
		*out = t;
	return n < 0 ? -1 : 0;
}

int amp_channel_echo(struct amp_channel *ch, const void *data, size_t len, void *reply_data)
{
	if (!ch || (len && (!data || !reply_data))) {
		errno = EINVAL;
		return -1;
	}
	if (len > AMP_ECHO_MAX_LEN) {
		errno = EMSGSIZE;
		return -1;
	}
	return amp_client_diag(amp_channel_client(ch), AMP_FRAME_ECHO, data, len,
			       AMP_FRAME_ECHO_REPLY, reply_data, len);
}

int amp_channel_firmware_stats(struct amp_channel *ch, struct amp_stats *out)
{
	uint8_t payload[AMP_STATS_SIZE];

	if (!ch || !out) {
		errno = EINVAL;
		return -1;
	}
	if (amp_client_diag(amp_channel_client(ch), AMP_FRAME_STATS_REQUEST, NULL, 0,
			    AMP_FRAME_STATS, payload, sizeof(payload)) != 0)
		return -1;
	amp_stats_decode(payload, out);
	return 0;
}
