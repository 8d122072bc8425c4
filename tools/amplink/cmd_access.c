/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink grant / revoke / assign / unassign: who may use the channels of the
 * rpmsg_netlink module (docs/security.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void ignore_binding(const char *name, unsigned int flags, void *ctx)
{
	(void)name;
	(void)flags;
	(void)ctx;
}

/* Whether the module's family answers (to tell ENOENTs apart). */
static int module_loaded(void)
{
	return amp_netlink_bindings(ignore_binding, NULL) == 0 || errno != ENOENT;
}

/* One line naming the problem; what is "NAME", "group G" or "namespace N". */
static void report(const char *cmd, const char *name, const char *what, int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		fprintf(stderr, "amplink %s: needs CAP_NET_ADMIN (run as root)\n", cmd);
		break;
	case ENOENT:
		if (!module_loaded())
			fprintf(stderr,
				"amplink %s: the rpmsg_netlink module is not loaded "
				"(modprobe rpmsg_netlink)\n",
				cmd);
		else if (!strcmp(cmd, "revoke"))
			fprintf(stderr, "amplink revoke: %s was not granted '%s'\n", what, name);
		else
			fprintf(stderr, "amplink %s: '%s' is not assigned\n", cmd, name);
		break;
	case EEXIST:
		fprintf(stderr, "amplink %s: %s was granted '%s' already\n", cmd, what, name);
		break;
	case EINVAL:
		if (!name[0] || strlen(name) > 31)
			fprintf(stderr,
				"amplink %s: '%s' is not a valid rpmsg service name (1..31 "
				"bytes)\n",
				cmd, name);
		else
			fprintf(stderr, "amplink %s: %s is not valid\n", cmd, what);
		break;
	case EBADF:
		fprintf(stderr, "amplink %s: %s is not a network namespace\n", cmd, what);
		break;
	case ESRCH:
		fprintf(stderr, "amplink %s: %s: no such process\n", cmd, what);
		break;
	case ENOSPC:
		fprintf(stderr, "amplink %s: too many grants or assignments already\n", cmd);
		break;
	default:
		fprintf(stderr, "amplink %s: %s: %s\n", cmd, name, strerror(err));
		break;
	}
}

/* GROUP as a name or a number; -1 (and a message) if neither. */
static int parse_group(const char *cmd, const char *s, unsigned int *gid)
{
	const struct group *gr = getgrnam(s);
	char *end;
	unsigned long v;

	if (gr) {
		*gid = (unsigned int)gr->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] >= '0' && s[0] <= '9' && !*end && !errno && v < 0xffffffffUL) {
		*gid = (unsigned int)v;
		return 0;
	}
	fprintf(stderr, "amplink %s: no group '%s'\n", cmd, s);
	return -1;
}

static void print_access(const struct amp_netlink_access *a, void *ctx)
{
	int *count = ctx;
	char groups[256] = "-";
	size_t off = 0;

	if ((*count)++ == 0)
		printf("%-32s %-20s %s\n", "service", "network namespace", "groups");
	for (size_t i = 0; i < a->n_gids && off < sizeof(groups); i++) {
		const struct group *gr = getgrgid((gid_t)a->gids[i]);
		int n;

		if (gr)
			n = snprintf(groups + off, sizeof(groups) - off, "%s%s(%u)", i ? "," : "",
				     gr->gr_name, a->gids[i]);
		else
			n = snprintf(groups + off, sizeof(groups) - off, "%s%u", i ? "," : "",
				     a->gids[i]);
		off += n > 0 ? (size_t)n : 0;
	}
	if (a->netns_inode) {
		char ns[32];

		snprintf(ns, sizeof(ns), "net:[%lu]", a->netns_inode);
		printf("%-32s %-20s %s\n", a->name, ns, groups);
	} else {
		printf("%-32s %-20s %s\n", a->name, "(initial)", groups);
	}
}

static int list_access(const char *cmd)
{
	int count = 0;

	if (amp_netlink_access(print_access, &count) != 0) {
		report(cmd, "", "the list", errno);
		return 1;
	}
	if (!count)
		printf("(no grants or assignments)\n");
	return 0;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

static void grant_usage(FILE *out, const char *cmd)
{
	if (!strcmp(cmd, "grant"))
		fprintf(out,
			"Usage: amplink grant [NAME GROUP]\n\n"
			"Lets the members of GROUP (a name or a gid) send on the channels of the\n"
			"rpmsg service NAME without any capability, now and whenever the firmware\n"
			"announces NAME again. Without arguments, lists the grants and the\n"
			"assignments ('amplink assign'). Needs CAP_NET_ADMIN (root).\n");
	else
		fprintf(out, "Usage: amplink revoke NAME GROUP\n\n"
			     "Takes back 'amplink grant NAME GROUP': the group's members can no\n"
			     "longer send there (an endpoint already open stays until its socket\n"
			     "closes). Needs CAP_NET_ADMIN (root).\n");
}

static int grant_or_revoke(int argc, char **argv, int grant)
{
	const char *cmd = grant ? "grant" : "revoke";
	char what[64];
	unsigned int gid;
	int rc;

	if (wants_help(argc, argv)) {
		grant_usage(stdout, cmd);
		return 0;
	}
	if (grant && argc == 1)
		return list_access(cmd);
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		grant_usage(stderr, cmd);
		return 2;
	}
	if (parse_group(cmd, argv[2], &gid))
		return 1;
	snprintf(what, sizeof(what), "group '%s'", argv[2]);
	rc = grant ? amp_netlink_grant(argv[1], gid) : amp_netlink_revoke(argv[1], gid);
	if (rc != 0) {
		report(cmd, argv[1], what, errno);
		return 1;
	}
	printf("%s '%s' %s group %s (gid %u)\n", grant ? "granted" : "revoked", argv[1],
	       grant ? "to" : "from", argv[2], gid);
	return 0;
}

int cmd_grant(int argc, char **argv)
{
	return grant_or_revoke(argc, argv, 1);
}

int cmd_revoke(int argc, char **argv)
{
	return grant_or_revoke(argc, argv, 0);
}

static void assign_usage(FILE *out)
{
	fprintf(out, "Usage: amplink assign NAME --netns PID|PATH\n\n"
		     "Moves the channels of the rpmsg service NAME, now and whenever the firmware\n"
		     "announces it again, to a network namespace: the one of process PID, or the\n"
		     "namespace file PATH (/run/netns/NAME, /proc/PID/ns/net). Only that\n"
		     "namespace sees and uses them, its root without further grants; when it goes\n"
		     "away they come back. 'amplink unassign NAME' brings them back at once.\n"
		     "Needs CAP_NET_ADMIN (root).\n");
}

int cmd_assign(int argc, char **argv)
{
	const char *name = NULL, *ns = NULL;
	char what[300];
	int rc;

	if (wants_help(argc, argv)) {
		assign_usage(stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--netns") && i + 1 < argc && !ns) {
			ns = argv[++i];
		} else if (argv[i][0] == '-' || name) {
			fprintf(stderr, "amplink assign: unexpected argument '%s'\n", argv[i]);
			assign_usage(stderr);
			return 2;
		} else {
			name = argv[i];
		}
	}
	if (!name || !ns) {
		fprintf(stderr, "amplink assign: needs NAME and --netns PID|PATH\n");
		return 2;
	}
	if (strspn(ns, "0123456789") == strlen(ns)) {
		snprintf(what, sizeof(what), "process %s", ns);
		rc = amp_netlink_assign_pid(name, atoi(ns));
	} else {
		int fd = open(ns, O_RDONLY | O_CLOEXEC);

		snprintf(what, sizeof(what), "'%s'", ns);
		if (fd < 0) {
			fprintf(stderr, "amplink assign: %s: %s\n", ns, strerror(errno));
			return 1;
		}
		rc = amp_netlink_assign_fd(name, fd);
		if (rc != 0 && errno == EINVAL && name[0] && strlen(name) <= 31)
			errno = EBADF; /* the name is fine: the file is no namespace */
		close(fd);
	}
	if (rc != 0) {
		report("assign", name, what, errno);
		return 1;
	}
	printf("assigned '%s' to the network namespace of %s\n", name, what);
	return 0;
}

int cmd_unassign(int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		printf("Usage: amplink unassign NAME\n\n"
		       "Returns the channels of NAME, assigned with 'amplink assign', to the\n"
		       "initial network namespace. Needs CAP_NET_ADMIN (root).\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: amplink unassign NAME\n");
		return 2;
	}
	if (amp_netlink_unassign(argv[1]) != 0) {
		report("unassign", argv[1], "", errno);
		return 1;
	}
	printf("unassigned '%s'\n", argv[1]);
	return 0;
}
