/* SPDX-License-Identifier: BSD-3-Clause */
#include "test_services.h"

#include <stdlib.h>
#include <string.h>

#include "firmware/crc32.h"

#define ECHO_CLIENTS 4u

struct echo_client {
	bool used;
	bool pending;	/* reply still going out: the client is paused */
	uint8_t *reply; /* AMP_MSG_MAX bytes, allocated on first use */
};

static struct echo_client clients[ECHO_CLIENTS];
static struct amp_node *node;
static uint32_t gone, last_gone_ms, echoed;

static struct echo_client *client_of(struct amp_conn *c)
{
	return amp_conn_priv(c);
}

static bool echo_connected(struct amp_conn *c)
{
	for (unsigned int i = 0; i < ECHO_CLIENTS; i++) {
		struct echo_client *ec = &clients[i];

		if (ec->used)
			continue;
		if (!ec->reply)
			ec->reply = malloc(AMP_MSG_MAX);
		if (!ec->reply)
			return false;
		ec->used = true;
		ec->pending = false;
		amp_conn_set_priv(c, ec);
		return true;
	}
	return false;
}

static void echo_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	struct echo_client *ec = client_of(c);

	if (ec->pending) {
		/* deeper than one message in flight: this test service keeps no queue */
		ec->used = false;
		amp_close(c);
		return;
	}
	memcpy(ec->reply, data, len);
	echoed++;
	if (amp_send(c, ec->reply, len) == AMP_PENDING) {
		ec->pending = true;
		amp_conn_pause(c);
	}
}

static void echo_writable(struct amp_conn *c)
{
	struct echo_client *ec = client_of(c);

	if (ec->pending) {
		ec->pending = false;
		amp_conn_resume(c);
	}
}

static void echo_gone(struct amp_conn *c)
{
	struct echo_client *ec = client_of(c);

	ec->used = false;
	gone++;
	last_gone_ms = amp_now_ms(node);
}

static const struct amp_service_ops echo_ops = {
	.connected = echo_connected,
	.message = echo_message,
	.writable = echo_writable,
	.gone = echo_gone,
};

/* Whole messages up to AMP_MSG_MAX: the pool is reserved, touched only when used. */
AMP_SERVICE_DEFINE(test_echo, TEST_ECHO_SERVICE, &echo_ops, NULL, AMP_MSG_MAX, ECHO_CLIENTS);

static uint8_t probe_reply[TEST_PROBE_REPLY_SIZE];

/*
 * Answers with the counts as of now; with no room now, again from
 * writable() (the connection's priv marks the answer owed).
 */
static void probe_answer(struct amp_conn *c)
{
	uint32_t partial = 0;

	for (unsigned int k = 0; k < AMP_MAX_PEERS; k++)
		partial += node->conns[k].svc == &test_echo && node->conns[k].in_msg;
	amp_put32(probe_reply, gone);
	amp_put32(probe_reply + 4, gone ? amp_now_ms(node) - last_gone_ms : UINT32_MAX);
	amp_put32(probe_reply + 8, test_echo.clients);
	amp_put32(probe_reply + 12, partial);
	amp_put32(probe_reply + 16, echoed);
	amp_conn_set_priv(c, amp_send_copy(c, probe_reply, sizeof(probe_reply)) == AMP_EWOULDBLOCK
				     ? probe_reply
				     : NULL);
}

static void probe_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	(void)data;
	(void)len;
	probe_answer(c);
}

static void probe_writable(struct amp_conn *c)
{
	if (amp_conn_priv(c))
		probe_answer(c);
}

static void probe_gone(struct amp_conn *c)
{
	(void)c;
}

static const struct amp_service_ops probe_ops = {
	.message = probe_message, .writable = probe_writable, .gone = probe_gone};

AMP_SERVICE_DEFINE(test_probe, TEST_PROBE_SERVICE, &probe_ops, NULL, 64, 4);

#define SINK_CLIENTS 4

struct sink_client {
	bool used;
	uint32_t taken, out_of_order, corrupt;
	bool reply_waiting; /* a count asked for found no room: sent from writable() */
};

static struct sink_client sinks[SINK_CLIENTS];

static bool sink_connected(struct amp_conn *c)
{
	for (unsigned int i = 0; i < SINK_CLIENTS; i++) {
		if (!sinks[i].used) {
			sinks[i] = (struct sink_client){.used = true};
			amp_conn_set_priv(c, &sinks[i]);
			return true;
		}
	}
	return false;
}

/* The counts so far, then from zero; or later from writable() when there is no room now. */
static void sink_reply(struct amp_conn *c, struct sink_client *s)
{
	uint8_t reply[TEST_SINK_REPLY_SIZE];

	amp_put32(reply, s->taken);
	amp_put32(reply + 4, s->out_of_order);
	amp_put32(reply + 8, s->corrupt);
	s->reply_waiting = amp_send_copy(c, reply, sizeof(reply)) != AMP_OK;
	if (!s->reply_waiting)
		*s = (struct sink_client){.used = true};
}

static void sink_writable(struct amp_conn *c)
{
	struct sink_client *s = amp_conn_priv(c);

	if (s->reply_waiting)
		sink_reply(c, s);
}

static void sink_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	struct sink_client *s = amp_conn_priv(c);

	if (len == 0) {
		sink_reply(c, s);
		return;
	}
	uint32_t index = len >= 4 ? amp_get32(data) : UINT32_MAX;
	bool bad = len < 4;

	for (uint32_t i = 4; i < len && !bad; i++)
		bad = data[i] != (uint8_t)(index + i);
	s->out_of_order += index != s->taken;
	s->corrupt += bad;
	s->taken++;
}

static void sink_gone(struct amp_conn *c)
{
	struct sink_client *s = amp_conn_priv(c);

	s->used = false;
}

static const struct amp_service_ops sink_ops = {
	.connected = sink_connected,
	.message = sink_message,
	.writable = sink_writable,
	.gone = sink_gone,
};

AMP_SERVICE_DEFINE(test_sink, TEST_SINK_SERVICE, &sink_ops, NULL, TEST_SINK_MAX, SINK_CLIENTS);

/*
 * test-hold: back-pressure from a service that pauses. Its one client may
 * send only what the credit granted at OPEN covers until the second
 * message has ended; the replies say what arrived, so the client can tell.
 */
struct hold_client {
	bool used, paused;
	uint32_t len, crc, messages;
};

static struct hold_client hold;

static bool hold_connected(struct amp_conn *c)
{
	if (hold.used)
		return false;
	hold = (struct hold_client){.used = true, .paused = true};
	amp_conn_pause(c);
	return true;
}

static void hold_piece(struct amp_conn *c, const struct amp_piece *p)
{
	uint8_t reply[TEST_HOLD_REPLY_SIZE];

	if (!p->last) {
		hold.len += p->len;
		hold.crc = fw_crc32_update(hold.crc, p->data, p->len);
		return;
	}
	amp_put32(reply, p->bad ? UINT32_MAX : hold.len);
	amp_put32(reply + 4, hold.crc);
	amp_put32(reply + 8, hold.paused);
	/* one reply per message, each read before the next message: there is room */
	(void)amp_send_copy(c, reply, sizeof(reply));
	hold.len = hold.crc = 0;
	if (++hold.messages == 2) {
		hold.paused = false;
		amp_conn_resume(c);
	}
}

static void hold_gone(struct amp_conn *c)
{
	(void)c;
	hold.used = false;
}

static const struct amp_service_ops hold_ops = {
	.connected = hold_connected,
	.piece = hold_piece,
	.gone = hold_gone,
};

AMP_SERVICE_DEFINE(test_hold, TEST_HOLD_SERVICE, &hold_ops, NULL, 0, 1);

/*
 * test-bulk-forge: plays a broken firmware on the bulk channel. Each
 * one-byte request (enum test_forge) makes the node's amplink-bulk endpoint
 * send the host one forged descriptor message, which must be refused and
 * counted; the answer (the request's byte, or 0 when there is no pool to
 * forge against) follows on the connection, after it in the ring.
 */
static uint32_t forge_hdr(uint8_t *msg, uint8_t type, uint32_t peer)
{
	struct amp_bulk_hdr h = {.type = type, .count = 1, .peer = peer};

	return amp_bulk_hdr_encode(msg, &h);
}

/* A slot in the state given, from the firmware's table; the pool's size when none. */
static uint32_t slot_in(const struct amp_bulk_pool *p, enum amp_bulk_slot_state state)
{
	for (uint32_t i = 0; i < p->info.slot_count; i++)
		if (amp_bulk_pool_slot(p, i)->state == state)
			return i;
	return p->info.slot_count;
}

static bool forge(struct amp_conn *c, uint8_t kind)
{
	const struct amp_node_bulk *b = &node->bulk;
	const struct amp_bulk_pool *p = &b->pool;
	struct amp_bulk_desc d = {.generation = p->info.generation, .length = 1};
	uint8_t msg[AMP_BULK_MSG_MAX];
	uint32_t len;

	if (!p->ready)
		return false;
	switch (kind) {
	case TEST_FORGE_BAD_SLOT: /* FILLED of a slot beyond the pool */
		len = forge_hdr(msg, AMP_BULK_FILLED, c->addr);
		d.slot = p->info.slot_count + 5u;
		break;
	case TEST_FORGE_BAD_RANGE: /* FILLED of a posted slot, one byte past its end */
		len = forge_hdr(msg, AMP_BULK_FILLED, c->addr);
		d.slot = slot_in(p, AMP_BULK_SLOT_REMOTE_EMPTY);
		d.length = p->info.slot_size + 1u;
		break;
	case TEST_FORGE_STALE: /* FILLED of a posted slot, of the generation before */
		len = forge_hdr(msg, AMP_BULK_FILLED, c->addr);
		d.slot = slot_in(p, AMP_BULK_SLOT_REMOTE_EMPTY);
		d.generation--;
		break;
	case TEST_FORGE_NOT_OWNER: /* FILLED of a slot the host never posted */
		len = forge_hdr(msg, AMP_BULK_FILLED, c->addr);
		d.slot = slot_in(p, AMP_BULK_SLOT_HOST);
		break;
	case TEST_FORGE_RELEASE: /* RELEASE of a slot never submitted */
		len = forge_hdr(msg, AMP_BULK_RELEASE, 0);
		d.slot = slot_in(p, AMP_BULK_SLOT_HOST);
		d.length = 0;
		break;
	case TEST_FORGE_GARBAGE: /* not a bulk message at all */
		len = 40;
		memset(msg, 0xa5, len);
		return rp_send(&node->dev->link, b->ept.addr, b->host, msg, len) == RP_OK;
	default:
		return false;
	}
	amp_bulk_desc_encode(msg, 0, &d);
	return rp_send(&node->dev->link, b->ept.addr, b->host, msg, len) == RP_OK;
}

static void forge_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	uint8_t answer = len == 1 && forge(c, data[0]) ? data[0] : 0;

	(void)amp_send_copy(c, &answer, 1);
}

static void forge_gone(struct amp_conn *c)
{
	(void)c;
}

static const struct amp_service_ops forge_ops = {.message = forge_message, .gone = forge_gone};

AMP_SERVICE_DEFINE(test_forge, TEST_FORGE_SERVICE, &forge_ops, NULL, 16, 2);

int test_services_init(struct amp_node *n)
{
	int rc;

	node = n;
	for (unsigned int i = 0; i < ECHO_CLIENTS; i++)
		clients[i].used = false;
	for (unsigned int i = 0; i < SINK_CLIENTS; i++)
		sinks[i].used = false;
	rc = amp_service_register(n, &test_echo);
	if (rc == AMP_OK)
		rc = amp_service_register(n, &test_probe);
	if (rc == AMP_OK)
		rc = amp_service_register(n, &test_sink);
	if (rc == AMP_OK)
		rc = amp_service_register(n, &test_hold);
	if (rc == AMP_OK)
		rc = amp_service_register(n, &test_forge);
	return rc;
}
