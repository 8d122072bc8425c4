/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware proper: services on top of the rpmsg core, the same on every
 * port. A port sets up an rp_device in the device role, calls
 * firmware_start() once, then firmware_poll() whenever a doorbell rings.
 *
 * Services:
 *   "rpmsg-tty", "rpmsg-raw", "rpmsg-netlink": the bench service (amplink
 *       frames, verified acks), one instance per channel so every Linux
 *       transport reaches the same code;
 *   "amplink-echo": raw echo of every message, for bring-up and latency.
 */
#ifndef FIRMWARE_FIRMWARE_H
#define FIRMWARE_FIRMWARE_H

#include <rpmsg/rpmsg.h>

#include "firmware/bench.h"
#include "firmware/echo.h"

#define FIRMWARE_TTY_SERVICE "rpmsg-tty"
#define FIRMWARE_RAW_SERVICE "rpmsg-raw"
#define FIRMWARE_NETLINK_SERVICE "rpmsg-netlink"
#define FIRMWARE_ECHO_SERVICE "amplink-echo"

enum firmware_bench_channel {
	FIRMWARE_BENCH_TTY,
	FIRMWARE_BENCH_RAW,
	FIRMWARE_BENCH_NETLINK,
	FIRMWARE_BENCH_CHANNELS,
};

struct firmware {
	struct rp_device *dev;
	uint32_t (*now_ms)(void);
	uint32_t kicks_in;
	struct bench_service bench[FIRMWARE_BENCH_CHANNELS];
	struct echo_service echo;
};

/*
 * Creates the services; their announcements go out once the link is up.
 * now_ms: a millisecond clock for abandoning stalled frames, or NULL.
 */
int firmware_start(struct firmware *fw, struct rp_device *dev, uint32_t (*now_ms)(void));

/* Counts a doorbell from Linux (reported in the bench statistics). */
static inline void firmware_note_kick(struct firmware *fw)
{
	fw->kicks_in++;
}

/* Serves what arrived. Returns messages handled or a negative rp_status. */
int firmware_poll(struct firmware *fw);

#endif
