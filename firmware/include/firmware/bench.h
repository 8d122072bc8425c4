/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bench service: receives amplink frames (include/amplink/frame.h) from any
 * number of senders on one endpoint, checks each DATA frame's CRC as it
 * streams in (nothing is stored, so no length can overflow anything) and
 * answers with an ACK of what really arrived; answers ECHO with ECHO_REPLY
 * and STATS_REQUEST with the firmware's counters. Garbage, oversize
 * lengths and frames that stall half-way get an ERROR frame and a resync.
 *
 * Replies wait in an outbox when Linux has no free buffer; a message is only
 * taken when the outbox can hold every reply it could cause, so nothing is
 * dropped and nothing is processed twice.
 */
#ifndef FIRMWARE_BENCH_H
#define FIRMWARE_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <amplink/frame.h>
#include <rpmsg/rpmsg.h>

#ifndef BENCH_MAX_PEERS
#define BENCH_MAX_PEERS 8
#endif
#ifndef BENCH_OUTBOX_SLOTS
#define BENCH_OUTBOX_SLOTS 32
#endif
#define BENCH_FRAME_TIMEOUT_MS 1000u

enum bench_peer_state {
	BENCH_IDLE,    /* slot free */
	BENCH_HEADER,  /* collecting a header */
	BENCH_PAYLOAD, /* counting a payload */
};

struct bench_peer {
	uint32_t addr;
	enum bench_peer_state state;
	bool in_garbage; /* already reported the bytes being skipped */
	uint8_t hdr[AMP_FRAME_HDR_SIZE];
	uint32_t hdr_have;
	struct amp_frame_hdr frame;
	uint32_t received;
	uint32_t crc;
	uint32_t last_ms;
	uint8_t echo[AMP_ECHO_MAX_LEN];
};

struct bench_reply {
	uint32_t dst;
	uint32_t len;
	uint8_t data[AMP_FRAME_HDR_SIZE + AMP_ECHO_MAX_LEN];
};

struct bench_service;
typedef void (*bench_stats_fn)(struct bench_service *svc, struct amp_stats *out);

struct bench_service {
	struct rp_endpoint ept;
	struct bench_peer peers[BENCH_MAX_PEERS];
	struct bench_reply outbox[BENCH_OUTBOX_SLOTS];
	unsigned int out_head, out_count;
	uint32_t (*now_ms)(void);
	bench_stats_fn fill_stats;
	void *owner;
	uint32_t frames_ok, frames_bad, errors;
};

int bench_service_start(struct bench_service *svc, struct rp_device *dev, const char *name,
			uint32_t (*now_ms)(void), bench_stats_fn fill_stats, void *owner);

/* Sends what the outbox holds; RP_EAGAIN when Linux has no buffer yet. */
int bench_service_flush(struct bench_service *svc);

#endif
