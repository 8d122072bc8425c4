/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bench source (AMP_BENCH_SOURCE_SERVICE): blocks towards Linux. Each
 * request asks for a block of some length; the block goes as one message
 * whose bytes fill() writes into the transmit buffers as it goes out, so
 * a block of 16 MiB needs no memory at all.
 */
#include <amp/service.h>
#include <amplink/bench.h>

#include "firmware/bench.h"

#define SOURCE_CLIENTS 8

struct source_client {
	bool used;
	uint32_t seed;	      /* of the block going out */
	bool request_waiting; /* a request that came while a block was going out */
	struct amp_bench_request waiting;
};

static struct source_client clients[SOURCE_CLIENTS];

static bool source_connected(struct amp_conn *c)
{
	for (unsigned int i = 0; i < SOURCE_CLIENTS; i++) {
		if (!clients[i].used) {
			clients[i] = (struct source_client){.used = true};
			amp_conn_set_priv(c, &clients[i]);
			return true;
		}
	}
	return false;
}

/* Starts the block r asks for, or keeps r until the one going out has gone. */
static void start_block(struct amp_conn *c, struct source_client *s,
			const struct amp_bench_request *r)
{
	uint32_t previous = s->seed;

	s->seed = r->seed;
	if (amp_send_fill(c, r->len) == AMP_EWOULDBLOCK) {
		s->seed = previous; /* the block going out still needs its own */
		s->waiting = *r;
		s->request_waiting = true;
	}
}

static void source_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	struct source_client *s = amp_conn_priv(c);
	struct amp_bench_request r;

	if (amp_bench_request_decode(data, len, &r) != 0 || s->request_waiting) {
		/* not a request, or a third one at once: the client broke the protocol */
		amp_close(c);
		return;
	}
	start_block(c, s, &r);
}

static void source_fill(struct amp_conn *c, uint32_t offset, uint8_t *dst, uint32_t len)
{
	const struct source_client *s = amp_conn_priv(c);

	amp_bench_fill(dst, s->seed, offset, len);
}

static void source_writable(struct amp_conn *c)
{
	struct source_client *s = amp_conn_priv(c);

	if (s->request_waiting) {
		s->request_waiting = false;
		start_block(c, s, &s->waiting);
	}
}

static void source_gone(struct amp_conn *c)
{
	struct source_client *s = amp_conn_priv(c);

	s->used = false;
}

static const struct amp_service_ops source_ops = {
	.connected = source_connected,
	.message = source_message,
	.fill = source_fill,
	.writable = source_writable,
	.gone = source_gone,
};

AMP_SERVICE_DEFINE(source_service, AMP_BENCH_SOURCE_SERVICE, &source_ops, NULL,
		   AMP_BENCH_REQUEST_SIZE, SOURCE_CLIENTS);

int bench_source_service_init(struct amp_node *node)
{
	for (unsigned int i = 0; i < SOURCE_CLIENTS; i++)
		clients[i].used = false;
	return amp_service_register(node, &source_service);
}
