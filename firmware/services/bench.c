/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <string.h>

#include <amp/service.h>
#include <amplink/frame.h>

#include "firmware/bench.h"

/* Clients at once: one per transport and a few more. */
#define BENCH_CLIENTS 8

struct bench_client {
	bool used;
	uint32_t received;
	/* an ack that found no room, sent from writable() */
	bool ack_pending;
	uint8_t ack[AMP_ACK_SIZE];
};

static struct bench_client clients[BENCH_CLIENTS];

static bool bench_connected(struct amp_conn *c)
{
	for (unsigned int i = 0; i < BENCH_CLIENTS; i++) {
		if (!clients[i].used) {
			clients[i] = (struct bench_client){.used = true};
			amp_conn_set_priv(c, &clients[i]);
			return true;
		}
	}
	return false;
}

static void send_ack(struct amp_conn *c, struct bench_client *b)
{
	b->ack_pending = amp_send_copy(c, b->ack, sizeof(b->ack)) == AMP_EWOULDBLOCK;
}

static void bench_piece(struct amp_conn *c, const struct amp_piece *p)
{
	struct bench_client *b = amp_conn_priv(c);

	if (p->offset == 0)
		b->received = 0;
	b->received += p->len;
	if (!p->last)
		return;
	/* the node checked each frame's CRC: the message's comes with the last piece */
	struct amp_ack ack = {b->received, p->bad ? 0 : p->crc,
			      p->bad ? AMP_STATUS_BAD_CRC : AMP_STATUS_OK};

	amp_ack_encode(b->ack, &ack);
	/* one block at a time: the sender waits for this ack before the next */
	send_ack(c, b);
}

static void bench_writable(struct amp_conn *c)
{
	struct bench_client *b = amp_conn_priv(c);

	if (b->ack_pending)
		send_ack(c, b);
}

static void bench_gone(struct amp_conn *c)
{
	struct bench_client *b = amp_conn_priv(c);

	b->used = false;
}

static const struct amp_service_ops bench_ops = {
	.connected = bench_connected,
	.piece = bench_piece,
	.writable = bench_writable,
	.gone = bench_gone,
};

/* Pieces: nothing reserved, blocks up to AMP_MSG_MAX. */
AMP_SERVICE_DEFINE(bench_service, AMP_BENCH_SERVICE, &bench_ops, NULL, 0, BENCH_CLIENTS);

int bench_service_init(struct amp_node *node)
{
	for (unsigned int i = 0; i < BENCH_CLIENTS; i++)
		clients[i].used = false;
	return amp_service_register(node, &bench_service);
}
