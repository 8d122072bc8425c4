/* SPDX-License-Identifier: BSD-3-Clause */
/* Finding the rpmsg devices Linux created from the firmware's announcements. */
#ifndef AMPLINK_RPMSG_DEV_H
#define AMPLINK_RPMSG_DEV_H

#include <stddef.h>
#include <stdint.h>

/* Payload bytes per RPMsg message with Linux's 512-byte buffers. */
#define AMP_RPMSG_MTU 496

/* /dev/rpmsgN of the rpmsg_char device of the channel called name; ENOENT if none. */
int amp_find_char_device(const char *name, char *path, size_t path_len);

/* The remote address of the channel called name (from /sys/bus/rpmsg). */
int amp_channel_remote_address(const char *name, uint32_t *addr);

#endif
