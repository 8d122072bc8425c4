/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Echo service: every message comes back to its sender unchanged. When no
 * buffer is free for the reply, the message stays queued (back-pressure on
 * the sender) rather than being dropped.
 */
#ifndef FIRMWARE_ECHO_H
#define FIRMWARE_ECHO_H

#include <stdint.h>

#include <rpmsg/rpmsg.h>

struct echo_service {
	struct rp_endpoint ept;
	uint32_t echoed;
	uint32_t failed; /* replies the core refused for a reason other than back-pressure */
};

int echo_service_start(struct echo_service *svc, struct rp_device *dev, const char *name);

#endif
