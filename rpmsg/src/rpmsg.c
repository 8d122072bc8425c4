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

	memcpy(buf, &h, sizeof(h));
}

/* Device role: a buffer from the driver's receive queue, or RP_EAGAIN. */
static int device_get_tx_buffer(struct rp_device *dev, struct rp_vq_buf *buf, uint32_t need)
{
	struct rp_vq *vq = &dev->to_driver;
	int rc = rp_vq_dev_pop(vq, buf);

	if (rc == 0 && rp_vq_dev_want_kicks(vq, true))
		rc = rp_vq_dev_pop(vq, buf);
	if (rc == 0) {
		dev->stats.tx_waits++;
		return RP_EAGAIN;
	}
	if (rc < 0)
		return rc;
	/* Kicks on this queue only matter while we wait for buffers. */
	rp_vq_dev_want_kicks(vq, false);
	if (!buf->writable || buf->len < RP_HDR_SIZE + need) {
		vq->broken = true;
		return RP_EBADMSG;
	}
	return RP_OK;
}

/* Driver role: reclaim what the device consumed, then take a free buffer. */
static int driver_get_tx_buffer(struct rp_device *dev, uint8_t **buf)
{
	struct rp_vq *vq = &dev->to_device;
	struct rp_vq_buf used;
	int rc;

	for (;;) {
		while ((rc = rp_vq_drv_get_used(vq, &used)) == 1)
			dev->tx_pool[dev->tx_pool_free++] = used.ptr;
		if (rc < 0)
			return rc;
		if (dev->tx_pool_free > 0)
			break;
		if (!rp_vq_drv_want_interrupts(vq, true)) {
			dev->stats.tx_waits++;
			return RP_EAGAIN;
		}
	}
	rp_vq_drv_want_interrupts(vq, false);
	*buf = dev->tx_pool[--dev->tx_pool_free];
	return RP_OK;
}

static int send_raw(struct rp_device *dev, uint32_t src, uint32_t dst, const void *data,
		    uint32_t len)
{
	struct rp_vq *vq = tx_queue(dev);
	int rc;

	if (len > RP_MTU || (len > 0 && !data))
		return len > RP_MTU ? RP_EMSGSIZE : RP_EINVAL;
	if (dev->is_device) {
		struct rp_vq_buf buf;

		rc = device_get_tx_buffer(dev, &buf, len);
		if (rc != RP_OK)
			return rc;
		/*
		 * The driver chooses where both buffers lie: a reply may be
		 * asked to go where the message it answers still is.
		 */
		memmove((uint8_t *)buf.ptr + RP_HDR_SIZE, data, len);
		write_header(buf.ptr, src, dst, len);
		rp_vq_dev_push(vq, buf.head, RP_HDR_SIZE + len);
	} else {
		uint8_t *buf;

		rc = driver_get_tx_buffer(dev, &buf);
		if (rc != RP_OK)
			return rc;
		write_header(buf, src, dst, len);
		memcpy(buf + RP_HDR_SIZE, data, len);
		rc = rp_vq_drv_add(vq, buf, RP_HDR_SIZE + len, false);
		if (rc < 0) {
			dev->tx_pool[dev->tx_pool_free++] = buf;
			return rc;
		}
	}
	dev->stats.tx_msgs++;
	dev->stats.tx_bytes += len;
	publish(dev, vq);
	return RP_OK;
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
		return rp_read16(&vq->avail->idx) != vq->last_avail;
	return dev->tx_pool_free > 0 || rp_read16(&vq->used->idx) != vq->last_used;
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

static void handle_ns(struct rp_device *dev, const uint8_t *data, uint32_t len)
{
	struct rp_ns_msg msg;

	if (len != sizeof(msg) || !dev->ns_cb) {
		dev->stats.rx_dropped++;
		return;
	}
	memcpy(&msg, data, sizeof(msg));
	if (memchr(msg.name, '\0', sizeof(msg.name)) == NULL) {
		dev->stats.rx_malformed++;
		return;
	}
	dev->ns_cb(dev, msg.name, RP_LE32(msg.addr), (RP_LE32(msg.flags) & RP_NS_DESTROY) == 0);
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
	memcpy(&h, buf, sizeof(h));

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

	if (rc == RP_EAGAIN)
		return rc;
	dev->stats.rx_msgs++;
	dev->stats.rx_bytes += len;
	return RP_OK;
}

static int device_poll(struct rp_device *dev, unsigned int budget)
{
	struct rp_vq *vq = &dev->to_device;
	struct rp_vq_buf buf;
	int handled = 0;
	int rc = 0;

	rp_vq_dev_want_kicks(vq, false);
	for (;;) {
		if (budget && (unsigned int)handled >= budget)
			break;
		rc = rp_vq_dev_pop(vq, &buf);
		if (rc == 0 && rp_vq_dev_want_kicks(vq, true)) {
			rp_vq_dev_want_kicks(vq, false);
			continue;
		}
		if (rc <= 0)
			break;
		if (deliver(dev, buf.ptr, buf.len) == RP_EAGAIN) {
			rp_vq_dev_unpop(vq);
			break;
		}
		rp_vq_dev_push(vq, buf.head, 0);
		handled++;
	}
	/* Stay asleep only while nothing is pending; a held message waits for tx buffers. */
	if (rc >= 0)
		rp_vq_dev_want_kicks(vq, true);
	publish(dev, vq);
	return rc < 0 ? rc : handled;
}

static int driver_poll(struct rp_device *dev, unsigned int budget)
{
	struct rp_vq *vq = &dev->to_driver;
	struct rp_vq_buf buf;
	int handled = 0;
	int rc = 0;

	rp_vq_drv_want_interrupts(vq, false);
	for (;;) {
		if (budget && (unsigned int)handled >= budget)
			break;
		rc = rp_vq_drv_get_used(vq, &buf);
		if (rc == 0 && rp_vq_drv_want_interrupts(vq, true)) {
			rp_vq_drv_want_interrupts(vq, false);
			continue;
		}
		if (rc <= 0)
			break;
		if (deliver(dev, buf.ptr, buf.len) == RP_EAGAIN) {
			rp_vq_drv_unget(vq, buf.head);
			break;
		}
		/* The buffer came from our own pool, so re-adding it cannot fail. */
		rp_vq_drv_add(vq, buf.ptr, RP_BUF_SIZE, true);
		handled++;
	}
	if (rc >= 0)
		rp_vq_drv_want_interrupts(vq, true);
	publish(dev, vq);
	return rc < 0 ? rc : handled;
}

int rp_poll(struct rp_device *dev, unsigned int budget)
{
	int rc = flush_announcements(dev);

	if (rc != RP_OK && rc != RP_EAGAIN)
		return rc;
	return dev->is_device ? device_poll(dev, budget) : driver_poll(dev, budget);
}

static int init_queues(struct rp_device *dev, const struct rp_rings *rings,
		       const struct rp_mem *mem)
{
	int rc;

	for (unsigned int q = 0; q < 2; q++) {
		struct rp_vq *vq = q == RP_QUEUE_TO_DRIVER ? &dev->to_driver : &dev->to_device;

		if (dev->is_device)
			rc = rp_vq_dev_init(vq, rings->num, rings->desc[q], rings->avail[q],
					    rings->used[q], rings->event_idx, mem, 0);
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
		dev->tx_pool[i] = buffers + ((size_t)rings->num + i) * RP_BUF_SIZE;
	}
	dev->tx_pool_free = rings->num;
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
