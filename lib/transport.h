/* SPDX-License-Identifier: BSD-3-Clause */
/* What each transport provides to the channel layer (internal). */
#ifndef AMPLINK_TRANSPORT_H
#define AMPLINK_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <amplink/amplink.h>

/*
 * Where a transport hands what it received, in place and as it comes (the
 * message layer feeds it straight to its frame parser).
 */
typedef void (*amp_sink_fn)(void *ctx, const uint8_t *data, size_t len);

struct amp_transport_ops {
	void (*close)(struct amp_channel *ch);
	/*
	 * Writes a first part of iov (at most max_write bytes, never cut
	 * inside what one write takes) and returns its length; -1 with EAGAIN
	 * when the transport took nothing by deadline, or another errno
	 * (ENODEV: the channel went away). What arrives meanwhile goes to sink.
	 */
	ssize_t (*write_some)(struct amp_channel *ch, const struct iovec *iov, int iovcnt,
			      int64_t deadline, amp_sink_fn sink, void *ctx);
	/*
	 * Waits until deadline for input and hands what came to sink: 0 once
	 * something was read, -1 with ETIMEDOUT (nothing came), ENODEV (the
	 * channel went away) or another errno.
	 */
	int (*input)(struct amp_channel *ch, int64_t deadline, amp_sink_fn sink, void *ctx);
	/*
	 * Ends a call during which ch->borrowing was set: the bytes handed to
	 * write_some stayed valid until now, and the transport may have kept
	 * pointers to them rather than copies; it lets go of them here.
	 * delivered: the remote's reply proved all of them arrived. Optional.
	 */
	void (*borrow_end)(struct amp_channel *ch, bool delivered);
	/* rpmsg messages the receive side holds for sure (the largest window). */
	uint32_t (*rx_window)(struct amp_channel *ch);
};

struct amp_netlink;

/*
 * Bulk transfers (netlink, when the module has a pool the firmware took):
 * the pool mapped from /dev/amplink-pool<N> (lib/bulk.c).
 */
struct amp_bulk_map {
	uint8_t *base;
	size_t size;
	uint32_t slot_size;
	uint32_t slot_count;
};

/* Slots of one message by reference, as BULK_RECV names them. */
#define AMP_BULK_DESC_MAX 29u
struct amp_bulk_range {
	uint32_t slot;
	uint32_t offset;
	uint32_t length;
};
struct amp_bulk_in {
	uint32_t conn_id;
	uint32_t seq;
	bool more; /* the message goes on in the next one */
	bool has_crc;
	uint32_t crc; /* of the ranges, in order, when has_crc */
	uint32_t count;
	struct amp_bulk_range ranges[AMP_BULK_DESC_MAX];
};
/* Where a transport hands a message by reference (ctx: the sink's). */
typedef void (*amp_bulk_sink_fn)(void *ctx, const struct amp_bulk_in *in);

struct amp_channel {
	enum amp_transport transport;
	const struct amp_transport_ops *ops;
	int fd;
	size_t max_write;	    /* bytes per write() the transport allows */
	unsigned int looks;	    /* fd transports: reads to try before the next poll */
	bool source;		    /* a bench channel of the bench source (towards Linux) */
	uint32_t source_seed;	    /* the last block's */
	bool borrowing;		    /* what write_some gets stays valid until borrow_end() */
	struct amp_bulk_map *bulk;  /* the pool, mapped; NULL: no bulk transfers */
	amp_bulk_sink_fn bulk_sink; /* BULK_RECV goes here; NULL: released unread */
	int timeout_ms;
	char device[64];
	struct amp_netlink *nl;
	uint8_t rx[4096]; /* what a tty or char device read hands over */
};

/* Opens ch's transport (channel.c): what amp_channel_open and amp_client_open share. */
int amp_channel_init(struct amp_channel *ch, enum amp_transport transport, const char *device,
		     int timeout_ms);
/* Closes ch's transport, leaving ch itself to its owner. */
void amp_channel_fini(struct amp_channel *ch);

int amp_tty_open(struct amp_channel *ch, const char *path);
int amp_char_open(struct amp_channel *ch, const char *path);
int amp_netlink_open(struct amp_channel *ch, const char *channel);

/*
 * Bulk transfers on a netlink channel (transport_netlink.c). Map: maps the
 * channel's pool into ch->bulk (0), or -1 with EOPNOTSUPP (no pool the
 * firmware took), ECONNRESET, or open()'s and mmap()'s errnos. Acquire: up
 * to want free slots into slots, waiting for BULK_READY until deadline
 * (taking what arrives meanwhile): how many, or -1 (ETIMEDOUT, ECONNRESET,
 * EOPNOTSUPP, ENODEV). Submit: the ranges as one SUBMIT of the connection's
 * message seq, after everything sent before, waiting for room until
 * deadline: 0, or -1 (EAGAIN at the deadline: nothing went; EINVAL,
 * ECONNRESET, ENODEV). Release: gives slots back, without waiting.
 */
int amp_netlink_bulk_map(struct amp_channel *ch);
/*
 * The same, waiting until deadline while the pool is there and not taken
 * yet (ECONNRESET): the firmware acknowledges a new pool moments after its
 * channel comes up, and a client opened in between would find none.
 */
int amp_netlink_bulk_map_wait(struct amp_channel *ch, int64_t deadline);
int amp_netlink_bulk_acquire(struct amp_channel *ch, uint32_t want, uint32_t *slots,
			     int64_t deadline, amp_sink_fn sink, void *ctx);
int amp_netlink_bulk_submit(struct amp_channel *ch, const struct amp_bulk_range *ranges,
			    uint32_t count, uint32_t conn_id, uint32_t seq, bool more,
			    const uint32_t *crc, int64_t deadline, amp_sink_fn sink, void *ctx);
void amp_netlink_bulk_release(struct amp_channel *ch, const uint32_t *slots, uint32_t count);

/* Where a message by reference comes from: a buffer, or a writer into the slots. */
struct amp_bulk_source {
	const uint8_t *data; /* copied from; NULL: fill() writes each slot in place */
	amp_fill_fn fill;
	void *ctx;
};

/*
 * Client side of bulk transfers (bulk.c). Send part: the message's bytes
 * from off (of len in all, the connection's message seq), at most budget
 * of them (1..len - off: the byte credit held), into slots acquired now and
 * submitted as one SUBMIT, MORE when bytes are left; with part_crc and a
 * buffer it carries their CRC-32. Returns how many bytes went, or -1 with
 * errno (nothing of this part went; ECANCELED: fill() refused). Copy: the
 * bytes of in's ranges into dst (room for all), checked against the
 * mapping; their CRC-32 in *crc; the slots are released. -1 with EPROTO
 * when a range lies outside the pool (nothing copied; released all the
 * same).
 */
ssize_t amp_bulk_send_part(struct amp_channel *ch, uint32_t conn_id, uint32_t seq,
			   const struct amp_bulk_source *src, size_t off, size_t len, size_t budget,
			   bool part_crc, int64_t deadline, amp_sink_fn sink, void *ctx);
uint64_t amp_bulk_in_bytes(const struct amp_bulk_in *in);
int amp_bulk_copy_in(struct amp_channel *ch, const struct amp_bulk_in *in, uint8_t *dst,
		     uint32_t *crc);
/*
 * In place: checks in's ranges against the mapping and computes their
 * CRC-32 into *crc (unless crc is NULL); returns the pool's base (a range is at base + slot *
 * slot_size + offset), or NULL with EPROTO. Nothing is released: release
 * gives every slot of in back, without waiting.
 */
const uint8_t *amp_bulk_view_in(struct amp_channel *ch, const struct amp_bulk_in *in,
				uint32_t *crc);
void amp_bulk_release_in(struct amp_channel *ch, const struct amp_bulk_in *in);
void amp_bulk_unmap(struct amp_channel *ch);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t amp_clock_ms(void);

/*
 * A deadline not yet read off the clock: timeout_ms from the first wait.
 * Bench calls use it: on their fast path the reply comes within the first
 * wait, and no clock_gettime is made (a system call on some kernels, UML
 * among them). Every wait takes it as the whole timeout (amp_wait_ms());
 * whoever may wait again fixes it first with amp_deadline_fix(), so a
 * call waits at most about twice its timeout.
 */
#define AMP_DEADLINE_LAZY(timeout_ms) (-(int64_t)(timeout_ms))
/* A lazy deadline read off the clock now; any other as it is. */
int64_t amp_deadline_fix(int64_t deadline);
/* Milliseconds left until deadline, clamped to [0, INT_MAX]. */
int amp_ms_left(int64_t deadline);
/* What one wait for deadline may take: amp_ms_left(), or a lazy one's whole timeout. */
int amp_wait_ms(int64_t deadline);

/*
 * err, or a userspace errno for the kernel-internal ones (ERESTARTSYS and
 * the like, 512 and up) that a driver lets escape: never pass those on.
 */
int amp_user_errno(int err);

/* poll() for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
int amp_wait_fd(int fd, short events, int64_t deadline);

#endif
