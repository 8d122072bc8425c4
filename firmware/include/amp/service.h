/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink firmware SDK: services and their clients.
 *
 * A service is a name that Linux programs open (amp_client_open() in
 * libamplink) on any transport: netlink, tty or char. Each open is a
 * client (struct amp_conn) with its own state. The SDK reassembles the
 * client's messages, cuts the service's answers into rpmsg messages, and
 * keeps credits both ways so that nothing is dropped and no one side can
 * flood the other (docs/protocol.md, "Messaging").
 *
 * Everything runs from the node's poll (amp_node_poll(), called by the
 * port): callbacks never run concurrently and must not block. Nothing here
 * allocates: a service brings its own storage (AMP_SERVICE_DEFINE).
 *
 *   static void on_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
 *   {
 *           amp_send_copy(c, data, len); // echo it back
 *   }
 *   static const struct amp_service_ops ops = {.message = on_message};
 *   AMP_SERVICE_DEFINE(echo_svc, "echo", &ops, NULL, 256, 4);
 *
 *   int my_services_init(struct amp_node *node)
 *   {
 *           return amp_service_register(node, &echo_svc);
 *   }
 *
 * See docs/firmware-sdk.md.
 */
#ifndef AMP_SERVICE_H
#define AMP_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <amplink/frame.h>

enum amp_result {
	AMP_OK = 0,	      /* done */
	AMP_PENDING = 1,      /* accepted; the data stays the SDK's until writable() */
	AMP_EWOULDBLOCK = -1, /* not now: another send is in flight, or no room */
	AMP_ENOTCONN = -2,    /* the client is gone */
	AMP_EMSGSIZE = -3,    /* larger than AMP_MSG_MAX (or than room allows) */
	AMP_EINVAL = -4,      /* bad argument */
	AMP_ENOSPC = -5,      /* no room for another service or timer */
	AMP_EEXIST = -6,      /* a service of that name is registered already */
};

struct amp_conn;
struct amp_node;
struct amp_service;

/* Part of a message, for services that take messages as they arrive. */
struct amp_piece {
	/*
	 * Valid during the callback only: a message by reference's bytes are
	 * read in place in the shared pool, and its slot goes back to Linux
	 * when the callback returns (amp/node_bulk.h).
	 */
	const uint8_t *data;
	uint32_t len;
	uint32_t offset; /* where data starts in the message */
	bool last;	 /* the message is complete (this piece may be empty) */
	bool bad;	 /* with last: part of it failed its CRC; discard the message */
	/*
	 * With last and not bad: the whole message's CRC-32 (as zlib
	 * computes it), known from its frames' checked CRCs, so a service
	 * that reports or checks it need not run over the bytes again.
	 */
	uint32_t crc;
};

struct amp_service_ops {
	/* A client opened the service; return false to turn it away. Optional. */
	bool (*connected)(struct amp_conn *c);
	/*
	 * A whole message, up to the service's max_message bytes, in a buffer
	 * valid during the callback only. Set this or piece.
	 */
	void (*message)(struct amp_conn *c, const uint8_t *data, uint32_t len);
	/* Or messages of any size (up to max_message, 0: AMP_MSG_MAX) as they arrive. */
	void (*piece)(struct amp_conn *c, const struct amp_piece *p);
	/*
	 * A send that was pending has gone, or one refused with
	 * AMP_EWOULDBLOCK may be retried. Optional.
	 */
	void (*writable)(struct amp_conn *c);
	/*
	 * Writes bytes [offset, offset + len) of the message amp_send_fill()
	 * began into dst, as each part goes out: dst is the transmit buffer
	 * itself and len at most one frame's payload, or, for a message that
	 * goes by reference (AMP_BULK_THRESHOLD bytes or more to a client that
	 * can take it), dst is a slot of the shared pool and len at most a slot
	 * (64 KiB by default). Only for services that use amp_send_fill():
	 * messages of any size with no buffer behind them.
	 */
	void (*fill)(struct amp_conn *c, uint32_t offset, uint8_t *dst, uint32_t len);
	/* The client went away (closed, died, or the link went down); c is invalid after. */
	void (*gone)(struct amp_conn *c);
	/* The link to Linux came up or went down. Optional. */
	void (*link)(struct amp_service *s, bool up);
};

struct amp_service {
	const char *name; /* 1..AMP_SERVICE_NAME_MAX bytes */
	const struct amp_service_ops *ops;
	void *priv;
	uint32_t max_message;
	uint8_t *rx_pool; /* whole messages: max_clients buffers of max_message bytes */
	uint8_t max_clients;

	/* the node's own */
	struct amp_node *node;
	struct amp_service *next;
	uint32_t slots_used; /* rx_pool buffers in use, a bit each */
	uint8_t clients;
};

/*
 * Defines a service and its storage: max_clients clients at once (1..32),
 * each with a buffer of max_message bytes when ops->message is used (pass 0
 * for a service that takes pieces: nothing is reserved then).
 */
#define AMP_SERVICE_DEFINE(ident, svc_name, svc_ops, svc_priv, msg_max, clients_max)               \
	static uint8_t ident##_rx_pool[(uint32_t)(msg_max) * (clients_max) + 1u];                  \
	_Static_assert((clients_max) >= 1 && (clients_max) <= 32, "1..32 clients");                \
	_Static_assert((msg_max) <= AMP_MSG_MAX, "max_message above AMP_MSG_MAX");                 \
	struct amp_service ident = {.name = (svc_name),                                            \
				    .ops = (svc_ops),                                              \
				    .priv = (svc_priv),                                            \
				    .max_message = (msg_max),                                      \
				    .rx_pool = ident##_rx_pool,                                    \
				    .max_clients = (clients_max)}

/*
 * Makes the service reachable by its name. AMP_EINVAL for a bad name,
 * missing callbacks or storage; AMP_EEXIST when the name is taken.
 */
int amp_service_register(struct amp_node *node, struct amp_service *s);

/*
 * Sends one message of len bytes (0..AMP_MSG_MAX) to the client.
 * AMP_OK: it has gone (cut into rpmsg messages, copied out): data is free.
 * AMP_PENDING: part of it waits for credit or buffers; data must stay
 *   untouched until writable() is called.
 * AMP_EWOULDBLOCK: another message to this client is still pending; try
 *   again from writable().
 * AMP_ENOTCONN, AMP_EMSGSIZE, AMP_EINVAL.
 */
int amp_send(struct amp_conn *c, const void *data, uint32_t len);

/*
 * Sends one message of len bytes (0..AMP_MSG_MAX) whose bytes the service's
 * fill() writes part by part (frames, or slots of the shared pool) as credit
 * and buffers allow: what amp_send()
 * does without a buffer holding the message. Returns as amp_send() does
 * (AMP_PENDING: fill() is still to be called; writable() follows once the
 * message has gone); AMP_EINVAL when the service has no fill().
 */
int amp_send_fill(struct amp_conn *c, uint32_t len);

/*
 * Sends a message only if it can go at once (len <= what credit and
 * buffers allow now), so data may be reused on return: AMP_OK or
 * AMP_EWOULDBLOCK (nothing sent; writable() follows when room appears).
 */
int amp_send_copy(struct amp_conn *c, const void *data, uint32_t len);

/* Ends the connection from our side (the client hears ECONNRESET); gone() is not called. */
void amp_close(struct amp_conn *c);

/*
 * Stops returning credit to the client (it stops sending within what it
 * was granted) until amp_conn_resume(): back-pressure for a slow consumer.
 */
void amp_conn_pause(struct amp_conn *c);
void amp_conn_resume(struct amp_conn *c);

struct amp_service *amp_conn_service(const struct amp_conn *c);
/* The node's number for the connection (also in the client's OPENED). */
uint32_t amp_conn_id(const struct amp_conn *c);
/* Per-client data of the service's own. */
void *amp_conn_priv(const struct amp_conn *c);
void amp_conn_set_priv(struct amp_conn *c, void *priv);

#endif
