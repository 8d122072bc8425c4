/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics the node answers itself, for amplink bench and bring-up:
 * DATA is acknowledged with the bytes that really arrived and the CRC the
 * firmware computed over them (the payload is never stored, so any length
 * is safe), ECHO comes back unchanged, STATS_REQUEST gets the counters.
 */
#include "node_internal.h"

static void ack_data(struct amp_node *n, struct amp_conn *c, const struct amp_stream_event *ev)
{
	uint8_t payload[AMP_ACK_SIZE];
	struct amp_ack ack = {ev->hdr.len, ev->crc,
			      ev->crc_ok ? AMP_STATUS_OK : AMP_STATUS_BAD_CRC};

	if (ev->crc_ok)
		n->stats.frames_ok++;
	else
		n->stats.frames_bad++;
	amp_ack_encode(payload, &ack);
	amp_reply(n, c, c->hub, c->addr, AMP_FRAME_ACK, ev->hdr.seq, payload, sizeof(payload));
}

static void answer_stats(struct amp_node *n, struct amp_conn *c, uint32_t seq)
{
	uint8_t payload[AMP_STATS_SIZE];
	struct amp_stats s;

	amp_node_fill_stats(n, &s);
	amp_stats_encode(payload, &s);
	amp_reply(n, c, c->hub, c->addr, AMP_FRAME_STATS, seq, payload, sizeof(payload));
}

void amp_diag_end(struct amp_node *n, struct amp_conn *c, const struct amp_stream_event *ev)
{
	switch (ev->hdr.type) {
	case AMP_FRAME_DATA:
		ack_data(n, c, ev);
		break;
	case AMP_FRAME_ECHO:
		/* on_header bounded the payload by AMP_ECHO_MAX_LEN */
		amp_reply(n, c, c->hub, c->addr, AMP_FRAME_ECHO_REPLY, ev->hdr.seq, c->small,
			  ev->hdr.len);
		break;
	case AMP_FRAME_STATS_REQUEST:
		answer_stats(n, c, ev->hdr.seq);
		break;
	default:
		break;
	}
}
