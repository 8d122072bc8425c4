/* SPDX-License-Identifier: BSD-3-Clause */
/* Finding the rpmsg devices Linux created from the firmware's announcements. */
#ifndef VBOARD_RPMSG_DEVICES_H
#define VBOARD_RPMSG_DEVICES_H

#include <stddef.h>
#include <stdint.h>

/* Waits (inotify, bounded) until path exists; 0 or -1 with errno ETIMEDOUT. */
int wait_for_path(const char *path, int timeout_ms);

/* /dev/rpmsgN of the rpmsg_char device bound to a channel called name. */
int find_char_device(const char *name, char *path, size_t path_len, int timeout_ms);

/* The remote address of the channel called name (from /sys/bus/rpmsg). */
int channel_remote_address(const char *name, uint32_t *addr);

/*
 * Creates an endpoint device through /dev/rpmsg_ctrl0 talking to dst and
 * returns its /dev/rpmsgN path.
 */
int create_endpoint_device(const char *name, uint32_t dst, char *path, size_t path_len,
			   int timeout_ms);

#endif
