/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A vhost-user backend for one virtio-rpmsg device (virtio id 7). It speaks
 * the control protocol on a unix socket, maps the frontend's memory, and
 * tells its owner when both vrings are ready; the owner then runs the
 * firmware over them. Kick eventfds and call fds play the doorbells.
 */
#ifndef VHOST_USER_H
#define VHOST_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rpmsg/rp_mem.h>

#include "vhost_user_proto.h"

#define VU_NUM_QUEUES 2

struct vu_vring {
	uint32_t num;
	uint64_t desc_user, avail_user, used_user; /* frontend addresses */
	uint16_t base;
	int kick_fd;
	int call_fd;
	bool addr_set;
	bool enabled;
};

struct vu_mapping {
	struct vu_mem_region region;
	void *map;
	size_t map_len;
};

struct vu_backend;

struct vu_backend_ops {
	/* Both vrings are usable: start the device. */
	void (*start)(struct vu_backend *vu);
	/* The rings are going away (reset, disable, disconnect): stop using them. */
	void (*stop)(struct vu_backend *vu);
	/* Ring index's last_avail, for GET_VRING_BASE while running. */
	uint16_t (*ring_position)(struct vu_backend *vu, unsigned int index);
};

struct vu_backend {
	int listen_fd;
	int conn_fd;
	int slave_fd;
	char socket_path[108];
	uint64_t features_offered;
	uint64_t features_acked;
	uint64_t protocol_features;
	unsigned int max_queue_size;
	struct vu_mapping maps[VU_MAX_REGIONS];
	unsigned int map_count;
	struct rp_mem_region guest_regions[VU_MAX_REGIONS];
	struct rp_mem guest_mem; /* descriptor addresses: guest physical */
	struct rp_mem_region user_regions[VU_MAX_REGIONS];
	struct rp_mem user_mem; /* vring addresses: frontend virtual */
	struct vu_vring vrings[VU_NUM_QUEUES];
	bool running;
	const struct vu_backend_ops *ops;
	void *priv;
	unsigned int verbose;
};

/*
 * Set up a backend offering the device feature bits features
 * (VHOST_USER_F_PROTOCOL_FEATURES is added) and rings of at most
 * max_queue_size entries.
 */
void vu_backend_init(struct vu_backend *vu, uint64_t features, unsigned int max_queue_size,
		     const struct vu_backend_ops *ops, void *priv);

/* Listen on path, replacing a stale socket file; -1 with errno on failure. */
int vu_backend_listen(struct vu_backend *vu, const char *path);

/* How long the frontend may stall inside one message before we hang up. */
#define VU_IO_TIMEOUT_MS 2000

/* Accept the frontend's connection; -1 with errno on failure. */
int vu_backend_accept(struct vu_backend *vu);

/* Serve an already connected socket (what accept does after accepting). */
int vu_backend_attach(struct vu_backend *vu, int fd);

/*
 * Read and act on one control message. Returns 0, or -1 when the connection
 * ended or the frontend broke the protocol (the reason is logged); the
 * device is then stopped and the connection closed.
 */
int vu_backend_handle(struct vu_backend *vu);

/* Ring the driver's doorbell for a queue. */
void vu_backend_call(struct vu_backend *vu, unsigned int index);

/*
 * Consume pending kicks; returns how many the frontend rang since the last
 * call (an eventfd adds them up), 0 if none.
 */
uint64_t vu_backend_take_kick(struct vu_backend *vu, unsigned int index);

/* Local pointers of a ready ring, translated and bounds-checked. */
int vu_backend_ring_pointers(struct vu_backend *vu, unsigned int index, void **desc, void **avail,
			     void **used);

void vu_backend_disconnect(struct vu_backend *vu);
void vu_backend_close(struct vu_backend *vu);

#endif
