/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Administration of the rpmsg_netlink module: binding rpmsg service names to
 * it (BIND, UNBIND and the GET_BINDING dump of
 * include/uapi/linux/rpmsg_netlink.h), and who may use their channels
 * (GRANT, REVOKE, ASSIGN, UNASSIGN, the GET_ACCESS dump; docs/security.md).
 * Each call opens its own short-lived socket; nothing is shared with the
 * data path (transport_netlink.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rpmsg_netlink.h>

#include <amplink/amplink.h>

_Static_assert(AMP_NETLINK_BIND_NOTIFY == RPMSG_NETLINK_BIND_F_NOTIFY,
	       "the library's flag is the module's");

/* RPMSG_NAME_SIZE in the kernel: names are shorter than this. */
#define NAME_SIZE 32

struct admin {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	char buf[16384];
};

static struct nlmsghdr *admin_msg(struct admin *a, uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *n = mnl_nlmsg_put_header(a->buf);
	struct genlmsghdr *g;

	n->nlmsg_type = type;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = ++a->seq;
	g = mnl_nlmsg_put_extra_header(n, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : RPMSG_NETLINK_FAMILY_VERSION;
	return n;
}

/* Sends n and runs cb on each answer until the ack or the dump's end; errno from the ack. */
static int admin_run(struct admin *a, struct nlmsghdr *n, mnl_cb_t cb, void *data)
{
	uint32_t seq = n->nlmsg_seq;
	ssize_t len;
	int rc;

	if (mnl_socket_sendto(a->sock, n, n->nlmsg_len) < 0)
		return -1;
	do {
		len = mnl_socket_recvfrom(a->sock, a->buf, sizeof(a->buf));
		if (len < 0)
			return -1;
		rc = mnl_cb_run(a->buf, (size_t)len, seq, a->portid, cb, data);
	} while (rc > 0);
	return rc < 0 ? -1 : 0;
}

static int family_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *n, void *data)
{
	return mnl_attr_parse(n, sizeof(struct genlmsghdr), family_attr, data);
}

static void admin_close(struct admin *a)
{
	int saved = errno;

	if (a->sock)
		mnl_socket_close(a->sock);
	a->sock = NULL;
	errno = saved;
}

/* Opens a socket and resolves the family (ENOENT: the module is not loaded). */
static int admin_open(struct admin *a)
{
	struct nlmsghdr *n;

	memset(a, 0, offsetof(struct admin, buf));
	a->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!a->sock)
		return -1;
	if (mnl_socket_bind(a->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		admin_close(a);
		return -1;
	}
	a->portid = mnl_socket_get_portid(a->sock);
	n = admin_msg(a, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(n, CTRL_ATTR_FAMILY_NAME, RPMSG_NETLINK_FAMILY_NAME);
	if (admin_run(a, n, family_cb, &a->family) != 0 || a->family == 0) {
		admin_close(a);
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static int check_name(const char *name)
{
	if (!name || !name[0] || strlen(name) >= NAME_SIZE) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* A dump request (GET_BINDING, GET_ACCESS), cb called for each reply message. */
static int admin_dump(uint8_t cmd, mnl_cb_t cb, void *data)
{
	struct admin a;
	int rc;

	if (admin_open(&a) != 0)
		return -1;
	rc = admin_run(&a, admin_msg(&a, a.family, cmd, NLM_F_DUMP), cb, data);
	admin_close(&a);
	return rc;
}

/*
 * An administrator's command on a service name, with one u32 attribute
 * when attr is not 0: BIND {name, flags}, UNBIND {name}, GRANT/REVOKE
 * {name, gid}, ASSIGN {name, pid or fd}, UNASSIGN {name}.
 */
static int admin_command(uint8_t cmd, const char *name, uint16_t attr, uint32_t value)
{
	struct admin a;
	struct nlmsghdr *n;
	int rc;

	if (check_name(name) != 0 || admin_open(&a) != 0)
		return -1;
	n = admin_msg(&a, a.family, cmd, NLM_F_ACK);
	mnl_attr_put_strz(n, RPMSG_NETLINK_A_NAME, name);
	if (attr)
		mnl_attr_put_u32(n, attr, value);
	rc = admin_run(&a, n, NULL, NULL);
	admin_close(&a);
	return rc;
}

int amp_netlink_bind(const char *name, unsigned int flags)
{
	if (flags & ~(unsigned int)AMP_NETLINK_BIND_NOTIFY) {
		errno = EINVAL;
		return -1;
	}
	return admin_command(RPMSG_NETLINK_CMD_BIND, name, RPMSG_NETLINK_A_FLAGS, flags);
}

int amp_netlink_unbind(const char *name)
{
	return admin_command(RPMSG_NETLINK_CMD_UNBIND, name, 0, 0);
}

struct bindings_ctx {
	void (*cb)(const char *name, unsigned int flags, void *ctx);
	void *ctx;
};

static int binding_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == RPMSG_NETLINK_A_NAME || type == RPMSG_NETLINK_A_FLAGS)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int binding_cb(const struct nlmsghdr *n, void *data)
{
	const struct nlattr *tb[RPMSG_NETLINK_A_MAX + 1] = {0};
	struct bindings_ctx *bc = data;
	unsigned int flags = 0;

	mnl_attr_parse(n, sizeof(struct genlmsghdr), binding_attr, tb);
	if (!tb[RPMSG_NETLINK_A_NAME] ||
	    mnl_attr_validate(tb[RPMSG_NETLINK_A_NAME], MNL_TYPE_NUL_STRING) != 0)
		return MNL_CB_OK;
	if (tb[RPMSG_NETLINK_A_FLAGS] &&
	    mnl_attr_validate(tb[RPMSG_NETLINK_A_FLAGS], MNL_TYPE_U32) == 0)
		flags = mnl_attr_get_u32(tb[RPMSG_NETLINK_A_FLAGS]);
	bc->cb(mnl_attr_get_str(tb[RPMSG_NETLINK_A_NAME]), flags, bc->ctx);
	return MNL_CB_OK;
}

int amp_netlink_bindings(void (*cb)(const char *name, unsigned int flags, void *ctx), void *ctx)
{
	struct bindings_ctx bc = {cb, ctx};

	if (!cb) {
		errno = EINVAL;
		return -1;
	}
	return admin_dump(RPMSG_NETLINK_CMD_GET_BINDING, binding_cb, &bc);
}

int amp_netlink_grant(const char *name, unsigned int gid)
{
	return admin_command(RPMSG_NETLINK_CMD_GRANT, name, RPMSG_NETLINK_A_GID, gid);
}

int amp_netlink_revoke(const char *name, unsigned int gid)
{
	return admin_command(RPMSG_NETLINK_CMD_REVOKE, name, RPMSG_NETLINK_A_GID, gid);
}

int amp_netlink_assign_pid(const char *name, int pid)
{
	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	return admin_command(RPMSG_NETLINK_CMD_ASSIGN, name, RPMSG_NETLINK_A_NET_NS_PID,
			     (uint32_t)pid);
}

int amp_netlink_assign_fd(const char *name, int fd)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	return admin_command(RPMSG_NETLINK_CMD_ASSIGN, name, RPMSG_NETLINK_A_NET_NS_FD,
			     (uint32_t)fd);
}

int amp_netlink_unassign(const char *name)
{
	return admin_command(RPMSG_NETLINK_CMD_UNASSIGN, name, 0, 0);
}

struct access_ctx {
	void (*cb)(const struct amp_netlink_access *a, void *ctx);
	void *ctx;
};

static int access_cb(const struct nlmsghdr *n, void *data)
{
	unsigned int gids[RPMSG_NETLINK_MAX_GRANTS];
	struct amp_netlink_access acc = {.gids = gids};
	struct access_ctx *ac = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, n, sizeof(struct genlmsghdr))
	{
		switch (mnl_attr_get_type(attr)) {
		case RPMSG_NETLINK_A_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				acc.name = mnl_attr_get_str(attr);
			break;
		case RPMSG_NETLINK_A_GID:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0 &&
			    acc.n_gids < RPMSG_NETLINK_MAX_GRANTS)
				gids[acc.n_gids++] = mnl_attr_get_u32(attr);
			break;
		case RPMSG_NETLINK_A_NET_NS_INODE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				acc.netns_inode = mnl_attr_get_u32(attr);
			break;
		default:
			break;
		}
	}
	if (acc.name)
		ac->cb(&acc, ac->ctx);
	return MNL_CB_OK;
}

int amp_netlink_access(void (*cb)(const struct amp_netlink_access *a, void *ctx), void *ctx)
{
	struct access_ctx ac = {cb, ctx};

	if (!cb) {
		errno = EINVAL;
		return -1;
	}
	return admin_dump(RPMSG_NETLINK_CMD_GET_ACCESS, access_cb, &ac);
}
