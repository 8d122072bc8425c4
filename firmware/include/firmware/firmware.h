/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware proper: services on top of the rpmsg core, the same on every
 * port. A port sets up an rp_device in the device role, calls
 * firmware_start() once, then firmware_poll() whenever a doorbell rings.
 */
#ifndef FIRMWARE_FIRMWARE_H
#define FIRMWARE_FIRMWARE_H

#include <rpmsg/rpmsg.h>

#include "firmware/echo.h"

#define FIRMWARE_TTY_SERVICE "rpmsg-tty"
#define FIRMWARE_RAW_SERVICE "rpmsg-raw"
#define FIRMWARE_NETLINK_SERVICE "rpmsg-netlink"

struct firmware {
	struct rp_device *dev;
	struct echo_service tty_echo;
	struct echo_service raw_echo;
	struct echo_service netlink_echo;
};

/* Creates the services; their announcements go out once the link is up. */
int firmware_start(struct firmware *fw, struct rp_device *dev);

/* Serves what arrived. Returns messages handled or a negative rp_status. */
int firmware_poll(struct firmware *fw);

#endif
