/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sensor example, M4 side: a service that samples a (synthetic) sensor
 * at the rate each client asks for and streams the samples to it in
 * batches. A client that stops reading is not overrun: credits stop the
 * stream, samples wait in a backlog, and only beyond that are they counted
 * as lost and reported in the next batch.
 */
#include <string.h>

#include <amp/node.h>
#include <amp/service.h>
#include <amp/timer.h>

#include "sensor_proto.h"

#define CLIENTS 4u

struct sensor_client {
	struct amp_conn *conn;
	uint32_t rate;	  /* samples per second; 0: stopped */
	uint32_t next;	  /* sequence number of the next sample to take */
	uint32_t sent;	  /* ... and of the next to send */
	uint32_t lost;	  /* dropped since the last batch */
	uint32_t started; /* ms when the rate was set */
	uint32_t taken;	  /* samples taken since then */
	uint8_t batch[SENSOR_BATCH_HDR + 4u * SENSOR_BATCH_MAX];
};

static struct sensor_client clients[CLIENTS];
static struct amp_timer tick;
static struct amp_node *node;

/*
 * Takes the samples that are due: rate * elapsed / 1000 since the start,
 * computed in 32 bits (rate is at most SENSOR_MAX_RATE = 1000, so neither
 * part overflows and the sum is exact): a 64-bit division would bring the
 * C library's 750-byte routine into the M4's image.
 */
_Static_assert(SENSOR_MAX_RATE <= 1000u, "take_samples() counts in 32 bits");

static void take_samples(struct sensor_client *sc, uint32_t now)
{
	uint32_t elapsed = now - sc->started;
	uint32_t due = elapsed / 1000u * sc->rate + elapsed % 1000u * sc->rate / 1000u;

	while (sc->taken < due) {
		sc->taken++;
		sc->next++;
		if (sc->next - sc->sent > SENSOR_BACKLOG) {
			sc->sent++; /* the oldest is gone */
			sc->lost++;
		}
	}
}

/* Sends what waits, a batch at a time, while the link takes it. */
static void flush(struct sensor_client *sc)
{
	while (sc->sent != sc->next) {
		uint32_t count = sc->next - sc->sent;

		if (count > SENSOR_BATCH_MAX)
			count = SENSOR_BATCH_MAX;
		amp_put32(sc->batch, sc->sent);
		amp_put32(sc->batch + 4, count);
		amp_put32(sc->batch + 8, sc->lost);
		for (uint32_t i = 0; i < count; i++)
			amp_put32(sc->batch + SENSOR_BATCH_HDR + 4u * i,
				  (uint32_t)sensor_value(sc->sent + i));
		/* a copying send: the batch buffer is ours again at once */
		if (amp_send_copy(sc->conn, sc->batch, SENSOR_BATCH_HDR + 4u * count) != AMP_OK)
			return; /* writable() calls again */
		sc->sent += count;
		sc->lost = 0;
	}
}

/* Every millisecond while some client streams: take what is due, send what waits. */
static void on_tick(struct amp_timer *t)
{
	uint32_t now = amp_now_ms(node);
	bool active = false;

	for (unsigned int i = 0; i < CLIENTS; i++) {
		struct sensor_client *sc = &clients[i];

		if (!sc->conn || (!sc->rate && sc->sent == sc->next))
			continue;
		active = true;
		if (sc->rate)
			take_samples(sc, now);
		flush(sc);
	}
	if (!active)
		amp_timer_stop(node, t); /* idle: no wake-ups until a client asks again */
}

static bool on_connected(struct amp_conn *c)
{
	for (unsigned int i = 0; i < CLIENTS; i++) {
		if (!clients[i].conn) {
			memset(&clients[i], 0, sizeof(clients[i]));
			clients[i].conn = c;
			amp_conn_set_priv(c, &clients[i]);
			return true;
		}
	}
	return false;
}

static void on_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	struct sensor_client *sc = amp_conn_priv(c);

	if (len != SENSOR_CMD_SIZE || amp_get32(data) != SENSOR_OP_RATE)
		return; /* not a command of ours: ignored */
	uint32_t rate = amp_get32(data + 4);

	sc->rate = rate > SENSOR_MAX_RATE ? SENSOR_MAX_RATE : rate;
	sc->started = amp_now_ms(node);
	sc->taken = 0;
	if (sc->rate && !tick.armed)
		amp_timer_start(node, &tick, 1, 1, on_tick, NULL);
}

static void on_writable(struct amp_conn *c)
{
	flush(amp_conn_priv(c));
}

static void on_gone(struct amp_conn *c)
{
	struct sensor_client *sc = amp_conn_priv(c);

	sc->conn = NULL;
	sc->rate = 0;
}

static const struct amp_service_ops sensor_ops = {
	.connected = on_connected,
	.message = on_message,
	.writable = on_writable,
	.gone = on_gone,
};

AMP_SERVICE_DEFINE(sensor_service, SENSOR_SERVICE, &sensor_ops, NULL, SENSOR_CMD_SIZE, CLIENTS);

int sensor_service_init(struct amp_node *n);

int sensor_service_init(struct amp_node *n)
{
	node = n;
	memset(clients, 0, sizeof(clients));
	memset(&tick, 0, sizeof(tick)); /* a new node: the old one's timers are gone */
	return amp_service_register(n, &sensor_service);
}
