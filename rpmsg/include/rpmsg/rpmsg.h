/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RPMsg over a virtio device: endpoints, the name service and message
 * dispatch, wire-compatible with Linux's virtio_rpmsg_bus. This header has
 * what both roles share (struct rp_link) and the device role; the driver
 * role is in rpmsg_driver.h.
 *
 * Queue 0 carries messages from the device (remote processor) to the
 * driver (Linux); queue 1 carries them the other way.
 */
#ifndef RPMSG_RPMSG_H
#define RPMSG_RPMSG_H

#include <stdbool.h>
#include <stdint.h>

#include "rp_status.h"
#include "virtqueue.h"

#define RP_BUF_SIZE 512u
#define RP_HDR_SIZE 16u
#define RP_MTU (RP_BUF_SIZE - RP_HDR_SIZE)
#define RP_NS_ADDR 53u
#define RP_ADDR_ANY 0xffffffffu
#define RP_RESERVED_ADDRESSES 1024u
#define RP_NAME_SIZE 32u

#define RP_QUEUE_TO_DRIVER 0u
#define RP_QUEUE_TO_DEVICE 1u

/* Device role: transmit buffers that may be out through rp_tx_get() at once. */
#ifndef RP_TX_HELD_MAX
#define RP_TX_HELD_MAX 4u
#endif

/*
 * Messages of a burst that become visible to the peer together: enough that
 * a polling peer finds several at each look, few enough that it starts on
 * them while the rest are written.
 */
#ifndef RP_EXPOSE_BATCH
#define RP_EXPOSE_BATCH 4u
#endif

/* Received buffers an application may keep through rp_rx_hold() at once. */
#ifndef RP_RX_HELD_MAX
#define RP_RX_HELD_MAX 8u
#endif

/* Wire header, little-endian, as in Linux's struct rpmsg_hdr. */
struct rp_hdr {
	uint32_t src;
	uint32_t dst;
	uint32_t reserved;
	uint16_t len;
	uint16_t flags;
} __attribute__((packed));

enum rp_ns_flags {
	RP_NS_CREATE = 0,
	RP_NS_DESTROY = 1,
};

/* Name-service announcement, as in Linux's struct rpmsg_ns_msg. */
struct rp_ns_msg {
	char name[RP_NAME_SIZE];
	uint32_t addr;
	uint32_t flags;
} __attribute__((packed));

struct rp_link;
struct rp_endpoint;

/*
 * Called for each message to the endpoint. Return RP_OK when done with the
 * data, or RP_EAGAIN to leave the message queued (e.g. no buffer to reply
 * with): it is offered again on a later rp_poll(), so nothing is lost and the
 * peer feels back-pressure instead.
 */
typedef int (*rp_ept_cb)(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src);

struct rp_endpoint {
	char name[RP_NAME_SIZE];
	uint32_t addr;
	rp_ept_cb cb;
	void *priv;
	struct rp_link *link;
	struct rp_endpoint *next;
	bool announce_pending;
};

/*
 * Told about the peer's name-service messages: in the driver role the
 * device's announcements; in the device role, Linux saying that its endpoint
 * at addr is gone (created false), which rpmsg_netlink sends when a client
 * socket closes.
 */
typedef void (*rp_ns_cb)(struct rp_link *link, const char *name, uint32_t addr, bool created);

struct rp_ops {
	/* Ring the doorbell for a queue (IPCC channel, eventfd, ...). */
	void (*notify)(struct rp_link *link, unsigned int queue);
};

struct rp_stats {
	uint32_t rx_msgs;
	uint32_t tx_msgs;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint32_t rx_dropped;   /* no endpoint at the destination */
	uint32_t rx_malformed; /* header inconsistent with the buffer */
	uint32_t tx_waits;     /* sends that found no buffer */
	uint32_t tx_copies;    /* messages rp_send() copied in (rp_tx_send() copies none) */
	uint32_t peers_gone;   /* the peer said one of its endpoints is gone */
};

/* A transmit buffer lent by rp_tx_get(): fill data in place, then rp_tx_send(). */
struct rp_tx_buf {
	uint8_t *data; /* payload area */
	uint32_t room; /* payload bytes that fit */
	uint16_t head; /* the descriptor it goes out through */
};

/* A buffer the core lent out, with the descriptor it goes back through. */
struct rp_lent {
	uint8_t *buf;
	uint32_t len;
	uint16_t head;
};

/* What a role does at each step (see rpmsg/src/rp_link.h). */
struct rp_role;

/*
 * One end of an rpmsg link over a pair of virtqueues, in either role: the
 * endpoints, dispatch, sending and polling that both roles share. It is
 * embedded in the role's own structure, struct rp_device (the firmware's
 * side, below) or struct rp_driver (Linux's side, rpmsg/rpmsg_driver.h),
 * whose init function fills it in; everything else takes the link.
 */
struct rp_link {
	const struct rp_role *role;
	bool link_up;
	bool ns_enabled;	/* device role: endpoints are announced (VIRTIO_RPMSG_F_NS) */
	struct rp_vq to_driver; /* queue 0 */
	struct rp_vq to_device; /* queue 1 */
	const struct rp_ops *ops;
	void *priv;
	struct rp_endpoint *endpoints;
	uint32_t next_addr;
	rp_ns_cb ns_cb;
	struct rp_stats stats;

	bool polling;		 /* rp_set_polling(): rp_poll() leaves doorbells off */
	bool in_poll;		 /* sends from callbacks are published in batches */
	bool tx_batching;	 /* rp_tx_batch(): sends are published in batches */
	uint16_t tx_unpublished; /* sent since the last doorbell question in a batch */
	/* the message being delivered, and those an application kept */
	struct rp_lent rx_cur;
	bool rx_cur_held;
	uint8_t rx_held_count;
	struct rp_lent rx_held[RP_RX_HELD_MAX];
};

/*
 * The device role: the remote processor's end (the M4 firmware, the
 * vboard's firmware process), serving buffers the driver makes available.
 */
struct rp_device {
	struct rp_link link;
	/* rp_tx_get() buffers out, and the ones given back unused */
	uint8_t tx_out;
	uint8_t tx_spare_count;
	struct rp_lent tx_spare[RP_TX_HELD_MAX];
};

/* Ring geometry shared by both roles. */
struct rp_rings {
	uint16_t num;
	void *desc[2];
	void *avail[2];
	void *used[2];
	bool event_idx;
	/*
	 * Device role: the avail index each queue resumes at (a vhost-user
	 * frontend's VHOST_USER_SET_VRING_BASE); 0 for a device starting
	 * afresh. The driver role ignores it.
	 */
	uint16_t resume[2];
};

/*
 * Device role, over rings the driver set up. ns: VIRTIO_RPMSG_F_NS was
 * negotiated. The link comes up when the port calls rp_link_up(), i.e.
 * once the driver has said it is ready (DRIVER_OK, or its first kick).
 * The driver role (Linux's side, for tests and benchmarks) is in
 * rpmsg/rpmsg_driver.h, a library of its own that firmware does not link.
 */
int rp_device_init(struct rp_device *dev, const struct rp_rings *rings, const struct rp_mem *mem,
		   bool ns, const struct rp_ops *ops, void *priv);

/* Device role: be told when Linux's endpoints go away (see rp_ns_cb). */
static inline void rp_device_on_ns(struct rp_device *dev, rp_ns_cb cb)
{
	dev->link.ns_cb = cb;
}

/* Device role: the driver is ready, announcements may go out. */
void rp_link_up(struct rp_device *dev);

/*
 * Register an endpoint. addr RP_ADDR_ANY picks a free one. On the device
 * side a non-empty name is announced through the name service.
 */
int rp_endpoint_create(struct rp_link *link, struct rp_endpoint *ept, const char *name,
		       uint32_t addr, rp_ept_cb cb, void *priv);

/* Unregister; on the device side also announces the destruction. */
void rp_endpoint_destroy(struct rp_endpoint *ept);

/* Copy-send one message; RP_EAGAIN when no buffer is free right now. */
int rp_send(struct rp_link *link, uint32_t src, uint32_t dst, const void *data, uint32_t len);

/*
 * Zero-copy send, step one: borrow a transmit buffer to fill in place.
 * RP_EAGAIN when none is free; RP_EBUSY when RP_TX_HELD_MAX are already out
 * (device role).
 */
int rp_tx_get(struct rp_link *link, struct rp_tx_buf *tx);

/* Step two: send the first len bytes of tx->data; the buffer is the peer's again. */
int rp_tx_send(struct rp_link *link, const struct rp_tx_buf *tx, uint32_t src, uint32_t dst,
	       uint32_t len);

/* Or give the buffer back unsent; the next rp_tx_get() or rp_send() reuses it. */
void rp_tx_put(struct rp_link *link, const struct rp_tx_buf *tx);

/*
 * Batching: while on, sends become visible to the peer RP_EXPOSE_BATCH at a
 * time (one index write each), and the doorbell question (a full barrier,
 * at most one doorbell) is asked once per half ring instead of per message;
 * a send that finds no buffer publishes what is pending first. Turning it
 * off publishes the rest: do so at the end of a burst, or the last messages
 * wait.
 */
void rp_tx_batch(struct rp_link *link, bool on);

/*
 * From inside an endpoint callback: keep the message's buffer (data as the
 * callback got it) after returning, so it can be read in place later. The
 * message counts as delivered. RP_EBUSY when RP_RX_HELD_MAX are already
 * kept: copy it instead.
 */
int rp_rx_hold(struct rp_endpoint *ept, const void *data);

/* Give a kept buffer back to the peer. RP_EINVAL if data is not one kept. */
int rp_rx_release(struct rp_link *link, const void *data);

/*
 * Busy polling: while on, rp_poll() leaves the peer's doorbells for our
 * receive queue off, since we look without being told, and a send that
 * finds no buffer asks for none either. Turning it off asks for receive
 * doorbells again and returns true when messages arrived meanwhile; before
 * sleeping, poll again (and retry a send that waits), or a wakeup is lost.
 */
bool rp_set_polling(struct rp_link *link, bool on);

/*
 * Handle what the peer sent: up to budget messages (0: no limit), plus
 * announcements still pending. Returns the number of messages handled or a
 * negative rp_status when the peer broke the protocol.
 */
int rp_poll(struct rp_link *link, unsigned int budget);

/*
 * True when a send could proceed without waiting. When it could not and
 * the link is not polling, the peer is asked for a doorbell when a buffer
 * comes back, as a failed send asks: a sender may sleep on the answer.
 */
bool rp_can_send(struct rp_link *link);

#endif
