/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink firmware SDK: the node's end of bulk transfers (docs/protocol.md,
 * "Bulk transfers"). The ports' side: a port that can reach a shared pool
 * gives the node a window onto it (amp_node_bulk_init()); the node then
 * announces "amplink-bulk", takes the module's POOL if the whole pool lies
 * inside the window, and hands SUBMITted messages to the connections'
 * services as pieces that point into the slots, releasing each slot once
 * the service's callback has returned.
 *
 * Built with AMP_NODE_BULK (set for the host builds, and for the M4 image,
 * whose port first programs the MPU region that makes the window Normal
 * memory). Without it the node has no bulk state at all.
 */
#ifndef AMP_NODE_BULK_H
#define AMP_NODE_BULK_H

#ifndef AMP_NODE_BULK
#define AMP_NODE_BULK 0
#endif

#if AMP_NODE_BULK
#include <stdbool.h>
#include <stdint.h>

#include <amp/bulk_pool.h>
#include <rpmsg/rp_mem.h>
#include <rpmsg/rpmsg.h>

/*
 * amp_send() of this many bytes or more to a client that opened with
 * AMP_OPEN_F_BULK goes by reference (FILLED), when the firmware has a pool.
 */
#ifndef AMP_BULK_THRESHOLD
#define AMP_BULK_THRESHOLD 4096u
#endif

/*
 * Credit (bytes) a service taking pieces grants a client that opened with
 * AMP_OPEN_F_BULK, instead of AMP_PIECE_WINDOW: a SUBMIT costs credit as
 * frames do, and a window of a few slots would stop the client at every
 * CREDIT. It only bounds what a paused service still receives (no buffer
 * holds those bytes): a quarter of the largest message.
 */
#ifndef AMP_PIECE_WINDOW_BULK
#define AMP_PIECE_WINDOW_BULK (4u * 1024u * 1024u)
#endif

/* The largest pool (in slots) this firmware takes; POOL_ACK TOO_MANY above. */
#ifndef AMP_BULK_SLOTS
#define AMP_BULK_SLOTS 64u
#endif

/* What the endpoint did with messages (descriptors are counted by the table). */
struct amp_node_bulk_stats {
	uint32_t pools_taken;	 /* POOL answered OK */
	uint32_t pools_refused;	 /* POOL answered GEOMETRY, UNREACHABLE or TOO_MANY */
	uint32_t bad_msgs;	 /* failed the header's checks, or a type we never take */
	uint32_t foreign;	 /* descriptors from another address than the POOL's */
	uint32_t no_conn;	 /* SUBMIT for no open connection: released undelivered */
	uint32_t refused_msgs;	 /* SUBMIT with a refused descriptor: nothing delivered */
	uint32_t unreachable;	 /* a descriptor the window no longer covers */
	uint32_t bad_crc;	 /* SUBMIT whose bytes do not match its CRC */
	uint32_t msgs_in;	 /* whole messages delivered by reference */
	uint32_t msgs_out;	 /* ... and sent by reference (FILLED) */
	uint32_t filled_sent;	 /* FILLED messages */
	uint32_t tx_lost;	 /* messages cut off by a new pool half-way out */
	uint32_t releases_sent;	 /* RELEASE messages */
	uint32_t slots_released; /* descriptors in them */
};

struct amp_node_bulk {
	const struct rp_mem *window; /* the port's: where a pool may lie; NULL: no bulk */
	struct rp_endpoint ept;
	uint32_t host; /* the address the current POOL came from */
	struct amp_bulk_pool pool;
	struct amp_bulk_slot slots[AMP_BULK_SLOTS];
	/* a received SUBMIT, copied out of the ring (too large for the M4's stack) */
	struct amp_bulk_received rx;
	const uint8_t *rx_ptr[AMP_BULK_DESC_MAX];
	uint32_t rx_bytes; /* its descriptors' lengths: what it cost the connection */
	/* slots done with, to RELEASE at the end of the poll pass (or when full) */
	struct amp_bulk_desc release[AMP_BULK_DESC_MAX];
	uint32_t release_count;
	struct amp_node_bulk_stats stats;
};

/*
 * A connection's messages by reference: the one arriving (SUBMIT, possibly
 * in parts), and whether the one being sent goes as FILLED.
 */
struct amp_conn_bulk {
	bool can_fill; /* the client opened with AMP_OPEN_F_BULK */
	bool tx;       /* the message being sent goes by reference */
	bool in_msg;
	bool bad; /* a part was refused or failed its CRC: the rest is dropped */
	uint32_t seq;
	uint32_t len; /* bytes delivered so far */
	uint32_t crc; /* CRC-32 of them */
};
#endif

struct amp_node;
struct rp_mem;

/*
 * Port: the node may take pools inside window (bus addresses as the module
 * announces them, translated to local pointers; anything outside it is
 * refused). Creates the "amplink-bulk" endpoint, announced with the hubs.
 * Call after amp_node_init(), at every start. The window must stay valid
 * while the node runs (it is consulted for every descriptor, so a port may
 * change what it maps, as vhost-user's memory table does). Returns an
 * rp_status; RP_EINVAL when built without AMP_NODE_BULK.
 */
int amp_node_bulk_init(struct amp_node *n, const struct rp_mem *window);

#endif
