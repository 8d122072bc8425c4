/* SPDX-License-Identifier: BSD-3-Clause */
/* Channels: frames out, verified replies back, over any transport. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "transport.h"

static const char *const transport_names[AMP_TRANSPORT_COUNT] = {
	[AMP_TRANSPORT_NETLINK] = "netlink",
	[AMP_TRANSPORT_TTY] = "tty",
	[AMP_TRANSPORT_CHAR] = "char",
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
	int rc;

	ch->fd = -1;
	ch->transport = transport;
	ch->timeout_ms = timeout_ms ? timeout_ms : AMP_DEFAULT_TIMEOUT_MS;
	ch->next_seq = 1;
	amp_reader_init(&ch->reader);
	switch (transport) {
	case AMP_TRANSPORT_TTY:
		rc = amp_tty_open(ch, device);
		break;
	case AMP_TRANSPORT_CHAR:
		rc = amp_char_open(ch, device);
		break;
	default:
		rc = amp_netlink_open(ch, device);
		break;
	}
	/* transports without writev send a frame's header with its first bytes */
	if (rc == 0 && !ch->ops->writev) {
		ch->first = malloc(ch->max_write);
		if (!ch->first) {
			ch->ops->close(ch);
			rc = -1;
		}
	}
	return rc;
}

void amp_channel_fini(struct amp_channel *ch)
{
	ch->ops->close(ch);
	free(ch->first);
	ch->first = NULL;
}

struct amp_channel *amp_channel_open(const struct amp_open_options *opts)
{
	struct amp_channel *ch;

	if (!opts || (unsigned int)opts->transport >= AMP_TRANSPORT_COUNT || opts->timeout_ms < 0) {
		errno = EINVAL;
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	if (amp_channel_init(ch, opts->transport, opts->device, opts->timeout_ms) != 0) {
		int saved = errno;

		free(ch);
		errno = saved;
		return NULL;
	}
	return ch;
}

void amp_channel_close(struct amp_channel *ch)
{
	if (!ch)
		return;
	amp_channel_fini(ch);
	free(ch);
}

const char *amp_channel_device(const struct amp_channel *ch)
{
	return ch->device;
}

enum amp_transport amp_channel_transport(const struct amp_channel *ch)
{
	return ch->transport;
}

/*
 * Waits for the reply to seq. Replies to earlier, abandoned requests are
 * skipped; an error frame for this request (or one that names no request,
 * as garbage reports do) fails it.
 */
static int wait_reply(struct amp_channel *ch, uint32_t seq, int64_t deadline,
		      struct amp_frame_hdr *hdr, uint8_t *payload)
{
	for (bool first = true;; first = false) {
		if (ch->rx_off == ch->rx_len) {
			/* a lazy deadline holds for the first read only */
			if (!first)
				deadline = amp_deadline_fix(deadline);
			ssize_t n = ch->ops->read(ch, ch->rx, sizeof(ch->rx), deadline);

			if (n < 0)
				return -1;
			ch->rx_off = 0;
			ch->rx_len = (size_t)n;
		}
		const uint8_t *p;
		size_t used;
		enum amp_reader_result r = amp_reader_push(&ch->reader, ch->rx + ch->rx_off,
							   ch->rx_len - ch->rx_off, &used, hdr, &p);

		ch->rx_off += used;
		if (r == AMP_READER_MORE)
			continue;
		if (r == AMP_READER_CORRUPT) {
			errno = EPROTO;
			return -1;
		}
		if (hdr->type == AMP_FRAME_ERROR && (hdr->seq == seq || hdr->seq == 0)) {
			memcpy(payload, p, hdr->len);
			errno = EPROTO;
			return -1;
		}
		if (hdr->seq != seq)
			continue;
		memcpy(payload, p, hdr->len);
		return 0;
	}
}

/* Sends one frame (header then payload, whose CRC-32 is crc) and waits for its reply. */
static int transact(struct amp_channel *ch, uint8_t type, const void *data, size_t len,
		    uint32_t crc, struct amp_frame_hdr *reply, uint8_t *reply_payload,
		    struct amp_transfer *t)
{
	uint32_t seq = ch->next_seq++;
	int64_t deadline;

	if (len > AMP_FRAME_MAX_LEN) {
		errno = EMSGSIZE;
		return -1;
	}
	t->seq = seq;
	t->bytes = (uint32_t)len;
	if (ch->ops->writev) {
		deadline = AMP_DEADLINE_LAZY(ch->timeout_ms);
		uint8_t hdr[AMP_FRAME_HDR_SIZE];
		struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)data, len}};

		amp_frame_encode(hdr, type, seq, (uint32_t)len, crc);
		if (ch->ops->writev(ch, iov, len ? 2 : 1, deadline, t) != 0)
			return -1;
		return wait_reply(ch, seq, deadline, reply, reply_payload);
	}
	deadline = amp_clock_ms() + ch->timeout_ms;
	/*
	 * The header travels with the first payload bytes: one message less
	 * per frame, which is most of the cost of a small block.
	 */
	size_t head =
		len < ch->max_write - AMP_FRAME_HDR_SIZE ? len : ch->max_write - AMP_FRAME_HDR_SIZE;
	const uint8_t *rest = (const uint8_t *)data + head;

	amp_frame_encode(ch->first, type, seq, (uint32_t)len, crc);
	if (head)
		memcpy(ch->first + AMP_FRAME_HDR_SIZE, data, head);
	if (ch->ops->write(ch, ch->first, AMP_FRAME_HDR_SIZE + head, deadline, t) != 0 ||
	    (len > head && ch->ops->write(ch, rest, len - head, deadline, t) != 0))
		return -1;
	return wait_reply(ch, seq, deadline, reply, reply_payload);
}

int amp_channel_send_block(struct amp_channel *ch, const void *data, size_t len,
			   struct amp_transfer *out)
{
	struct amp_transfer t = {0};
	struct amp_frame_hdr reply = {0};
	uint8_t payload[AMP_READER_MAX_PAYLOAD] = {0};
	struct amp_ack ack;
	/* once per block: for the header, and to check the ack against */
	uint32_t crc = len <= AMP_FRAME_MAX_LEN ? amp_crc32(0, data, len) : 0;
	int rc = transact(ch, AMP_FRAME_DATA, data, len, crc, &reply, payload, &t);

	if (rc == 0 && (reply.type != AMP_FRAME_ACK || reply.len != AMP_ACK_SIZE)) {
		errno = EPROTO;
		rc = -1;
	}
	if (rc == 0) {
		amp_ack_decode(payload, &ack);
		t.acked_bytes = ack.received;
		t.acked_crc = ack.crc;
		t.status = ack.status;
		if (ack.status != AMP_STATUS_OK || ack.received != len || ack.crc != crc) {
			errno = EIO;
			rc = -1;
		}
	} else if (reply.type == AMP_FRAME_ERROR && errno == EPROTO) {
		t.status = amp_get32(payload);
	}
	if (out)
		*out = t;
	return rc;
}

int amp_channel_echo(struct amp_channel *ch, const void *data, size_t len, void *reply_data)
{
	struct amp_transfer t = {0};
	struct amp_frame_hdr reply;
	uint8_t payload[AMP_READER_MAX_PAYLOAD];

	if (len > AMP_ECHO_MAX_LEN) {
		errno = EMSGSIZE;
		return -1;
	}
	if (transact(ch, AMP_FRAME_ECHO, data, len, amp_crc32(0, data, len), &reply, payload, &t) !=
	    0)
		return -1;
	if (reply.type != AMP_FRAME_ECHO_REPLY || reply.len != len) {
		errno = EPROTO;
		return -1;
	}
	memcpy(reply_data, payload, len);
	return 0;
}

int amp_channel_firmware_stats(struct amp_channel *ch, struct amp_stats *out)
{
	struct amp_transfer t = {0};
	struct amp_frame_hdr reply;
	uint8_t payload[AMP_READER_MAX_PAYLOAD];

	if (transact(ch, AMP_FRAME_STATS_REQUEST, NULL, 0, 0, &reply, payload, &t) != 0)
		return -1;
	if (reply.type != AMP_FRAME_STATS || reply.len != AMP_STATS_SIZE) {
		errno = EPROTO;
		return -1;
	}
	amp_stats_decode(payload, out);
	return 0;
}
