/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RPMsg over a virtio device: endpoints, the name service and message
 * dispatch, in either role, wire-compatible with Linux's virtio_rpmsg_bus.
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

struct rp_device;
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
	struct rp_device *dev;
	struct rp_endpoint *next;
	bool announce_pending;
};

/* Driver role: told about the peer's name-service announcements. */
typedef void (*rp_ns_cb)(struct rp_device *dev, const char *name, uint32_t addr, bool created);

struct rp_ops {
	/* Ring the doorbell for a queue (IPCC channel, eventfd, ...). */
	void (*notify)(struct rp_device *dev, unsigned int queue);
};

struct rp_stats {
	uint32_t rx_msgs;
	uint32_t tx_msgs;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint32_t rx_dropped;   /* no endpoint at the destination */
	uint32_t rx_malformed; /* header inconsistent with the buffer */
	uint32_t tx_waits;     /* sends that found no buffer */
};

struct rp_device {
	bool is_device;
	bool link_up;
	bool ns_enabled;
	struct rp_vq to_driver; /* queue 0 */
	struct rp_vq to_device; /* queue 1 */
	const struct rp_ops *ops;
	void *priv;
	struct rp_endpoint *endpoints;
	uint32_t next_addr;
	rp_ns_cb ns_cb;
	struct rp_stats stats;
	/* driver role: free transmit buffers (their count equals the queue size) */
	uint8_t *tx_pool[RP_VQ_MAX_NUM];
	uint16_t tx_pool_free;
};

/* Ring geometry shared by both roles. */
struct rp_rings {
	uint16_t num;
	void *desc[2];
	void *avail[2];
	void *used[2];
	bool event_idx;
};

/*
 * Remote-processor side over rings the driver set up. ns: VIRTIO_RPMSG_F_NS
 * was negotiated. The link comes up when the port calls rp_link_up(), i.e.
 * once the driver has said it is ready (DRIVER_OK, or its first kick).
 */
int rp_device_init(struct rp_device *dev, const struct rp_rings *rings, const struct rp_mem *mem,
		   bool ns, const struct rp_ops *ops, void *priv);

/*
 * Linux side, for tests and benchmarks: lays out the rings and fills the
 * receive queue from buffers, which must hold 2 * rings->num buffers of
 * RP_BUF_SIZE bytes inside mem.
 */
int rp_driver_init(struct rp_device *dev, const struct rp_rings *rings, const struct rp_mem *mem,
		   uint8_t *buffers, rp_ns_cb ns_cb, const struct rp_ops *ops, void *priv);

/* The peer is ready: announcements may go out. */
void rp_link_up(struct rp_device *dev);

/*
 * Register an endpoint. addr RP_ADDR_ANY picks a free one. On the device
 * side a non-empty name is announced through the name service.
 */
int rp_endpoint_create(struct rp_device *dev, struct rp_endpoint *ept, const char *name,
		       uint32_t addr, rp_ept_cb cb, void *priv);

/* Unregister; on the device side also announces the destruction. */
void rp_endpoint_destroy(struct rp_endpoint *ept);

/* Copy-send one message; RP_EAGAIN when no buffer is free right now. */
int rp_send(struct rp_device *dev, uint32_t src, uint32_t dst, const void *data, uint32_t len);

/*
 * Handle what the peer sent: up to budget messages (0: no limit), plus
 * announcements still pending. Returns the number of messages handled or a
 * negative rp_status when the peer broke the protocol.
 */
int rp_poll(struct rp_device *dev, unsigned int budget);

/* True when a send could proceed without waiting. */
bool rp_can_send(struct rp_device *dev);

#endif
