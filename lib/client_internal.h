/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What bench channels (lib/channel.c) use of the message layer's client: a
 * channel is a client of the firmware's bench service (AMP_BENCH_SERVICE),
 * each block a message answered by an amp_ack; ECHO and STATS, the node's
 * diagnostics, go over the same transport outside the connection.
 */
#ifndef AMPLINK_CLIENT_INTERNAL_H
#define AMPLINK_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <amplink/amplink.h>
#include <amplink/frame.h>

/* amp_client_open() with the errnos of amp_channel_open(). */
struct amp_client *amp_client_open_channel(const char *service,
					   const struct amp_client_options *opts);
struct amp_channel *amp_client_channel(struct amp_client *c);
struct amp_client *amp_channel_client(struct amp_channel *ch);

/*
 * Sends one block as a message (crc: its CRC-32, computed once by the
 * caller) and waits for the service's ack, within the client's timeout.
 * Fills t->seq and t->writes. 0, or -1 with errno.
 */
int amp_client_block(struct amp_client *c, const void *data, size_t len, uint32_t crc,
		     struct amp_ack *ack, struct amp_transfer *t);

/*
 * Sends the request (one message of req_len bytes) and receives the reply
 * message into buf (at most cap bytes), within the client's timeout: its
 * length, or -1 with errno (EMSGSIZE: a longer reply). Fills t->seq and
 * t->writes.
 */
ssize_t amp_client_fetch(struct amp_client *c, const void *req, size_t req_len, void *buf,
			 size_t cap, struct amp_transfer *t);

/*
 * A diagnostics frame of type with len bytes of payload (at most
 * AMP_ECHO_MAX_LEN), and its reply of reply_type, exactly reply_len bytes,
 * copied to reply. 0, or -1 with errno (EPROTO: an ERROR or a reply of
 * another length).
 */
int amp_client_diag(struct amp_client *c, uint8_t type, const void *payload, size_t len,
		    uint8_t reply_type, void *reply, size_t reply_len);

#endif
