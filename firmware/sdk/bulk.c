/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's "amplink-bulk" endpoint: the firmware's end of bulk transfers
 * (amp/node_bulk.h, docs/protocol.md "Bulk transfers"). POOL is answered
 * with POOL_ACK; SUBMIT's descriptors are checked against the remote's slot
 * table, their bytes handed to the connection's service in place and the
 * slots RELEASEd once it returns; POST is recorded in the table.
 */
#include "node_internal.h"

#if AMP_NODE_BULK
#include <string.h>

#include "firmware/crc32.h"

/* --- RELEASE ------------------------------------------------------------- */

/*
 * Everything before is done before anything after, doorbell included
 * (docs/protocol.md: a DSB before RELEASE or FILLED; the A7 is outside the
 * M4's shareability domain, so a DMB would not do).
 */
static void complete_accesses(void)
{
#if defined(__arm__) && defined(__ARM_ARCH_7EM__)
	__asm__ volatile("dsb" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* Sends the slots done with in one RELEASE; false when no buffer is free. */
static bool release_flush(struct amp_node *n)
{
	struct amp_node_bulk *b = &n->bulk;
	struct amp_bulk_hdr h = {.type = AMP_BULK_RELEASE, .count = (uint8_t)b->release_count};
	uint8_t msg[AMP_BULK_MSG_MAX];
	uint32_t len;
	int rc;

	if (b->release_count == 0)
		return true;
	len = amp_bulk_hdr_encode(msg, &h);
	for (uint32_t i = 0; i < b->release_count; i++)
		amp_bulk_desc_encode(msg, i, &b->release[i]);
	/* the services' reads are over before the host hears it may write again */
	complete_accesses();
	rc = rp_send(&n->dev->link, b->ept.addr, b->host, msg, len);
	if (rc == RP_EAGAIN || rc == RP_EBUSY)
		return false;
	/* Any other failure (the link is gone) cannot improve: the next POOL reclaims them. */
	if (rc == RP_OK) {
		b->stats.releases_sent++;
		b->stats.slots_released += b->release_count;
	}
	b->release_count = 0;
	return true;
}

void amp_bulk_flush(struct amp_node *n)
{
	if (n->bulk.window)
		(void)release_flush(n);
}

/* The slot goes back to the host with the next RELEASE; the caller made room. */
static void release(struct amp_node_bulk *b, uint32_t holder, uint32_t slot)
{
	struct amp_bulk_desc d;

	if (b->release_count < AMP_BULK_DESC_MAX &&
	    amp_bulk_done(&b->pool, holder, slot, &d) == AMP_BULK_OK)
		b->release[b->release_count++] = d;
}

/* --- messages by reference to a connection ------------------------------- */

/* Ends the connection's message by reference, delivered or not. */
static void msg_end(struct amp_node *n, struct amp_conn *c)
{
	const struct amp_service *s = c->svc;
	struct amp_conn_bulk *m = &c->bulk;

	m->in_msg = false;
	if (s->ops->message) {
		/* its bytes leave the service's buffer: their credit comes back */
		c->credit_owed += m->len;
		if (!m->bad) {
			n->stats.msgs_in++;
			n->bulk.stats.msgs_in++;
			s->ops->message(c, amp_conn_rx_buffer(c), m->len);
		}
		return;
	}
	struct amp_piece p = {.offset = m->len, .last = true, .bad = m->bad, .crc = m->crc};

	if (!m->bad) {
		n->stats.msgs_in++;
		n->bulk.stats.msgs_in++;
	}
	s->ops->piece(c, &p);
}

void amp_bulk_msg_abort(struct amp_node *n, struct amp_conn *c)
{
	if (c->bulk.in_msg && c->svc) {
		c->bulk.bad = true;
		msg_end(n, c);
	}
}

/* Where part seq of a message starts: a new message, or the next part of this one. */
static void msg_begin(struct amp_node *n, struct amp_conn *c, uint32_t seq)
{
	struct amp_conn_bulk *m = &c->bulk;

	/* a new message: whatever was left half-way (frames or slots) is lost */
	if (c->in_msg)
		amp_conn_msg_abort(n, c);
	if (m->in_msg && m->seq != seq)
		amp_bulk_msg_abort(n, c);
	if (!m->in_msg && c->svc) {
		m->in_msg = true;
		m->bad = false;
		m->seq = seq;
		m->len = 0;
		m->crc = 0;
	}
}

/*
 * Hands the accepted SUBMIT to c's service: a copy into its buffer for a
 * service of whole messages, else each slot's bytes as a piece in place.
 */
static void deliver(struct amp_node *n, struct amp_conn *c, const struct amp_bulk_hdr *h)
{
	struct amp_node_bulk *b = &n->bulk;
	struct amp_service *s = c->svc;
	struct amp_conn_bulk *m = &c->bulk;
	uint32_t total = b->rx_bytes, crc = 0, len = 0;

	if (total > amp_conn_limit(s) - m->len) {
		amp_conn_violation(n, c, h->seq, AMP_STATUS_TOO_LARGE, total);
		return;
	}
	for (uint32_t i = 0; i < h->count && c->svc == s; i++) {
		const uint8_t *data = b->rx_ptr[i];
		uint32_t n_bytes = b->rx.descs[i].length;

		crc = fw_crc32_update(crc, data, n_bytes);
		if (s->ops->message) {
			memcpy(amp_conn_rx_buffer(c) + m->len + len, data, n_bytes);
		} else {
			struct amp_piece p = {.data = data, .len = n_bytes, .offset = m->len + len};

			/* as for frames: a piece handed over is credited */
			c->credit_owed += n_bytes;
			s->ops->piece(c, &p);
		}
		len += n_bytes;
	}
	if (c->svc != s || !m->in_msg)
		return; /* the service closed the connection from its callback */
	m->len += len;
	m->crc = fw_crc32_combine(m->crc, crc, len);
	if ((h->flags & AMP_BULK_F_CRC) && crc != h->crc) {
		/* as for frames: the client hears it, the service gets a bad last piece */
		b->stats.bad_crc++;
		m->bad = true;
		amp_reply_error(n, c, h->seq, AMP_STATUS_BAD_CRC, m->len);
	}
	if (!(h->flags & AMP_BULK_F_MORE))
		msg_end(n, c);
}

/* The open connection a descriptor message names, or NULL. */
static struct amp_conn *conn_for(struct amp_node *n, uint32_t peer, uint32_t conn_id)
{
	const struct rp_endpoint *netlink = &n->hubs[AMP_HUB_INDEX_NETLINK];

	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++) {
		struct amp_conn *c = &n->conns[i];

		if (c->used && c->hub == netlink && c->addr == peer && c->svc && c->id == conn_id &&
		    !c->ending)
			return c;
	}
	return NULL;
}

/* Where descriptor i's bytes are here, or NULL when the window does not cover them. */
static const uint8_t *slot_bytes(const struct amp_node_bulk *b, const struct amp_bulk_desc *d)
{
	const struct amp_bulk_pool_info *pi = &b->pool.info;
	uint64_t addr = pi->base + (uint64_t)d->slot * pi->slot_size + d->offset;

	/* checked again for each: a port's window may change while the pool stays */
	return rp_mem_to_ptr(b->window, addr, d->length);
}

/*
 * A SUBMIT costs the connection's credit what its bytes would in MSG
 * frames, so that a paused service stops its client on both paths; it
 * comes back as the service consumes them. Every descriptor's length
 * counts, refused ones too: the client counted them all. False (and the
 * connection ended) when the client sent beyond its credit.
 */
static bool charge(struct amp_node *n, struct amp_conn *c, const struct amp_bulk_hdr *h)
{
	struct amp_node_bulk *b = &n->bulk;
	uint64_t total = 0;

	for (uint32_t i = 0; i < h->count; i++)
		total += b->rx.descs[i].length;
	if (total > c->rx_credit) {
		amp_conn_violation(n, c, h->seq, AMP_STATUS_CREDIT, (uint32_t)total);
		return false;
	}
	c->rx_credit -= (uint32_t)total;
	b->rx_bytes = (uint32_t)total;
	return true;
}

static int on_submit(struct amp_node *n, const uint8_t *data, uint32_t len,
		     const struct amp_bulk_hdr *h)
{
	struct amp_node_bulk *b = &n->bulk;
	struct amp_bulk_received *r = &b->rx;
	bool whole;
	struct amp_conn *c;

	/* room to release every slot of it, and to answer the client (too large, bad CRC) */
	if (b->release_count + h->count > AMP_BULK_DESC_MAX && !release_flush(n))
		return RP_EAGAIN;
	amp_outbox_flush(n);
	if (!amp_outbox_has_room(n, 1))
		return RP_EAGAIN;
	(void)amp_bulk_receive_msg(&b->pool, data, len, r);
	whole = r->accepted == h->count;
	for (uint32_t i = 0; i < h->count; i++) {
		b->rx_ptr[i] = NULL;
		if (r->status[i] != AMP_BULK_OK)
			continue;
		b->rx_ptr[i] = slot_bytes(b, &r->descs[i]);
		if (!b->rx_ptr[i]) {
			b->stats.unreachable++;
			whole = false;
		}
	}
	c = conn_for(n, h->peer, h->conn_id);
	if (!c) {
		b->stats.no_conn++;
	} else if (charge(n, c, h)) {
		msg_begin(n, c, h->seq);
		if (!whole) {
			/* nothing of it is delivered; the message it is part of is lost */
			b->stats.refused_msgs++;
			c->bulk.bad = true;
			c->credit_owed += b->rx_bytes;
			amp_reply_error(n, c, h->seq, AMP_STATUS_BAD_SLOTS, h->count - r->accepted);
			if (!(h->flags & AMP_BULK_F_MORE))
				msg_end(n, c);
		} else if (c->bulk.bad) {
			/* a later part of a message already lost: dropped, and ended */
			c->credit_owed += b->rx_bytes;
			if (!(h->flags & AMP_BULK_F_MORE))
				msg_end(n, c);
		} else {
			deliver(n, c, h);
		}
	}
	for (uint32_t i = 0; i < h->count; i++)
		if (r->status[i] == AMP_BULK_OK)
			release(b, h->peer, r->descs[i].slot);
	return RP_OK;
}

/* --- messages by reference from a service (FILLED) ------------------------ */

bool amp_bulk_tx_wanted(const struct amp_node *n, const struct amp_conn *c, uint32_t len)
{
	return c->bulk.can_fill && len >= AMP_BULK_THRESHOLD && n->bulk.window &&
	       n->bulk.pool.ready;
}

/* The message being sent is over: gone whole, or cut off. */
static void tx_end(struct amp_node *n, struct amp_conn *c, bool whole)
{
	c->tx_busy = false;
	c->bulk.tx = false;
	c->tx_seq++;
	if (whole) {
		n->stats.msgs_out++;
		n->bulk.stats.msgs_out++;
	} else {
		n->bulk.stats.tx_lost++;
	}
}

bool amp_bulk_send_filled(struct amp_node *n, struct amp_conn *c)
{
	struct amp_node_bulk *b = &n->bulk;
	struct amp_bulk_hdr h = {.type = AMP_BULK_FILLED,
				 .flags = AMP_BULK_F_CRC,
				 .peer = c->addr,
				 .conn_id = c->id,
				 .seq = c->tx_seq};
	uint32_t max, crc = 0, len;
	struct rp_tx_buf tx;

	if (!b->pool.ready) {
		/* the pool went: a message not begun goes in frames, one begun is lost */
		if (c->tx_off == 0) {
			c->bulk.tx = false;
			return true;
		}
		tx_end(n, c, false);
		return false;
	}
	if (c->tx_credit == 0 || amp_bulk_pool_count(&b->pool, AMP_BULK_SLOT_REMOTE_EMPTY) == 0 ||
	    rp_tx_get(&n->dev->link, &tx) != RP_OK)
		return false;
	max = tx.room < AMP_BULK_HDR_SIZE ? 0 : (tx.room - AMP_BULK_HDR_SIZE) / AMP_BULK_DESC_SIZE;
	if (max > AMP_BULK_DESC_MAX)
		max = AMP_BULK_DESC_MAX;
	/*
	 * A slot costs the client's window what its bytes would in MSG frames
	 * (a unit per AMP_MSG_FRAG_MAX), so a reader holds no more slots than
	 * its window lets it hold bytes, and one that never reads leaves the
	 * other clients the rest of the posted slots.
	 */
	while (h.count < max && c->tx_credit > 0 && c->tx_off < c->tx_len) {
		uint32_t slot, n_bytes = c->tx_len - c->tx_off;
		struct amp_bulk_desc d = {0};
		uint8_t *dst;

		if (n_bytes > b->pool.info.slot_size)
			n_bytes = b->pool.info.slot_size;
		if (n_bytes > (uint64_t)c->tx_credit * AMP_MSG_FRAG_MAX)
			n_bytes = c->tx_credit * AMP_MSG_FRAG_MAX;
		if (amp_bulk_acquire(&b->pool, c->addr, &slot) != AMP_BULK_OK)
			break;
		d.slot = slot;
		d.length = n_bytes;
		dst = (uint8_t *)slot_bytes(b, &d);
		if (!dst) {
			b->stats.unreachable++;
			(void)amp_bulk_unfill(&b->pool, c->addr, slot);
			break;
		}
		if (c->tx_data) {
			memcpy(dst, c->tx_data + c->tx_off, n_bytes);
			/* from the caller's buffer: reading the slot back costs a pass over DDR */
			crc = fw_crc32_update(crc, c->tx_data + c->tx_off, n_bytes);
		} else {
			/* amp_send_fill(): the service writes the slot in place */
			c->svc->ops->fill(c, c->tx_off, dst, n_bytes);
			crc = fw_crc32_update(crc, dst, n_bytes);
		}
		(void)amp_bulk_hand_over(&b->pool, c->addr, slot, 0, n_bytes, &d);
		amp_bulk_desc_encode(tx.data, h.count++, &d);
		c->tx_off += n_bytes;
		c->tx_credit -= amp_bulk_units(n_bytes);
	}
	if (h.count == 0) {
		rp_tx_put(&n->dev->link, &tx);
		return false;
	}
	if (c->tx_off < c->tx_len)
		h.flags |= AMP_BULK_F_MORE;
	h.crc = crc;
	len = amp_bulk_hdr_encode(tx.data, &h);
	/* the bytes are in the slots before the host can hear of them */
	complete_accesses();
	if (rp_tx_send(&n->dev->link, &tx, b->ept.addr, b->host, len) != RP_OK) {
		/* the link is gone; the slots come back with the next pool */
		tx_end(n, c, false);
		return false;
	}
	b->stats.filled_sent++;
	if (c->tx_off == c->tx_len)
		tx_end(n, c, true);
	return true;
}

/* --- the pool ------------------------------------------------------------ */

static uint32_t pool_verdict(const struct amp_node_bulk *b, const struct amp_bulk_pool_info *pi,
			     enum amp_bulk_status geometry)
{
	if (geometry != AMP_BULK_OK)
		return AMP_BULK_ACK_GEOMETRY;
	if (!rp_mem_to_ptr(b->window, pi->base, pi->size))
		return AMP_BULK_ACK_UNREACHABLE;
	if (pi->slot_count > AMP_BULK_SLOTS)
		return AMP_BULK_ACK_TOO_MANY;
	return AMP_BULK_ACK_OK;
}

/*
 * Every connection's message by reference ends, both ways: its slots
 * belong to an old pool. (One to send that has no slot yet goes on.)
 */
static void end_messages(struct amp_node *n)
{
	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++) {
		struct amp_conn *c = &n->conns[i];

		if (!c->used)
			continue;
		amp_bulk_msg_abort(n, c);
		if (c->svc && c->tx_busy && c->bulk.tx && c->tx_off > 0)
			tx_end(n, c, false);
	}
}

static int on_pool(struct amp_node *n, const uint8_t *data, uint32_t src)
{
	struct amp_node_bulk *b = &n->bulk;
	struct amp_bulk_pool_info pi;
	enum amp_bulk_status geometry = amp_bulk_pool_info_decode(data, &pi);
	struct amp_bulk_pool_ack ack = {pi.generation, pool_verdict(b, &pi, geometry)};
	struct amp_bulk_hdr h = {.type = AMP_BULK_POOL_ACK};
	uint8_t out[AMP_BULK_HDR_SIZE + AMP_BULK_POOL_ACK_SIZE];
	int rc;

	amp_bulk_hdr_encode(out, &h);
	amp_bulk_pool_ack_encode(out, &ack);
	/* nothing changes until the answer is on its way: held, the POOL comes again */
	rc = rp_send(&n->dev->link, b->ept.addr, src, out, sizeof(out));
	if (rc == RP_EAGAIN || rc == RP_EBUSY)
		return RP_EAGAIN;
	/*
	 * No service holds a slot past its callback, so giving up the old
	 * pool is forgetting it: unsent RELEASEs too, as the host takes back
	 * everything it lent when it hears this POOL_ACK.
	 */
	end_messages(n);
	b->release_count = 0;
	b->host = src;
	if (ack.status == AMP_BULK_ACK_OK && amp_bulk_remote_adopt(&b->pool, &pi) == AMP_BULK_OK) {
		b->stats.pools_taken++;
	} else {
		amp_bulk_remote_stop(&b->pool);
		b->stats.pools_refused++;
	}
	return RP_OK;
}

/* --- the endpoint -------------------------------------------------------- */

static int bulk_receive(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct amp_node *n = ept->priv;
	struct amp_node_bulk *b = &n->bulk;
	struct amp_bulk_hdr h = {0};

	/* the header is read once, into h; the rest is read by the functions given data */
	if (amp_bulk_hdr_decode(data, len, &h) != AMP_BULK_OK) {
		b->stats.bad_msgs++;
		return RP_OK;
	}
	if (h.type == AMP_BULK_POOL)
		return on_pool(n, data, src);
	if (!amp_bulk_type_has_descs(h.type)) {
		b->stats.bad_msgs++; /* POOL_ACK: only we send it */
		return RP_OK;
	}
	if (!b->pool.ready) {
		/* refused and counted by the table: no pool, or one we refused */
		(void)amp_bulk_receive_msg(&b->pool, data, len, &b->rx);
		return RP_OK;
	}
	if (src != b->host) {
		b->stats.foreign += h.count; /* only the POOL's sender speaks for the pool */
		return RP_OK;
	}
	if (h.type == AMP_BULK_SUBMIT)
		return on_submit(n, data, len, &h);
	/* POST lends slots for FILLED (not sent yet: they wait for the next POOL); others refused
	 */
	(void)amp_bulk_receive_msg(&b->pool, data, len, &b->rx);
	return RP_OK;
}

void amp_bulk_stop(struct amp_node *n)
{
	struct amp_node_bulk *b = &n->bulk;

	if (!b->window)
		return;
	amp_bulk_remote_stop(&b->pool);
	b->release_count = 0;
}

int amp_node_bulk_init(struct amp_node *n, const struct rp_mem *window)
{
	struct amp_node_bulk *b = &n->bulk;

	if (!window)
		return RP_EINVAL;
	memset(b, 0, sizeof(*b));
	b->window = window;
	amp_bulk_remote_init(&b->pool, b->slots, AMP_BULK_SLOTS);
	return rp_endpoint_create(&n->dev->link, &b->ept, AMP_BULK_SERVICE, RP_ADDR_ANY,
				  bulk_receive, n);
}

#else

int amp_node_bulk_init(struct amp_node *n, const struct rp_mem *window)
{
	(void)n;
	(void)window;
	return RP_EINVAL;
}

#endif
