/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink firmware SDK: the node, which runs services over one rpmsg device.
 * This is the ports' side of the SDK; services use amp/service.h and
 * amp/timer.h.
 *
 * The node listens on the three channels Linux reaches us through (the
 * hubs: "rpmsg-netlink" for the rpmsg_netlink module, "rpmsg-tty" for
 * /dev/ttyRPMSGn, "rpmsg-raw" for /dev/rpmsgN), parses each sender's bytes
 * as a stream of amplink frames, and answers:
 *   - messaging (OPEN, MSG, CREDIT, CLOSE) for the registered services;
 *   - diagnostics for amplink bench and bring-up: DATA is counted, CRC'd
 *     and acknowledged with what really arrived (never stored), ECHO comes
 *     back, STATS_REQUEST gets the counters.
 * A sender (an rpmsg address of Linux's) is a peer; a peer has at most one
 * connection. Replies that find no free buffer wait in an outbox; a message
 * is only taken when the outbox has room for every reply it could cause,
 * so nothing is dropped and nothing is handled twice.
 */
#ifndef AMP_NODE_H
#define AMP_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include <amplink/frame.h>
#include <amplink/frame_stream.h>
#include <rpmsg/rpmsg.h>

#include "amp/node_bulk.h"
#include "amp/service.h"
#include "amp/timer.h"

#define AMP_HUB_NETLINK "rpmsg-netlink"
#define AMP_HUB_TTY "rpmsg-tty"
#define AMP_HUB_RAW "rpmsg-raw"
#define AMP_NODE_HUBS 3u
/* Where each hub is in amp_node.hubs. */
enum amp_hub_index {
	AMP_HUB_INDEX_NETLINK,
	AMP_HUB_INDEX_TTY,
	AMP_HUB_INDEX_RAW,
};

/* Linux addresses served at once (clients plus diagnostics senders). */
#ifndef AMP_MAX_PEERS
#define AMP_MAX_PEERS 8u
#endif
/* Replies waiting for buffers. */
#ifndef AMP_OUTBOX_SLOTS
#define AMP_OUTBOX_SLOTS 32u
#endif
/* Credit (bytes) a service taking pieces grants, and returns as it consumes. */
#ifndef AMP_PIECE_WINDOW
#define AMP_PIECE_WINDOW (64u * 1024u)
#endif
/* A frame that stops arriving for this long is abandoned. */
#define AMP_FRAME_TIMEOUT_MS AMP_FRAME_STALL_MS

/* What is arriving from a peer: decides where its payload goes. */
enum amp_rx_kind {
	AMP_RX_NONE,  /* between frames */
	AMP_RX_SKIP,  /* a frame we refused: payload ignored */
	AMP_RX_SMALL, /* ECHO, OPEN, CREDIT, CLOSE: collected in small[] */
	AMP_RX_DATA,  /* diagnostics: counted and CRC'd */
	AMP_RX_MSG,   /* a message frame for the peer's connection */
};

/* A peer, and its connection when it has opened a service. */
struct amp_conn {
	bool used;
	struct rp_endpoint *hub;
	uint32_t addr; /* Linux's rpmsg address */
	uint32_t last_ms;
	struct amp_stream stream;
	enum amp_rx_kind rx;
	uint8_t small[AMP_ECHO_MAX_LEN];

	/* the connection; svc is NULL until an OPEN succeeds */
	struct amp_service *svc;
	uint32_t id;
	uint8_t slot;	       /* rx_pool buffer (whole messages) */
	bool opening;	       /* in connected(): nothing may overtake OPENED */
	bool ending;	       /* in gone(): sends are refused */
	uint32_t close_status; /* a CLOSE to send, when not 0 */
	bool in_msg;	       /* a message is arriving */
	uint32_t msg_len;      /* bytes of it received */
	uint32_t msg_charged;  /* credit its frames took so far */
	bool msg_bad;	       /* one of its frames failed */
	uint32_t msg_crc;      /* CRC-32 of its frames that checked */
	uint32_t rx_seq;       /* seq of the message being received */
	uint32_t rx_credit;    /* payload bytes the client may still send */
	uint32_t rx_grant;     /* what a full window is */
	uint32_t credit_owed;  /* consumed, not yet returned */
	bool paused;
	uint32_t tx_credit; /* MSG frames we may still send */
	uint32_t tx_seq;
	const uint8_t *tx_data; /* a message being sent (tx_busy), or NULL: fill() */
	uint32_t tx_len, tx_off;
	bool tx_busy;
	bool tx_started;
	bool want_writable;
	uint8_t replies_queued; /* outbox entries for this peer, sent before its MSG frames */
	void *priv;
#if AMP_NODE_BULK
	struct amp_conn_bulk bulk;
#endif
};

struct amp_reply {
	struct rp_endpoint *hub;
	struct amp_conn *conn; /* NULL when the sender has no peer slot */
	uint32_t dst;
	uint32_t len;
	uint8_t data[AMP_FRAME_HDR_SIZE + AMP_ECHO_MAX_LEN];
};

struct amp_node_stats {
	uint32_t frames_ok;	    /* DATA frames whose CRC matched */
	uint32_t frames_bad;	    /* ... and did not */
	uint32_t errors;	    /* ERROR frames sent */
	uint32_t opens;		    /* connections made */
	uint32_t refused;	    /* OPENs turned away */
	uint32_t closes;	    /* connections ended by a CLOSE either way */
	uint32_t gone;		    /* connections ended by Linux's "endpoint gone" */
	uint32_t violations;	    /* MSG beyond credit or size: connection closed */
	uint32_t msgs_in, msgs_out; /* whole messages */
};

struct amp_node {
	struct rp_device *dev;
	uint32_t (*now_ms)(void);
	struct rp_endpoint hubs[AMP_NODE_HUBS];
	struct amp_conn conns[AMP_MAX_PEERS];
	struct amp_service *services;
	struct amp_timer *timers;
	struct amp_reply outbox[AMP_OUTBOX_SLOTS];
	unsigned int out_head, out_count;
	uint32_t next_conn_id;
	bool link_up; /* as the services were last told */
	uint32_t kicks_in;
	struct amp_node_stats stats;
#if AMP_NODE_BULK
	struct amp_node_bulk bulk;
#endif
};

/*
 * Sets the node up over a device in the device role and creates the hubs
 * (announced once the link is up). now_ms: the port's millisecond clock.
 */
int amp_node_init(struct amp_node *n, struct rp_device *dev, uint32_t (*now_ms)(void));

/*
 * Does everything due: timers, what Linux sent, replies and messages
 * waiting for buffers or credit. Returns the rpmsg messages handled, or a
 * negative rp_status when Linux broke the protocol.
 */
int amp_node_poll(struct amp_node *n);

/* Milliseconds until the next timer is due (0: now), or AMP_NO_TIMEOUT. */
uint32_t amp_node_next_timeout(const struct amp_node *n);

/* The device is going away (reset, stop): every client is gone, services hear link down. */
void amp_node_stop(struct amp_node *n);

/* Counts a doorbell from Linux (reported in STATS). */
static inline void amp_node_note_kick(struct amp_node *n)
{
	n->kicks_in++;
}

/* The counters STATS reports. */
void amp_node_fill_stats(const struct amp_node *n, struct amp_stats *s);

#endif
