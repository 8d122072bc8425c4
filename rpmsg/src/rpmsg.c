/* SPDX-License-Identifier: BSD-3-Clause */
#include "rpmsg/rpmsg.h"

#include <string.h>

#include "rp_access.h"
#include "rp_link.h"

/*
 * What is shared by both roles, then the device role (the firmware's). The
 * shared code reaches a role's own steps only through link->role, so the
 * driver role (rpmsg_driver.c) is linked only where rp_driver_init() is.
 */

static struct rp_vq *tx_queue(struct rp_link *link)
{
	return rp_link_queue(link, link->role->tx_queue);
}

static struct rp_vq *rx_queue(struct rp_link *link)
{
	return rp_link_queue(link, link->role->tx_queue ^ 1u);
}

static unsigned int queue_index(const struct rp_link *link, const struct rp_vq *vq)
{
	return vq == &link->to_driver ? RP_QUEUE_TO_DRIVER : RP_QUEUE_TO_DEVICE;
}

static void notify(struct rp_link *link, struct rp_vq *vq)
{
	vq->stats.notifies_sent++;
	link->ops->notify(link, queue_index(link, vq));
}

void rp_link_publish(struct rp_link *link, struct rp_vq *vq)
{
	if (link->role->publish(vq))
		notify(link, vq);
}

/* Entries visible at once; the doorbell question waits for publish(). */
static void expose(struct rp_link *link, struct rp_vq *vq)
{
	link->role->expose(vq);
}

static struct rp_endpoint *find_endpoint(struct rp_link *link, uint32_t addr)
{
	for (struct rp_endpoint *e = link->endpoints; e; e = e->next)
		if (e->addr == addr)
			return e;
	return NULL;
}

static void write_header(void *buf, uint32_t src, uint32_t dst, uint32_t len)
{
	struct rp_hdr h = {
		.src = RP_LE32(src),
		.dst = RP_LE32(dst),
		.reserved = 0,
		.len = RP_LE16((uint16_t)len),
		.flags = 0,
	};

	/* The builtin, so a freestanding build still inlines a fixed-size copy. */
	__builtin_memcpy(buf, &h, sizeof(h));
}

/*
 * A burst (inside rp_poll() or under rp_tx_batch()) is exposed every
 * RP_EXPOSE_BATCH messages with a plain release store, so a polling peer
 * takes them while we write the next, yet finds a few at each look instead
 * of pulling the index line across once per message. The doorbell question
 * (a full barrier, then a read of the peer's wishes) is asked once per half
 * ring, so a peer asleep wakes before the ring fills, and at the end. A
 * poller skips the half-ring question while the peer wanted no doorbell the
 * last time (it polls too): the barrier would stall us on our own payload
 * stores, and the question is asked anyway before we wait or go idle.
 */
static void tx_publish(struct rp_link *link, struct rp_vq *vq)
{
	if (link->in_poll || link->tx_batching) {
		if (++link->tx_unpublished % RP_EXPOSE_BATCH == 0)
			expose(link, vq);
		if (link->tx_unpublished < vq->num / 2u)
			return;
		link->tx_unpublished = 0;
		if (link->polling && !vq->peer_asked) {
			expose(link, vq);
			return;
		}
	}
	rp_link_publish(link, vq);
}

static void tx_flush(struct rp_link *link)
{
	link->tx_unpublished = 0;
	rp_link_publish(link, tx_queue(link));
}

void rp_tx_batch(struct rp_link *link, bool on)
{
	link->tx_batching = on;
	if (!on && !link->in_poll)
		tx_flush(link);
}

int rp_tx_get(struct rp_link *link, struct rp_tx_buf *tx)
{
	int rc;

	if (!link->link_up)
		return RP_ENOTCONN;
	rc = link->role->tx_get(link, tx);
	/* The peer cannot give back what it has not seen: show it the batch. */
	if (rc == RP_EAGAIN && rp_vq_unchecked(tx_queue(link))) {
		tx_flush(link);
		rc = link->role->tx_get(link, tx);
	}
	return rc;
}

void rp_tx_put(struct rp_link *link, const struct rp_tx_buf *tx)
{
	link->role->tx_put(link, tx);
}

int rp_tx_send(struct rp_link *link, const struct rp_tx_buf *tx, uint32_t src, uint32_t dst,
	       uint32_t len)
{
	struct rp_vq *vq = tx_queue(link);
	uint8_t *buf = tx->data - RP_HDR_SIZE;

	if (len > tx->room)
		return RP_EMSGSIZE;
	write_header(buf, src, dst, len);
	link->role->tx_commit(link, tx->head, RP_HDR_SIZE + len);
	link->stats.tx_msgs++;
	link->stats.tx_bytes += len;
	tx_publish(link, vq);
	return RP_OK;
}

/*
 * The length of a name, at most RP_NAME_SIZE (then it has no terminator in
 * the space a name has). A loop rather than strlen() and memchr(): names
 * are short, and neither routine (380 bytes on the M4) need ride in the
 * firmware's image.
 */
static size_t name_length(const char *name)
{
	size_t n = 0;

	while (n < RP_NAME_SIZE && name[n] != '\0')
		n++;
	return n;
}

static int send_raw(struct rp_link *link, uint32_t src, uint32_t dst, const void *data,
		    uint32_t len)
{
	struct rp_tx_buf tx;
	int rc;

	if (len > RP_MTU || (len > 0 && !data))
		return len > RP_MTU ? RP_EMSGSIZE : RP_EINVAL;
	rc = rp_tx_get(link, &tx);
	if (rc != RP_OK)
		return rc;
	if (tx.room < len) {
		/* A receive buffer too small for an rpmsg message: the driver is broken. */
		tx_queue(link)->broken = true;
		return RP_EBADMSG;
	}
	/*
	 * The driver chooses where both buffers lie: a reply may be asked to
	 * go where the message it answers still is.
	 */
	memmove(tx.data, data, len);
	link->stats.tx_copies++;
	return rp_tx_send(link, &tx, src, dst, len);
}

int rp_send(struct rp_link *link, uint32_t src, uint32_t dst, const void *data, uint32_t len)
{
	if (!link->link_up)
		return RP_ENOTCONN;
	if (dst == RP_ADDR_ANY)
		return RP_EINVAL;
	return send_raw(link, src, dst, data, len);
}

bool rp_can_send(struct rp_link *link)
{
	struct rp_vq *vq = tx_queue(link);

	if (!link->link_up || vq->broken)
		return false;
	return link->role->tx_ready(link);
}

static int send_ns(struct rp_endpoint *ept, enum rp_ns_flags flags)
{
	struct rp_ns_msg msg;

	memset(&msg, 0, sizeof(msg));
	memcpy(msg.name, ept->name, sizeof(msg.name));
	msg.addr = RP_LE32(ept->addr);
	msg.flags = RP_LE32((uint32_t)flags);
	return send_raw(ept->link, ept->addr, RP_NS_ADDR, &msg, sizeof(msg));
}

/* Announcements wait for the link and for buffers; none is ever dropped. */
static int flush_announcements(struct rp_link *link)
{
	if (!link->ns_enabled || !link->link_up)
		return RP_OK;
	for (struct rp_endpoint *e = link->endpoints; e; e = e->next) {
		if (!e->announce_pending)
			continue;
		int rc = send_ns(e, RP_NS_CREATE);

		if (rc != RP_OK)
			return rc;
		e->announce_pending = false;
	}
	return RP_OK;
}

/*
 * Driver role: the device announces its endpoints. Device role: Linux says
 * that one of its endpoints is gone (rpmsg_netlink does so when a client
 * socket closes), so services can forget that peer.
 */
static void handle_ns(struct rp_link *link, const uint8_t *data, uint32_t len)
{
	struct rp_ns_msg msg;

	if (len != sizeof(msg)) {
		link->stats.rx_malformed++;
		return;
	}
	memcpy(&msg, data, sizeof(msg));
	if (name_length(msg.name) == RP_NAME_SIZE) {
		link->stats.rx_malformed++;
		return;
	}
	bool created = (RP_LE32(msg.flags) & RP_NS_DESTROY) == 0;

	if (!created)
		link->stats.peers_gone++;
	if (link->ns_cb)
		link->ns_cb(link, msg.name, RP_LE32(msg.addr), created);
	else
		link->stats.rx_dropped++;
}

/*
 * Deliver one received buffer. Returns RP_EAGAIN when the endpoint asked to
 * see it again later; anything else means the buffer can be given back.
 */
static int deliver(struct rp_link *link, const uint8_t *buf, uint32_t buf_len)
{
	struct rp_hdr h;

	if (buf_len < RP_HDR_SIZE) {
		link->stats.rx_malformed++;
		return RP_EBADMSG;
	}
	__builtin_memcpy(&h, buf, sizeof(h));

	uint32_t len = RP_LE16(h.len);
	uint32_t src = RP_LE32(h.src);
	uint32_t dst = RP_LE32(h.dst);

	if (len > buf_len - RP_HDR_SIZE) {
		link->stats.rx_malformed++;
		return RP_EBADMSG;
	}
	if (dst == RP_NS_ADDR) {
		handle_ns(link, buf + RP_HDR_SIZE, len);
		return RP_OK;
	}

	struct rp_endpoint *ept = find_endpoint(link, dst);

	if (!ept) {
		link->stats.rx_dropped++;
		return RP_ENOENT;
	}

	int rc = ept->cb(ept, buf + RP_HDR_SIZE, len, src);

	if (rc == RP_EAGAIN && !link->rx_cur_held)
		return rc;
	link->stats.rx_msgs++;
	link->stats.rx_bytes += len;
	return RP_OK;
}

/* What the core does with a received buffer once its message is handled. */
static void rx_give_back(struct rp_link *link, uint8_t *buf, uint16_t head)
{
	link->role->rx_give_back(link, buf, head);
}

/* Deliver one buffer; RP_EAGAIN when the endpoint wants it offered again. */
static int rx_one(struct rp_link *link, const struct rp_vq_buf *buf)
{
	int rc;

	link->rx_cur = (struct rp_lent){buf->ptr, buf->len, buf->head};
	link->rx_cur_held = false;
	rc = deliver(link, buf->ptr, buf->len);
	link->rx_cur.buf = NULL;
	if (rc == RP_EAGAIN)
		return rc;
	if (!link->rx_cur_held)
		rx_give_back(link, buf->ptr, buf->head);
	return RP_OK;
}

static bool rx_want(struct rp_link *link, bool enable)
{
	struct rp_vq *vq = rx_queue(link);

	return link->role->rx_notify(vq, enable);
}

static int rx_take(struct rp_link *link, struct rp_vq_buf *buf)
{
	struct rp_vq *vq = rx_queue(link);

	return link->role->rx_take(vq, buf);
}

static void rx_untake(struct rp_link *link, const struct rp_vq_buf *buf)
{
	link->role->rx_untake(rx_queue(link), buf);
}

/*
 * Both roles drain the same way: doorbells off while there is work, on again
 * (then a last look) once the queue is empty, unless busy polling.
 */
static int poll_queue(struct rp_link *link, unsigned int budget)
{
	struct rp_vq *rxq = rx_queue(link);
	struct rp_vq_buf buf;
	unsigned int returned = 0;
	bool armed = false;
	int handled = 0;
	int rc = 0;

	rx_want(link, false);
	link->in_poll = true;
	for (;;) {
		if (budget && (unsigned int)handled >= budget)
			break;
		rc = rx_take(link, &buf);
		if (rc == 0 && !link->polling) {
			if (!rx_want(link, true)) {
				armed = true;
				break;
			}
			rx_want(link, false);
			continue;
		}
		if (rc <= 0)
			break;
		if (rx_one(link, &buf) == RP_EAGAIN) {
			rx_untake(link, &buf);
			break;
		}
		handled++;
		/* Buffers go back as sends go out: exposed in small batches, asked about per half
		 * ring. */
		if (++returned >= rxq->num / 2u && (!link->polling || rxq->peer_asked)) {
			returned = 0;
			rp_link_publish(link, rxq);
		} else if (returned % RP_EXPOSE_BATCH == 0) {
			expose(link, rxq);
		}
	}
	link->in_poll = false;
	/* Whatever this pass queued is visible when it ends. */
	expose(link, tx_queue(link));
	expose(link, rxq);
	/*
	 * A poller that found work is back within moments: its doorbell
	 * questions wait for the first pass that finds none, rather than stall
	 * it on a barrier per pass.
	 */
	if (link->polling && handled > 0 && rc >= 0)
		return handled;
	/* Replies first: the peer is likelier to be waiting for them. */
	if (!link->tx_batching)
		tx_flush(link);
	/* Stay asleep only while nothing is pending; a held message waits for tx buffers. */
	if (rc >= 0 && !armed && !link->polling)
		rx_want(link, true);
	rp_link_publish(link, rxq);
	return rc < 0 ? rc : handled;
}

int rp_poll(struct rp_link *link, unsigned int budget)
{
	int rc = flush_announcements(link);

	if (rc != RP_OK && rc != RP_EAGAIN)
		return rc;
	return poll_queue(link, budget);
}

bool rp_set_polling(struct rp_link *link, bool on)
{
	link->polling = on;
	if (!on) {
		/* Whatever a pass left for its next idle pass is asked now. */
		if (!link->tx_batching)
			tx_flush(link);
		rp_link_publish(link, rx_queue(link));
	}
	return rx_want(link, !on);
}

int rp_rx_hold(struct rp_endpoint *ept, const void *data)
{
	struct rp_link *link = ept->link;

	if (!link->rx_cur.buf || data != link->rx_cur.buf + RP_HDR_SIZE || link->rx_cur_held)
		return RP_EINVAL;
	if (link->rx_held_count >= RP_RX_HELD_MAX)
		return RP_EBUSY;
	link->rx_held[link->rx_held_count++] = link->rx_cur;
	link->rx_cur_held = true;
	return RP_OK;
}

int rp_rx_release(struct rp_link *link, const void *data)
{
	for (unsigned int i = 0; i < link->rx_held_count; i++) {
		struct rp_lent l = link->rx_held[i];

		if (data != l.buf + RP_HDR_SIZE)
			continue;
		link->rx_held[i] = link->rx_held[--link->rx_held_count];
		rx_give_back(link, l.buf, l.head);
		/* Inside rp_poll() the batch at its end carries it. */
		if (!link->in_poll)
			rp_link_publish(link, rx_queue(link));
		return RP_OK;
	}
	return RP_EINVAL;
}

int rp_link_init(struct rp_link *link, const struct rp_role *role, const struct rp_ops *ops,
		 void *priv)
{
	if (!ops || !ops->notify)
		return RP_EINVAL;
	memset(link, 0, sizeof(*link));
	link->role = role;
	link->ops = ops;
	link->priv = priv;
	link->next_addr = RP_RESERVED_ADDRESSES;
	return RP_OK;
}

static uint32_t pick_address(struct rp_link *link)
{
	while (find_endpoint(link, link->next_addr) || link->next_addr == RP_ADDR_ANY)
		link->next_addr = link->next_addr == RP_ADDR_ANY ? RP_RESERVED_ADDRESSES
								 : link->next_addr + 1u;
	return link->next_addr++;
}

int rp_endpoint_create(struct rp_link *link, struct rp_endpoint *ept, const char *name,
		       uint32_t addr, rp_ept_cb cb, void *priv)
{
	size_t name_len = name ? name_length(name) : 0;

	if (!cb || name_len >= RP_NAME_SIZE || addr == RP_NS_ADDR)
		return RP_EINVAL;
	if (addr != RP_ADDR_ANY && find_endpoint(link, addr))
		return RP_EBUSY;
	memset(ept, 0, sizeof(*ept));
	if (name_len)
		memcpy(ept->name, name, name_len);
	ept->addr = addr == RP_ADDR_ANY ? pick_address(link) : addr;
	ept->cb = cb;
	ept->priv = priv;
	ept->link = link;
	ept->announce_pending = link->ns_enabled && name_len > 0;
	ept->next = link->endpoints;
	link->endpoints = ept;
	flush_announcements(link);
	return RP_OK;
}

void rp_endpoint_destroy(struct rp_endpoint *ept)
{
	struct rp_link *link = ept->link;

	for (struct rp_endpoint **p = &link->endpoints; *p; p = &(*p)->next) {
		if (*p == ept) {
			*p = ept->next;
			break;
		}
	}
	/* Best effort: a peer that cannot take the message will reset anyway. */
	if (link->ns_enabled && link->link_up && ept->name[0] && !ept->announce_pending)
		send_ns(ept, RP_NS_DESTROY);
	ept->link = NULL;
}

/* --- the device role ------------------------------------------------------ */

static struct rp_device *device_of(struct rp_link *link)
{
	return (struct rp_device *)((char *)link - __builtin_offsetof(struct rp_device, link));
}

/* A buffer from the driver's receive queue, or RP_EAGAIN. */
static int device_get_tx_buffer(struct rp_device *dev, struct rp_vq_buf *buf)
{
	struct rp_link *link = &dev->link;
	struct rp_vq *vq = &link->to_driver;
	int rc;

	if (dev->tx_spare_count) {
		struct rp_lent *l = &dev->tx_spare[--dev->tx_spare_count];

		buf->ptr = l->buf;
		buf->len = l->len;
		buf->head = l->head;
		buf->writable = true;
		return RP_OK;
	}
	rc = rp_vq_dev_pop(vq, buf);
	/* A poller looks again by itself; only a sleeper needs the kick. */
	if (rc == 0 && !link->polling && rp_vq_dev_want_kicks(vq, true))
		rc = rp_vq_dev_pop(vq, buf);
	if (rc == 0) {
		link->stats.tx_waits++;
		return RP_EAGAIN;
	}
	if (rc < 0)
		return rc;
	/* Kicks on this queue only matter while we wait for buffers. */
	rp_vq_dev_want_kicks(vq, false);
	if (!buf->writable || buf->len < RP_HDR_SIZE) {
		vq->broken = true;
		return RP_EBADMSG;
	}
	return RP_OK;
}

static int device_tx_get(struct rp_link *link, struct rp_tx_buf *tx)
{
	struct rp_device *dev = device_of(link);
	struct rp_vq_buf buf;
	int rc;

	if (dev->tx_out >= RP_TX_HELD_MAX)
		return RP_EBUSY;
	rc = device_get_tx_buffer(dev, &buf);
	if (rc != RP_OK)
		return rc;
	dev->tx_out++;
	tx->data = (uint8_t *)buf.ptr + RP_HDR_SIZE;
	tx->room = buf.len - RP_HDR_SIZE < RP_MTU ? buf.len - RP_HDR_SIZE : RP_MTU;
	tx->head = buf.head;
	return RP_OK;
}

static void device_tx_put(struct rp_link *link, const struct rp_tx_buf *tx)
{
	struct rp_device *dev = device_of(link);

	/* At most RP_TX_HELD_MAX are out, so the spare list has room. */
	dev->tx_spare[dev->tx_spare_count++] =
		(struct rp_lent){tx->data - RP_HDR_SIZE, RP_HDR_SIZE + tx->room, tx->head};
	dev->tx_out--;
}

static void device_tx_commit(struct rp_link *link, uint16_t head, uint32_t len)
{
	rp_vq_dev_push(&link->to_driver, head, len);
	device_of(link)->tx_out--;
}

static bool device_tx_ready(struct rp_link *link)
{
	struct rp_vq *vq = &link->to_driver;

	if (device_of(link)->tx_spare_count > 0 || rp_read16(&vq->avail->idx) != vq->last_avail)
		return true;
	/*
	 * Not now. A sender that asks this and then sleeps must hear when a
	 * buffer comes back, as one whose rp_tx_get() failed does (a poller
	 * looks again by itself): its failed send may have been made while
	 * polling, which asked for no doorbell. Asked, and looked once more.
	 */
	return !link->polling && rp_vq_dev_want_kicks(vq, true);
}

static void device_rx_untake(struct rp_vq *vq, const struct rp_vq_buf *buf)
{
	(void)buf;
	rp_vq_dev_unpop(vq);
}

static void device_rx_give_back(struct rp_link *link, uint8_t *buf, uint16_t head)
{
	(void)buf;
	rp_vq_dev_push(&link->to_device, head, 0);
}

static const struct rp_role device_role = {
	.tx_queue = RP_QUEUE_TO_DRIVER,
	.expose = rp_vq_dev_expose,
	.publish = rp_vq_dev_publish,
	.tx_get = device_tx_get,
	.tx_put = device_tx_put,
	.tx_commit = device_tx_commit,
	.tx_ready = device_tx_ready,
	.rx_take = rp_vq_dev_pop,
	.rx_untake = device_rx_untake,
	.rx_give_back = device_rx_give_back,
	.rx_notify = rp_vq_dev_want_kicks,
};

int rp_device_init(struct rp_device *dev, const struct rp_rings *rings, const struct rp_mem *mem,
		   bool ns, const struct rp_ops *ops, void *priv)
{
	struct rp_link *link = &dev->link;
	int rc = rp_link_init(link, &device_role, ops, priv);

	if (rc != RP_OK)
		return rc;
	dev->tx_out = 0;
	dev->tx_spare_count = 0;
	for (unsigned int q = 0; q < 2 && rc == RP_OK; q++)
		rc = rp_vq_dev_init(rp_link_queue(link, q), rings->num, rings->desc[q],
				    rings->avail[q], rings->used[q], rings->event_idx, mem,
				    rings->resume[q]);
	link->ns_enabled = ns;
	return rc;
}

void rp_link_up(struct rp_device *dev)
{
	dev->link.link_up = true;
	flush_announcements(&dev->link);
}
