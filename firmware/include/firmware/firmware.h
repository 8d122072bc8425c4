/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware proper: the same on every port. A port sets up an rp_device
 * in the device role, calls firmware_start() once the rings are there,
 * firmware_poll() whenever a doorbell rings or firmware_next_timeout() runs
 * out, and firmware_stop() when the device goes away.
 *
 * What runs:
 *   the node (amp/node.h) on "rpmsg-netlink", "rpmsg-tty" and "rpmsg-raw":
 *       the services registered with it, reached by name over any
 *       transport, and the diagnostics amplink bench uses;
 *   "amplink-bench": the bench service (firmware/bench.h), on the node;
 *   "amplink-echo": raw echo of every rpmsg message, for bring-up;
 *   the user's services: AMPLINK_FW_SERVICES / AMPLINK_FW_INIT at configure
 *       time link their sources and call their init functions
 *       (docs/firmware-sdk.md).
 */
#ifndef FIRMWARE_FIRMWARE_H
#define FIRMWARE_FIRMWARE_H

#include <amp/node.h>
#include <rpmsg/rpmsg.h>

#include "firmware/echo.h"

#define FIRMWARE_TTY_SERVICE AMP_HUB_TTY
#define FIRMWARE_RAW_SERVICE AMP_HUB_RAW
#define FIRMWARE_NETLINK_SERVICE AMP_HUB_NETLINK
#define FIRMWARE_ECHO_SERVICE "amplink-echo"

struct firmware {
	struct amp_node node;
	struct echo_service echo;
};

/*
 * Creates the node, the echo endpoint and the user's services; their
 * announcements go out once the link is up. now_ms: a millisecond clock
 * (timers, abandoning stalled frames), or NULL.
 */
int firmware_start(struct firmware *fw, struct rp_device *dev, uint32_t (*now_ms)(void));

/* Counts a doorbell from Linux (reported in the diagnostics' STATS). */
static inline void firmware_note_kick(struct firmware *fw)
{
	amp_node_note_kick(&fw->node);
}

/* Serves what arrived and what is due. Returns messages handled or a negative rp_status. */
static inline int firmware_poll(struct firmware *fw)
{
	return amp_node_poll(&fw->node);
}

/* Milliseconds until a timer needs firmware_poll() (AMP_NO_TIMEOUT: none). */
static inline uint32_t firmware_next_timeout(const struct firmware *fw)
{
	return amp_node_next_timeout(&fw->node);
}

/* The device went away: clients are gone, services hear link down. */
static inline void firmware_stop(struct firmware *fw)
{
	amp_node_stop(&fw->node);
}

/* Calls the init function of each user service (generated from AMPLINK_FW_INIT). */
int firmware_user_services_init(struct amp_node *node);

#endif
