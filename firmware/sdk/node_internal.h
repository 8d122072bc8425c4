/* SPDX-License-Identifier: BSD-3-Clause */
/* What the node's parts share (internal to the SDK). */
#ifndef AMP_NODE_INTERNAL_H
#define AMP_NODE_INTERNAL_H

#include "amp/node.h"

/*
 * The most replies one rpmsg message can cause: a frame per 20 bytes, each
 * answered, plus a report of garbage and of a stalled frame.
 */
#define AMP_REPLIES_PER_MESSAGE (RP_MTU / AMP_FRAME_HDR_SIZE + 2u)
_Static_assert(AMP_OUTBOX_SLOTS >= AMP_REPLIES_PER_MESSAGE, "outbox too small for one message");

uint32_t amp_node_clock(const struct amp_node *n);

/* Outbox: replies sent in order, before any later MSG frame to the same peer. */
bool amp_outbox_has_room(const struct amp_node *n, unsigned int replies);
void amp_reply(struct amp_node *n, struct amp_conn *c, struct rp_endpoint *hub, uint32_t dst,
	       uint8_t type, uint32_t seq, const void *payload, uint32_t len);
void amp_reply_error(struct amp_node *n, struct amp_conn *c, uint32_t seq, enum amp_status status,
		     uint32_t detail);
void amp_outbox_flush(struct amp_node *n);
/* Drops replies still queued for a peer that is gone. */
void amp_outbox_forget(struct amp_node *n, const struct amp_conn *c);

/* Connections (conn.c). */
void amp_conn_open(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h);
bool amp_conn_msg_header(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h);
void amp_conn_msg_payload(struct amp_node *n, struct amp_conn *c, const uint8_t *data, uint32_t len,
			  uint32_t offset);
void amp_conn_msg_end(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h,
		      bool crc_ok);
void amp_conn_msg_abort(struct amp_node *n, struct amp_conn *c);
void amp_conn_credit(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h);
/* Ends the connection; the service hears gone() when notify. */
void amp_conn_end(struct amp_node *n, struct amp_conn *c, bool notify);
void amp_conn_pump(struct amp_node *n, struct amp_conn *c);
/* The most a message to the connection's service may have (0 never: whole messages). */
uint32_t amp_conn_limit(const struct amp_service *s);
/* Where a whole message for the service is collected. */
uint8_t *amp_conn_rx_buffer(const struct amp_conn *c);
/* The client broke the rules: says why (an ERROR with seq and detail) and ends it. */
void amp_conn_violation(struct amp_node *n, struct amp_conn *c, uint32_t seq, enum amp_status why,
			uint32_t detail);

#if AMP_NODE_BULK
/* Bulk (bulk.c): RELEASEs due go out (end of a poll pass); the device went away. */
void amp_bulk_flush(struct amp_node *n);
void amp_bulk_stop(struct amp_node *n);
/* A message by reference left half-way is lost (the service hears it, as for frames). */
void amp_bulk_msg_abort(struct amp_node *n, struct amp_conn *c);
/* Whether a message of len bytes about to be sent from a buffer goes by reference. */
bool amp_bulk_tx_wanted(const struct amp_node *n, const struct amp_conn *c, uint32_t len);
/*
 * The next FILLED of the message being sent: false when it must wait (no
 * window, no posted slot, no buffer). A message that cannot go by
 * reference any more before its first slot goes on in frames.
 */
bool amp_bulk_send_filled(struct amp_node *n, struct amp_conn *c);
#endif

/* Diagnostics (diag.c): DATA, ECHO and STATS_REQUEST complete. */
void amp_diag_end(struct amp_node *n, struct amp_conn *c, const struct amp_stream_event *ev);

/* Timers (timer.c). */
void amp_timers_run(struct amp_node *n);

#endif
