/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver role: Linux's end, for tests and benchmarks (rpmsg_driver.h).
 * Its transmit buffers stay bound to their descriptors; its receive buffers
 * come from its own pool and go back to the device once handled.
 */
#include "rpmsg/rpmsg_driver.h"

#include "rp_access.h"
#include "rp_link.h"

/*
 * A free transmit descriptor (each keeps its own buffer), reclaiming what
 * the device consumed only when none is left (each reclaim reads the line
 * the device writes).
 */
static int driver_get_tx_buffer(struct rp_link *link, uint16_t *head)
{
	struct rp_vq *vq = &link->to_device;
	int rc;

	while (rp_vq_drv_free_count(vq) == 0) {
		rc = rp_vq_drv_reclaim(vq);
		if (rc < 0)
			return rc;
		if (rc > 0)
			break;
		/* A poller looks again by itself; only a sleeper needs the interrupt. */
		if (link->polling) {
			link->stats.tx_waits++;
			return RP_EAGAIN;
		}
		/*
		 * The device consumes all it is given, so half the ring
		 * coming back is certain: one wakeup per half ring.
		 */
		if (!rp_vq_drv_want_interrupts_after(vq, (uint16_t)((vq->num + 1u) / 2u))) {
			link->stats.tx_waits++;
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

static int driver_tx_get(struct rp_link *link, struct rp_tx_buf *tx)
{
	uint16_t head;
	int rc = driver_get_tx_buffer(link, &head);

	if (rc != RP_OK)
		return rc;
	tx->data = (uint8_t *)rp_vq_drv_buffer(&link->to_device, head) + RP_HDR_SIZE;
	tx->room = RP_MTU;
	tx->head = head;
	return RP_OK;
}

static void driver_tx_put(struct rp_link *link, const struct rp_tx_buf *tx)
{
	rp_vq_drv_untake(&link->to_device, tx->head);
}

static void driver_tx_commit(struct rp_link *link, uint16_t head, uint32_t len)
{
	rp_vq_drv_submit(&link->to_device, head, len, false);
}

static bool driver_tx_ready(struct rp_link *link)
{
	const struct rp_vq *vq = &link->to_device;

	return rp_vq_drv_free_count(vq) > 0 || rp_read16(&vq->used->idx) != vq->last_used;
}

static void driver_rx_untake(struct rp_vq *vq, const struct rp_vq_buf *buf)
{
	rp_vq_drv_unget(vq, buf->head);
}

static void driver_rx_give_back(struct rp_link *link, uint8_t *buf, uint16_t head)
{
	(void)head;
	/* The buffer came from our own pool, so re-adding it cannot fail. */
	rp_vq_drv_add(&link->to_driver, buf, RP_BUF_SIZE, true);
}

static const struct rp_role driver_role = {
	.tx_queue = RP_QUEUE_TO_DEVICE,
	.expose = rp_vq_drv_expose,
	.publish = rp_vq_drv_publish,
	.tx_get = driver_tx_get,
	.tx_put = driver_tx_put,
	.tx_commit = driver_tx_commit,
	.tx_ready = driver_tx_ready,
	.rx_take = rp_vq_drv_get_used,
	.rx_untake = driver_rx_untake,
	.rx_give_back = driver_rx_give_back,
	.rx_notify = rp_vq_drv_want_interrupts,
};

int rp_driver_init(struct rp_driver *drv, const struct rp_rings *rings, const struct rp_mem *mem,
		   uint8_t *buffers, rp_ns_cb ns_cb, const struct rp_ops *ops, void *priv)
{
	struct rp_link *link = &drv->link;
	int rc = rp_link_init(link, &driver_role, ops, priv);

	for (unsigned int q = 0; q < 2 && rc == RP_OK; q++)
		rc = rp_vq_drv_init(rp_link_queue(link, q), rings->num, rings->desc[q],
				    rings->avail[q], rings->used[q], rings->event_idx, mem);
	if (rc != RP_OK)
		return rc;
	link->ns_cb = ns_cb;
	for (uint16_t i = 0; i < rings->num; i++) {
		rc = rp_vq_drv_add(&link->to_driver, buffers + (size_t)i * RP_BUF_SIZE, RP_BUF_SIZE,
				   true);
		if (rc < 0)
			return rc;
		rc = rp_vq_drv_bind(&link->to_device, i,
				    buffers + ((size_t)rings->num + i) * RP_BUF_SIZE, RP_BUF_SIZE);
		if (rc != RP_OK)
			return rc;
	}
	rp_vq_drv_want_interrupts(&link->to_device, false);
	link->link_up = true;
	rp_link_publish(link, &link->to_driver);
	return RP_OK;
}
