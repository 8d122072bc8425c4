/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libamplink: move data between a Linux program and the firmware of a
 * microcontroller core, with every block's delivery verified.
 *
 * One API over several transports, the same amplink frames on all of them
 * (see amplink/frame.h):
 *   AMP_TRANSPORT_NETLINK  the rpmsg_netlink kernel module (Generic Netlink)
 *   AMP_TRANSPORT_TTY      /dev/ttyRPMSGn (rpmsg_tty), in raw mode
 *   AMP_TRANSPORT_CHAR     /dev/rpmsgN (rpmsg_char)
 *
 * Conventions: opaque handles; functions returning a pointer give NULL and
 * set errno on failure, the others return 0 or -1 and set errno. Every wait
 * is bounded by the channel's timeout.
 */
#ifndef AMPLINK_AMPLINK_H
#define AMPLINK_AMPLINK_H

#include <stddef.h>
#include <stdint.h>

#include <amplink/frame.h>

#ifdef __cplusplus
extern "C" {
#endif

enum amp_transport {
	AMP_TRANSPORT_NETLINK,
	AMP_TRANSPORT_TTY,
	AMP_TRANSPORT_CHAR,
	AMP_TRANSPORT_COUNT,
};

struct amp_channel;

struct amp_open_options {
	enum amp_transport transport;
	/*
	 * What to open; NULL picks the default: the firmware's
	 * "rpmsg-netlink" channel of the rpmsg_netlink module,
	 * /dev/ttyRPMSG0, or the rpmsg_char device of the
	 * "rpmsg-raw" channel. Otherwise a netlink channel id or name, a tty
	 * path, or a /dev/rpmsgN path.
	 */
	const char *device;
	int timeout_ms; /* 0: AMP_DEFAULT_TIMEOUT_MS */
};

#define AMP_DEFAULT_TIMEOUT_MS 2000

/* What one verified transfer cost and what the firmware reported. */
struct amp_transfer {
	uint32_t seq;
	uint32_t bytes;	      /* payload bytes sent */
	uint32_t acked_bytes; /* what the firmware says arrived */
	uint32_t acked_crc;   /* the CRC it computed */
	uint32_t status;      /* enum amp_status from the ack */
	uint32_t writes;      /* write()/send requests this transfer needed */
	uint32_t retries;     /* writes the driver refused for lack of buffers */
};

/* Opens a channel; NULL with errno (ENOENT: no such device or module). */
struct amp_channel *amp_channel_open(const struct amp_open_options *opts);
void amp_channel_close(struct amp_channel *ch);

/* The device actually opened (e.g. "/dev/rpmsg0", or "netlink:3"). */
const char *amp_channel_device(const struct amp_channel *ch);
enum amp_transport amp_channel_transport(const struct amp_channel *ch);

/*
 * Sends len bytes as one DATA frame and waits for its ack. Succeeds only if
 * the firmware acknowledges exactly len bytes with the same CRC-32.
 * Errors: EIO (the ack disagrees: see *out), EPROTO (an error frame or a
 * malformed reply), ETIMEDOUT, EMSGSIZE (len > AMP_FRAME_MAX_LEN), and the
 * transport's own (ENODEV when the remote went away, EPERM, ...).
 * out may be NULL.
 */
int amp_channel_send_block(struct amp_channel *ch, const void *data, size_t len,
			   struct amp_transfer *out);

/* Round trip of an ECHO frame (len <= AMP_ECHO_MAX_LEN); reply must hold len bytes. */
int amp_channel_echo(struct amp_channel *ch, const void *data, size_t len, void *reply);

/* The firmware's counters (messages, doorbells) as of now. */
int amp_channel_firmware_stats(struct amp_channel *ch, struct amp_stats *out);

/* A channel of the rpmsg_netlink module, with its counters. */
struct amp_netlink_channel {
	uint32_t id;
	char name[64];
	uint32_t src, dst, mtu;
	uint64_t tx_bytes, tx_msgs, rx_bytes, rx_msgs, tx_errors, rx_drops;
	uint32_t clients;
};

/*
 * Calls cb for each rpmsg_netlink channel. Returns 0, or -1 with errno
 * (ENOENT: the module is not loaded).
 */
int amp_netlink_channels(void (*cb)(const struct amp_netlink_channel *c, void *ctx), void *ctx);

/*
 * Binding rpmsg services to the rpmsg_netlink module, so that their channels
 * appear among its channels (raw messages, no amplink frames required).
 * Binding needs what loading the module needs: CAP_NET_ADMIN and
 * CAP_SYS_MODULE (in practice, root).
 *
 * AMP_NETLINK_BIND_NOTIFY: tell the remote, with Linux's name-service
 * "endpoint destroyed" message, whenever a client of the channel goes away
 * (the module always does so on its own "rpmsg-netlink" service). Only for
 * firmware that expects it: OpenAMP-style firmware may take it as "your peer
 * is gone" and close its endpoint.
 */
#define AMP_NETLINK_BIND_NOTIFY 1u

/*
 * Binds the service called name (1..31 bytes): its present channels that no
 * other driver holds, and those the firmware announces later. flags:
 * 0 or AMP_NETLINK_BIND_NOTIFY. Returns 0, or -1 with errno: ENOENT (the
 * module is not loaded), EPERM (not privileged), EBUSY (a channel of that
 * name belongs to another driver, which keeps it), EEXIST (already bound,
 * or the module's own "rpmsg-netlink"), ENOSPC (too many names bound),
 * EINVAL (bad name or flags).
 */
int amp_netlink_bind(const char *name, unsigned int flags);

/*
 * Forgets a bound name and releases its channels (their clients see the
 * channel go down). Returns 0, or -1 with errno: ENOENT (the module is not
 * loaded, or the name is not bound: amp_netlink_bindings() tells which),
 * EPERM, EINVAL.
 */
int amp_netlink_unbind(const char *name);

/*
 * Calls cb for each bound name with its flags (the module's own service is
 * not listed). Needs no privileges. Returns 0, or -1 with errno (ENOENT: the
 * module is not loaded).
 */
int amp_netlink_bindings(void (*cb)(const char *name, unsigned int flags, void *ctx), void *ctx);

const char *amp_transport_name(enum amp_transport t);
/* Parses "netlink", "tty" or "char"; -1 with EINVAL otherwise. */
int amp_transport_parse(const char *name, enum amp_transport *out);

/* CRC-32 (zlib/IEEE), as the firmware computes it. */
uint32_t amp_crc32(uint32_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
