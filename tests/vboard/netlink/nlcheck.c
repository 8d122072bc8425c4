/* SPDX-License-Identifier: BSD-3-Clause */
/* The netlink-check helpers: a libmnl client of the family, checks and results. */
#include <amplink/frame.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rpmsg_netlink.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nlcheck.h"

struct attrs {
	const struct nlattr *tb[RPMSG_NETLINK_A_MAX + 1];
};

const char *channel_name = RPMSG_NETLINK_SERVICE;
const char *run_dir = "/run/vboard";
int failures;

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL  ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
}

void ok(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("ok    ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

void check(bool cond, const char *what)
{
	if (cond)
		ok("%s", what);
	else
		fail("%s", what);
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- one netlink socket ---- */

int nl_open(struct nl *nl, bool big_rcvbuf)
{
	return nl_open_port(nl, big_rcvbuf, MNL_SOCKET_AUTOPID);
}

int nl_open_port(struct nl *nl, bool big_rcvbuf, uint32_t portid)
{
	int one = 1;

	memset(nl, 0, offsetof(struct nl, buf));
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, portid) < 0) {
		int err = -errno;

		mnl_socket_close(nl->sock);
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	/* acks carry only the header, plus the kernel's error string */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (big_rcvbuf) {
		int size = SOCKET_RCVBUF;
		int fd = mnl_socket_get_fd(nl->sock);

		/* echoes of a whole SEND queue up while the sender is in the kernel */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	free(nl->rx);
	nl->rx = NULL;
	nl->rx_cap = 0;
}

struct nlmsghdr *nl_request(struct nl *nl, uint16_t type, uint16_t flags, uint8_t cmd,
			    uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

int nl_send(struct nl *nl, struct nlmsghdr *nlh)
{
	nl->ack_seq = nlh->nlmsg_seq;
	nl->acked = false;
	nl->ack_err = 0;
	nl->ack_msg[0] = '\0';
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

static void rx_append(struct nl *nl, const void *data, size_t len)
{
	if (nl->rx_len + len > nl->rx_cap) {
		size_t cap = nl->rx_cap ? nl->rx_cap : 65536;
		uint8_t *p;

		while (cap < nl->rx_len + len)
			cap *= 2;
		p = realloc(nl->rx, cap);
		if (!p) {
			nl->rx_overflow = true;
			return;
		}
		nl->rx = p;
		nl->rx_cap = cap;
	}
	memcpy(nl->rx + nl->rx_len, data, len);
	nl->rx_len += len;
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= RPMSG_NETLINK_A_MAX)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static int stat_cb(const struct nlattr *attr, void *data)
{
	struct channel_info *ci = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == RPMSG_NETLINK_STAT_CLIENTS || type == RPMSG_NETLINK_STAT_GONE_QUEUED)
		ci->stats[type] = mnl_attr_get_u32(attr);
	else if (type <= RPMSG_NETLINK_STAT_MAX && type != RPMSG_NETLINK_STAT_PAD)
		ci->stats[type] = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int pool_cb(const struct nlattr *attr, void *data)
{
	struct channel_info *ci = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > RPMSG_NETLINK_BULK_MAX || type == RPMSG_NETLINK_BULK_PAD)
		return MNL_CB_OK;
	ci->pool[type] = mnl_attr_get_payload_len(attr) == sizeof(uint64_t)
				 ? mnl_attr_get_u64(attr)
				 : mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static void parse_channel(const struct attrs *a, struct channel_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->found = true;
	if (a->tb[RPMSG_NETLINK_A_CHANNEL])
		ci->id = mnl_attr_get_u32(a->tb[RPMSG_NETLINK_A_CHANNEL]);
	if (a->tb[RPMSG_NETLINK_A_SRC])
		ci->src = mnl_attr_get_u32(a->tb[RPMSG_NETLINK_A_SRC]);
	if (a->tb[RPMSG_NETLINK_A_DST])
		ci->dst = mnl_attr_get_u32(a->tb[RPMSG_NETLINK_A_DST]);
	if (a->tb[RPMSG_NETLINK_A_MTU])
		ci->mtu = mnl_attr_get_u32(a->tb[RPMSG_NETLINK_A_MTU]);
	if (a->tb[RPMSG_NETLINK_A_NAME])
		snprintf(ci->name, sizeof(ci->name), "%s",
			 mnl_attr_get_str(a->tb[RPMSG_NETLINK_A_NAME]));
	if (a->tb[RPMSG_NETLINK_A_STATS])
		mnl_attr_parse_nested(a->tb[RPMSG_NETLINK_A_STATS], stat_cb, ci);
	if (a->tb[RPMSG_NETLINK_A_BULK]) {
		ci->has_pool = true;
		mnl_attr_parse_nested(a->tb[RPMSG_NETLINK_A_BULK], pool_cb, ci);
	}
}

/* A GET_ACCESS answer: NAME, a GID per granted group, NET_NS_INODE. */
static void parse_access(const struct nlmsghdr *nlh, struct access_info *ai)
{
	const struct nlattr *attr;

	memset(ai, 0, sizeof(*ai));
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
	{
		switch (mnl_attr_get_type(attr)) {
		case RPMSG_NETLINK_A_NAME:
			snprintf(ai->name, sizeof(ai->name), "%s", mnl_attr_get_str(attr));
			break;
		case RPMSG_NETLINK_A_GID:
			if (ai->n_gids < RPMSG_NETLINK_MAX_GRANTS)
				ai->gids[ai->n_gids++] = mnl_attr_get_u32(attr);
			break;
		case RPMSG_NETLINK_A_NET_NS_INODE:
			ai->netns_inode = mnl_attr_get_u32(attr);
			break;
		default:
			break;
		}
	}
}

static void handle_recv(struct nl *nl, const struct attrs *a)
{
	const struct nlattr *data = a->tb[RPMSG_NETLINK_A_DATA];
	uint32_t len, channel;

	if (!data || !a->tb[RPMSG_NETLINK_A_CHANNEL] || !a->tb[RPMSG_NETLINK_A_SRC]) {
		if (!nl->rx_bad)
			fail("RECV without CHANNEL, SRC or DATA");
		nl->rx_bad = true;
		return;
	}
	len = mnl_attr_get_payload_len(data);
	channel = mnl_attr_get_u32(a->tb[RPMSG_NETLINK_A_CHANNEL]);
	/* a reply from a neighbour the socket sent to: checked, not collected */
	if (nl->near_channels && channel != nl->channel && channel + 1 >= nl->channel &&
	    channel <= nl->channel + 1) {
		if ((nl->mtu && len > nl->mtu) || len == 0) {
			if (!nl->rx_bad)
				fail("RECV of %u bytes on channel %u breaks the rules", len,
				     channel);
			nl->rx_bad = true;
		}
		return;
	}
	if (channel != nl->channel ||
	    (nl->remote && mnl_attr_get_u32(a->tb[RPMSG_NETLINK_A_SRC]) != nl->remote) ||
	    (nl->mtu && len > nl->mtu) || len == 0) {
		if (!nl->rx_bad)
			fail("RECV of %u bytes from 0x%x on channel %u breaks the rules", len,
			     mnl_attr_get_u32(a->tb[RPMSG_NETLINK_A_SRC]),
			     mnl_attr_get_u32(a->tb[RPMSG_NETLINK_A_CHANNEL]));
		nl->rx_bad = true;
	}
	rx_append(nl, mnl_attr_get_payload(data), len);
}

static void handle_error(struct nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_seq != nl->ack_seq)
		return;
	nl->acked = true;
	nl->ack_err = -e->error;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		const struct nlattr *attr;
		size_t off = sizeof(*e);

		mnl_attr_for_each(attr, nlh, off)
		{
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
				snprintf(nl->ack_msg, sizeof(nl->ack_msg), "%s",
					 mnl_attr_get_str(attr));
		}
	}
}

static void handle_msg(struct nl *nl, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl;
	struct attrs a;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		handle_error(nl, nlh);
		return;
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_seq == nl->ack_seq)
			nl->acked = true;
		return;
	}
	if (nlh->nlmsg_type != nl->family)
		return;
	genl = mnl_nlmsg_get_payload(nlh);
	memset(&a, 0, sizeof(a));
	mnl_attr_parse(nlh, sizeof(*genl), attr_cb, &a);
	switch (genl->cmd) {
	case RPMSG_NETLINK_CMD_RECV:
		handle_recv(nl, &a);
		break;
	case RPMSG_NETLINK_CMD_GET_CHANNEL:
		if (nl->infos && nl->n_infos < nl->max_infos)
			parse_channel(&a, &nl->infos[nl->n_infos++]);
		break;
	case RPMSG_NETLINK_CMD_CHANNEL_DOWN:
		if (a.tb[RPMSG_NETLINK_A_CHANNEL] &&
		    mnl_attr_get_u32(a.tb[RPMSG_NETLINK_A_CHANNEL]) == nl->channel)
			nl->down = true;
		nl->down_events++;
		if (a.tb[RPMSG_NETLINK_A_NAME])
			snprintf(nl->last_down, sizeof(nl->last_down), "%s",
				 mnl_attr_get_str(a.tb[RPMSG_NETLINK_A_NAME]));
		break;
	case RPMSG_NETLINK_CMD_TX_READY:
		if (a.tb[RPMSG_NETLINK_A_CHANNEL] &&
		    mnl_attr_get_u32(a.tb[RPMSG_NETLINK_A_CHANNEL]) == nl->channel)
			nl->tx_ready++;
		break;
	case RPMSG_NETLINK_CMD_BULK_READY:
		if (a.tb[RPMSG_NETLINK_A_CHANNEL] &&
		    mnl_attr_get_u32(a.tb[RPMSG_NETLINK_A_CHANNEL]) == nl->channel)
			nl->bulk_ready++;
		break;
	case RPMSG_NETLINK_CMD_BULK_ACQUIRE:
		if (nlh->nlmsg_seq == nl->ack_seq && a.tb[RPMSG_NETLINK_A_SLOTS]) {
			uint32_t len = mnl_attr_get_payload_len(a.tb[RPMSG_NETLINK_A_SLOTS]);

			nl->n_slots = len / sizeof(uint32_t);
			if (nl->n_slots > RPMSG_NETLINK_BULK_DESC_MAX)
				nl->n_slots = RPMSG_NETLINK_BULK_DESC_MAX;
			memcpy(nl->slots, mnl_attr_get_payload(a.tb[RPMSG_NETLINK_A_SLOTS]),
			       nl->n_slots * sizeof(uint32_t));
			nl->acked = true; /* a doit's reply: no ack follows unless asked */
		}
		break;
	case RPMSG_NETLINK_CMD_CHANNEL_UP:
		nl->up_events++;
		if (a.tb[RPMSG_NETLINK_A_NAME])
			snprintf(nl->last_up, sizeof(nl->last_up), "%s",
				 mnl_attr_get_str(a.tb[RPMSG_NETLINK_A_NAME]));
		if (a.tb[RPMSG_NETLINK_A_CHANNEL])
			nl->last_up_id = mnl_attr_get_u32(a.tb[RPMSG_NETLINK_A_CHANNEL]);
		break;
	case RPMSG_NETLINK_CMD_GET_ACCESS:
		if (nl->access && nl->n_access < nl->max_access)
			parse_access(nlh, &nl->access[nl->n_access++]);
		break;
	case RPMSG_NETLINK_CMD_GET_BINDING:
		if (nl->binds && nl->n_binds < nl->max_binds && a.tb[RPMSG_NETLINK_A_NAME]) {
			struct binding_info *b = &nl->binds[nl->n_binds++];

			snprintf(b->name, sizeof(b->name), "%s",
				 mnl_attr_get_str(a.tb[RPMSG_NETLINK_A_NAME]));
			b->flags = a.tb[RPMSG_NETLINK_A_FLAGS]
					   ? mnl_attr_get_u32(a.tb[RPMSG_NETLINK_A_FLAGS])
					   : 0;
		}
		break;
	default:
		break;
	}
}

/*
 * Reads one datagram, waiting up to timeout_ms for it (recv first: a poll
 * per message would double the system calls, which are slow in the vboard).
 * Returns 1 when something was read, 0 on timeout, negative errno on error.
 */
int nl_pump(struct nl *nl, int timeout_ms)
{
	struct pollfd pfd = {.fd = mnl_socket_get_fd(nl->sock), .events = POLLIN};
	ssize_t n;
	int left;
	int rc;

	n = recv(pfd.fd, nl->buf, sizeof(nl->buf), MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return 0;
		n = recv(pfd.fd, nl->buf, sizeof(nl->buf), MSG_DONTWAIT);
	}
	if (n < 0)
		return errno == EAGAIN ? 1 : -errno;
	left = (int)n;
	for (const struct nlmsghdr *nlh = (struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left))
		handle_msg(nl, nlh);
	return 1;
}

/* Waits for the ack of the last request. Returns its errno, or -ETIMEDOUT. */
int nl_wait_ack(struct nl *nl, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (!nl->acked) {
		int64_t left = end - now_ms();
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = nl_pump(nl, (int)left);
		if (rc < 0)
			return rc;
	}
	return nl->ack_err;
}

/*
 * Waits until at least want bytes arrived. Returns 0, -ENODEV once the
 * channel is reported down, or -ETIMEDOUT.
 */
int nl_wait_rx(struct nl *nl, size_t want, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (nl->rx_len < want) {
		int64_t left = end - now_ms();
		int rc;

		if (nl->down)
			return -ENODEV;
		if (left <= 0)
			return -ETIMEDOUT;
		rc = nl_pump(nl, (int)left);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int nl_resolve_family(struct nl *nl)
{
	struct nlmsghdr *nlh;
	int rc;

	nlh = nl_request(nl, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RPMSG_NETLINK_FAMILY_NAME);
	rc = nl_send(nl, nlh);
	if (rc)
		return rc;

	while (!nl->acked) {
		struct pollfd pfd = {.fd = mnl_socket_get_fd(nl->sock), .events = POLLIN};
		ssize_t n;
		int left;

		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = recv(pfd.fd, nl->buf, sizeof(nl->buf), 0);
		if (n < 0)
			return -errno;
		left = (int)n;
		for (const struct nlmsghdr *m = (struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			const struct nlattr *attr, *grp, *ga;

			if (m->nlmsg_type == NLMSG_ERROR) {
				handle_error(nl, m);
				continue;
			}
			if (m->nlmsg_type != GENL_ID_CTRL)
				continue;
			mnl_attr_for_each(attr, m, sizeof(struct genlmsghdr))
			{
				if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
					nl->family = mnl_attr_get_u16(attr);
				if (mnl_attr_get_type(attr) != CTRL_ATTR_MCAST_GROUPS)
					continue;
				mnl_attr_for_each_nested(grp, attr)
				{
					const char *name = NULL;
					uint32_t id = 0;

					mnl_attr_for_each_nested(ga, grp)
					{
						if (mnl_attr_get_type(ga) ==
						    CTRL_ATTR_MCAST_GRP_NAME)
							name = mnl_attr_get_str(ga);
						if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_ID)
							id = mnl_attr_get_u32(ga);
					}
					if (name && !strcmp(name, RPMSG_NETLINK_MCGRP_EVENTS))
						nl->events_group = id;
				}
			}
		}
	}
	if (nl->ack_err)
		return -nl->ack_err;
	return nl->family ? 0 : -ENOENT;
}

int nl_join_events(struct nl *nl)
{
	if (!nl->events_group)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &nl->events_group,
				  sizeof(nl->events_group)) < 0)
		return -errno;
	return 0;
}

/* Runs a dump of cmd to its end: 0, or a negative errno. */
int nl_dump(struct nl *nl, uint8_t cmd)
{
	struct nlmsghdr *nlh = nl_request(nl, nl->family, NLM_F_DUMP | NLM_F_ACK, cmd,
					  RPMSG_NETLINK_FAMILY_VERSION);
	int rc = nl_send(nl, nlh);

	if (!rc)
		rc = nl_wait_ack(nl, REPLY_TIMEOUT_MS);
	return rc > 0 ? -rc : rc;
}

/* GET_CHANNEL as a dump; fills out[] and returns how many, or negative errno. */
int nl_dump_channels(struct nl *nl, struct channel_info *out, size_t max)
{
	nl->infos = out;
	nl->n_infos = 0;
	nl->max_infos = max;

	int rc = nl_dump(nl, RPMSG_NETLINK_CMD_GET_CHANNEL);

	nl->infos = NULL;
	return rc ? rc : (int)nl->n_infos;
}

/* GET_CHANNEL doit for one id. Returns 0 or a positive errno from the ack. */
int nl_get_channel(struct nl *nl, uint32_t id, struct channel_info *out)
{
	struct nlmsghdr *nlh;
	int rc;

	nlh = nl_request(nl, nl->family, NLM_F_ACK, RPMSG_NETLINK_CMD_GET_CHANNEL,
			 RPMSG_NETLINK_FAMILY_VERSION);
	mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_CHANNEL, id);
	memset(out, 0, sizeof(*out));
	nl->infos = out;
	nl->n_infos = 0;
	nl->max_infos = 1;
	rc = nl_send(nl, nlh);
	if (!rc)
		rc = nl_wait_ack(nl, REPLY_TIMEOUT_MS);
	nl->infos = NULL;
	if (rc < 0)
		return -rc;
	if (!rc && !nl->n_infos)
		return ENODATA;
	return rc;
}

/* Finds the channel called name; sets nl->channel, mtu, remote. */
int nl_find_named(struct nl *nl, const char *name, struct channel_info *ci)
{
	struct channel_info all[16];
	int n = nl_dump_channels(nl, all, 16);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (!strcmp(all[i].name, name)) {
			*ci = all[i];
			nl->channel = ci->id;
			nl->mtu = ci->mtu;
			nl->remote = ci->dst;
			return 0;
		}
	}
	return -ENODEV;
}

/* Opens a socket and resolves the family: 0 or a negative errno. */
int nl_open_family(struct nl *nl)
{
	int rc = nl_open(nl, false);

	if (!rc)
		rc = nl_resolve_family(nl);
	return rc;
}

/* Whether a GET_CHANNEL dump on nl lists a channel called name. */
bool nl_lists(struct nl *nl, const char *name)
{
	struct channel_info all[16];
	int n = nl_dump_channels(nl, all, 16);

	for (int i = 0; i < n; i++)
		if (!strcmp(all[i].name, name))
			return true;
	return false;
}

/* Opens, resolves, finds the channel called name. */
int nl_client_of(struct nl *nl, const char *name, bool big_rcvbuf, struct channel_info *ci)
{
	struct channel_info tmp;
	int rc = nl_open(nl, big_rcvbuf);

	if (!rc)
		rc = nl_resolve_family(nl);
	if (!rc)
		rc = nl_find_named(nl, name, ci ? ci : &tmp);
	if (rc)
		fprintf(stderr, "netlink-check: cannot reach channel \"%s\": %s\n", name,
			strerror(-rc));
	return rc;
}

/* The start of every client of the channel under test. */
int nl_client(struct nl *nl, bool big_rcvbuf, struct channel_info *ci)
{
	return nl_client_of(nl, channel_name, big_rcvbuf, ci);
}

/* Sends one SEND request (data may be up to the attribute's 16-bit limit). */
int nl_send_data(struct nl *nl, const void *data, size_t len, const struct send_opts *o)
{
	static const struct send_opts none;
	struct nlmsghdr *nlh;

	if (!o)
		o = &none;
	nlh = nl_request(nl, nl->family, NLM_F_ACK, RPMSG_NETLINK_CMD_SEND,
			 RPMSG_NETLINK_FAMILY_VERSION);
	if (!o->no_channel) {
		uint32_t ch = o->channel ? o->channel : nl->channel;

		if (o->short_channel)
			mnl_attr_put_u16(nlh, RPMSG_NETLINK_A_CHANNEL, (uint16_t)ch);
		else
			mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_CHANNEL, ch);
	}
	if (!o->no_data)
		mnl_attr_put(nlh, RPMSG_NETLINK_A_DATA, len, data);
	if (o->has_flags)
		mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_FLAGS, o->flags);
	if (o->has_timeout)
		mnl_attr_put_u32(nlh, RPMSG_NETLINK_A_TIMEOUT_MS, o->timeout_ms);
	if (o->extra_attr)
		mnl_attr_put_u32(nlh, (uint16_t)o->extra_attr, 0);
	return nl_send(nl, nlh);
}

/* Sends data and waits for the ack. Returns 0 or a positive errno. */
int nl_send_acked(struct nl *nl, const void *data, size_t len, const struct send_opts *o)
{
	int rc = nl_send_data(nl, data, len, o);

	if (!rc)
		rc = nl_wait_ack(nl, REPLY_TIMEOUT_MS);
	return rc < 0 ? -rc : rc;
}

/* One echo: SEND, then the ack and every byte back. Returns 0 or an errno. */
int echo_once(struct nl *nl, const uint8_t *data, size_t len, char *why, size_t why_len)
{
	int rc;

	nl->rx_len = 0;
	rc = nl_send_acked(nl, data, len, NULL);
	if (rc) {
		snprintf(why, why_len, "SEND failed: %s%s%s", strerror(rc),
			 nl->ack_msg[0] ? ": " : "", nl->ack_msg);
		return rc;
	}
	rc = nl_wait_rx(nl, len, REPLY_TIMEOUT_MS);
	if (rc) {
		snprintf(why, why_len, "only %zu of %zu bytes came back", nl->rx_len, len);
		return -rc;
	}
	if (nl->rx_len != len || nl->rx_overflow || memcmp(nl->rx, data, len)) {
		size_t i = 0;

		while (i < len && i < nl->rx_len && nl->rx[i] == data[i])
			i++;
		snprintf(why, why_len, "echo differs at byte %zu (got %zu bytes)", i, nl->rx_len);
		return EBADMSG;
	}
	return 0;
}

uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

void fill_random(uint8_t *p, size_t len, uint64_t *seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(xorshift(seed) >> 24);
}

uint64_t stat_delta(const struct channel_info *a, const struct channel_info *b, int stat)
{
	return b->stats[stat] - a->stats[stat];
}

uint64_t messages_for(uint64_t len, uint32_t mtu)
{
	return (len + mtu - 1) / mtu;
}

void expect_answer(const struct nl *nl, const char *what, int rc, int want)
{
	if (rc == want)
		ok("%s -> %s%s%s%s", what, want ? strerror(want) : "success",
		   nl->ack_msg[0] ? " (\"" : "", nl->ack_msg, nl->ack_msg[0] ? "\")" : "");
	else
		fail("%s -> %s, expected %s", what, rc ? strerror(rc) : "success",
		     want ? strerror(want) : "success");
}
