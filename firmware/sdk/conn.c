/* SPDX-License-Identifier: BSD-3-Clause */
/* Connections: opening, whole messages and pieces, credits, sending. */
#include <string.h>

#include "firmware/crc32.h"
#include "node_internal.h"

uint32_t amp_conn_limit(const struct amp_service *s)
{
	if (s->ops->message)
		return s->max_message;
	return s->max_message ? s->max_message : AMP_MSG_MAX;
}

uint8_t *amp_conn_rx_buffer(const struct amp_conn *c)
{
	return c->svc->rx_pool + (size_t)c->slot * c->svc->max_message;
}

/*
 * A service name's length, or AMP_SERVICE_NAME_MAX + 1 when it is longer.
 * A loop rather than strlen(), which need not ride in the M4's image.
 */
static size_t name_length(const char *name)
{
	size_t n = 0;

	while (n <= AMP_SERVICE_NAME_MAX && name[n] != '\0')
		n++;
	return n;
}

static struct amp_service *find_service(struct amp_node *n, const uint8_t *name, uint32_t len)
{
	for (struct amp_service *s = n->services; s; s = s->next)
		if (name_length(s->name) == len && memcmp(s->name, name, len) == 0)
			return s;
	return NULL;
}

int amp_service_register(struct amp_node *n, struct amp_service *s)
{
	size_t name_len = s && s->name ? name_length(s->name) : 0;

	if (!n || !s || !s->ops || name_len == 0 || name_len > AMP_SERVICE_NAME_MAX ||
	    !s->ops->message == !s->ops->piece || !s->ops->gone || s->max_clients == 0 ||
	    s->max_clients > 32u || s->max_message > AMP_MSG_MAX ||
	    (s->ops->message && (s->max_message == 0 || !s->rx_pool)))
		return AMP_EINVAL;
	if (find_service(n, (const uint8_t *)s->name, (uint32_t)name_len))
		return AMP_EEXIST;
	s->node = n;
	s->slots_used = 0;
	s->clients = 0;
	s->next = n->services;
	n->services = s;
	if (n->link_up && s->ops->link)
		s->ops->link(s, true);
	return AMP_OK;
}

static int free_slot(const struct amp_service *s)
{
	for (unsigned int i = 0; i < s->max_clients; i++)
		if (!(s->slots_used & (1u << i)))
			return (int)i;
	return -1;
}

void amp_conn_open(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h)
{
	uint32_t name_len = h->len - AMP_OPEN_FIXED_SIZE;
	struct amp_service *s;
	struct amp_open o;
	int slot;

	amp_open_decode(c->small, &o);
	/* One connection per peer: a new OPEN ends the old one. */
	if (c->svc)
		amp_conn_end(n, c, true);
	s = find_service(n, c->small + AMP_OPEN_FIXED_SIZE, name_len);
	if (!s) {
		n->stats.refused++;
		amp_reply_error(n, c, h->seq, AMP_STATUS_NO_SERVICE, 0);
		return;
	}
	slot = free_slot(s);
	if (s->clients >= s->max_clients || slot < 0) {
		n->stats.refused++;
		amp_reply_error(n, c, h->seq, AMP_STATUS_BUSY, s->max_clients);
		return;
	}
	c->svc = s;
	c->id = ++n->next_conn_id;
	c->slot = (uint8_t)slot;
	c->in_msg = false;
	c->rx_grant = s->ops->message ? s->max_message : AMP_PIECE_WINDOW;
#if AMP_NODE_BULK
	c->bulk.tx = false;
	c->bulk.in_msg = false;
	/* FILLED reach only clients of the module, which says so */
	c->bulk.can_fill = (o.flags & AMP_OPEN_F_BULK) && c->hub == &n->hubs[AMP_HUB_INDEX_NETLINK];
	if (c->bulk.can_fill && !s->ops->message)
		c->rx_grant = AMP_PIECE_WINDOW_BULK;
#endif
	c->rx_credit = c->rx_grant;
	c->credit_owed = 0;
	c->paused = false;
	c->tx_credit = o.window;
	c->tx_seq = 1;
	c->tx_busy = false;
	c->want_writable = false;
	c->close_status = 0;
	c->ending = false;
	c->priv = NULL;
	s->slots_used |= 1u << slot;
	s->clients++;

	/* Nothing the service sends from connected() may overtake OPENED. */
	c->opening = true;
	bool accepted = !s->ops->connected || s->ops->connected(c);

	c->opening = false;
	if (!accepted) {
		c->tx_busy = false;
		s->slots_used &= ~(1u << slot);
		s->clients--;
		c->svc = NULL;
		n->stats.refused++;
		amp_reply_error(n, c, h->seq, AMP_STATUS_REFUSED, 0);
		return;
	}
	uint8_t payload[AMP_OPENED_SIZE];
	struct amp_opened ok = {c->rx_grant, amp_conn_limit(s), c->id};

	amp_opened_encode(payload, &ok);
	amp_reply(n, c, c->hub, c->addr, AMP_FRAME_OPENED, h->seq, payload, sizeof(payload));
	n->stats.opens++;
}

void amp_conn_end(struct amp_node *n, struct amp_conn *c, bool notify)
{
	struct amp_service *s = c->svc;

	if (!s || c->ending)
		return;
	c->ending = true;
	if (notify && s->ops->gone)
		s->ops->gone(c);
	s->slots_used &= ~(1u << c->slot);
	s->clients--;
	c->svc = NULL;
	c->ending = false;
	c->tx_busy = false;
	c->want_writable = false;
	c->in_msg = false;
	c->credit_owed = 0;
#if AMP_NODE_BULK
	c->bulk.in_msg = false;
	c->bulk.tx = false;
#endif
	(void)n;
}

void amp_conn_violation(struct amp_node *n, struct amp_conn *c, uint32_t seq, enum amp_status why,
			uint32_t detail)
{
	n->stats.violations++;
	amp_reply_error(n, c, seq, why, detail);
	amp_conn_end(n, c, true);
}

static void violation(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h,
		      enum amp_status why)
{
	amp_conn_violation(n, c, h->seq, why, h->len);
}

/* Forgets the message being received; the credit it took comes back. */
void amp_conn_msg_abort(struct amp_node *n, struct amp_conn *c)
{
	(void)n;
	if (!c->in_msg)
		return;
	c->in_msg = false;
	if (!c->svc)
		return;
	if (c->svc->ops->piece) {
		struct amp_piece p = {.offset = c->msg_len, .last = true, .bad = true};

		/* pieces handed over were credited as they went */
		c->credit_owed += c->msg_charged - c->msg_len;
		c->svc->ops->piece(c, &p);
	} else {
		c->credit_owed += c->msg_charged;
	}
}

bool amp_conn_msg_header(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h)
{
	if (!c->svc) {
		amp_reply_error(n, c, h->seq, AMP_STATUS_NOT_OPEN, h->len);
		return false;
	}
	if (h->flags & AMP_FRAME_F_ABORT) {
		amp_conn_msg_abort(n, c);
#if AMP_NODE_BULK
		/* or the one by reference: its client ran out of time between parts */
		amp_bulk_msg_abort(n, c);
#endif
		return false;
	}
	if (c->in_msg && h->seq != c->rx_seq)
		/* A new message before the last piece of the previous one. */
		amp_conn_msg_abort(n, c);
#if AMP_NODE_BULK
	/* ... or of one by reference: they share the service's buffer */
	if (!c->in_msg)
		amp_bulk_msg_abort(n, c);
#endif
	if (h->len > c->rx_credit) {
		violation(n, c, h, AMP_STATUS_CREDIT);
		return false;
	}
	uint32_t charged = c->in_msg ? c->msg_charged : 0;

	if (h->len > amp_conn_limit(c->svc) - charged) {
		violation(n, c, h, AMP_STATUS_TOO_LARGE);
		return false;
	}
	if (!c->in_msg) {
		c->in_msg = true;
		c->msg_len = 0;
		c->msg_charged = 0;
		c->msg_bad = false;
		c->msg_crc = 0;
		c->rx_seq = h->seq;
	}
	c->msg_charged += h->len;
	c->rx_credit -= h->len;
	return true;
}

void amp_conn_msg_payload(struct amp_node *n, struct amp_conn *c, const uint8_t *data, uint32_t len,
			  uint32_t offset)
{
	const struct amp_service *s = c->svc;

	(void)n;
	(void)offset;
	if (!s || !c->in_msg)
		return;
	if (s->ops->message) {
		/* msg_len + len <= msg_charged <= max_message, checked at each header */
		memcpy(amp_conn_rx_buffer(c) + c->msg_len, data, len);
		c->msg_len += len;
		return;
	}
	struct amp_piece p = {.data = data, .len = len, .offset = c->msg_len};

	c->msg_len += len;
	c->credit_owed += len;
	s->ops->piece(c, &p);
}

void amp_conn_msg_end(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h,
		      bool crc_ok)
{
	const struct amp_service *s = c->svc;

	if (!s || !c->in_msg)
		return;
	if (crc_ok) {
		n->stats.frames_ok++;
		/* the frame's bytes are what its header says: their CRC is known */
		c->msg_crc = fw_crc32_combine(c->msg_crc, h->crc, h->len);
	} else {
		n->stats.frames_bad++;
		c->msg_bad = true;
	}
	if (h->flags & AMP_FRAME_F_MORE)
		return;

	uint32_t len = c->msg_len;
	bool bad = c->msg_bad;

	c->in_msg = false;
	if (bad)
		amp_reply_error(n, c, h->seq, AMP_STATUS_BAD_CRC, len);
	if (s->ops->message) {
		c->credit_owed += c->msg_charged;
		if (!bad) {
			n->stats.msgs_in++;
			s->ops->message(c, amp_conn_rx_buffer(c), len);
		}
	} else {
		struct amp_piece p = {.offset = len, .last = true, .bad = bad, .crc = c->msg_crc};

		if (!bad)
			n->stats.msgs_in++;
		s->ops->piece(c, &p);
	}
}

void amp_conn_credit(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h)
{
	uint32_t more = amp_get32(c->small);

	if (!c->svc) {
		amp_reply_error(n, c, h->seq, AMP_STATUS_NOT_OPEN, more);
		return;
	}
	c->tx_credit = more > UINT32_MAX - c->tx_credit ? UINT32_MAX : c->tx_credit + more;
}

/* --- sending ------------------------------------------------------------- */

/* Bytes of a control frame with one u32 (CREDIT, CLOSE). */
#define CONTROL_SIZE (AMP_FRAME_HDR_SIZE + 4u)

static void put_control(uint8_t *frame, uint8_t type, uint32_t value)
{
	amp_put32(frame + AMP_FRAME_HDR_SIZE, value);
	amp_frame_encode(frame, type, 0, 4, fw_crc32_update(0, frame + AMP_FRAME_HDR_SIZE, 4));
}

/* A control frame straight to the peer; false when no buffer is free. */
static bool send_control(struct amp_node *n, struct amp_conn *c, uint8_t type, uint32_t value)
{
	uint8_t frame[CONTROL_SIZE];

	put_control(frame, type, value);
	return rp_send(&n->dev->link, c->hub->addr, c->addr, frame, sizeof(frame)) == RP_OK;
}

/*
 * Whether credit goes back now: for whole messages as soon as one is
 * consumed (its buffer is free again, and a client waiting to send the
 * next whole message without waiting must not wait for half a window);
 * for pieces once the client is down to half its window, or to a quarter
 * while a message is arriving: a client that sends one message and waits
 * for the reply then gets its credit back with the reply, not in a CREDIT
 * of its own in the middle, while a long message still gets credit before
 * its sender runs dry. Either way at most once per poll pass, so a burst
 * of messages costs one CREDIT.
 */
static bool credit_due(const struct amp_conn *c)
{
	if (!c->credit_owed || c->paused)
		return false;
	if (!c->svc->ops->piece)
		return true;
	return c->rx_credit <= (c->in_msg ? c->rx_grant / 4u : c->rx_grant / 2u);
}

/*
 * Whether credit due may wait for the fragment about to go: only when that
 * fragment ends the message and still fits one rpmsg message with it (a
 * fragment cut shorter for it would cost one message more).
 */
static bool credit_rides(const struct amp_conn *c, uint32_t room)
{
#if AMP_NODE_BULK
	if (c->bulk.tx)
		return false; /* no fragment comes: FILLED go on their own channel */
#endif
	return c->tx_busy && c->tx_credit > 0 && credit_due(c) &&
	       c->tx_len - c->tx_off <= AMP_MSG_FRAG_MAX &&
	       CONTROL_SIZE + AMP_FRAME_HDR_SIZE + (c->tx_len - c->tx_off) <= room;
}

static void credit_returned(struct amp_conn *c)
{
	c->rx_credit += c->credit_owed;
	c->credit_owed = 0;
}

/* Returns the credit due in a CREDIT of its own; false when no buffer is free. */
static bool return_credit(struct amp_node *n, struct amp_conn *c)
{
	if (!credit_due(c))
		return true;
	if (!send_control(n, c, AMP_FRAME_CREDIT, c->credit_owed))
		return false;
	credit_returned(c);
	return true;
}

/*
 * The next MSG frame of the message being sent; false when it must wait.
 * whole: only if the rest fits this one frame.
 */
static bool send_fragment(struct amp_node *n, struct amp_conn *c, bool whole)
{
	struct rp_tx_buf tx;
	uint32_t left = c->tx_len - c->tx_off, len, room, pre = 0;
	uint16_t flags = 0;

	if (c->tx_credit == 0 || rp_tx_get(&n->dev->link, &tx) != RP_OK)
		return false;
	/*
	 * Credit due rides in front of the fragment, in the same rpmsg
	 * message: a request's reply and the credit the request freed cost
	 * the client one message, not two. (The client counts its window by
	 * MSG frames only, and this one still takes one message.)
	 */
	if (credit_rides(c, tx.room))
		pre = CONTROL_SIZE;
	room = tx.room - pre;
	if (room < AMP_FRAME_HDR_SIZE + 1u || (whole && room < AMP_FRAME_HDR_SIZE + left)) {
		rp_tx_put(&n->dev->link, &tx);
		return false;
	}
	len = room - AMP_FRAME_HDR_SIZE;
	if (len > AMP_MSG_FRAG_MAX)
		len = AMP_MSG_FRAG_MAX;
	if (len >= left)
		len = left;
	else
		flags = AMP_FRAME_F_MORE;

	uint8_t *frame = tx.data + pre, *payload = frame + AMP_FRAME_HDR_SIZE;

	if (pre)
		put_control(tx.data, AMP_FRAME_CREDIT, c->credit_owed);
	if (c->tx_data && len)
		memcpy(payload, c->tx_data + c->tx_off, len);
	else if (len)
		c->svc->ops->fill(c, c->tx_off, payload, len);
	amp_frame_encode_flags(frame, AMP_FRAME_MSG, flags, c->tx_seq, len,
			       fw_crc32_update(0, payload, len));
	if (rp_tx_send(&n->dev->link, &tx, c->hub->addr, c->addr, pre + AMP_FRAME_HDR_SIZE + len) !=
	    RP_OK)
		return false;
	if (pre)
		credit_returned(c);
	c->tx_off += len;
	c->tx_credit--;
	if (c->tx_off == c->tx_len) {
		c->tx_busy = false;
		c->tx_seq++;
		n->stats.msgs_out++;
	}
	return true;
}

/* The next part of the message being sent: a FILLED or a MSG frame. */
static bool send_next(struct amp_node *n, struct amp_conn *c)
{
#if AMP_NODE_BULK
	if (c->bulk.tx)
		return amp_bulk_send_filled(n, c);
#endif
	return send_fragment(n, c, false);
}

void amp_conn_pump(struct amp_node *n, struct amp_conn *c)
{
	if (!c->used || c->replies_queued || c->opening)
		return;
	if (c->close_status) {
		if (!send_control(n, c, AMP_FRAME_CLOSE, c->close_status))
			return;
		c->close_status = 0;
	}
	if (!c->svc)
		return;
	/* credit due rides on the next fragment if that ends the message */
	if (!credit_rides(c, AMP_FRAME_HDR_SIZE + AMP_MSG_FRAG_MAX) && !return_credit(n, c))
		return;
	while (c->tx_busy && send_next(n, c))
		;
	if (!return_credit(n, c))
		return;
	if (!c->tx_busy && c->want_writable && c->svc && c->tx_credit > 0 &&
	    rp_can_send(&n->dev->link)) {
		c->want_writable = false;
		/* optional: a service that never waits for a send need not have it */
		if (c->svc->ops->writable)
			c->svc->ops->writable(c);
	}
}

/* What any send checks first: AMP_OK, or why it cannot even try. */
static int send_allowed(const struct amp_conn *c, const void *data, uint32_t len, uint32_t max)
{
	if (!c || !c->svc || c->ending)
		return AMP_ENOTCONN;
	if (len && !data)
		return AMP_EINVAL;
	return len > max ? AMP_EMSGSIZE : AMP_OK;
}

/* The message the pump sends next, from the caller's buffer. */
static void begin_message(struct amp_conn *c, const void *data, uint32_t len)
{
	c->tx_data = data;
	c->tx_len = len;
	c->tx_off = 0;
	c->tx_busy = true;
#if AMP_NODE_BULK
	c->bulk.tx = false;
#endif
}

/* amp_send() from data, or (NULL) from the service's fill(). */
static int send_message(struct amp_conn *c, const void *data, uint32_t len)
{
	if (c->tx_busy) {
		c->want_writable = true;
		return AMP_EWOULDBLOCK;
	}
	begin_message(c, data, len);
#if AMP_NODE_BULK
	c->bulk.tx = amp_bulk_tx_wanted(c->svc->node, c, len);
#endif
	c->want_writable = false;
	amp_conn_pump(c->svc->node, c);
	if (!c->tx_busy)
		return AMP_OK;
	c->want_writable = true;
	return AMP_PENDING;
}

int amp_send(struct amp_conn *c, const void *data, uint32_t len)
{
	int rc = send_allowed(c, data, len, AMP_MSG_MAX);

	return rc != AMP_OK ? rc : send_message(c, data, len);
}

int amp_send_fill(struct amp_conn *c, uint32_t len)
{
	int rc = send_allowed(c, NULL, 0, AMP_MSG_MAX);

	if (rc != AMP_OK)
		return rc;
	if (!c->svc->ops->fill)
		return AMP_EINVAL;
	return len > AMP_MSG_MAX ? AMP_EMSGSIZE : send_message(c, NULL, len);
}

int amp_send_copy(struct amp_conn *c, const void *data, uint32_t len)
{
	int rc = send_allowed(c, data, len, AMP_MSG_FRAG_MAX);

	if (rc != AMP_OK)
		return rc;
	if (c->tx_busy || c->replies_queued || c->opening || c->tx_credit == 0) {
		c->want_writable = true;
		return AMP_EWOULDBLOCK;
	}
	begin_message(c, data, len);
	if (!send_fragment(c->svc->node, c, true)) {
		c->tx_busy = false;
		c->want_writable = true;
		return AMP_EWOULDBLOCK;
	}
	return AMP_OK;
}

void amp_close(struct amp_conn *c)
{
	struct amp_node *n;

	if (!c || !c->svc || c->ending)
		return;
	n = c->svc->node;
	n->stats.closes++;
	amp_conn_end(n, c, false);
	c->close_status = AMP_STATUS_CLOSED;
	amp_conn_pump(n, c);
}

void amp_conn_pause(struct amp_conn *c)
{
	c->paused = true;
}

void amp_conn_resume(struct amp_conn *c)
{
	c->paused = false;
	if (c->svc)
		amp_conn_pump(c->svc->node, c);
}

struct amp_service *amp_conn_service(const struct amp_conn *c)
{
	return c->svc;
}

uint32_t amp_conn_id(const struct amp_conn *c)
{
	return c->id;
}

void *amp_conn_priv(const struct amp_conn *c)
{
	return c->priv;
}

void amp_conn_set_priv(struct amp_conn *c, void *priv)
{
	c->priv = priv;
}
