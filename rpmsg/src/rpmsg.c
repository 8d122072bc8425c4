/* SPDX-License-Identifier: BSD-3-Clause */
#include "rpmsg/rpmsg.h"

#include <string.h>

#include "rp_access.h"

static struct rp_vq *tx_queue(struct rp_device *dev)
{
	return dev->is_device ? &dev->to_driver : &dev->to_device;
}

static unsigned int queue_index(const struct rp_device *dev, const struct rp_vq *vq)
{
	return vq == &dev->to_driver ? RP_QUEUE_TO_DRIVER : RP_QUEUE_TO_DEVICE;
}

static void notify(struct rp_device *dev, struct rp_vq *vq)
{
	vq->stats.notifies_sent++;
	dev->ops->notify(dev, queue_index(dev, vq));
}

static void publish(struct rp_device *dev, struct rp_vq *vq)
{
	bool need = dev->is_device ? rp_vq_dev_publish(vq) : rp_vq_drv_publish(vq);

	if (need)
		notify(dev, vq);
}

/* Entries visible at once; the doorbell question waits for publish(). */
static void expose(struct rp_device *dev, struct rp_vq *vq)
{
	if (dev->is_device)
		rp_vq_dev_expose(vq);
	else
		rp_vq_drv_expose(vq);
}

static struct rp_endpoint *find_endpoint(struct rp_device *dev, uint32_t addr)
{
	for (struct rp_endpoint *e = dev->endpoints; e; e = e->next)
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

static struct rp_vq *rx_queue(struct rp_device *dev)
{
	return dev->is_device ? &dev->to_device : &dev->to_driver;
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
static void tx_publish(struct rp_device *dev, struct rp_vq *vq)
{
	if (dev->in_poll || dev->tx_batching) {
		if (++dev->tx_unpublished % RP_EXPOSE_BATCH == 0)
			expose(dev, vq);
		if (dev->tx_unpublished < vq->num / 2u)
			return;
		dev->tx_unpublished = 0;
		if (dev->polling && !vq->peer_asked) {
			expose(dev, vq);
			return;
		}
	}
	publish(dev, vq);
}

static void tx_flush(struct rp_device *dev)
{
	dev->tx_unpublished = 0;
	publish(dev, tx_queue(dev));
}

void rp_tx_batch(struct rp_device *dev, bool on)
{
	dev->tx_batching = on;
	if (!on && !dev->in_poll)
		tx_flush(dev);
}

/* Device role: a buffer from the driver's receive queue, or RP_EAGAIN. */
static int device_get_tx_buffer(struct rp_device *dev, struct rp_vq_buf *buf)
{
	struct rp_vq *vq = &dev->to_driver;
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
	if (rc == 0 && !dev->polling && rp_vq_dev_want_kicks(vq, true))
		rc = rp_vq_dev_pop(vq, buf);
	if (rc == 0) {
		dev->stats.tx_waits++;
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

/*
 * Driver role: a free transmit descriptor (each keeps its own buffer),
 * reclaiming what the device consumed only when none is left (each reclaim
 * reads the line the device writes).
 */
static int driver_get_tx_buffer(struct rp_device *dev, uint16_t *head)
{
	struct rp_vq *vq = &dev->to_device;
	int rc;

	while (rp_vq_drv_free_count(vq) == 0) {
		rc = rp_vq_drv_reclaim(vq);
		if (rc < 0)
			return rc;
		if (rc > 0)
			break;
		/* A poller looks again by itself; only a sleeper needs the interrupt. */
		if (dev->polling) {
			dev->stats.tx_waits++;
			return RP_EAGAIN;
		}
		/*
		 * The device consumes all it is given, so half the ring
		 * coming back is certain: one wakeup per half ring.
		 */
		if (!rp_vq_drv_want_interrupts_after(vq, (uint16_t)((vq->num + 1u) / 2u))) {
			dev->stats.tx_waits++;
			return RP_EAGAIN;
		}
	}
	rp_vq_drv_want_interrupts(vq, false);
	rc = rp_vq_drv_take(vq);
	if (rc < 0)
		return rc;
	*head = (uint16_t)rc;
	return RP_OK;
}

static int tx_get(struct rp_device *dev, struct rp_tx_buf *tx);

int rp_tx_get(struct rp_device *dev, struct rp_tx_buf *tx)
{
	int rc;

	if (!dev->link_up)
		return RP_ENOTCONN;
	rc = tx_get(dev, tx);
	/* The peer cannot give back what it has not seen: show it the batch. */
	if (rc == RP_EAGAIN && rp_vq_unchecked(tx_queue(dev))) {
		tx_flush(dev);
		rc = tx_get(dev, tx);
	}
	return rc;
}

static int tx_get(struct rp_device *dev, struct rp_tx_buf *tx)
{
	int rc;

	if (dev->is_device) {
		struct rp_vq_buf buf;

		if (dev->tx_out >= RP_TX_HELD_MAX)
			return RP_EBUSY;
		rc = device_get_tx_buffer(dev, &buf);
		if (rc != RP_OK)
			return rc;
		dev->tx_out++;
		tx->data = (uint8_t *)buf.ptr + RP_HDR_SIZE;
		tx->room = buf.len - RP_HDR_SIZE < RP_MTU ? buf.len - RP_HDR_SIZE : RP_MTU;
		tx->head = buf.head;
	} else {
		uint16_t head;

		rc = driver_get_tx_buffer(dev, &head);
		if (rc != RP_OK)
			return rc;
		tx->data = (uint8_t *)rp_vq_drv_buffer(&dev->to_device, head) + RP_HDR_SIZE;
		tx->room = RP_MTU;
		tx->head = head;
	}
	return RP_OK;
}

void rp_tx_put(struct rp_device *dev, const struct rp_tx_buf *tx)
{
	uint8_t *buf = tx->data - RP_HDR_SIZE;

	if (dev->is_device) {
		/* At most RP_TX_HELD_MAX are out, so the spare list has room. */
		dev->tx_spare[dev->tx_spare_count++] =
			(struct rp_lent){buf, RP_HDR_SIZE + tx->room, tx->head};
		dev->tx_out--;
	} else {
		rp_vq_drv_untake(&dev->to_device, tx->head);
	}
}

int rp_tx_send(struct rp_device *dev, const struct rp_tx_buf *tx, uint32_t src, uint32_t dst,
	       uint32_t len)
{
	struct rp_vq *vq = tx_queue(dev);
	uint8_t *buf = tx->data - RP_HDR_SIZE;

	if (len > tx->room)
		return RP_EMSGSIZE;
	write_header(buf, src, dst, len);
	if (dev->is_device) {
		rp_vq_dev_push(vq, tx->head, RP_HDR_SIZE + len);
		dev->tx_out--;
	} else {
		rp_vq_drv_submit(vq, tx->head, RP_HDR_SIZE + len, false);
	}
	dev->stats.tx_msgs++;
	dev->stats.tx_bytes += len;
	tx_publish(dev, vq);
	return RP_OK;
}

static int send_raw(struct rp_device *dev, uint32_t src, uint32_t dst, const void *data,
		    uint32_t len)
{
	struct rp_tx_buf tx;
	int rc;

	if (len > RP_MTU || (len > 0 && !data))
		return len > RP_MTU ? RP_EMSGSIZE : RP_EINVAL;
	rc = rp_tx_get(dev, &tx);
	if (rc != RP_OK)
		return rc;
	if (tx.room < len) {
		/* A receive buffer too small for an rpmsg message: the driver is broken. */
		tx_queue(dev)->broken = true;
		return RP_EBADMSG;
	}
	/*
	 * The driver chooses where both buffers lie: a reply may be asked to
	 * go where the message it answers still is.
	 */
	memmove(tx.data, data, len);
	dev->stats.tx_copies++;
	return rp_tx_send(dev, &tx, src, dst, len);
}

int rp_send(struct rp_device *dev, uint32_t src, uint32_t dst, const void *data, uint32_t len)
{
	if (!dev->link_up)
		return RP_ENOTCONN;
	if (dst == RP_ADDR_ANY)
		return RP_EINVAL;
	return send_raw(dev, src, dst, data, len);
}

bool rp_can_send(struct rp_device *dev)
{
	struct rp_vq *vq = tx_queue(dev);

	if (!dev->link_up || vq->broken)
		return false;
	if (dev->is_device)
		return dev->tx_spare_count > 0 || rp_read16(&vq->avail->idx) != vq->last_avail;
	return rp_vq_drv_free_count(vq) > 0 || rp_read16(&vq->used->idx) != vq->last_used;
}

static int send_ns(struct rp_endpoint *ept, enum rp_ns_flags flags)
{
	struct rp_ns_msg msg;

	memset(&msg, 0, sizeof(msg));
	memcpy(msg.name, ept->name, sizeof(msg.name));
	msg.addr = RP_LE32(ept->addr);
	msg.flags = RP_LE32((uint32_t)flags);
	return send_raw(ept->dev, ept->addr, RP_NS_ADDR, &msg, sizeof(msg));
}

/* Announcements wait for the link and for buffers; none is ever dropped. */
static int flush_announcements(struct rp_device *dev)
{
	if (!dev->is_device || !dev->ns_enabled || !dev->link_up)
		return RP_OK;
	for (struct rp_endpoint *e = dev->endpoints; e; e = e->next) {
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
static void handle_ns(struct rp_device *dev, const uint8_t *data, uint32_t len)
{
	struct rp_ns_msg msg;

	if (len != sizeof(msg)) {
		dev->stats.rx_malformed++;
		return;
	}
	memcpy(&msg, data, sizeof(msg));
	if (memchr(msg.name, '\0', sizeof(msg.name)) == NULL) {
		dev->stats.rx_malformed++;
		return;
	}
	bool created = (RP_LE32(msg.flags) & RP_NS_DESTROY) == 0;

	if (dev->is_device && !created)
		dev->stats.peers_gone++;
	if (dev->ns_cb)
		dev->ns_cb(dev, msg.name, RP_LE32(msg.addr), created);
	else
		dev->stats.rx_dropped++;
}

/*
 * Deliver one received buffer. Returns RP_EAGAIN when the endpoint asked to
 * see it again later; anything else means the buffer can be given back.
 */
static int deliver(struct rp_device *dev, const uint8_t *buf, uint32_t buf_len)
{
	struct rp_hdr h;

	if (buf_len < RP_HDR_SIZE) {
		dev->stats.rx_malformed++;
		return RP_EBADMSG;
	}
	__builtin_memcpy(&h, buf, sizeof(h));

	uint32_t len = RP_LE16(h.len);
	uint32_t src = RP_LE32(h.src);
	uint32_t dst = RP_LE32(h.dst);

	if (len > buf_len - RP_HDR_SIZE) {
		dev->stats.rx_malformed++;
		return RP_EBADMSG;
	}
	if (dst == RP_NS_ADDR) {
		handle_ns(dev, buf + RP_HDR_SIZE, len);
		return RP_OK;
	}

	struct rp_endpoint *ept = find_endpoint(dev, dst);

	if (!ept) {
		dev->stats.rx_dropped++;
		return RP_ENOENT;
	}

	int rc = ept->cb(ept, buf + RP_HDR_SIZE, len, src);

	if (rc == RP_EAGAIN && !dev->rx_cur_held)
		return rc;
	dev->stats.rx_msgs++;
	dev->stats.rx_bytes += len;
	return RP_OK;
}

/* What the core does with a received buffer once its message is handled. */
static void rx_give_back(struct rp_device *dev, uint8_t *buf, uint16_t head)
{
	if (dev->is_device)
		rp_vq_dev_push(&dev->to_device, head, 0);
	else
		/* The buffer came from our own pool, so re-adding it cannot fail. */
		rp_vq_drv_add(&dev->to_driver, buf, RP_BUF_SIZE, true);
}

/* Deliver one buffer; RP_EAGAIN when the endpoint wants it offered again. */
static int rx_one(struct rp_device *dev, const struct rp_vq_buf *buf)
{
	int rc;

	dev->rx_cur = (struct rp_lent){buf->ptr, buf->len, buf->head};
	dev->rx_cur_held = false;
	rc = deliver(dev, buf->ptr, buf->len);
	dev->rx_cur.buf = NULL;
	if (rc == RP_EAGAIN)
		return rc;
	if (!dev->rx_cur_held)
		rx_give_back(dev, buf->ptr, buf->head);
	return RP_OK;
}

static bool rx_want(struct rp_device *dev, bool enable)
{
	struct rp_vq *vq = rx_queue(dev);

	return dev->is_device ? rp_vq_dev_want_kicks(vq, enable)
			      : rp_vq_drv_want_interrupts(vq, enable);
}

static int rx_take(struct rp_device *dev, struct rp_vq_buf *buf)
{
	struct rp_vq *vq = rx_queue(dev);

	return dev->is_device ? rp_vq_dev_pop(vq, buf) : rp_vq_drv_get_used(vq, buf);
}

static void rx_untake(struct rp_device *dev, const struct rp_vq_buf *buf)
{
	struct rp_vq *vq = rx_queue(dev);

	if (dev->is_device)
		rp_vq_dev_unpop(vq);
	else
		rp_vq_drv_unget(vq, buf->head);
}

/*
 * Both roles drain the same way: doorbells off while there is work, on again
 * (then a last look) once the queue is empty, unless busy polling.
 */
static int poll_queue(struct rp_device *dev, unsigned int budget)
{
	struct rp_vq *rxq = rx_queue(dev);
	struct rp_vq_buf buf;
	unsigned int returned = 0;
	bool armed = false;
	int handled = 0;
	int rc = 0;

	rx_want(dev, false);
	dev->in_poll = true;
	for (;;) {
		if (budget && (unsigned int)handled >= budget)
			break;
		rc = rx_take(dev, &buf);
		if (rc == 0 && !dev->polling) {
			if (!rx_want(dev, true)) {
				armed = true;
				break;
			}
			rx_want(dev, false);
			continue;
		}
		if (rc <= 0)
			break;
		if (rx_one(dev, &buf) == RP_EAGAIN) {
			rx_untake(dev, &buf);
			break;
		}
		handled++;
		/* Buffers go back as sends go out: exposed in small batches, asked about per half
		 * ring. */
		if (++returned >= rxq->num / 2u && (!dev->polling || rxq->peer_asked)) {
			returned = 0;
			publish(dev, rxq);
		} else if (returned % RP_EXPOSE_BATCH == 0) {
			expose(dev, rxq);
		}
	}
	dev->in_poll = false;
	/* Whatever this pass queued is visible when it ends. */
	expose(dev, tx_queue(dev));
	expose(dev, rxq);
	/*
	 * A poller that found work is back within moments: its doorbell
	 * questions wait for the first pass that finds none, rather than stall
	 * it on a barrier per pass.
	 */
	if (dev->polling && handled > 0 && rc >= 0)
		return handled;
	/* Replies first: the peer is likelier to be waiting for them. */
	if (!dev->tx_batching)
		tx_flush(dev);
	/* Stay asleep only while nothing is pending; a held message waits for tx buffers. */
	if (rc >= 0 && !armed && !dev->polling)
		rx_want(dev, true);
	publish(dev, rxq);
	return rc < 0 ? rc : handled;
}

int rp_poll(struct rp_device *dev, unsigned int budget)
{
	int rc = flush_announcements(dev);

	if (rc != RP_OK && rc != RP_EAGAIN)
		return rc;
	return poll_queue(dev, budget);
}

bool rp_set_polling(struct rp_device *dev, bool on)
{
	dev->polling = on;
	if (!on) {
		/* Whatever a pass left for its next idle pass is asked now. */
		if (!dev->tx_batching)
			tx_flush(dev);
		publish(dev, rx_queue(dev));
	}
	return rx_want(dev, !on);
}

int rp_rx_hold(struct rp_endpoint *ept, const void *data)
{
	struct rp_device *dev = ept->dev;

	if (!dev->rx_cur.buf || data != dev->rx_cur.buf + RP_HDR_SIZE || dev->rx_cur_held)
		return RP_EINVAL;
	if (dev->rx_held_count >= RP_RX_HELD_MAX)
		return RP_EBUSY;
	dev->rx_held[dev->rx_held_count++] = dev->rx_cur;
	dev->rx_cur_held = true;
	return RP_OK;
}

int rp_rx_release(struct rp_device *dev, const void *data)
{
	for (unsigned int i = 0; i < dev->rx_held_count; i++) {
		struct rp_lent l = dev->rx_held[i];

		if (data != l.buf + RP_HDR_SIZE)
			continue;
		dev->rx_held[i] = dev->rx_held[--dev->rx_held_count];
		rx_give_back(dev, l.buf, l.head);
		/* Inside rp_poll() the batch at its end carries it. */
		if (!dev->in_poll)
			publish(dev, rx_queue(dev));
		return RP_OK;
	}
	return RP_EINVAL;
}

static int init_queues(struct rp_device *dev, const struct rp_rings *rings,
		       const struct rp_mem *mem)
{
	int rc;

	for (unsigned int q = 0; q < 2; q++) {
		struct rp_vq *vq = q == RP_QUEUE_TO_DRIVER ? &dev->to_driver : &dev->to_device;

		if (dev->is_device)
			rc = rp_vq_dev_init(vq, rings->num, rings->desc[q], rings->avail[q],
					    rings->used[q], rings->event_idx, mem,
					    rings->resume[q]);
		else
			rc = rp_vq_drv_init(vq, rings->num, rings->desc[q], rings->avail[q],
					    rings->used[q], rings->event_idx, mem);
		if (rc != RP_OK)
			return rc;
	}
	return RP_OK;
}

static int device_common_init(struct rp_device *dev, bool is_device, const struct rp_ops *ops,
			      void *priv)
{
	if (!ops || !ops->notify)
		return RP_EINVAL;
	memset(dev, 0, sizeof(*dev));
	dev->is_device = is_device;
	dev->ops = ops;
	dev->priv = priv;
	dev->next_addr = RP_RESERVED_ADDRESSES;
	return RP_OK;
}

int rp_device_init(struct rp_device *dev, const struct rp_rings *rings, const struct rp_mem *mem,
		   bool ns, const struct rp_ops *ops, void *priv)
{
	int rc = device_common_init(dev, true, ops, priv);

	if (rc == RP_OK)
		rc = init_queues(dev, rings, mem);
	dev->ns_enabled = ns;
	return rc;
}

int rp_driver_init(struct rp_device *dev, const struct rp_rings *rings, const struct rp_mem *mem,
		   uint8_t *buffers, rp_ns_cb ns_cb, const struct rp_ops *ops, void *priv)
{
	int rc = device_common_init(dev, false, ops, priv);

	if (rc == RP_OK)
		rc = init_queues(dev, rings, mem);
	if (rc != RP_OK)
		return rc;
	dev->ns_cb = ns_cb;
	for (uint16_t i = 0; i < rings->num; i++) {
		rc = rp_vq_drv_add(&dev->to_driver, buffers + (size_t)i * RP_BUF_SIZE, RP_BUF_SIZE,
				   true);
		if (rc < 0)
			return rc;
		rc = rp_vq_drv_bind(&dev->to_device, i,
				    buffers + ((size_t)rings->num + i) * RP_BUF_SIZE, RP_BUF_SIZE);
		if (rc != RP_OK)
			return rc;
	}
	rp_vq_drv_want_interrupts(&dev->to_device, false);
	dev->link_up = true;
	publish(dev, &dev->to_driver);
	return RP_OK;
}

void rp_link_up(struct rp_device *dev)
{
	dev->link_up = true;
	flush_announcements(dev);
}

static uint32_t pick_address(struct rp_device *dev)
{
	while (find_endpoint(dev, dev->next_addr) || dev->next_addr == RP_ADDR_ANY)
		dev->next_addr =
			dev->next_addr == RP_ADDR_ANY ? RP_RESERVED_ADDRESSES : dev->next_addr + 1u;
	return dev->next_addr++;
}

int rp_endpoint_create(struct rp_device *dev, struct rp_endpoint *ept, const char *name,
		       uint32_t addr, rp_ept_cb cb, void *priv)
{
	size_t name_len = name ? strlen(name) : 0;

	if (!cb || name_len >= RP_NAME_SIZE || addr == RP_NS_ADDR)
		return RP_EINVAL;
	if (addr != RP_ADDR_ANY && find_endpoint(dev, addr))
		return RP_EBUSY;
	memset(ept, 0, sizeof(*ept));
	if (name_len)
		memcpy(ept->name, name, name_len);
	ept->addr = addr == RP_ADDR_ANY ? pick_address(dev) : addr;
	ept->cb = cb;
	ept->priv = priv;
	ept->dev = dev;
	ept->announce_pending = dev->is_device && dev->ns_enabled && name_len > 0;
	ept->next = dev->endpoints;
	dev->endpoints = ept;
	flush_announcements(dev);
	return RP_OK;
}

void rp_endpoint_destroy(struct rp_endpoint *ept)
{
	struct rp_device *dev = ept->dev;

	for (struct rp_endpoint **p = &dev->endpoints; *p; p = &(*p)->next) {
		if (*p == ept) {
			*p = ept->next;
			break;
		}
	}
	/* Best effort: a peer that cannot take the message will reset anyway. */
	if (dev->is_device && dev->ns_enabled && dev->link_up && ept->name[0] &&
	    !ept->announce_pending)
		send_ns(ept, RP_NS_DESTROY);
	ept->dev = NULL;
}
