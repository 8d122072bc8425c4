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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <amplink/frame.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the shared library exports; everything else in it stays internal. */
#ifndef AMP_EXPORT
#define AMP_EXPORT __attribute__((visibility("default")))
#endif

enum amp_transport {
	AMP_TRANSPORT_NETLINK,
	AMP_TRANSPORT_TTY,
	AMP_TRANSPORT_CHAR,
	/*
	 * netlink, with every message of a byte or more by reference through
	 * the pool the module shares with the firmware (bulk transfers,
	 * docs/protocol.md); opening fails with EOPNOTSUPP without one
	 */
	AMP_TRANSPORT_SHM,
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
	uint32_t retries;     /* unused, 0 (writes the driver refused are retried within) */
};

/*
 * Opens a bench channel: a connection to the firmware's bench service
 * (AMP_BENCH_SERVICE) over the transport, each block a message. NULL with
 * errno: ENOENT (no such device, or the rpmsg_netlink module is not
 * loaded), ENODEV (no such netlink channel), EPROTONOSUPPORT (the firmware
 * has no bench service), EBUSY, ETIMEDOUT, EPERM/EACCES, ENOMEM.
 */
AMP_EXPORT struct amp_channel *amp_channel_open(const struct amp_open_options *opts);
/*
 * Opens a bench channel the other way: a connection to the firmware's bench
 * source (AMP_BENCH_SOURCE_SERVICE), which answers each request with a
 * block (amp_channel_fetch_block()). The same errnos; EPROTONOSUPPORT when
 * the firmware has no bench source.
 */
AMP_EXPORT struct amp_channel *amp_channel_open_source(const struct amp_open_options *opts);
AMP_EXPORT void amp_channel_close(struct amp_channel *ch);

/* The device actually opened (e.g. "/dev/rpmsg0", or "netlink:3"). */
AMP_EXPORT const char *amp_channel_device(const struct amp_channel *ch);
AMP_EXPORT enum amp_transport amp_channel_transport(const struct amp_channel *ch);

/*
 * Sends len bytes as one message (0..AMP_MSG_MAX) and waits for the bench
 * service's ack, each within the channel's timeout. Succeeds only if the
 * firmware acknowledges exactly len bytes with the same CRC-32. Errors: EIO
 * (the ack disagrees: see *out), EPROTO (a malformed reply), ETIMEDOUT,
 * EMSGSIZE, ECONNRESET/ENODEV (the remote went away), and the transport's
 * own (EPERM, ...). out may be NULL.
 */
AMP_EXPORT int amp_channel_send_block(struct amp_channel *ch, const void *data, size_t len,
				      struct amp_transfer *out);

/*
 * On a channel of amp_channel_open_source(): asks the firmware for a block
 * of len bytes (0..AMP_MSG_MAX) and receives it into buf, within the
 * channel's timeout. Succeeds only if the block came whole, its frames'
 * CRCs checked, and every byte is amp_bench_pattern() of the request's
 * seed. Errors: EIO (the block was short or a byte differs: see *out;
 * status BAD_CRC), EINVAL (a channel of amp_channel_open()), and those of
 * amp_channel_send_block() (which fails with EINVAL on a source channel).
 * out: bytes asked for, acked_bytes what came. out may be NULL.
 */
AMP_EXPORT int amp_channel_fetch_block(struct amp_channel *ch, void *buf, size_t len,
				       struct amp_transfer *out);

/* Round trip of an ECHO frame (len <= AMP_ECHO_MAX_LEN); reply must hold len bytes. */
AMP_EXPORT int amp_channel_echo(struct amp_channel *ch, const void *data, size_t len, void *reply);

/* The firmware's counters (messages, doorbells) as of now. */
AMP_EXPORT int amp_channel_firmware_stats(struct amp_channel *ch, struct amp_stats *out);

/* A channel of the rpmsg_netlink module, with its counters. */
struct amp_netlink_channel {
	uint32_t id;
	char name[64];
	uint32_t src, dst, mtu;
	uint64_t tx_bytes, tx_msgs, rx_bytes, rx_msgs, tx_errors, rx_drops;
	uint32_t clients;
	uint64_t tx_refused; /* SENDs the module refused for a full queue (and resent) */
	/* The pool of bulk transfers of the channel's remote (docs/protocol.md). */
	struct amp_netlink_pool {
		bool present; /* the module has one for this remote */
		bool ready;   /* the firmware took the current generation */
		uint32_t id;  /* /dev/amplink-pool<id> */
		uint32_t generation, slot_size, slot_count;
		uint32_t share;		      /* slots one client may hold to send */
		uint32_t free, clients, lent; /* slots in the pool, with clients, lent out */
		uint64_t accepted;	      /* descriptors from the firmware accepted */
		uint64_t stale, bad_slot, bad_range, not_owner, duplicate, wrong_type; /* refused */
		uint64_t bad_msgs; /* messages on the bulk channel that were not bulk messages */
		uint64_t tx_msgs, rx_msgs; /* on the bulk channel */
		uint64_t reclaimed; /* slots taken back when a firmware acknowledged a pool */
		uint64_t dropped;   /* messages from the firmware no client could take */
	} pool;
};

/*
 * Calls cb for each rpmsg_netlink channel. Returns 0, or -1 with errno
 * (ENOENT: the module is not loaded).
 */
AMP_EXPORT int amp_netlink_channels(void (*cb)(const struct amp_netlink_channel *c, void *ctx),
				    void *ctx);

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
AMP_EXPORT int amp_netlink_bind(const char *name, unsigned int flags);

/*
 * Forgets a bound name and releases its channels (their clients see the
 * channel go down). Returns 0, or -1 with errno: ENOENT (the module is not
 * loaded, or the name is not bound: amp_netlink_bindings() tells which),
 * EPERM, EINVAL.
 */
AMP_EXPORT int amp_netlink_unbind(const char *name);

/*
 * Calls cb for each bound name with its flags (the module's own service is
 * not listed). Needs no privileges. Returns 0, or -1 with errno (ENOENT: the
 * module is not loaded).
 */
AMP_EXPORT int amp_netlink_bindings(void (*cb)(const char *name, unsigned int flags, void *ctx),
				    void *ctx);

/*
 * Access to the module's channels (docs/security.md); all of these need
 * CAP_NET_ADMIN in the initial user namespace (root), and name services,
 * not channels: they hold for channels of that name the firmware announces
 * later. Each returns 0, or -1 with errno: ENOENT (the module is not loaded,
 * or for revoke/unassign: not granted, not assigned), EPERM, EINVAL (bad
 * name or gid), ENOSPC (too many grants or names).
 */

/* Lets the members of group gid send on the channels called name (EEXIST: already). */
AMP_EXPORT int amp_netlink_grant(const char *name, unsigned int gid);

/* Takes back amp_netlink_grant(): the group's next send fails with EPERM. */
AMP_EXPORT int amp_netlink_revoke(const char *name, unsigned int gid);

/*
 * Moves the channels called name to the network namespace of process pid
 * (ESRCH: no such process): only that namespace sees and uses them, its root
 * without further grants.
 */
AMP_EXPORT int amp_netlink_assign_pid(const char *name, int pid);

/* The same with an open file of a network namespace (/run/netns/NAME). */
AMP_EXPORT int amp_netlink_assign_fd(const char *name, int fd);

/* Returns the channels called name to the initial network namespace. */
AMP_EXPORT int amp_netlink_unassign(const char *name);

/* One service name with grants or an assignment. */
struct amp_netlink_access {
	const char *name;
	const unsigned int *gids; /* the granted groups */
	size_t n_gids;
	unsigned long netns_inode; /* assigned: its network namespace's inode; 0: not */
};

/* Calls cb for each service name with grants or an assignment. */
AMP_EXPORT int amp_netlink_access(void (*cb)(const struct amp_netlink_access *a, void *ctx),
				  void *ctx);

/*
 * Messages: a client connects to a named service of the firmware and
 * exchanges whole messages with it (docs/protocol.md, "Messaging"), with
 * credits both ways so that nothing is dropped for lack of room.
 *
 * Every call that takes timeout_ms: -1 waits without bound, 0 never waits
 * (EAGAIN when it would have to), > 0 bounds the call (ETIMEDOUT).
 * After the remote went away, every call but close fails with ECONNRESET
 * (the firmware closed the connection, or its link went down) or ENODEV (the
 * channel was removed: module unloaded, device gone, tty hung up), except
 * that recv first delivers the messages that had arrived whole. ENOBUFS
 * ends a netlink connection the same way: the module lost a message for it
 * (no kernel memory to deliver it).
 * A handle is not thread-safe: one thread at a time.
 */
struct amp_client; /* one connection to one firmware service */

struct amp_client_options {
	enum amp_transport transport; /* AMP_TRANSPORT_NETLINK (0) by default */
	const char *device;	      /* as in amp_open_options; NULL: the default channel */
	int timeout_ms;	 /* bound of blocking calls that take no timeout; 0: AMP_DEFAULT_TIMEOUT_MS
			  */
	uint32_t window; /* rpmsg messages the firmware may send ahead; 0: what the receive side
			    holds */
	/*
	 * netlink: messages of this many bytes or more go by reference
	 * through the module's pool when the firmware took one (and the
	 * firmware's large messages come that way); 0: AMP_BULK_THRESHOLD;
	 * AMP_BULK_NEVER: never, both ways. AMP_TRANSPORT_SHM: 0 means 1.
	 */
	uint32_t bulk_threshold;
};

#define AMP_BULK_THRESHOLD 4096u
#define AMP_BULK_NEVER UINT32_MAX

/*
 * Connects to the service called service (1..AMP_SERVICE_NAME_MAX bytes);
 * opts may be NULL. Waits up to opts->timeout_ms for the firmware's answer.
 * NULL with errno: EINVAL (bad name or options), ENOENT (no such service),
 * EBUSY (the firmware has no free connection), ECONNREFUSED (the service
 * said no), ENODEV (no channel: module not loaded, device node missing,
 * channel gone), ETIMEDOUT, EPERM/EACCES (the transport's), ENOMEM.
 * The window asked for is clamped to what the receive side holds (netlink:
 * the socket's real receive buffer / 2 KiB; tty: 64; char: 256).
 */
AMP_EXPORT struct amp_client *amp_client_open(const char *service,
					      const struct amp_client_options *opts);

/*
 * Sends one whole message of 0..amp_client_max_message() bytes (EMSGSIZE
 * beyond). The message goes in frames as the firmware grants credit,
 * waiting for more up to timeout_ms and consuming what arrives meanwhile
 * (messages are queued for amp_client_recv()). 0 on success.
 * EAGAIN (timeout 0): the credit held does not cover the whole message;
 * nothing was sent. ETIMEDOUT: the credit did not come in time; if part of
 * the message had gone, the firmware is told to discard it (ABORT), so a
 * message is delivered whole or not at all. A frame the transport took
 * only part of is kept and finished before anything else on the next call.
 * EIO: nothing was sent; the firmware had reported a message sent before
 * lost (it failed its CRC-32 on arrival, or named pool slots the firmware
 * refused) since the last send, which said nothing of it: said once for
 * any number, amp_client_lost() counts them. The connection stays usable.
 */
AMP_EXPORT int amp_client_send(struct amp_client *c, const void *data, size_t len, int timeout_ms);

/*
 * Writes bytes [offset, offset + len) of a message being sent into buf;
 * 0, or non-zero to abandon the message.
 */
typedef int (*amp_fill_fn)(void *ctx, size_t offset, void *buf, size_t len);

/*
 * Sends one message of len bytes that fill() writes in place: called for
 * consecutive pieces from offset 0 until len bytes are written. By
 * reference (a netlink client with the module's pool, len of at least
 * bulk_threshold) each piece is a slot of the pool the firmware reads
 * (no copy on Linux's side, and no CRC: the bytes never travel); otherwise
 * one piece, a buffer of the library's, sent as amp_client_send() sends.
 * fill() may be asked for the same bytes again (the pool went away before
 * any of the message left: it goes in frames). A fill() that returns
 * non-zero abandons the message: -1 with ECANCELED (ABORT if part of it
 * went). Otherwise as amp_client_send(), ENOMEM included.
 */
AMP_EXPORT int amp_client_send_fill(struct amp_client *c, size_t len, amp_fill_fn fill, void *ctx,
				    int timeout_ms);

/*
 * Receives the next whole message into buf and returns its length (0 is a
 * valid message). EAGAIN (timeout 0) / ETIMEDOUT: no whole message yet.
 * EMSGSIZE: cap is too small; the message stays, amp_client_pending_size()
 * tells its size. EBADMSG: a message failed its CRC-32 and was dropped; the
 * connection stays usable. Reading returns credit to the firmware. EBUSY: a
 * message is half-way through amp_client_recv_pieces(), which must finish it.
 */
AMP_EXPORT ssize_t amp_client_recv(struct amp_client *c, void *buf, size_t cap, int timeout_ms);

/* Bytes [offset, offset + len) of a message being received, at data. */
typedef void (*amp_piece_fn)(void *ctx, size_t offset, const void *data, size_t len);

/*
 * Receives the next message piece by piece and returns its length once
 * its last piece was handed over (an empty message has none). The parts
 * of a message by reference that arrive during the call are handed over
 * where they lie, in the pool's slots (no copy on Linux's side; each part
 * checked against its CRC first), and the slots go back when piece()
 * returns; what arrived before the call comes from the library's copy.
 * piece() must not call the library on this handle. A call that ends
 * before the last piece (EAGAIN, ETIMEDOUT) leaves the message to the next
 * amp_client_recv_pieces(), which goes on from where it stopped (the
 * offsets say so); amp_client_recv() meanwhile fails with EBUSY. EBADMSG:
 * the message failed (a CRC, or the firmware abandoned it) after pieces of
 * it went; undo what they did. Otherwise errors as amp_client_recv().
 */
AMP_EXPORT ssize_t amp_client_recv_pieces(struct amp_client *c, amp_piece_fn piece, void *ctx,
					  int timeout_ms);

/* Size of the message at the head of the queue (the one recv refused with EMSGSIZE), or 0. */
AMP_EXPORT size_t amp_client_pending_size(const struct amp_client *c);

/*
 * send then recv, the whole bounded by timeout_ms; returns the reply's
 * length. The reply is the next message: messages already received and not
 * yet read come first. Errors as send and recv.
 */
AMP_EXPORT ssize_t amp_client_call(struct amp_client *c, const void *req, size_t req_len,
				   void *reply, size_t cap, int timeout_ms);

/*
 * A descriptor for poll/epoll (EPOLLIN), readable when something arrived,
 * when a message is queued, or once the remote went away. Then
 * amp_client_recv(c, ..., 0) returns a message, or EAGAIN if only part of
 * one or only control frames arrived (loop until EAGAIN), or the error.
 * Owned by the handle: do not read or close it.
 */
AMP_EXPORT int amp_client_fd(const struct amp_client *c);

/* Largest message the service takes (bytes, at most AMP_MSG_MAX). */
AMP_EXPORT uint32_t amp_client_max_message(const struct amp_client *c);

/*
 * Messages this client sent that the firmware reported lost (see
 * amp_client_send(), EIO): known once the library read the report, which
 * it does in any call that receives or waits.
 */
AMP_EXPORT uint32_t amp_client_lost(const struct amp_client *c);

/* Sends CLOSE best-effort (bounded by at most 100 ms) and frees everything; NULL is fine. */
AMP_EXPORT void amp_client_close(struct amp_client *c);

AMP_EXPORT const char *amp_transport_name(enum amp_transport t);
/* Parses "netlink", "tty" or "char"; -1 with EINVAL otherwise. */
AMP_EXPORT int amp_transport_parse(const char *name, enum amp_transport *out);

/* CRC-32 (zlib/IEEE), as the firmware computes it. */
AMP_EXPORT uint32_t amp_crc32(uint32_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
