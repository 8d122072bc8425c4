/* SPDX-License-Identifier: BSD-3-Clause */
/* What each transport provides to the channel layer (internal). */
#ifndef AMPLINK_TRANSPORT_H
#define AMPLINK_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <amplink/amplink.h>

#include "frame_reader.h"

struct amp_transport_ops {
	/* Writes all of data by deadline, counting writes and refusals in *t. */
	int (*write)(struct amp_channel *ch, const uint8_t *data, size_t len, int64_t deadline,
		     struct amp_transfer *t);
	/* Reads at least one byte by deadline; -1 with errno otherwise. */
	ssize_t (*read)(struct amp_channel *ch, uint8_t *buf, size_t cap, int64_t deadline);
	void (*close)(struct amp_channel *ch);
};

struct amp_netlink;

struct amp_channel {
	enum amp_transport transport;
	const struct amp_transport_ops *ops;
	int fd;
	size_t max_write; /* bytes per write() the transport allows */
	int timeout_ms;
	uint32_t next_seq;
	char device[64];
	struct amp_netlink *nl;
	uint8_t *first; /* max_write bytes: a frame's header with its first payload bytes */
	struct amp_frame_reader reader;
	uint8_t rx[4096];
	size_t rx_off, rx_len;
};

int amp_tty_open(struct amp_channel *ch, const char *path);
int amp_char_open(struct amp_channel *ch, const char *path);
int amp_netlink_open(struct amp_channel *ch, const char *channel);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t amp_now_ms(void);
/* Milliseconds left until deadline, clamped to [0, INT_MAX]. */
int amp_ms_left(int64_t deadline);

/* poll() for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
int amp_wait_fd(int fd, short events, int64_t deadline);

#endif
