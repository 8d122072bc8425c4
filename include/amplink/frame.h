/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink frames: the application-level format, identical over every
 * transport (netlink, tty, char) and shared by the firmware and libamplink.
 *
 * A frame is a 20-byte little-endian header and len payload bytes. The
 * transport cuts it into pieces that fit (496 bytes for RPMsg); over a tty
 * it is a plain byte stream. The receiver answers each DATA frame with an
 * ACK carrying the bytes it really received and the CRC-32 it computed, so
 * the sender verifies delivery instead of assuming it.
 *
 *   offset size field
 *        0    4 magic    AMP_FRAME_MAGIC ("AMPL")
 *        4    1 version  AMP_FRAME_VERSION
 *        5    1 type     enum amp_frame_type
 *        6    2 flags    AMP_FRAME_F_* (MSG only; 0 otherwise)
 *        8    4 seq      chosen by the sender, echoed in the answer
 *       12    4 len      payload bytes that follow
 *       16    4 crc      CRC-32 (zlib/IEEE) of the payload
 *
 * Two families of frames share the header. Messaging (OPEN, OPENED, MSG,
 * CREDIT, CLOSE) carries applications' messages between a Linux client and
 * a named firmware service, with credits in both directions; docs/protocol.md
 * is its contract (amplink bench's blocks are messages to AMP_BENCH_SERVICE).
 * Diagnostics (DATA/ACK, ECHO, STATS) are answered by the firmware itself,
 * for amplink bench's counters, bring-up and tests.
 *
 * Freestanding: usable from the firmware (no libc beyond string.h).
 */
#ifndef AMPLINK_FRAME_H
#define AMPLINK_FRAME_H

#include <stdint.h>
#include <string.h>

#define AMP_FRAME_MAGIC 0x4c504d41u /* the bytes 'A' 'M' 'P' 'L' */
#define AMP_FRAME_VERSION 1u
#define AMP_FRAME_HDR_SIZE 20u
/* Largest DATA payload; the firmware never stores it, only counts and CRCs it. */
#define AMP_FRAME_MAX_LEN (256u * 1024u * 1024u)
/* Largest ECHO payload: header and payload fit one RPMsg message. */
#define AMP_ECHO_MAX_LEN 476u
/* The firmware's bench service: blocks as messages, each answered with an amp_ack. */
#define AMP_BENCH_SERVICE "amplink-bench"
/* Largest application message (the sum of its MSG frames' payloads). */
#define AMP_MSG_MAX (64u * 1024u * 1024u)
/* MSG payload that fills one RPMsg message with its header: how the firmware cuts. */
#define AMP_MSG_FRAG_MAX 476u

/*
 * What bytes sent by reference (bulk transfers, a FILLED's range) cost the
 * receiver's window: what they would cost in MSG frames, a unit per
 * AMP_MSG_FRAG_MAX or part of it.
 */
static inline uint32_t amp_bulk_units(uint32_t bytes)
{
	return bytes / AMP_MSG_FRAG_MAX + (bytes % AMP_MSG_FRAG_MAX != 0);
}

/*
 * MSG flags. A message is one or more MSG frames with the same seq; all but
 * the last carry MORE. ABORT (an empty frame) abandons the message in
 * progress: the receiver discards what it has of it.
 */
#define AMP_FRAME_F_MORE 0x0001u
#define AMP_FRAME_F_ABORT 0x0002u
/*
 * A frame that stops arriving for this long is abandoned by the firmware
 * (its sender is gone); the next bytes from that address start afresh.
 */
#define AMP_FRAME_STALL_MS 1000u
/* Longest service name in OPEN (bytes, no terminating NUL on the wire). */
#define AMP_SERVICE_NAME_MAX 31u

enum amp_frame_type {
	AMP_FRAME_DATA = 1,
	AMP_FRAME_ACK = 2,  /* payload: struct amp_ack */
	AMP_FRAME_ECHO = 3, /* answered by ECHO_REPLY with the same payload */
	AMP_FRAME_ECHO_REPLY = 4,
	AMP_FRAME_ERROR = 5, /* payload: struct amp_error */
	AMP_FRAME_STATS_REQUEST = 6,
	AMP_FRAME_STATS = 7, /* payload: struct amp_stats */
	/* messaging */
	AMP_FRAME_OPEN = 8,    /* client -> firmware; payload: amp_open + name */
	AMP_FRAME_OPENED = 9,  /* firmware -> client; payload: struct amp_opened */
	AMP_FRAME_MSG = 10,    /* either way: one whole application message */
	AMP_FRAME_CREDIT = 11, /* either way; payload: u32, more credit */
	AMP_FRAME_CLOSE = 12,  /* either way; payload: u32 enum amp_status, why */
};
#define AMP_FRAME_TYPE_MAX AMP_FRAME_CLOSE

enum amp_status {
	AMP_STATUS_OK = 0,
	AMP_STATUS_BAD_CRC = 1,
	AMP_STATUS_BAD_MAGIC = 2,
	AMP_STATUS_BAD_VERSION = 3,
	AMP_STATUS_TOO_LARGE = 4,
	AMP_STATUS_BAD_TYPE = 5,
	AMP_STATUS_TIMEOUT = 6,	   /* a frame stopped arriving half-way */
	AMP_STATUS_BUSY = 7,	   /* too many senders or clients at once */
	AMP_STATUS_NO_SERVICE = 8, /* OPEN named no service of this firmware */
	AMP_STATUS_NOT_OPEN = 9,   /* MSG or CREDIT from a sender with no connection */
	AMP_STATUS_CREDIT = 10,	   /* MSG beyond the credit or size granted */
	AMP_STATUS_REFUSED = 11,   /* the service turned the client away */
	AMP_STATUS_CLOSED = 12,	   /* CLOSE: the peer ended the connection */
	AMP_STATUS_LINK_DOWN = 13, /* CLOSE: the firmware is stopping */
	AMP_STATUS_BAD_SLOTS = 14, /* a message by reference named slots it may not: lost */
};

struct amp_frame_hdr {
	uint32_t magic;
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint32_t seq;
	uint32_t len;
	uint32_t crc;
};

#define AMP_ACK_SIZE 12u
struct amp_ack {
	uint32_t received; /* payload bytes that arrived */
	uint32_t crc;	   /* CRC-32 of what arrived */
	uint32_t status;   /* enum amp_status: OK, or BAD_CRC */
};

#define AMP_ERROR_SIZE 8u
struct amp_error {
	uint32_t status; /* enum amp_status */
	uint32_t detail; /* e.g. the offending length */
};

/*
 * OPEN: a client asks for a connection to a service. window is how many
 * rpmsg messages carrying MSG frames the firmware may send it before more
 * CREDIT (Linux stores each message whole, whatever its length); the name
 * follows, 1..AMP_SERVICE_NAME_MAX bytes. The OPENED or ERROR answering it
 * repeats its seq.
 */
#define AMP_OPEN_FIXED_SIZE 8u
struct amp_open {
	uint32_t window;
	uint32_t flags; /* AMP_OPEN_F_* */
};
/*
 * The client can take messages by reference (FILLED on the amplink-bulk
 * channel: a netlink client of a module whose pool the firmware took).
 * Firmware that does not know the flag ignores it.
 */
#define AMP_OPEN_F_BULK 0x0001u

/*
 * OPENED: the connection exists. credit is how many MSG payload bytes the
 * client may send before more CREDIT; max_message is the largest message
 * the service takes (bytes), at most AMP_MSG_MAX.
 */
#define AMP_OPENED_SIZE 12u
struct amp_opened {
	uint32_t credit;
	uint32_t max_message;
	uint32_t conn_id; /* the firmware's name for the connection, for logs */
};

/* Counters of the firmware side, for doorbells and messages per transfer. */
#define AMP_STATS_FIELDS 11u
#define AMP_STATS_SIZE (AMP_STATS_FIELDS * 4u)
struct amp_stats {
	uint32_t rx_msgs;	/* rpmsg messages received */
	uint32_t tx_msgs;	/* rpmsg messages sent */
	uint32_t kicks_in;	/* doorbells from Linux, both queues */
	uint32_t irqs_out;	/* doorbells to Linux, both queues */
	uint32_t kicks_avoided; /* doorbells Linux asked us not to ring */
	uint32_t frames_ok;	/* DATA and MSG frames whose CRC matched */
	uint32_t frames_bad;	/* CRC mismatches */
	uint32_t errors;	/* error frames sent */
	uint32_t tx_waits;	/* sends that found no free buffer */
	uint32_t rx_dropped;	/* messages for no endpoint */
	uint32_t peers_gone;	/* Linux endpoints announced destroyed (clients gone) */
};

static inline void amp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t amp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void amp_frame_encode_flags(uint8_t out[AMP_FRAME_HDR_SIZE], uint8_t type,
					  uint16_t flags, uint32_t seq, uint32_t len, uint32_t crc)
{
	amp_put32(out, AMP_FRAME_MAGIC);
	out[4] = AMP_FRAME_VERSION;
	out[5] = type;
	out[6] = (uint8_t)flags;
	out[7] = (uint8_t)(flags >> 8);
	amp_put32(out + 8, seq);
	amp_put32(out + 12, len);
	amp_put32(out + 16, crc);
}

static inline void amp_frame_encode(uint8_t out[AMP_FRAME_HDR_SIZE], uint8_t type, uint32_t seq,
				    uint32_t len, uint32_t crc)
{
	amp_frame_encode_flags(out, type, 0, seq, len, crc);
}

/* Decodes and checks a header: AMP_STATUS_OK or why it is not a frame. */
static inline enum amp_status amp_frame_decode(const uint8_t in[AMP_FRAME_HDR_SIZE],
					       struct amp_frame_hdr *h)
{
	h->magic = amp_get32(in);
	h->version = in[4];
	h->type = in[5];
	h->flags = (uint16_t)(in[6] | in[7] << 8);
	h->seq = amp_get32(in + 8);
	h->len = amp_get32(in + 12);
	h->crc = amp_get32(in + 16);
	if (h->magic != AMP_FRAME_MAGIC)
		return AMP_STATUS_BAD_MAGIC;
	if (h->version != AMP_FRAME_VERSION)
		return AMP_STATUS_BAD_VERSION;
	if (h->len > AMP_FRAME_MAX_LEN)
		return AMP_STATUS_TOO_LARGE;
	if (h->type < AMP_FRAME_DATA || h->type > AMP_FRAME_TYPE_MAX)
		return AMP_STATUS_BAD_TYPE;
	return AMP_STATUS_OK;
}

static inline void amp_ack_encode(uint8_t out[AMP_ACK_SIZE], const struct amp_ack *a)
{
	amp_put32(out, a->received);
	amp_put32(out + 4, a->crc);
	amp_put32(out + 8, a->status);
}

static inline void amp_ack_decode(const uint8_t in[AMP_ACK_SIZE], struct amp_ack *a)
{
	a->received = amp_get32(in);
	a->crc = amp_get32(in + 4);
	a->status = amp_get32(in + 8);
}

static inline void amp_stats_encode(uint8_t out[AMP_STATS_SIZE], const struct amp_stats *s)
{
	uint32_t v[AMP_STATS_FIELDS];

	memcpy(v, s, sizeof(v));
	for (unsigned int i = 0; i < AMP_STATS_FIELDS; i++)
		amp_put32(out + 4 * i, v[i]);
}

static inline void amp_stats_decode(const uint8_t in[AMP_STATS_SIZE], struct amp_stats *s)
{
	uint32_t v[AMP_STATS_FIELDS];

	for (unsigned int i = 0; i < AMP_STATS_FIELDS; i++)
		v[i] = amp_get32(in + 4 * i);
	memcpy(s, v, sizeof(v));
}

static inline void amp_open_encode(uint8_t out[AMP_OPEN_FIXED_SIZE], const struct amp_open *o)
{
	amp_put32(out, o->window);
	amp_put32(out + 4, o->flags);
}

static inline void amp_open_decode(const uint8_t in[AMP_OPEN_FIXED_SIZE], struct amp_open *o)
{
	o->window = amp_get32(in);
	o->flags = amp_get32(in + 4);
}

static inline void amp_opened_encode(uint8_t out[AMP_OPENED_SIZE], const struct amp_opened *o)
{
	amp_put32(out, o->credit);
	amp_put32(out + 4, o->max_message);
	amp_put32(out + 8, o->conn_id);
}

static inline void amp_opened_decode(const uint8_t in[AMP_OPENED_SIZE], struct amp_opened *o)
{
	o->credit = amp_get32(in);
	o->max_message = amp_get32(in + 4);
	o->conn_id = amp_get32(in + 8);
}

#endif
