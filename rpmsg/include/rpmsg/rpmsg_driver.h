/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver role: Linux's end of an rpmsg link, for tests and benchmarks
 * that play Linux in one process with the firmware's core (the device
 * role). It owns the rings and the buffers, as virtio_rpmsg_bus does.
 *
 * A library of its own (rpmsg_driver: rpmsg_driver.c, virtqueue_driver.c):
 * firmware links only the core, so none of this rides in the M4's image.
 */
#ifndef RPMSG_RPMSG_DRIVER_H
#define RPMSG_RPMSG_DRIVER_H

#include <stdint.h>

#include "rpmsg.h"

struct rp_driver {
	struct rp_link link;
};

/*
 * Lays out the rings and fills the receive queue from buffers, which must
 * hold 2 * rings->num buffers of RP_BUF_SIZE bytes inside mem. The link is
 * up at once; ns_cb hears the device's announcements.
 */
int rp_driver_init(struct rp_driver *drv, const struct rp_rings *rings, const struct rp_mem *mem,
		   uint8_t *buffers, rp_ns_cb ns_cb, const struct rp_ops *ops, void *priv);

#endif
