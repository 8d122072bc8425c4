/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The netlink transport: the rpmsg_netlink module's Generic Netlink family
 * (include/uapi/linux/rpmsg_netlink.h), through libmnl.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rpmsg_netlink.h>

#include "rpmsg_dev.h"
#include "transport.h"

#define RCVBUF_BYTES (4 * 1024 * 1024)
/* SENDs per sendmmsg, and room for each one's headers before its data */
#define SEND_BATCH 32
#define SEND_HDR_ROOM 64
/*
 * The most a SEND's data may be for the module to get it in an ordinary
 * skb: netlink allocates one of up to NLMSG_GOODSIZE (a page less the skb's
 * overhead, about 3.7 KB) and vmallocs anything larger, whose mapping
 * costs more than the extra SENDs in one sendmmsg.
 */
#define SEND_SMALL_SKB 3600
/*
 * Messages one receive takes at most (recvmmsg): the first into buf, the
 * others into slots of RECV_SLOT bytes, which hold any message the module
 * sends a client when its channel's MTU leaves room (a RECV is the MTU and
 * about 60 bytes of headers); a stream from the firmware then costs one
 * system call per ring's worth of messages, not one per message.
 */
#define RECV_BATCH 16
#define RECV_SLOT 2048
/* How often a refused sender tries again if no TX_READY comes */
#define REFUSED_RETRY_MS 100
/* The message path's unacknowledged SENDs: bytes and SENDs kept at most */
#define RETX_CAP (64 * 1024)
#define RETX_SENDS 64
/* Pieces of a borrowing call's frames left where they are, and the size from which they are */
#define RETX_BORROWED 16
#define BORROW_MIN 256

struct amp_netlink {
	struct amp_channel *ch;
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t portid;
	uint32_t seq;
	uint32_t channel;
	uint32_t mtu;
	/* the socket's SO_RCVTIMEO in ms, 0 while unset (see set_receive_timeout()) */
	unsigned int rcv_timeout_ms;
	/* messages came and no send since: look before a wait (receive_once()) */
	bool look_first;
	size_t send_max; /* data bytes per SEND: whole rpmsg messages, an ordinary skb */
	/*
	 * The message path's small SENDs, sent without asking for an ack and
	 * copied here until known to be accepted: once the ack of a later SEND
	 * has been read and no error for them came before it (a refusal
	 * refuses all that follow, so an error would have). retx_seq[i] is the
	 * SEND that carried the bytes from retx_off[i] on. A refusal among
	 * them (retx_error) means resending from retx_resend on, before
	 * anything new goes.
	 */
	uint8_t retx[RETX_CAP];
	size_t retx_len;
	uint32_t retx_seq[RETX_SENDS];
	uint32_t retx_off[RETX_SENDS];
	int retx_n;
	int retx_error;
	size_t retx_resend;
	/*
	 * While the channel borrows (a bench call: its bytes stay valid until
	 * nl_borrow_end()), large pieces of unacknowledged frames are not
	 * copied: their room in retx is reserved and they are copied there
	 * only if they may still have to go again when the call ends.
	 */
	struct retx_borrowed {
		size_t off; /* its room in retx */
		const uint8_t *src;
		size_t len;
	} borrowed[RETX_BORROWED];
	int borrowed_n;
	uint32_t borrowed_hi; /* the last SEND that carried borrowed bytes */
	/* Holds the largest received message, and requests. */
	char buf[RPMSG_NETLINK_MAX_DATA + 1024];
	/* the other messages of one receive (RECV_BATCH), and how many may come at once */
	char rx_slots[RECV_BATCH - 1][RECV_SLOT];
	unsigned int rx_batch;
	/* the headers of the SENDs of one sendmmsg */
	uint8_t send_hdrs[SEND_BATCH][SEND_HDR_ROOM];
	/* the channel's pool, as GET_CHANNEL reported it when the channel was picked */
	bool bulk_seen, bulk_ready;
	uint32_t bulk_pool, bulk_slot_size, bulk_slot_count;
	/* bulk requests are built here: buf may hold what is being dispatched */
	char bulk_req[1024];
};

/* Outcome of one received netlink message, for the loops below. */
struct nl_event {
	struct amp_netlink *nl;
	uint32_t ack_seq; /* the request whose ack we wait for, or 0 */
	int acked;	  /* 1 once that ack came */
	int ack_error;	  /* its errno, 0 on success */
	/* SENDs [lo, hi] sent without acks: the first error among them */
	uint32_t watch_lo, watch_hi;
	uint32_t failed_seq;
	int failed_error; /* 0 while none failed */
	int ready;	  /* TX_READY came */
	int down;	  /* the channel went away */
	int bulk_ready;	  /* BULK_READY came */
	/* the BULK_ACQUIRE reply to ack_seq: the slots it gave, up to want */
	uint32_t *slots;
	uint32_t want;
	int nslots;
	int replied;
	amp_sink_fn sink; /* where RECV payloads go (in place); NULL: dropped */
	void *ctx;
};

static struct nlmsghdr *start_request(struct amp_netlink *nl, uint16_t type, uint8_t cmd,
				      uint16_t flags)
{
	struct nlmsghdr *n = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	n->nlmsg_type = type;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(n, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : RPMSG_NETLINK_FAMILY_VERSION;
	return n;
}

static int family_id_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *n, void *data)
{
	return mnl_attr_parse(n, sizeof(struct genlmsghdr), family_id_attr, data);
}

/* Runs one request to completion, calling cb for each reply message. */
static int request(struct amp_netlink *nl, struct nlmsghdr *n, mnl_cb_t cb, void *data)
{
	uint32_t seq = n->nlmsg_seq;
	ssize_t len;
	int rc;

	if (mnl_socket_sendto(nl->sock, n, n->nlmsg_len) < 0)
		return -1;
	do {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (len < 0)
			return -1;
		rc = mnl_cb_run(nl->buf, (size_t)len, seq, nl->portid, cb, data);
	} while (rc > 0);
	return rc < 0 ? -1 : 0;
}

static int resolve_family(struct amp_netlink *nl)
{
	struct nlmsghdr *n = start_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);

	mnl_attr_put_strz(n, CTRL_ATTR_FAMILY_NAME, RPMSG_NETLINK_FAMILY_NAME);
	nl->family = 0;
	if (request(nl, n, family_cb, &nl->family) != 0 || nl->family == 0) {
		/* The family exists only while the module is loaded. */
		errno = ENOENT;
		return -1;
	}
	return 0;
}

struct channel_pick {
	struct amp_netlink *nl;
	const char *want; /* id or name, NULL for the first */
	uint32_t id;
	uint32_t mtu;
	int found;
};

static int channel_attrs(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type > 0 && type <= RPMSG_NETLINK_A_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int bulk_attrs(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type > 0 && type <= RPMSG_NETLINK_BULK_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static uint32_t u32_or_zero(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U32) == 0 ? mnl_attr_get_u32(a) : 0;
}

/* The pool of the channel's remote, as GET_CHANNEL says (RPMSG_NETLINK_A_BULK). */
static void note_bulk(struct amp_netlink *nl, const struct nlattr *nest)
{
	const struct nlattr *tb[RPMSG_NETLINK_BULK_MAX + 1] = {0};

	mnl_attr_parse_nested(nest, bulk_attrs, tb);
	if (!tb[RPMSG_NETLINK_BULK_POOL])
		return;
	nl->bulk_seen = true;
	nl->bulk_pool = u32_or_zero(tb[RPMSG_NETLINK_BULK_POOL]);
	nl->bulk_ready = u32_or_zero(tb[RPMSG_NETLINK_BULK_READY]) != 0;
	nl->bulk_slot_size = u32_or_zero(tb[RPMSG_NETLINK_BULK_SLOT_SIZE]);
	nl->bulk_slot_count = u32_or_zero(tb[RPMSG_NETLINK_BULK_SLOT_COUNT]);
}

static int channel_cb(const struct nlmsghdr *n, void *data)
{
	const struct nlattr *tb[RPMSG_NETLINK_A_MAX + 1] = {0};
	struct channel_pick *pick = data;
	char id[16];

	mnl_attr_parse(n, sizeof(struct genlmsghdr), channel_attrs, tb);
	if (pick->found || !tb[RPMSG_NETLINK_A_CHANNEL] ||
	    mnl_attr_validate(tb[RPMSG_NETLINK_A_CHANNEL], MNL_TYPE_U32) != 0)
		return MNL_CB_OK;
	uint32_t ch = mnl_attr_get_u32(tb[RPMSG_NETLINK_A_CHANNEL]);
	const char *name =
		tb[RPMSG_NETLINK_A_NAME] ? mnl_attr_get_str(tb[RPMSG_NETLINK_A_NAME]) : "";

	snprintf(id, sizeof(id), "%u", ch);
	/*
	 * By default, the firmware's own netlink service: other channels may be
	 * bound to the module too (driver_override), and ids are not stable
	 * across a reload.
	 */
	if (pick->want ? !strcmp(pick->want, id) || !strcmp(pick->want, name)
		       : strcmp(name, RPMSG_NETLINK_SERVICE) == 0) {
		pick->id = ch;
		pick->found = 1;
		if (tb[RPMSG_NETLINK_A_MTU] &&
		    mnl_attr_validate(tb[RPMSG_NETLINK_A_MTU], MNL_TYPE_U32) == 0)
			pick->mtu = mnl_attr_get_u32(tb[RPMSG_NETLINK_A_MTU]);
		if (tb[RPMSG_NETLINK_A_BULK] &&
		    mnl_attr_validate(tb[RPMSG_NETLINK_A_BULK], MNL_TYPE_NESTED) == 0)
			note_bulk(pick->nl, tb[RPMSG_NETLINK_A_BULK]);
	}
	return MNL_CB_OK;
}

static int pick_channel(struct amp_netlink *nl, const char *want)
{
	struct channel_pick pick = {.nl = nl, .want = want};
	struct nlmsghdr *n =
		start_request(nl, nl->family, RPMSG_NETLINK_CMD_GET_CHANNEL, NLM_F_DUMP);

	if (request(nl, n, channel_cb, &pick) != 0)
		return -1;
	if (!pick.found) {
		errno = ENODEV;
		return -1;
	}
	nl->channel = pick.id;
	nl->mtu = pick.mtu;
	/* a RECV of a whole MTU and its headers must fit a slot; else one at a time */
	nl->rx_batch = nl->mtu > 0 && nl->mtu + 256 <= RECV_SLOT ? RECV_BATCH : 1;
	/* whole rpmsg messages per SEND, as many as an ordinary skb holds */
	nl->send_max = SEND_SMALL_SKB;
	if (pick.mtu > 0 && pick.mtu <= SEND_SMALL_SKB)
		nl->send_max = SEND_SMALL_SKB / pick.mtu * pick.mtu;
	return 0;
}

/* A message by reference for us: to the channel's bulk sink, or straight back. */
static void on_bulk_recv(struct nl_event *ev, const struct nlattr **tb)
{
	const struct nlattr *d = tb[RPMSG_NETLINK_A_DESCS];
	struct amp_channel *ch = ev->nl->ch;
	struct amp_bulk_in in = {0};
	uint32_t slots[AMP_BULK_DESC_MAX];
	size_t len;

	if (!d || !tb[RPMSG_NETLINK_A_CONN_ID] || !tb[RPMSG_NETLINK_A_SEQ])
		return;
	len = mnl_attr_get_payload_len(d);
	if (len == 0 || len % sizeof(struct rpmsg_netlink_bulk_desc) ||
	    len / sizeof(struct rpmsg_netlink_bulk_desc) > AMP_BULK_DESC_MAX)
		return;
	in.count = (uint32_t)(len / sizeof(struct rpmsg_netlink_bulk_desc));
	memcpy(in.ranges, mnl_attr_get_payload(d), len);
	in.conn_id = u32_or_zero(tb[RPMSG_NETLINK_A_CONN_ID]);
	in.seq = u32_or_zero(tb[RPMSG_NETLINK_A_SEQ]);
	uint32_t flags = u32_or_zero(tb[RPMSG_NETLINK_A_FLAGS]);

	in.more = flags & RPMSG_NETLINK_BULK_F_MORE;
	in.has_crc = flags & RPMSG_NETLINK_BULK_F_CRC;
	in.crc = u32_or_zero(tb[RPMSG_NETLINK_A_CRC]);
	if (ch && ch->bulk_sink && ev->sink) {
		ch->bulk_sink(ev->ctx, &in);
		return;
	}
	for (uint32_t i = 0; i < in.count; i++)
		slots[i] = in.ranges[i].slot;
	if (ch)
		amp_netlink_bulk_release(ch, slots, in.count);
}

/* The slots a BULK_ACQUIRE gave. */
static void on_acquired(struct nl_event *ev, const struct nlattr *a)
{
	size_t len = a ? mnl_attr_get_payload_len(a) : 0;
	uint32_t n = (uint32_t)(len / sizeof(uint32_t));

	ev->replied = 1;
	if (!ev->slots || len % sizeof(uint32_t) || n == 0 || n > ev->want) {
		ev->nslots = -1; /* not what was asked for */
		return;
	}
	memcpy(ev->slots, mnl_attr_get_payload(a), len);
	ev->nslots = (int)n;
}

static int event_cb(const struct nlmsghdr *n, void *data)
{
	const struct nlattr *tb[RPMSG_NETLINK_A_MAX + 1] = {0};
	struct nl_event *ev = data;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(n);

	if (n->nlmsg_type != ev->nl->family)
		return MNL_CB_OK;
	mnl_attr_parse(n, sizeof(*g), channel_attrs, tb);
	if (tb[RPMSG_NETLINK_A_CHANNEL] &&
	    mnl_attr_validate(tb[RPMSG_NETLINK_A_CHANNEL], MNL_TYPE_U32) == 0 &&
	    mnl_attr_get_u32(tb[RPMSG_NETLINK_A_CHANNEL]) != ev->nl->channel)
		return MNL_CB_OK;
	if (g->cmd == RPMSG_NETLINK_CMD_RECV && tb[RPMSG_NETLINK_A_DATA] && ev->sink)
		ev->sink(ev->ctx, mnl_attr_get_payload(tb[RPMSG_NETLINK_A_DATA]),
			 mnl_attr_get_payload_len(tb[RPMSG_NETLINK_A_DATA]));
	else if (g->cmd == RPMSG_NETLINK_CMD_BULK_RECV)
		on_bulk_recv(ev, tb);
	else if (g->cmd == RPMSG_NETLINK_CMD_BULK_ACQUIRE && n->nlmsg_seq == ev->ack_seq)
		on_acquired(ev, tb[RPMSG_NETLINK_A_SLOTS]);
	else if (g->cmd == RPMSG_NETLINK_CMD_CHANNEL_DOWN)
		ev->down = 1;
	else if (g->cmd == RPMSG_NETLINK_CMD_TX_READY)
		ev->ready = 1;
	else if (g->cmd == RPMSG_NETLINK_CMD_BULK_READY)
		ev->bulk_ready = 1;
	return MNL_CB_OK;
}

/* The first error for an unacknowledged SEND of the message path: resend from it. */
static void note_retx_error(struct amp_netlink *nl, uint32_t seq, int error)
{
	if (!error || nl->retx_error || nl->retx_n == 0 ||
	    seq - nl->retx_seq[0] > nl->retx_seq[nl->retx_n - 1] - nl->retx_seq[0])
		return;
	for (int i = 0; i < nl->retx_n; i++) {
		if (nl->retx_seq[i] == seq) {
			nl->retx_error = amp_user_errno(-error);
			nl->retx_resend = nl->retx_off[i];
			return;
		}
	}
}

static void retx_clear(struct amp_netlink *nl)
{
	nl->borrowed_n = 0;
	nl->retx_n = 0;
	nl->retx_len = 0;
	nl->retx_error = 0;
	nl->retx_resend = 0;
}

static int error_cb(const struct nlmsghdr *n, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(n);
	struct nl_event *ev = data;

	if (n->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
		return MNL_CB_OK;
	if (n->nlmsg_seq == ev->ack_seq) {
		ev->acked = 1;
		ev->ack_error = amp_user_errno(-err->error);
	}
	/* seq - lo: in order across the wrap of the 32-bit counter */
	if (err->error && !ev->failed_error && ev->watch_lo &&
	    n->nlmsg_seq - ev->watch_lo <= ev->watch_hi - ev->watch_lo) {
		ev->failed_seq = n->nlmsg_seq;
		ev->failed_error = amp_user_errno(-err->error);
	}
	note_retx_error(ev->nl, n->nlmsg_seq, err->error);
	return MNL_CB_OK;
}

/*
 * Receives up to nl->rx_batch messages in one system call: with
 * MSG_DONTWAIT what is queued, with MSG_WAITFORONE the first within the
 * socket's receive timeout and what is queued behind it. Their count, or -1
 * with errno (EAGAIN: none). A message cut short (a slot too small for it)
 * is an error: it cannot be had again.
 */
static int receive_batch(struct amp_netlink *nl, struct mmsghdr *m, struct iovec *v, int flags)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int n;

	for (unsigned int i = 0; i < nl->rx_batch; i++) {
		v[i] = i ? (struct iovec){nl->rx_slots[i - 1], RECV_SLOT}
			 : (struct iovec){nl->buf, sizeof(nl->buf)};
		m[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &v[i], .msg_iovlen = 1}};
	}
	n = recvmmsg(fd, m, nl->rx_batch, flags, NULL);
	for (int i = 0; i < n; i++) {
		if (m[i].msg_hdr.msg_flags & MSG_TRUNC) {
			errno = EMSGSIZE;
			return -1;
		}
	}
	return n;
}

/* Hands the n messages of a receive to their callbacks, in order: 1, or -1. */
static int dispatch_batch(struct amp_netlink *nl, struct nl_event *ev, const struct mmsghdr *m,
			  const struct iovec *v, int n)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = error_cb};

	for (int i = 0; i < n; i++) {
		int rc = mnl_cb_run2(v[i].iov_base, m[i].msg_len, 0, nl->portid, event_cb, ev, ctl,
				     NLMSG_MIN_TYPE);

		if (rc < 0 && errno != ESRCH)
			return -1;
	}
	return 1;
}

/*
 * SO_RCVTIMEO counts in ticks, rounded up, and the timer wheel may fire up
 * to 1/8 later still: a blocking receive is given a timeout this much short
 * of its deadline (at HZ of 100 or more two ticks are 20 ms), and what is
 * left when it runs out is waited for with poll(), which is precise. Waits
 * shorter than RCVTIMEO_MIN_MS use poll() alone.
 */
#define RCVTIMEO_MARGIN_MS 25u
#define RCVTIMEO_MIN_MS 10u

/*
 * The socket timeout for a wait of left ms, 0 for poll(). A lazy deadline
 * (a bench call's first wait, the whole timeout, the clock unread) gets
 * all of it: such a call may end up to 1/8 of its timeout and two ticks
 * late, and in exchange costs no clock read.
 */
static unsigned int receive_timeout_for(int left, bool lazy)
{
	unsigned int ms = (unsigned int)left;

	if (lazy)
		return ms;
	if (ms < RCVTIMEO_MIN_MS + RCVTIMEO_MARGIN_MS + ms / 8)
		return 0;
	return ms - ms / 8 - RCVTIMEO_MARGIN_MS;
}

/*
 * Sets the socket's SO_RCVTIMEO to ms unless the one set is close enough:
 * exactly ms for a lazy wait, otherwise at most ms and at least 1/64 less
 * (it ends the wait early, poll() does the rest), so a run of calls with
 * one timeout sets it once.
 */
static int set_receive_timeout(struct amp_netlink *nl, unsigned int ms, bool exact)
{
	unsigned int set = nl->rcv_timeout_ms;
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

	if (exact ? set == ms : set <= ms && set >= ms - ms / 64 && set != 0)
		return 0;
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	nl->rcv_timeout_ms = ms;
	return 0;
}

/*
 * Waits up to left ms with poll() and receives what is there: the count,
 * 0 when poll() saw something that was gone (or a signal), -1 with errno
 * (ETIMEDOUT when nothing came, EAGAIN when left is 0 and nothing is there).
 */
static int poll_then_receive(struct amp_netlink *nl, struct mmsghdr *m, struct iovec *v, int left)
{
	if (left > 0) {
		struct pollfd p = {.fd = mnl_socket_get_fd(nl->sock), .events = POLLIN};
		int rc = poll(&p, 1, left);

		if (rc < 0)
			return errno == EINTR ? 0 : -1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	int n = receive_batch(nl, m, v, MSG_DONTWAIT);

	return n < 0 && errno == EAGAIN && left > 0 ? 0 : n;
}

/*
 * Receives what came and dispatches it, waiting until deadline: 1 once
 * something came, 0 when nothing did yet (a signal, or the socket's timeout
 * ended short of the deadline), -1 with ETIMEDOUT, or the socket's error.
 * A wait is one system call when the reply comes before the deadline is
 * near, a blocking recvmmsg() that also takes what is queued behind the
 * first message (a ring's worth from the firmware); the deadline's last
 * stretch is poll()'s. While messages keep coming, one receive that does
 * not wait comes first: in a stream they are usually there, and it needs
 * no clock.
 */
static int receive_once(struct amp_netlink *nl, struct nl_event *ev, int64_t deadline)
{
	struct mmsghdr m[RECV_BATCH];
	struct iovec v[RECV_BATCH];
	unsigned int timeout = 0;
	int left = 0, n;

	if (nl->look_first) {
		n = receive_batch(nl, m, v, MSG_DONTWAIT);
		/* deadline 0: one receive and no more (an ack that is queued already) */
		if (n >= 0 || errno != EAGAIN || deadline == 0)
			goto received;
	}
	if (deadline != 0)
		left = amp_wait_ms(deadline);
	if (left > 0)
		timeout = receive_timeout_for(left, deadline < 0);
	if (timeout > 0) {
		if (set_receive_timeout(nl, timeout, deadline < 0) < 0)
			return -1;
		n = receive_batch(nl, m, v, MSG_WAITFORONE);
		if (n < 0 && errno == EAGAIN && timeout < (unsigned int)left) {
			nl->look_first = false;
			return 0; /* ended short of the deadline: poll() has the rest */
		}
	} else {
		n = poll_then_receive(nl, m, v, left);
	}
received:
	nl->look_first = n > 0;
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			errno = ETIMEDOUT;
		return -1;
	}
	return n == 0 ? 0 : dispatch_batch(nl, ev, m, v, n);
}

/* Where a walk through an iovec stands. */
struct iov_cursor {
	const struct iovec *iov;
	int iovcnt;
	int i;
	size_t off;
};

static void cursor_init(struct iov_cursor *c, const struct iovec *iov, int iovcnt, size_t skip)
{
	*c = (struct iov_cursor){iov, iovcnt, 0, 0};
	while (c->i < iovcnt && skip >= iov[c->i].iov_len - c->off) {
		skip -= iov[c->i].iov_len - c->off;
		c->i++;
		c->off = 0;
	}
	c->off += skip;
}

/* Moves the next len bytes into v (at most max entries): the entries used. */
static int cursor_take(struct iov_cursor *c, size_t len, struct iovec *v, int max)
{
	int n = 0;

	while (len > 0 && c->i < c->iovcnt && n < max) {
		size_t avail = c->iov[c->i].iov_len - c->off;
		size_t take = avail < len ? avail : len;

		if (take) {
			v[n].iov_base = (uint8_t *)c->iov[c->i].iov_base + c->off;
			v[n++].iov_len = take;
		}
		c->off += take;
		len -= take;
		if (c->off == c->iov[c->i].iov_len) {
			c->i++;
			c->off = 0;
		}
	}
	return n;
}

/* One SEND's headers in h, for len data bytes to follow; its sequence number. */
static uint32_t put_send_header(struct amp_netlink *nl, uint8_t *h, size_t len, bool ack,
				bool resume)
{
	struct nlmsghdr *n = (struct nlmsghdr *)h;
	struct genlmsghdr *g;
	struct nlattr *a;

	memset(n, 0, sizeof(*n));
	n->nlmsg_len = (uint32_t)mnl_nlmsg_size(0);
	n->nlmsg_type = nl->family;
	n->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | (ack ? NLM_F_ACK : 0));
	n->nlmsg_seq = ++nl->seq ? nl->seq : ++nl->seq; /* 0 means "none" here */
	g = mnl_nlmsg_put_extra_header(n, sizeof(*g));
	g->cmd = RPMSG_NETLINK_CMD_SEND;
	g->version = RPMSG_NETLINK_FAMILY_VERSION;
	mnl_attr_put_u32(n, RPMSG_NETLINK_A_CHANNEL, nl->channel);
	if (resume)
		mnl_attr_put_u32(n, RPMSG_NETLINK_A_FLAGS, RPMSG_NETLINK_F_RESUME);
	/* the DATA attribute's header; its payload follows in the iovec */
	a = mnl_nlmsg_get_payload_tail(n);
	a->nla_type = RPMSG_NETLINK_A_DATA;
	a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + len);
	n->nlmsg_len += MNL_ATTR_HDRLEN;
	return n->nlmsg_seq;
}

/*
 * Sends the len bytes of iov from skip on as SENDs of up to
 * nl->send_max bytes, SEND_BATCH per sendmmsg, each from the caller's
 * bytes where they are (no copy); the first says RESUME if resume (only
 * when every earlier refusal is known), the last asks for an ack if ack.
 * Their sequence numbers in [*lo, *hi]. 0, or -1 with errno.
 */
static int send_range(struct amp_netlink *nl, const struct iovec *iov, int iovcnt, size_t skip,
		      size_t len, bool ack, bool resume, uint32_t *lo, uint32_t *hi)
{
	static const uint8_t pad[MNL_ALIGNTO];
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	struct mmsghdr m[SEND_BATCH];
	struct iovec v[SEND_BATCH][8];
	struct iov_cursor cur;
	bool first = true;

	cursor_init(&cur, iov, iovcnt, skip);
	while (len > 0) {
		unsigned int n = 0;

		for (; n < SEND_BATCH && len > 0; n++) {
			size_t part = len < nl->send_max ? len : nl->send_max;
			uint8_t *h = nl->send_hdrs[n];
			uint32_t seq =
				put_send_header(nl, h, part, ack && part == len, first && resume);
			struct nlmsghdr *nh = (struct nlmsghdr *)h;
			int k = 1;

			if (first)
				*lo = seq;
			*hi = seq;
			first = false;
			v[n][0] = (struct iovec){h, nh->nlmsg_len};
			k += cursor_take(&cur, part, &v[n][1], 6);
			v[n][k++] = (struct iovec){(void *)pad, MNL_ALIGN(part) - part};
			nh->nlmsg_len += (uint32_t)MNL_ALIGN(part);
			m[n] = (struct mmsghdr){.msg_hdr = {.msg_name = &to,
							    .msg_namelen = sizeof(to),
							    .msg_iov = v[n],
							    .msg_iovlen = (size_t)k}};
			len -= part;
		}
		for (unsigned int done = 0; done < n;) {
			int r = sendmmsg(mnl_socket_get_fd(nl->sock), m + done, n - done, 0);

			if (r < 0 && errno != EINTR)
				return -1;
			done += r > 0 ? (unsigned int)r : 0;
		}
		nl->look_first = false;
	}
	return 0;
}

/*
 * After a refusal: waits for TX_READY (or REFUSED_RETRY_MS, in case it was
 * lost) until deadline, taking what arrives meanwhile. 0 to try again, -1
 * with EAGAIN (deadline), ENODEV or the socket's error.
 */
static int wait_tx_ready(struct amp_netlink *nl, int64_t deadline, amp_sink_fn sink, void *ctx)
{
	struct nl_event ev = {.nl = nl, .sink = sink, .ctx = ctx};
	int64_t until = amp_clock_ms() + REFUSED_RETRY_MS;

	deadline = amp_deadline_fix(deadline); /* a refusal is no fast path */
	if (until > deadline)
		until = deadline;
	while (!ev.ready && !ev.down) {
		int rc = receive_once(nl, &ev, until);

		if (rc < 0 && errno == ETIMEDOUT)
			break;
		if (rc < 0)
			return -1;
	}
	if (ev.down) {
		errno = ENODEV;
		return -1;
	}
	if (!ev.ready && amp_ms_left(deadline) == 0) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

/*
 * Sends all total bytes of iov, waiting for the module's acceptance of
 * each SEND (one ack: the last's, since a refusal refuses all that
 * follow), and for room while it refuses, until deadline. The first SEND
 * says RESUME if resume. behind_retx: unacknowledged SENDs went before
 * these; the ack settles them too. Returns the bytes accepted (total, or
 * fewer at the deadline, or none when one of those unacknowledged SENDs
 * turned out refused: retx_error, to be mended first), -1 with EAGAIN when
 * none were by the deadline, or ENODEV or another errno.
 */
static ssize_t send_acked(struct amp_netlink *nl, const struct iovec *iov, int iovcnt, size_t total,
			  int64_t deadline, amp_sink_fn sink, void *ctx, bool resume,
			  bool behind_retx)
{
	size_t done = 0;

	while (done < total) {
		struct nl_event ev = {.nl = nl, .sink = sink, .ctx = ctx};

		if (send_range(nl, iov, iovcnt, done, total - done, true, resume, &ev.watch_lo,
			       &ev.watch_hi) != 0)
			return -1;
		ev.ack_seq = ev.watch_hi;
		/*
		 * The module handles a SEND within sendmsg, so its ack is queued
		 * already (behind what arrived meanwhile): read without waiting,
		 * whatever the caller's deadline, since what went must be known.
		 */
		while (!ev.acked && !ev.down)
			if (receive_once(nl, &ev, 0) < 0)
				return -1;
		if (!ev.acked) {
			errno = ENODEV;
			return -1;
		}
		if (behind_retx) {
			/* refused behind an earlier refusal: that one goes again first */
			if (nl->retx_error)
				return (ssize_t)done;
			/* every unacknowledged SEND before these went */
			retx_clear(nl);
			behind_retx = false;
		}
		if (!ev.failed_error) {
			done = total;
			break;
		}
		done += (size_t)(ev.failed_seq - ev.watch_lo) * nl->send_max;
		if (ev.failed_error != EAGAIN && ev.failed_error != ENOMEM) {
			errno = ev.failed_error;
			return -1;
		}
		resume = true; /* every refusal before the next SEND is known now */
		if (wait_tx_ready(nl, deadline, sink, ctx) != 0) {
			if (errno == EAGAIN && done > 0)
				return (ssize_t)done;
			return -1;
		}
	}
	return (ssize_t)done;
}

static void nl_close(struct amp_channel *ch)
{
	amp_bulk_unmap(ch);
	if (ch->nl) {
		mnl_socket_close(ch->nl->sock);
		free(ch->nl);
	}
	ch->nl = NULL;
	ch->fd = -1;
}

/*
 * Unacknowledged SENDs were refused: sends them again from the first
 * refused, now waiting for acks and room, until deadline. 0 once they all
 * went, -1 with EAGAIN (not yet: the rest stays to be sent), ENODEV or
 * another errno.
 */
/* Copies the borrowed pieces into their room in retx: the caller's bytes may go now. */
static void retx_unborrow(struct amp_netlink *nl)
{
	for (int i = 0; i < nl->borrowed_n; i++)
		memcpy(nl->retx + nl->borrowed[i].off, nl->borrowed[i].src, nl->borrowed[i].len);
	nl->borrowed_n = 0;
}

static int retx_settle(struct amp_netlink *nl, int64_t deadline, amp_sink_fn sink, void *ctx)
{
	if (!nl->retx_error)
		return 0;
	retx_unborrow(nl); /* a refusal is no fast path: resend from one buffer */
	if (nl->retx_error != EAGAIN && nl->retx_error != ENOMEM) {
		errno = nl->retx_error;
		return -1;
	}
	while (nl->retx_resend < nl->retx_len) {
		struct iovec v = {nl->retx + nl->retx_resend, nl->retx_len - nl->retx_resend};
		ssize_t n;

		if (wait_tx_ready(nl, deadline, sink, ctx) != 0)
			return -1;
		/* every SEND after the refused one was refused too: all go again */
		n = send_acked(nl, &v, 1, v.iov_len, deadline, sink, ctx, true, false);
		if (n < 0)
			return -1;
		nl->retx_resend += (size_t)n;
	}
	retx_clear(nl);
	return 0;
}

/*
 * Records the SENDs [lo, ...] that carry retx's bytes from off on, each
 * nl->send_max bytes but the last, in total.
 */
static void retx_record(struct amp_netlink *nl, uint32_t lo, size_t off, size_t total)
{
	uint32_t seq = lo;

	for (size_t at = 0; at < total; at += nl->send_max) {
		nl->retx_seq[nl->retx_n] = seq;
		nl->retx_off[nl->retx_n++] = (uint32_t)(off + at);
		seq = seq + 1 ? seq + 1 : 1; /* as put_send_header() counts */
	}
}

/*
 * A frame goes without an ack, kept in case it must go again: a small one
 * copied into retx; while the channel borrows, one of up to RETX_CAP bytes
 * whose large pieces only reserve their room (retx_unborrow()). false when
 * it does not fit: it goes acknowledged then.
 */
static bool retx_take(struct amp_netlink *nl, const struct iovec *iov, int iovcnt, size_t total,
		      bool borrow)
{
	size_t off = nl->retx_len, sends = (total + nl->send_max - 1) / nl->send_max;
	bool resume = nl->retx_n == 0;
	int borrowed_before = nl->borrowed_n;
	uint32_t lo, hi;

	if (total == 0 || (!borrow && total > nl->send_max) || total > RETX_CAP - off ||
	    sends > (size_t)(RETX_SENDS - nl->retx_n) ||
	    (borrow && iovcnt > RETX_BORROWED - nl->borrowed_n))
		return false;
	for (int i = 0; i < iovcnt; i++) {
		if (borrow && iov[i].iov_len >= BORROW_MIN)
			nl->borrowed[nl->borrowed_n++] = (struct retx_borrowed){
				nl->retx_len, iov[i].iov_base, iov[i].iov_len};
		else
			memcpy(nl->retx + nl->retx_len, iov[i].iov_base, iov[i].iov_len);
		nl->retx_len += iov[i].iov_len;
	}
	struct iovec copy = {nl->retx + off, total};
	bool all_copied = nl->borrowed_n == borrowed_before;

	if (send_range(nl, all_copied ? &copy : iov, all_copied ? 1 : iovcnt, 0, total, false,
		       resume, &lo, &hi) != 0) {
		nl->retx_len = off;
		nl->borrowed_n = borrowed_before;
		return false;
	}
	if (!all_copied)
		nl->borrowed_hi = hi;
	retx_record(nl, lo, off, total);
	return true;
}

/*
 * For the message layer: all of iov, as the module accepts it, until
 * deadline (fewer bytes when it ran out after some went). A frame of one
 * SEND goes without waiting for its ack (retx); larger ones wait for the
 * last SEND's ack, which also says that every unacknowledged one before
 * went.
 */
static ssize_t nl_write_some(struct amp_channel *ch, const struct iovec *iov, int iovcnt,
			     int64_t deadline, amp_sink_fn sink, void *ctx)
{
	struct amp_netlink *nl = ch->nl;
	size_t total = 0;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	for (;;) {
		if (retx_settle(nl, deadline, sink, ctx) != 0)
			return -1;
		if (retx_take(nl, iov, iovcnt, total, ch->borrowing))
			return (ssize_t)total;
		bool behind = nl->retx_n > 0;
		ssize_t n =
			send_acked(nl, iov, iovcnt, total, deadline, sink, ctx, !behind, behind);

		if (n != 0 || !nl->retx_error)
			return n;
		/* refused behind an unacknowledged SEND: that one first */
	}
}

/*
 * The borrowing call ends. delivered: the remote's reply proved that its
 * last borrowed SEND arrived, and with it every SEND before (a refusal
 * refuses all that follow): nothing of them can have to go again. Else
 * the borrowed bytes are copied while they are still there.
 */
static void nl_borrow_end(struct amp_channel *ch, bool delivered)
{
	struct amp_netlink *nl = ch->nl;

	ch->borrowing = false;
	if (nl->borrowed_n == 0)
		return;
	if (delivered && !nl->retx_error && nl->retx_n > 0 &&
	    nl->retx_seq[nl->retx_n - 1] == nl->borrowed_hi)
		retx_clear(nl);
	else
		retx_unborrow(nl);
}

static int nl_input(struct amp_channel *ch, int64_t deadline, amp_sink_fn sink, void *ctx)
{
	struct amp_netlink *nl = ch->nl;
	struct nl_event ev = {.nl = nl, .sink = sink, .ctx = ctx};
	int got = 0;

	/*
	 * One message (one recv): the caller comes back for more, and a recv
	 * that finds the queue empty would be a system call for nothing.
	 */
	while (!got && !ev.down) {
		got = receive_once(nl, &ev, deadline);
		if (got < 0)
			return -1;
	}
	/* a refused SEND goes again as soon as it can; not yet is no failure */
	if (!ev.down && nl->retx_error && retx_settle(nl, deadline, sink, ctx) != 0 &&
	    errno != EAGAIN)
		return -1;
	if (ev.down) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

/*
 * Each RECV costs about 1.3 KB of receive buffer (the truesize of a
 * ~550-byte Generic Netlink message); 2 KB each leaves room for acks and
 * control frames. Asks for 4 MiB (SO_RCVBUFFORCE needs CAP_NET_ADMIN) and
 * takes what the kernel really gave.
 */
static uint32_t nl_rx_window(struct amp_channel *ch)
{
	int fd = mnl_socket_get_fd(ch->nl->sock), want = RCVBUF_BYTES, got = 0;
	socklen_t len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) != 0 || got < 4096)
		return 1;
	return (uint32_t)got / 2048u;
}

static const struct amp_transport_ops nl_ops = {
	.close = nl_close,
	.write_some = nl_write_some,
	.input = nl_input,
	.borrow_end = nl_borrow_end,
	.rx_window = nl_rx_window,
};

static int nl_setup(struct amp_channel *ch, const char *channel)
{
	struct amp_netlink *nl = ch->nl;
	int rcvbuf = RCVBUF_BYTES, one = 1;

	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Acks must never be dropped for lack of room: that would look like a lost frame. */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	/* an error for a refused SEND need not carry its 64 KiB back */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (resolve_family(nl) != 0 || pick_channel(nl, channel) != 0)
		return -1;
	snprintf(ch->device, sizeof(ch->device), "netlink:%u", nl->channel);
	ch->fd = mnl_socket_get_fd(nl->sock);
	return 0;
}

int amp_netlink_open(struct amp_channel *ch, const char *channel)
{
	ch->nl = calloc(1, sizeof(*ch->nl));
	if (!ch->nl)
		return -1;
	ch->nl->ch = ch;
	ch->ops = &nl_ops;
	ch->max_write = RPMSG_NETLINK_MAX_DATA;
	if (nl_setup(ch, channel) != 0) {
		int saved = errno;

		if (ch->nl->sock)
			mnl_socket_close(ch->nl->sock);
		free(ch->nl);
		ch->nl = NULL;
		errno = saved;
		return -1;
	}
	return 0;
}

/* --- bulk transfers --------------------------------------------------------- */

/* A bulk request in nl->bulk_req (nl->buf may hold what is being dispatched). */
static struct nlmsghdr *bulk_request(struct amp_netlink *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *n = mnl_nlmsg_put_header(nl->bulk_req);
	struct genlmsghdr *g;

	n->nlmsg_type = nl->family;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = ++nl->seq ? nl->seq : ++nl->seq;
	g = mnl_nlmsg_put_extra_header(n, sizeof(*g));
	g->cmd = cmd;
	g->version = RPMSG_NETLINK_FAMILY_VERSION;
	mnl_attr_put_u32(n, RPMSG_NETLINK_A_CHANNEL, nl->channel);
	return n;
}

int amp_netlink_bulk_map(struct amp_channel *ch)
{
	struct amp_netlink *nl = ch->nl;
	uint64_t size = (uint64_t)nl->bulk_slot_size * nl->bulk_slot_count;
	struct amp_bulk_map *m;
	char path[32];
	void *base;
	int fd;

	if (!nl->bulk_seen || !nl->bulk_ready) {
		errno = nl->bulk_seen ? ECONNRESET : EOPNOTSUPP;
		return -1;
	}
	if (size == 0 || size > SIZE_MAX) {
		errno = EPROTO; /* a geometry no pool has */
		return -1;
	}
	snprintf(path, sizeof(path), "/dev/amplink-pool%u", nl->bulk_pool);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	base = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return -1;
	m = malloc(sizeof(*m));
	if (!m) {
		munmap(base, (size_t)size);
		return -1;
	}
	*m = (struct amp_bulk_map){base, (size_t)size, nl->bulk_slot_size, nl->bulk_slot_count};
	ch->bulk = m;
	return 0;
}

int amp_netlink_bulk_map_wait(struct amp_channel *ch, int64_t deadline)
{
	const struct timespec pause = {0, 10 * 1000 * 1000};
	char id[16];

	for (;;) {
		if (amp_netlink_bulk_map(ch) == 0)
			return 0;
		if (errno != ECONNRESET || amp_clock_ms() >= deadline)
			return -1;
		/* the module says nothing when the firmware takes the pool: look again */
		nanosleep(&pause, NULL);
		snprintf(id, sizeof(id), "%u", ch->nl->channel);
		if (pick_channel(ch->nl, id) != 0)
			return -1;
	}
}

void amp_bulk_unmap(struct amp_channel *ch)
{
	if (!ch->bulk)
		return;
	munmap(ch->bulk->base, ch->bulk->size);
	free(ch->bulk);
	ch->bulk = NULL;
}

/*
 * Sends the request and takes what is queued until its answer: the module
 * handles a request within sendmsg, so the answer is there already. 0 once
 * ev says acked or replied, -1 with errno (ENODEV: the channel went).
 */
static int bulk_exchange(struct amp_netlink *nl, struct nlmsghdr *n, struct nl_event *ev)
{
	ev->ack_seq = n->nlmsg_seq;
	if (mnl_socket_sendto(nl->sock, n, n->nlmsg_len) < 0)
		return -1;
	while (!ev->acked && !ev->replied && !ev->down)
		if (receive_once(nl, ev, 0) < 0)
			return -1;
	if (ev->down) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

/*
 * Waits until BULK_READY (or, in case it was lost, REFUSED_RETRY_MS), taking
 * what arrives: 0 to try again, -1 with ETIMEDOUT at the deadline or ENODEV.
 */
static int wait_bulk_ready(struct amp_netlink *nl, int64_t deadline, amp_sink_fn sink, void *ctx)
{
	struct nl_event ev = {.nl = nl, .sink = sink, .ctx = ctx};
	int64_t until;

	deadline = amp_deadline_fix(deadline); /* waiting for slots is no fast path */
	if (amp_ms_left(deadline) == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	until = amp_clock_ms() + REFUSED_RETRY_MS;
	if (until > deadline)
		until = deadline;
	while (!ev.bulk_ready && !ev.down) {
		if (receive_once(nl, &ev, until) < 0) {
			if (errno != ETIMEDOUT)
				return -1;
			break;
		}
	}
	if (ev.down) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

int amp_netlink_bulk_acquire(struct amp_channel *ch, uint32_t want, uint32_t *slots,
			     int64_t deadline, amp_sink_fn sink, void *ctx)
{
	struct amp_netlink *nl = ch->nl;

	if (want == 0 || want > AMP_BULK_DESC_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		struct nl_event ev = {
			.nl = nl, .sink = sink, .ctx = ctx, .slots = slots, .want = want};
		struct nlmsghdr *n = bulk_request(nl, RPMSG_NETLINK_CMD_BULK_ACQUIRE, 0);

		mnl_attr_put_u32(n, RPMSG_NETLINK_A_COUNT, want);
		if (bulk_exchange(nl, n, &ev) != 0)
			return -1;
		if (ev.replied && ev.nslots > 0)
			return ev.nslots;
		if (ev.replied) {
			errno = EPROTO;
			return -1;
		}
		if (ev.ack_error != EAGAIN) {
			errno = ev.ack_error ? ev.ack_error : EPROTO;
			return -1;
		}
		if (!ev.bulk_ready && wait_bulk_ready(nl, deadline, sink, ctx) != 0)
			return -1;
	}
}

int amp_netlink_bulk_submit(struct amp_channel *ch, const struct amp_bulk_range *ranges,
			    uint32_t count, uint32_t conn_id, uint32_t seq, bool more,
			    const uint32_t *crc, int64_t deadline, amp_sink_fn sink, void *ctx)
{
	struct amp_netlink *nl = ch->nl;
	bool resume = false;

	for (;;) {
		struct nl_event ev = {.nl = nl, .sink = sink, .ctx = ctx};
		struct nlmsghdr *n;
		uint32_t flags = (more ? RPMSG_NETLINK_BULK_F_MORE : 0) |
				 (crc ? RPMSG_NETLINK_BULK_F_CRC : 0) |
				 (resume ? RPMSG_NETLINK_F_RESUME : 0);

		/* frames refused before it go again first: nothing overtakes them */
		if (nl->retx_error && retx_settle(nl, deadline, sink, ctx) != 0)
			return -1;
		n = bulk_request(nl, RPMSG_NETLINK_CMD_BULK_SUBMIT, NLM_F_ACK);
		mnl_attr_put(n, RPMSG_NETLINK_A_DESCS, count * sizeof(*ranges), ranges);
		mnl_attr_put_u32(n, RPMSG_NETLINK_A_CONN_ID, conn_id);
		mnl_attr_put_u32(n, RPMSG_NETLINK_A_SEQ, seq);
		mnl_attr_put_u32(n, RPMSG_NETLINK_A_FLAGS, flags);
		if (crc)
			mnl_attr_put_u32(n, RPMSG_NETLINK_A_CRC, *crc);
		if (bulk_exchange(nl, n, &ev) != 0)
			return -1;
		if (!ev.ack_error) {
			/* a refusal refuses all that follow: every SEND before it went */
			if (!nl->retx_error)
				retx_clear(nl);
			return 0;
		}
		if (ev.ack_error != EAGAIN && ev.ack_error != ENOMEM) {
			errno = ev.ack_error;
			return -1;
		}
		if (nl->retx_error)
			continue; /* refused behind a refused SEND: that goes first */
		retx_clear(nl);
		resume = true;
		if (wait_tx_ready(nl, deadline, sink, ctx) != 0)
			return -1;
	}
}

void amp_netlink_bulk_release(struct amp_channel *ch, const uint32_t *slots, uint32_t count)
{
	struct amp_netlink *nl = ch->nl;
	struct nlmsghdr *n;

	if (count == 0)
		return;
	n = bulk_request(nl, RPMSG_NETLINK_CMD_BULK_RELEASE, 0);
	mnl_attr_put(n, RPMSG_NETLINK_A_SLOTS, count * sizeof(*slots), slots);
	/* an error would come back as NLMSG_ERROR, ignored: the module knows its slots */
	(void)mnl_socket_sendto(nl->sock, n, n->nlmsg_len);
}

struct list_ctx {
	void (*cb)(const struct amp_netlink_channel *c, void *ctx);
	void *ctx;
};

static int stat_attrs(const struct nlattr *attr, void *data)
{
	struct amp_netlink_channel *c = data;
	uint64_t v = mnl_attr_validate(attr, MNL_TYPE_U64) == 0 ? mnl_attr_get_u64(attr) : 0;

	switch (mnl_attr_get_type(attr)) {
	case RPMSG_NETLINK_STAT_TX_BYTES:
		c->tx_bytes = v;
		break;
	case RPMSG_NETLINK_STAT_TX_MSGS:
		c->tx_msgs = v;
		break;
	case RPMSG_NETLINK_STAT_RX_BYTES:
		c->rx_bytes = v;
		break;
	case RPMSG_NETLINK_STAT_RX_MSGS:
		c->rx_msgs = v;
		break;
	case RPMSG_NETLINK_STAT_TX_ERRORS:
		c->tx_errors = v;
		break;
	case RPMSG_NETLINK_STAT_RX_DROPS:
		c->rx_drops = v;
		break;
	case RPMSG_NETLINK_STAT_TX_REFUSED:
		c->tx_refused = v;
		break;
	case RPMSG_NETLINK_STAT_CLIENTS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			c->clients = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

/* RPMSG_NETLINK_A_BULK's attributes into struct amp_netlink_pool. */
static int pool_attrs(const struct nlattr *attr, void *data)
{
	struct amp_netlink_pool *p = data;
	int type = mnl_attr_get_type(attr);
	uint64_t *const wide[RPMSG_NETLINK_BULK_MAX + 1] = {
		[RPMSG_NETLINK_BULK_ACCEPTED] = &p->accepted,
		[RPMSG_NETLINK_BULK_STALE] = &p->stale,
		[RPMSG_NETLINK_BULK_BAD_SLOT] = &p->bad_slot,
		[RPMSG_NETLINK_BULK_BAD_RANGE] = &p->bad_range,
		[RPMSG_NETLINK_BULK_NOT_OWNER] = &p->not_owner,
		[RPMSG_NETLINK_BULK_DUPLICATE] = &p->duplicate,
		[RPMSG_NETLINK_BULK_WRONG_TYPE] = &p->wrong_type,
		[RPMSG_NETLINK_BULK_BAD_MSGS] = &p->bad_msgs,
		[RPMSG_NETLINK_BULK_TX_MSGS] = &p->tx_msgs,
		[RPMSG_NETLINK_BULK_RX_MSGS] = &p->rx_msgs,
		[RPMSG_NETLINK_BULK_RECLAIMED] = &p->reclaimed,
		[RPMSG_NETLINK_BULK_DROPPED] = &p->dropped,
	};
	uint32_t *const narrow[RPMSG_NETLINK_BULK_MAX + 1] = {
		[RPMSG_NETLINK_BULK_POOL] = &p->id,
		[RPMSG_NETLINK_BULK_GENERATION] = &p->generation,
		[RPMSG_NETLINK_BULK_SLOT_SIZE] = &p->slot_size,
		[RPMSG_NETLINK_BULK_SLOT_COUNT] = &p->slot_count,
		[RPMSG_NETLINK_BULK_SHARE] = &p->share,
		[RPMSG_NETLINK_BULK_FREE] = &p->free,
		[RPMSG_NETLINK_BULK_CLIENTS] = &p->clients,
		[RPMSG_NETLINK_BULK_LENT] = &p->lent,
	};

	if (type <= 0 || type > RPMSG_NETLINK_BULK_MAX)
		return MNL_CB_OK;
	if (wide[type] && mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
		*wide[type] = mnl_attr_get_u64(attr);
	else if (narrow[type] && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*narrow[type] = mnl_attr_get_u32(attr);
	else if (type == RPMSG_NETLINK_BULK_READY && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		p->ready = mnl_attr_get_u32(attr) != 0;
	return MNL_CB_OK;
}

static int list_cb(const struct nlmsghdr *n, void *data)
{
	const struct nlattr *tb[RPMSG_NETLINK_A_MAX + 1] = {0};
	struct amp_netlink_channel c = {0};
	struct list_ctx *lc = data;

	mnl_attr_parse(n, sizeof(struct genlmsghdr), channel_attrs, tb);
	c.id = u32_or_zero(tb[RPMSG_NETLINK_A_CHANNEL]);
	c.src = u32_or_zero(tb[RPMSG_NETLINK_A_SRC]);
	c.dst = u32_or_zero(tb[RPMSG_NETLINK_A_DST]);
	c.mtu = u32_or_zero(tb[RPMSG_NETLINK_A_MTU]);
	if (tb[RPMSG_NETLINK_A_NAME] &&
	    mnl_attr_validate(tb[RPMSG_NETLINK_A_NAME], MNL_TYPE_STRING) == 0)
		snprintf(c.name, sizeof(c.name), "%s", mnl_attr_get_str(tb[RPMSG_NETLINK_A_NAME]));
	if (tb[RPMSG_NETLINK_A_STATS])
		mnl_attr_parse_nested(tb[RPMSG_NETLINK_A_STATS], stat_attrs, &c);
	if (tb[RPMSG_NETLINK_A_BULK] &&
	    mnl_attr_validate(tb[RPMSG_NETLINK_A_BULK], MNL_TYPE_NESTED) == 0) {
		c.pool.present = true;
		mnl_attr_parse_nested(tb[RPMSG_NETLINK_A_BULK], pool_attrs, &c.pool);
	}
	lc->cb(&c, lc->ctx);
	return MNL_CB_OK;
}

int amp_netlink_channels(void (*cb)(const struct amp_netlink_channel *c, void *ctx), void *ctx)
{
	struct amp_netlink *nl = calloc(1, sizeof(*nl));
	struct list_ctx lc = {cb, ctx};
	int rc = -1;

	if (!nl)
		return -1;
	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (nl->sock && mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) == 0) {
		nl->portid = mnl_socket_get_portid(nl->sock);
		if (resolve_family(nl) == 0)
			rc = request(nl,
				     start_request(nl, nl->family, RPMSG_NETLINK_CMD_GET_CHANNEL,
						   NLM_F_DUMP),
				     list_cb, &lc);
	}
	int saved = errno;

	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
	errno = saved;
	return rc;
}
