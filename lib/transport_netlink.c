/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The netlink transport: the rpmsg_netlink module's Generic Netlink family
 * (include/uapi/linux/rpmsg_netlink.h), through libmnl.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rpmsg_netlink.h>

#include "rpmsg_dev.h"
#include "transport.h"

#define PENDING_CAP (64 * 1024)
#define RCVBUF_BYTES (4 * 1024 * 1024)

struct amp_netlink {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t portid;
	uint32_t seq;
	uint32_t channel;
	uint8_t pending[PENDING_CAP]; /* RECV payloads not yet read */
	size_t pending_len;
	/* Holds the largest SEND: RPMSG_NETLINK_MAX_DATA plus headers and attributes. */
	char buf[RPMSG_NETLINK_MAX_DATA + 1024];
};

/* Outcome of one received netlink message, for the loops below. */
struct nl_event {
	struct amp_netlink *nl;
	uint32_t ack_seq; /* the request whose ack we wait for, or 0 */
	int acked;	  /* 1 once that ack came */
	int ack_error;	  /* its errno, 0 on success */
	int down;	  /* the channel went away */
	amp_sink_fn sink; /* if set, where RECV payloads go (in place) instead of pending */
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
	const char *want; /* id or name, NULL for the first */
	uint32_t id;
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
	}
	return MNL_CB_OK;
}

static int pick_channel(struct amp_netlink *nl, const char *want)
{
	struct channel_pick pick = {.want = want};
	struct nlmsghdr *n =
		start_request(nl, nl->family, RPMSG_NETLINK_CMD_GET_CHANNEL, NLM_F_DUMP);

	if (request(nl, n, channel_cb, &pick) != 0)
		return -1;
	if (!pick.found) {
		errno = ENODEV;
		return -1;
	}
	nl->channel = pick.id;
	return 0;
}

static void stash(struct amp_netlink *nl, const struct nlattr *data)
{
	size_t len = mnl_attr_get_payload_len(data);

	/* Replies are small and read promptly; overflow would mean a runaway peer. */
	if (len > PENDING_CAP - nl->pending_len)
		len = PENDING_CAP - nl->pending_len;
	memcpy(nl->pending + nl->pending_len, mnl_attr_get_payload(data), len);
	nl->pending_len += len;
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
	else if (g->cmd == RPMSG_NETLINK_CMD_RECV && tb[RPMSG_NETLINK_A_DATA])
		stash(ev->nl, tb[RPMSG_NETLINK_A_DATA]);
	else if (g->cmd == RPMSG_NETLINK_CMD_CHANNEL_DOWN)
		ev->down = 1;
	return MNL_CB_OK;
}

static int error_cb(const struct nlmsghdr *n, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(n);
	struct nl_event *ev = data;

	if (n->nlmsg_len >= mnl_nlmsg_size(sizeof(*err)) && n->nlmsg_seq == ev->ack_seq) {
		ev->acked = 1;
		ev->ack_error = amp_user_errno(-err->error);
	}
	return MNL_CB_OK;
}

/* Receives and dispatches what is queued on the socket, waiting until deadline. */
static int receive_once(struct amp_netlink *nl, struct nl_event *ev, int64_t deadline)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = error_cb};
	int fd = mnl_socket_get_fd(nl->sock);
	int rc = amp_wait_fd(fd, POLLIN, deadline);
	ssize_t len;

	if (rc <= 0) {
		if (rc == 0)
			errno = ETIMEDOUT;
		return -1;
	}
	len = recv(fd, nl->buf, sizeof(nl->buf), MSG_DONTWAIT);
	if (len < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	rc = mnl_cb_run2(nl->buf, (size_t)len, 0, nl->portid, event_cb, ev, ctl, NLMSG_MIN_TYPE);
	return rc < 0 && errno != ESRCH ? -1 : 0;
}

static int send_chunk(struct amp_channel *ch, const uint8_t *data, size_t len, int64_t deadline)
{
	struct amp_netlink *nl = ch->nl;
	struct nlmsghdr *n = start_request(nl, nl->family, RPMSG_NETLINK_CMD_SEND, NLM_F_ACK);
	struct nl_event ev = {.nl = nl, .ack_seq = n->nlmsg_seq};
	uint32_t wait_ms = (uint32_t)amp_ms_left(deadline);

	mnl_attr_put_u32(n, RPMSG_NETLINK_A_CHANNEL, nl->channel);
	mnl_attr_put(n, RPMSG_NETLINK_A_DATA, len, data);
	if (wait_ms > RPMSG_NETLINK_MAX_TIMEOUT_MS)
		wait_ms = RPMSG_NETLINK_MAX_TIMEOUT_MS;
	mnl_attr_put_u32(n, RPMSG_NETLINK_A_TIMEOUT_MS, wait_ms ? wait_ms : 1);
	if (mnl_socket_sendto(nl->sock, n, n->nlmsg_len) < 0)
		return -1;
	while (!ev.acked && !ev.down)
		if (receive_once(nl, &ev, deadline) != 0)
			return -1;
	if (ev.down && !ev.acked) {
		errno = ENODEV;
		return -1;
	}
	if (ev.ack_error) {
		errno = ev.ack_error;
		return -1;
	}
	return 0;
}

static int nl_write(struct amp_channel *ch, const uint8_t *data, size_t len, int64_t deadline,
		    struct amp_transfer *t)
{
	while (len > 0) {
		size_t n = len < RPMSG_NETLINK_MAX_DATA ? len : RPMSG_NETLINK_MAX_DATA;

		if (send_chunk(ch, data, n, deadline) != 0)
			return -1;
		t->writes++;
		data += n;
		len -= n;
	}
	return 0;
}

static ssize_t nl_read(struct amp_channel *ch, uint8_t *buf, size_t cap, int64_t deadline)
{
	struct amp_netlink *nl = ch->nl;
	struct nl_event ev = {.nl = nl};

	while (nl->pending_len == 0) {
		if (ev.down) {
			errno = ENODEV;
			return -1;
		}
		if (receive_once(nl, &ev, deadline) != 0)
			return -1;
	}
	size_t n = nl->pending_len < cap ? nl->pending_len : cap;

	memcpy(buf, nl->pending, n);
	memmove(nl->pending, nl->pending + n, nl->pending_len - n);
	nl->pending_len -= n;
	return (ssize_t)n;
}

static void nl_close(struct amp_channel *ch)
{
	if (ch->nl) {
		mnl_socket_close(ch->nl->sock);
		free(ch->nl);
	}
	ch->nl = NULL;
	ch->fd = -1;
}

/*
 * One SEND of the first max bytes of iov, in one sendmsg: the headers from
 * nl->buf, the caller's bytes where they are, the padding. Returns the
 * bytes it carried, 0 when the module's ack is an error (in *ack_error), or
 * -1 with errno (the channel went away, the socket failed).
 */
static ssize_t nl_send_iov(struct amp_netlink *nl, const struct iovec *iov, int iovcnt, size_t max,
			   uint32_t wait_ms, amp_sink_fn sink, void *ctx, int *ack_error)
{
	static const uint8_t pad[MNL_ALIGNTO];
	struct iovec v[10];
	size_t len = 0;
	int n = 1;

	for (int i = 0; i < iovcnt && n < 9 && len < max; i++) {
		size_t take = iov[i].iov_len;

		if (take == 0)
			continue;
		if (take > max - len)
			take = max - len;
		v[n].iov_base = iov[i].iov_base;
		v[n++].iov_len = take;
		len += take;
	}
	if (len == 0)
		return 0;
	struct nlmsghdr *h = start_request(nl, nl->family, RPMSG_NETLINK_CMD_SEND, NLM_F_ACK);
	struct nl_event ev = {.nl = nl, .ack_seq = h->nlmsg_seq, .sink = sink, .ctx = ctx};
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	struct msghdr msg = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = v};

	mnl_attr_put_u32(h, RPMSG_NETLINK_A_CHANNEL, nl->channel);
	mnl_attr_put_u32(h, RPMSG_NETLINK_A_TIMEOUT_MS, wait_ms ? wait_ms : 1);
	/* The DATA attribute's header; its payload follows in the iovec. */
	struct nlattr *a = mnl_nlmsg_get_payload_tail(h);

	a->nla_type = RPMSG_NETLINK_A_DATA;
	a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + len);
	h->nlmsg_len += MNL_ATTR_HDRLEN;
	v[0].iov_base = h;
	v[0].iov_len = h->nlmsg_len;
	v[n].iov_base = (void *)pad;
	v[n].iov_len = MNL_ALIGN(len) - len;
	msg.msg_iovlen = (size_t)n + (v[n].iov_len ? 1 : 0);
	h->nlmsg_len += (uint32_t)MNL_ALIGN(len);
	if (sendmsg(mnl_socket_get_fd(nl->sock), &msg, 0) < 0)
		return -1;
	/*
	 * The module handles a SEND within sendmsg, so its ack is already
	 * queued (behind what arrived meanwhile): wait for it whatever the
	 * caller's deadline, since what went must be known.
	 */
	int64_t ack_deadline = amp_clock_ms() + 1000;

	while (!ev.acked && !ev.down)
		if (receive_once(nl, &ev, ack_deadline) != 0)
			return -1;
	if (ev.down && !ev.acked) {
		errno = ENODEV;
		return -1;
	}
	*ack_error = ev.ack_error;
	return ev.ack_error ? 0 : (ssize_t)len;
}

/* Longest the module may wait for transmit buffers in the middle of a SEND. */
#define MID_SEND_WAIT_MS 15000

/*
 * The module cuts a SEND into rpmsg messages and, when its wait for a
 * transmit buffer times out, fails it without saying how many went. So the
 * first message's worth goes alone, bounded by the caller's deadline and
 * retried until it (nothing went if it failed), and the rest of up to
 * RPMSG_NETLINK_MAX_DATA bytes follows in one SEND that may wait up to
 * MID_SEND_WAIT_MS: the receiver granted room for it, so a failure there
 * means it stopped draining, and the stream is broken (ETIMEDOUT, fatal).
 */
static ssize_t nl_write_some(struct amp_channel *ch, const struct iovec *iov, int iovcnt,
			     int64_t deadline, amp_sink_fn sink, void *ctx)
{
	struct amp_netlink *nl = ch->nl;
	int ack_error = 0;
	ssize_t first;

	for (;;) {
		uint32_t wait_ms = (uint32_t)amp_ms_left(deadline);

		if (wait_ms > RPMSG_NETLINK_MAX_TIMEOUT_MS)
			wait_ms = RPMSG_NETLINK_MAX_TIMEOUT_MS;
		first = nl_send_iov(nl, iov, iovcnt, AMP_RPMSG_MTU, wait_ms, sink, ctx, &ack_error);
		if (first != 0 || !ack_error)
			break;
		/* No transmit buffer freed in time: nothing went; try again until deadline. */
		if (ack_error != ETIMEDOUT && ack_error != EAGAIN) {
			errno = ack_error;
			return -1;
		}
		if (amp_ms_left(deadline) == 0) {
			errno = EAGAIN;
			return -1;
		}
	}
	if (first <= 0)
		return first;
	/* The rest, after the first bytes. */
	struct iovec rest[8];
	size_t skip = (size_t)first;
	int n = 0;

	for (int i = 0; i < iovcnt && n < 8; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		rest[n].iov_base = (uint8_t *)iov[i].iov_base + skip;
		rest[n++].iov_len = iov[i].iov_len - skip;
		skip = 0;
	}
	uint32_t wait_ms = (uint32_t)amp_ms_left(deadline);

	/* at least MID_SEND_WAIT_MS, at most what the module accepts */
	if (wait_ms < MID_SEND_WAIT_MS)
		wait_ms = MID_SEND_WAIT_MS;
	if (wait_ms > RPMSG_NETLINK_MAX_TIMEOUT_MS)
		wait_ms = RPMSG_NETLINK_MAX_TIMEOUT_MS;
	ssize_t more = nl_send_iov(nl, rest, n, RPMSG_NETLINK_MAX_DATA - AMP_RPMSG_MTU, wait_ms,
				   sink, ctx, &ack_error);

	if (more < 0)
		return -1;
	if (ack_error) {
		errno = ack_error;
		return -1;
	}
	return first + more;
}

static int nl_input(struct amp_channel *ch, int64_t deadline, amp_sink_fn sink, void *ctx)
{
	struct amp_netlink *nl = ch->nl;
	struct nl_event ev = {.nl = nl, .sink = sink, .ctx = ctx};

	/* The first wait until deadline, then what is queued now. */
	for (int i = 0; i < 64 && !ev.down; i++) {
		if (i > 0 && amp_wait_fd(mnl_socket_get_fd(nl->sock), POLLIN, 0) != 1)
			break;
		if (receive_once(nl, &ev, i == 0 ? deadline : 0) != 0)
			return -1;
	}
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

static const struct amp_transport_ops nl_ops = {nl_write,      nl_read,	 nl_close,
						nl_write_some, nl_input, nl_rx_window};

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
	case RPMSG_NETLINK_STAT_CLIENTS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			c->clients = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static uint32_t u32_or_zero(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U32) == 0 ? mnl_attr_get_u32(a) : 0;
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
