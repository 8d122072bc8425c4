/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the core: what a role does at each step of the shared code
 * (rpmsg.c), so that the shared code names no role's functions and a
 * program links only the roles it initialises. The device role is in
 * rpmsg.c, the driver role in rpmsg_driver.c.
 */
#ifndef RPMSG_RP_LINK_H
#define RPMSG_RP_LINK_H

#include "rpmsg/rpmsg.h"

struct rp_role {
	unsigned int tx_queue; /* the queue this role sends on; it receives on the other */
	/* Make queued entries visible; publish also asks whether the peer wants a doorbell. */
	void (*expose)(struct rp_vq *vq);
	bool (*publish)(struct rp_vq *vq);
	/* A transmit buffer to fill (RP_EAGAIN: none now), given back unused, or sent. */
	int (*tx_get)(struct rp_link *link, struct rp_tx_buf *tx);
	void (*tx_put)(struct rp_link *link, const struct rp_tx_buf *tx);
	void (*tx_commit)(struct rp_link *link, uint16_t head, uint32_t len);
	/* A transmit buffer is free, or the peer has given one back. */
	bool (*tx_ready)(struct rp_link *link);
	/* The next received buffer (1), none (0) or a broken ring; and undoing it. */
	int (*rx_take)(struct rp_vq *vq, struct rp_vq_buf *buf);
	void (*rx_untake)(struct rp_vq *vq, const struct rp_vq_buf *buf);
	/* A received buffer whose message is handled goes back to the peer. */
	void (*rx_give_back)(struct rp_link *link, uint8_t *buf, uint16_t head);
	/* Ask (or stop asking) for doorbells on the receive queue; true: look again. */
	bool (*rx_notify)(struct rp_vq *vq, bool enable);
};

static inline struct rp_vq *rp_link_queue(struct rp_link *link, unsigned int queue)
{
	return queue == RP_QUEUE_TO_DRIVER ? &link->to_driver : &link->to_device;
}

/* Clears the link and sets its role; RP_EINVAL without a notify callback. */
int rp_link_init(struct rp_link *link, const struct rp_role *role, const struct rp_ops *ops,
		 void *priv);

/* Makes what is queued on vq visible and rings the peer if it asked. */
void rp_link_publish(struct rp_link *link, struct rp_vq *vq);

#endif
