/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request/reply example, M4 side: answers each request with a reply.
 * A reply that cannot go at once (the client has not read its earlier
 * replies, so it returned no credit) waits in the client's slot, and the
 * client is paused: it gets no more credit until the reply has gone. A
 * client that still sends another request meanwhile has pipelined deeper
 * than this example keeps state for, and is closed (it hears ECONNRESET)
 * rather than left without an answer.
 */
#include <string.h>

#include <amp/service.h>
#include <firmware/crc32.h>

#include "rpc_proto.h"

#define CLIENTS 4u

struct rpc_client {
	struct amp_conn *conn;
	uint8_t reply[RPC_MAX_MESSAGE];
	bool waiting; /* reply is pending: the client is paused */
};

static struct rpc_client clients[CLIENTS];

static uint32_t answer(const uint8_t *req, uint32_t len, uint8_t *out, uint32_t *out_len)
{
	uint32_t op = amp_get32(req + 4);
	const uint8_t *in = req + RPC_HDR_SIZE;
	uint32_t n = len - RPC_HDR_SIZE;

	*out_len = 0;
	switch (op) {
	case RPC_OP_ADD:
		if (n != 8)
			return RPC_BAD_INPUT;
		amp_put32(out, amp_get32(in) + amp_get32(in + 4));
		*out_len = 4;
		return RPC_OK;
	case RPC_OP_REVERSE:
		for (uint32_t i = 0; i < n; i++)
			out[i] = in[n - 1u - i];
		*out_len = n;
		return RPC_OK;
	case RPC_OP_CRC32:
		amp_put32(out, fw_crc32_update(0, in, n));
		*out_len = 4;
		return RPC_OK;
	default:
		return RPC_BAD_OP;
	}
}

static void on_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	struct rpc_client *rc = amp_conn_priv(c);
	uint32_t result_len, status;

	if (len < RPC_HDR_SIZE)
		return; /* not a request */
	if (rc->waiting) {
		amp_close(c);
		rc->conn = NULL;
		return;
	}
	status = answer(data, len, rc->reply + RPC_HDR_SIZE, &result_len);
	memcpy(rc->reply, data, 4); /* the id */
	amp_put32(rc->reply + 4, status);
	/* reply stays untouched until it has gone: see writable */
	if (amp_send(c, rc->reply, RPC_HDR_SIZE + result_len) == AMP_PENDING) {
		rc->waiting = true;
		amp_conn_pause(c);
	}
}

static void on_writable(struct amp_conn *c)
{
	struct rpc_client *rc = amp_conn_priv(c);

	if (rc->waiting) {
		rc->waiting = false;
		amp_conn_resume(c);
	}
}

static bool on_connected(struct amp_conn *c)
{
	for (unsigned int i = 0; i < CLIENTS; i++) {
		if (!clients[i].conn) {
			clients[i].conn = c;
			clients[i].waiting = false;
			amp_conn_set_priv(c, &clients[i]);
			return true;
		}
	}
	return false;
}

static void on_gone(struct amp_conn *c)
{
	struct rpc_client *rc = amp_conn_priv(c);

	rc->conn = NULL;
}

static const struct amp_service_ops rpc_ops = {
	.connected = on_connected,
	.message = on_message,
	.writable = on_writable,
	.gone = on_gone,
};

AMP_SERVICE_DEFINE(rpc_service, RPC_SERVICE, &rpc_ops, NULL, RPC_MAX_MESSAGE, CLIENTS);

int rpc_service_init(struct amp_node *n);

int rpc_service_init(struct amp_node *n)
{
	memset(clients, 0, sizeof(clients));
	return amp_service_register(n, &rpc_service);
}
