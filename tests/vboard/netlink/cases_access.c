/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The access model of rpmsg_netlink (issue 11, defect 2; docs/security.md):
 * group grants, per-user endpoint limits, channels assigned to a network
 * namespace. Each case runs as root in the vboard and plays the other
 * parties (an unprivileged user, the root of a user+net namespace, another
 * namespace) in child processes, synchronised through pipes.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nlcheck.h"

#define NOBODY 65534
#define GRANT_GID 4242 /* the group granted the channel */
#define OTHER_GID 4343 /* a group granted nothing */
#define LIMIT_USER 3   /* max_user_clients during case_limits */
#define PARAM_DIR "/sys/module/rpmsg_netlink/parameters/"

/* ---- requests ---- */

/*
 * GRANT/REVOKE/ASSIGN/UNASSIGN of name with up to two u32 attributes (type
 * 0: none). Returns 0 or a positive errno.
 */
static int admin_req(struct nl *nl, uint8_t cmd, const char *name, uint16_t t1, uint32_t v1,
		     uint16_t t2, uint32_t v2)
{
	struct nlmsghdr *nlh =
		nl_request(nl, nl->family, NLM_F_ACK, cmd, RPMSG_NETLINK_FAMILY_VERSION);
	int rc;

	if (name)
		mnl_attr_put_strz(nlh, RPMSG_NETLINK_A_NAME, name);
	if (t1)
		mnl_attr_put_u32(nlh, t1, v1);
	if (t2)
		mnl_attr_put_u32(nlh, t2, v2);
	rc = nl_send(nl, nlh);
	if (!rc)
		rc = nl_wait_ack(nl, REPLY_TIMEOUT_MS);
	return rc < 0 ? -rc : rc;
}

static void expect_admin(struct nl *nl, const char *what, int got, int want)
{
	if (got == want)
		ok("%s -> %s%s%s%s", what, want ? strerror(want) : "success",
		   nl->ack_msg[0] ? " (\"" : "", nl->ack_msg, nl->ack_msg[0] ? "\")" : "");
	else
		fail("%s -> %s, expected %s%s%s", what, got ? strerror(got) : "success",
		     want ? strerror(want) : "success", nl->ack_msg[0] ? ": " : "", nl->ack_msg);
}

static int grant(struct nl *nl, uint8_t cmd, const char *name, uint32_t gid)
{
	return admin_req(nl, cmd, name, RPMSG_NETLINK_A_GID, gid, 0, 0);
}

/* GET_ACCESS dump: how many entries, or a negative errno. */
static int dump_access(struct nl *nl, struct access_info *out, size_t max)
{
	int rc;

	nl->access = out;
	nl->n_access = 0;
	nl->max_access = max;
	rc = nl_dump(nl, RPMSG_NETLINK_CMD_GET_ACCESS);
	nl->access = NULL;
	return rc ? rc : (int)nl->n_access;
}

/* The GET_ACCESS entry of name, or NULL. */
static const struct access_info *access_of(const struct access_info *all, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(all[i].name, name))
			return &all[i];
	return NULL;
}

/* Whether a GET_BINDING dump on nl lists name. */
static bool binding_listed(struct nl *nl, const char *name)
{
	struct binding_info binds[16];
	bool found = false;

	nl->binds = binds;
	nl->n_binds = 0;
	nl->max_binds = 16;
	if (!nl_dump(nl, RPMSG_NETLINK_CMD_GET_BINDING))
		for (size_t i = 0; i < nl->n_binds; i++)
			found |= !strcmp(binds[i].name, name);
	nl->binds = NULL;
	return found;
}

/* Pumps nl until pred holds or timeout_ms passes; whether it held. */
static bool pump_until(struct nl *nl, bool (*pred)(struct nl *nl, const void *arg), const void *arg,
		       int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (!pred(nl, arg)) {
		int64_t left = end - now_ms();

		if (left <= 0 || nl_pump(nl, (int)left) < 0)
			return pred(nl, arg);
	}
	return true;
}

static bool up_seen(struct nl *nl, const void *name)
{
	return nl->up_events && !strcmp(nl->last_up, name);
}

static bool down_seen(struct nl *nl, const void *name)
{
	return nl->down_events && !strcmp(nl->last_down, name);
}

static bool client_down(struct nl *nl, const void *unused)
{
	(void)unused;
	return nl->down;
}

/* Reads what is queued on nl without waiting. */
static void drain(struct nl *nl)
{
	while (nl_pump(nl, 0) > 0)
		;
}

/* ---- other parties: child processes and pipes ---- */

struct pipes {
	int to_child[2];
	int to_parent[2];
};

static int pipes_open(struct pipes *p)
{
	if (pipe(p->to_child) || pipe(p->to_parent))
		return -errno;
	return 0;
}

static void pipes_close(struct pipes *p)
{
	for (int i = 0; i < 2; i++) {
		if (p->to_child[i] >= 0)
			close(p->to_child[i]);
		if (p->to_parent[i] >= 0)
			close(p->to_parent[i]);
		p->to_child[i] = p->to_parent[i] = -1;
	}
}

/* After fork, the parent keeps its own ends only: a dead child reads as EOF. */
static void pipes_parent(struct pipes *p)
{
	close(p->to_child[0]);
	close(p->to_parent[1]);
	p->to_child[0] = p->to_parent[1] = -1;
}

static void tell(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		fail("cannot write to the other process: %s", strerror(errno));
}

/* The next byte from fd (0 on timeout or end of file). */
static char hear(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char c;

	if (poll(&pfd, 1, timeout_ms) != 1 || read(fd, &c, 1) != 1)
		return 0;
	return c;
}

/* Waits for a child whose exit status is its failure count; adds it to ours. */
static void reap(pid_t pid, const char *who)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		fail("waitpid(%s): %s", who, strerror(errno));
		return;
	}
	if (!WIFEXITED(status)) {
		fail("%s died (status 0x%x)", who, status);
		return;
	}
	failures += WEXITSTATUS(status);
}

static pid_t fork_flushed(void)
{
	fflush(stdout);
	fflush(stderr);
	return fork();
}

struct identity {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[2];
};

static int become(const struct identity *id)
{
	if (setgroups((size_t)id->ngroups, id->groups) || setgid(id->gid) || setuid(id->uid))
		return -errno;
	return 0;
}

/*
 * A SEND to the channel under test as id, in a child process: want is the
 * expected errno (0: the echo must come back byte-exact).
 */
static void send_as(const struct identity *id, const char *what, int want)
{
	pid_t pid = fork_flushed();

	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		struct nl *nl = malloc(sizeof(*nl));
		uint8_t data[700];
		char why[160] = "";
		uint64_t seed = 7;
		int rc;

		failures = 0;
		if (!nl || become(id)) {
			fail("%s: cannot become uid %u: %s", what, id->uid, strerror(errno));
			_exit(1);
		}
		if (nl_client(nl, true, NULL))
			_exit(1);
		fill_random(data, sizeof(data), &seed);
		rc = echo_once(nl, data, sizeof(data), why, sizeof(why));
		if (rc == want)
			ok("%s -> %s%s%s%s", what, want ? strerror(want) : "echoed byte-exact",
			   nl->ack_msg[0] ? " (\"" : "", nl->ack_msg, nl->ack_msg[0] ? "\")" : "");
		else
			fail("%s -> %s, expected %s", what, rc ? why : "success",
			     want ? strerror(want) : "success");
		nl_close(nl);
		_exit(failures > 255 ? 255 : failures);
	}
	reap(pid, what);
}

/* ---- grant ---- */

/*
 * An unprivileged user may SEND once a group of its is granted the channel,
 * and no longer after REVOKE; only the administrator grants; grants name
 * services and survive the channel's re-probe.
 */
int case_grant(void)
{
	const struct identity member = {NOBODY, NOBODY, 1, {GRANT_GID}};
	const struct identity fs_member = {NOBODY, GRANT_GID, 0, {0}};
	const struct identity outsider = {NOBODY, NOBODY, 1, {OTHER_GID}};
	struct nl *adm = malloc(sizeof(*adm));
	struct access_info acc[8];
	const struct access_info *ai;
	int n;

	if (!adm || nl_client(adm, false, NULL))
		return 1;

	send_as(&member, "SEND as uid 65534 in group 4242, nothing granted", EPERM);

	/* only the administrator grants */
	{
		pid_t pid = fork_flushed();

		if (pid == 0) {
			struct nl *nl = malloc(sizeof(*nl));
			struct access_info tmp[2];

			failures = 0;
			if (!nl || become(&member) || nl_client(nl, false, NULL))
				_exit(1);
			expect_admin(nl, "GRANT as uid 65534",
				     grant(nl, RPMSG_NETLINK_CMD_GRANT, channel_name, GRANT_GID),
				     EPERM);
			expect_admin(nl, "REVOKE as uid 65534",
				     grant(nl, RPMSG_NETLINK_CMD_REVOKE, channel_name, GRANT_GID),
				     EPERM);
			expect_admin(nl, "ASSIGN as uid 65534",
				     admin_req(nl, RPMSG_NETLINK_CMD_ASSIGN, channel_name,
					       RPMSG_NETLINK_A_NET_NS_PID, (uint32_t)getpid(), 0,
					       0),
				     EPERM);
			expect_admin(
				nl, "UNASSIGN as uid 65534",
				admin_req(nl, RPMSG_NETLINK_CMD_UNASSIGN, channel_name, 0, 0, 0, 0),
				EPERM);
			n = dump_access(nl, tmp, 2);
			check(n == -EPERM, "GET_ACCESS as uid 65534 -> EPERM");
			nl_close(nl);
			_exit(failures > 255 ? 255 : failures);
		}
		if (pid < 0)
			fail("fork: %s", strerror(errno));
		else
			reap(pid, "the unprivileged administrator");
	}

	expect_admin(adm, "GRANT the channel to group 4242",
		     grant(adm, RPMSG_NETLINK_CMD_GRANT, channel_name, GRANT_GID), 0);
	expect_admin(adm, "GRANT it again",
		     grant(adm, RPMSG_NETLINK_CMD_GRANT, channel_name, GRANT_GID), EEXIST);
	expect_admin(adm, "GRANT to gid 4294967295 (no mapping)",
		     grant(adm, RPMSG_NETLINK_CMD_GRANT, channel_name, UINT32_MAX), EINVAL);
	expect_admin(
		adm, "GRANT without a name",
		admin_req(adm, RPMSG_NETLINK_CMD_GRANT, NULL, RPMSG_NETLINK_A_GID, GRANT_GID, 0, 0),
		EINVAL);
	expect_admin(adm, "GRANT without a gid",
		     admin_req(adm, RPMSG_NETLINK_CMD_GRANT, channel_name, 0, 0, 0, 0), EINVAL);
	expect_admin(adm, "GRANT an absent service (names, not channels)",
		     grant(adm, RPMSG_NETLINK_CMD_GRANT, "not-here-yet", GRANT_GID), 0);

	n = dump_access(adm, acc, 8);
	ai = n > 0 ? access_of(acc, n, channel_name) : NULL;
	check(ai && ai->n_gids == 1 && ai->gids[0] == GRANT_GID && !ai->netns_inode,
	      "GET_ACCESS: the channel's name granted to 4242 only, not assigned");
	check(n > 0 && access_of(acc, n, "not-here-yet"), "GET_ACCESS lists the absent service");

	send_as(&member, "SEND as uid 65534 with supplementary group 4242, granted", 0);
	send_as(&fs_member, "SEND as uid 65534 with fsgid 4242, granted", 0);
	send_as(&outsider, "SEND as uid 65534 in group 4343 only", EPERM);

	if (!strcmp(channel_name, ECHO_SERVICE)) {
		uint32_t before = adm->channel;

		/* the firmware's channel goes and comes: the grant holds */
		expect_admin(adm, "UNBIND " ECHO_SERVICE,
			     admin_req(adm, RPMSG_NETLINK_CMD_UNBIND, ECHO_SERVICE, 0, 0, 0, 0), 0);
		expect_admin(adm, "BIND " ECHO_SERVICE,
			     admin_req(adm, RPMSG_NETLINK_CMD_BIND, ECHO_SERVICE, 0, 0, 0, 0), 0);
		{
			struct channel_info ci;

			check(!nl_find_named(adm, channel_name, &ci) && ci.id != before,
			      "the channel is probed again with a new id");
		}
		send_as(&member, "SEND as a member after the channel's re-probe", 0);
	}

	expect_admin(adm, "REVOKE group 4242",
		     grant(adm, RPMSG_NETLINK_CMD_REVOKE, channel_name, GRANT_GID), 0);
	expect_admin(adm, "REVOKE it again",
		     grant(adm, RPMSG_NETLINK_CMD_REVOKE, channel_name, GRANT_GID), ENOENT);
	send_as(&member, "SEND as uid 65534 in group 4242 after REVOKE", EPERM);
	expect_admin(adm, "REVOKE the absent service's grant",
		     grant(adm, RPMSG_NETLINK_CMD_REVOKE, "not-here-yet", GRANT_GID), 0);
	n = dump_access(adm, acc, 8);
	check(n == 0, "GET_ACCESS is empty once everything is revoked");

	nl_close(adm);
	free(adm);
	return 0;
}

/* ---- limits ---- */

static int write_param(const char *name, unsigned int value)
{
	char path[128];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	rc = fprintf(f, "%u\n", value) < 0 ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

static int read_param(const char *name, unsigned int *value)
{
	char path[128];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	rc = fscanf(f, "%u", value) == 1 ? 0 : -EINVAL;
	fclose(f);
	return rc;
}

/* One small echo on nl: 0 or the SEND's errno. */
static int small_send(struct nl *nl)
{
	uint8_t data[16] = "limits";
	char why[160];

	return echo_once(nl, data, sizeof(data), why, sizeof(why));
}

/*
 * max_user_clients endpoints per user and channel, max_clients per channel:
 * the SEND that would create one more fails with EMFILE or ENFILE; one
 * user's endpoints do not count against another's; a closed socket's
 * endpoint frees its place.
 */
int case_limits(void)
{
	enum { N = LIMIT_USER + 1 };
	struct nl *mine = calloc(N + 1, sizeof(*mine)), *root = calloc(N + 1, sizeof(*root));
	struct nl *other = calloc(1, sizeof(*other));
	unsigned int def_user = 0, def_all = 0;
	gid_t group = GRANT_GID;
	int rc;

	if (!mine || !root || !other || nl_client(&root[0], false, NULL))
		return 1;
	check(!read_param("max_user_clients", &def_user) &&
		      def_user == RPMSG_NETLINK_DEFAULT_MAX_USER_CLIENTS,
	      "max_user_clients defaults to RPMSG_NETLINK_DEFAULT_MAX_USER_CLIENTS");
	check(!read_param("max_clients", &def_all) && def_all == RPMSG_NETLINK_DEFAULT_MAX_CLIENTS,
	      "max_clients defaults to RPMSG_NETLINK_DEFAULT_MAX_CLIENTS");
	rc = write_param("max_user_clients", LIMIT_USER);
	if (rc) {
		fail("cannot set max_user_clients: %s", strerror(-rc));
		return 1;
	}
	expect_admin(&root[0], "GRANT the channel to group 4242",
		     grant(&root[0], RPMSG_NETLINK_CMD_GRANT, channel_name, GRANT_GID), 0);

	/*
	 * uid 65534 by its effective uid, group 4242 for the permission: the
	 * saved uid stays 0 to come back.
	 */
	if (setgroups(1, &group) || setresuid(NOBODY, NOBODY, 0)) {
		fail("cannot become uid 65534: %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < N; i++)
		if (nl_client(&mine[i], false, NULL))
			return 1;
	for (int i = 0; i < LIMIT_USER; i++) {
		rc = small_send(&mine[i]);
		if (rc)
			fail("uid 65534's endpoint %d of %d: %s", i + 1, LIMIT_USER, strerror(rc));
	}
	ok("uid 65534 has %d endpoints on the channel (max_user_clients %d)", LIMIT_USER,
	   LIMIT_USER);
	rc = small_send(&mine[LIMIT_USER]);
	if (rc == EMFILE)
		ok("its next socket's SEND -> EMFILE (\"%s\")", mine[LIMIT_USER].ack_msg);
	else
		fail("its next socket's SEND -> %s, expected EMFILE",
		     rc ? strerror(rc) : "success");
	check(!small_send(&mine[0]), "a socket that has its endpoint still sends");

	/* another user is not held back by uid 65534's endpoints */
	if (setresuid(0, 0, 0) || setresuid(NOBODY - 1, NOBODY - 1, 0)) {
		fail("cannot become uid 65533: %s", strerror(errno));
		return 1;
	}
	if (nl_client(other, false, NULL))
		return 1;
	check(!small_send(other), "uid 65533 gets an endpoint while uid 65534 is at its limit");

	/* the administrator has no limit of its own */
	if (setresuid(0, 0, 0)) {
		fail("cannot become root again: %s", strerror(errno));
		return 1;
	}
	for (int i = 1; i < N; i++)
		if (nl_client(&root[i], false, NULL))
			return 1;
	rc = 0;
	for (int i = 0; i < N && !rc; i++)
		rc = small_send(&root[i]);
	if (rc)
		fail("root's endpoints beyond max_user_clients: %s", strerror(rc));
	else
		ok("root (CAP_NET_ADMIN) has %d endpoints, beyond max_user_clients", N);

	/* a closed socket's endpoint frees its place */
	if (setresuid(NOBODY, NOBODY, 0)) {
		fail("cannot become uid 65534: %s", strerror(errno));
		return 1;
	}
	nl_close(&mine[1]);
	check(!small_send(&mine[LIMIT_USER]),
	      "after closing one of its sockets uid 65534 gets one");
	if (setresuid(0, 0, 0)) {
		fail("cannot become root again: %s", strerror(errno));
		return 1;
	}

	/* the channel's total, for everyone: 3 of uid 65534, 1 of 65533, N of root */
	rc = write_param("max_clients", LIMIT_USER + 1 + N);
	if (rc)
		fail("cannot set max_clients: %s", strerror(-rc));
	if (nl_client(&root[N], false, NULL))
		return 1;
	rc = small_send(&root[N]);
	if (rc == ENFILE)
		ok("with max_clients %d and as many endpoints, root's new socket's SEND -> ENFILE "
		   "(\"%s\")",
		   LIMIT_USER + 1 + N, root[N].ack_msg);
	else
		fail("one endpoint beyond max_clients -> %s, expected ENFILE",
		     rc ? strerror(rc) : "success");
	write_param("max_clients", 0);
	check(!small_send(&root[N]), "max_clients 0: no limit");

	write_param("max_user_clients", def_user);
	write_param("max_clients", def_all);
	grant(&root[0], RPMSG_NETLINK_CMD_REVOKE, channel_name, GRANT_GID);
	for (int i = 0; i < N; i++)
		nl_close(&mine[i]);
	for (int i = 0; i <= N; i++)
		nl_close(&root[i]);
	nl_close(other);
	free(other);
	free(mine);
	free(root);
	return 0;
}

/* ---- assign ---- */

/* Makes the caller uid 65534 and root of a new user and network namespace. */
static int become_ns_root(void)
{
	static const char *const files[] = {"/proc/self/uid_map", "/proc/self/setgroups",
					    "/proc/self/gid_map"};
	static const char *const lines[] = {"0 65534 1", "deny", "0 65534 1"};

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -errno;
	/* setuid() made /proc/self root's: the maps are written there */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) || unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return -errno;
	for (int i = 0; i < 3; i++) {
		int fd = open(files[i], O_WRONLY);
		ssize_t len = (ssize_t)strlen(lines[i]);

		if (fd < 0)
			return -errno;
		if (write(fd, lines[i], (size_t)len) != len) {
			int err = -errno;

			close(fd);
			return err;
		}
		close(fd);
	}
	return 0;
}

/* One echo on nl: whether it came back byte-exact. */
static bool echo_ok(struct nl *nl, const char *what)
{
	uint8_t data[1500];
	uint64_t seed = 99;
	char why[160];
	int rc;

	fill_random(data, sizeof(data), &seed);
	rc = echo_once(nl, data, sizeof(data), why, sizeof(why));
	if (rc)
		fail("%s: %s", what, why);
	else
		ok("%s: echoed byte-exact", what);
	return !rc;
}

/*
 * The container: the root of its own user and network namespace, uid 65534
 * outside. Answers the parent's steps (see case_assign) on its pipes.
 */
static int container_main(struct pipes *p, uint32_t init_id)
{
	struct nl *ev = malloc(sizeof(*ev)), *nl = malloc(sizeof(*nl));
	struct channel_info ci;
	int in = p->to_child[0], out = p->to_parent[1];
	uint8_t data[16] = "not mine";
	struct send_opts o = {.channel = init_id};
	int rc;
	char c;

	failures = 0;
	close(p->to_child[1]);
	close(p->to_parent[0]);
	rc = become_ns_root();
	if (rc) {
		fail("cannot become root of a new user+net namespace: %s", strerror(-rc));
		return 1;
	}
	if (!ev || !nl || nl_open_family(ev) || nl_join_events(ev) || nl_open_family(nl)) {
		fail("container: no netlink socket");
		return 1;
	}
	/* before the assignment the channel is not here, whatever the capabilities */
	check(!nl_lists(nl, channel_name), "container: the channel is not listed before ASSIGN");
	nl->channel = init_id;
	rc = nl_send_acked(nl, data, sizeof(data), &o);
	check(rc == ENODEV, "container root: SEND to the initial namespace's channel -> ENODEV");
	tell(out, 'r');

	while ((c = hear(in, 60000)) && c != 'q') {
		switch (c) {
		case 'a': /* assigned: it comes up here, listed and usable */
			check(pump_until(ev, up_seen, channel_name, REPLY_TIMEOUT_MS),
			      "container: CHANNEL_UP on its events group");
			check(!nl_find_named(nl, channel_name, &ci),
			      "container: the channel is listed");
			nl->down = false;
			echo_ok(nl, "container root: SEND on the assigned channel");
			if (!strcmp(channel_name, ECHO_SERVICE))
				check(binding_listed(nl, ECHO_SERVICE),
				      "container: GET_BINDING lists " ECHO_SERVICE);
			break;
		case 'n': /* unassigned: gone from here */
			check(pump_until(nl, client_down, NULL, REPLY_TIMEOUT_MS),
			      "container: its client is told CHANNEL_DOWN");
			check(pump_until(ev, down_seen, channel_name, REPLY_TIMEOUT_MS),
			      "container: CHANNEL_DOWN on its events group");
			check(!nl_lists(nl, channel_name), "container: no longer listed");
			rc = nl_send_acked(nl, data, sizeof(data), NULL);
			check(rc == ENODEV, "container: SEND after UNASSIGN -> ENODEV");
			if (!strcmp(channel_name, ECHO_SERVICE))
				check(!binding_listed(nl, ECHO_SERVICE),
				      "container: GET_BINDING no longer lists " ECHO_SERVICE);
			break;
		default:
			fail("container: unknown step '%c'", c);
			break;
		}
		/* what the parent does next is announced after this */
		ev->up_events = ev->down_events = 0;
		tell(out, 'k');
	}
	nl_close(ev);
	nl_close(nl);
	return failures > 255 ? 255 : failures;
}

/* Another network namespace (its root has every capability): sees nothing. */
static void bystander(uint32_t id)
{
	pid_t pid = fork_flushed();

	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		struct nl *nl = malloc(sizeof(*nl));
		struct channel_info ci;
		uint8_t data[16] = "bystander";
		int rc;

		failures = 0;
		if (!nl || unshare(CLONE_NEWNET) || nl_open_family(nl)) {
			fail("bystander: no new network namespace: %s", strerror(errno));
			_exit(1);
		}
		check(!nl_lists(nl, channel_name),
		      "another network namespace (root, CAP_NET_ADMIN): not listed");
		check(nl_get_channel(nl, id, &ci) == ENODEV,
		      "another network namespace: GET_CHANNEL -> ENODEV");
		nl->channel = id;
		rc = nl_send_acked(nl, data, sizeof(data), NULL);
		check(rc == ENODEV, "another network namespace: SEND -> ENODEV");
		nl_close(nl);
		_exit(failures > 255 ? 255 : failures);
	}
	reap(pid, "the bystander");
}

/* Tells the container step c and waits for its answer. */
static bool step(struct pipes *p, char c)
{
	tell(p->to_child[1], c);
	if (hear(p->to_parent[0], 60000) == 'k')
		return true;
	fail("the container did not finish step '%c'", c);
	return false;
}

/* What the initial namespace sees of an assigned channel: nothing. */
static void init_sees_nothing(struct nl *adm, uint32_t id)
{
	struct channel_info ci;
	uint8_t data[16] = "init";
	int rc;

	check(!nl_lists(adm, channel_name), "initial namespace: not listed while assigned");
	check(nl_get_channel(adm, id, &ci) == ENODEV,
	      "initial namespace: GET_CHANNEL -> ENODEV while assigned");
	adm->channel = id;
	rc = nl_send_acked(adm, data, sizeof(data), NULL);
	check(rc == ENODEV, "initial namespace root: SEND -> ENODEV while assigned");
	if (!strcmp(channel_name, ECHO_SERVICE))
		check(!binding_listed(adm, ECHO_SERVICE),
		      "initial namespace: GET_BINDING does not list it while assigned");
}

/*
 * A channel assigned to the network namespace of a container (the root of
 * its own user+net namespace, uid 65534 outside) is listed, announced and
 * usable there, and nowhere else, also across its re-probe; UNASSIGN
 * brings it back; when the namespace goes away it comes back too.
 */
int case_assign(void)
{
	struct nl *adm = malloc(sizeof(*adm)), *ev = malloc(sizeof(*ev)),
		  *user = malloc(sizeof(*user));
	struct access_info acc[4];
	const struct access_info *ai;
	struct channel_info ci;
	struct pipes p;
	char nspath[64];
	struct stat st;
	uint32_t id;
	pid_t pid;
	int fd, n;

	if (!adm || !ev || !user || nl_client(adm, true, &ci) || nl_client(user, true, NULL) ||
	    nl_open_family(ev) || nl_join_events(ev))
		return 1;
	id = ci.id;
	echo_ok(user, "a client in the initial namespace before ASSIGN");

	expect_admin(adm, "ASSIGN without a namespace",
		     admin_req(adm, RPMSG_NETLINK_CMD_ASSIGN, channel_name, 0, 0, 0, 0), EINVAL);
	expect_admin(adm, "ASSIGN with both NET_NS_PID and NET_NS_FD",
		     admin_req(adm, RPMSG_NETLINK_CMD_ASSIGN, channel_name,
			       RPMSG_NETLINK_A_NET_NS_PID, 1, RPMSG_NETLINK_A_NET_NS_FD, 0),
		     EINVAL);
	expect_admin(adm, "ASSIGN to pid 4000000 (none)",
		     admin_req(adm, RPMSG_NETLINK_CMD_ASSIGN, channel_name,
			       RPMSG_NETLINK_A_NET_NS_PID, 4000000, 0, 0),
		     ESRCH);
	fd = open("/", O_RDONLY | O_DIRECTORY);
	expect_admin(adm, "ASSIGN to the fd of a directory",
		     admin_req(adm, RPMSG_NETLINK_CMD_ASSIGN, channel_name,
			       RPMSG_NETLINK_A_NET_NS_FD, (uint32_t)fd, 0, 0),
		     EINVAL);
	close(fd);
	expect_admin(adm, "ASSIGN to fd -1",
		     admin_req(adm, RPMSG_NETLINK_CMD_ASSIGN, channel_name,
			       RPMSG_NETLINK_A_NET_NS_FD, UINT32_MAX, 0, 0),
		     ERANGE);
	expect_admin(adm, "UNASSIGN what is not assigned",
		     admin_req(adm, RPMSG_NETLINK_CMD_UNASSIGN, channel_name, 0, 0, 0, 0), ENOENT);

	if (pipes_open(&p)) {
		fail("pipe: %s", strerror(errno));
		return 1;
	}
	pid = fork_flushed();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0)
		_exit(container_main(&p, id));
	pipes_parent(&p);
	if (hear(p.to_parent[0], 60000) != 'r') {
		fail("the container did not start");
		kill(pid, SIGKILL);
		reap(pid, "the container");
		return 1;
	}

	/* ASSIGN by pid: the initial namespace loses it at once */
	ev->down_events = 0;
	expect_admin(adm, "ASSIGN the channel to the container's namespace (NET_NS_PID)",
		     admin_req(adm, RPMSG_NETLINK_CMD_ASSIGN, channel_name,
			       RPMSG_NETLINK_A_NET_NS_PID, (uint32_t)pid, 0, 0),
		     0);
	check(pump_until(ev, down_seen, channel_name, REPLY_TIMEOUT_MS),
	      "initial namespace: CHANNEL_DOWN on its events group");
	check(pump_until(user, client_down, NULL, REPLY_TIMEOUT_MS),
	      "initial namespace: the client with an endpoint is told CHANNEL_DOWN");
	{
		uint8_t data[16] = "moved";

		check(nl_send_acked(user, data, sizeof(data), NULL) == ENODEV,
		      "initial namespace: that client's next SEND -> ENODEV");
	}
	init_sees_nothing(adm, id);
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	n = dump_access(adm, acc, 4);
	ai = n > 0 ? access_of(acc, n, channel_name) : NULL;
	check(ai && !stat(nspath, &st) && ai->netns_inode == (uint32_t)st.st_ino && !ai->n_gids,
	      "GET_ACCESS: assigned to the container's namespace (its inode)");
	step(&p, 'a');
	bystander(id);

	if (!strcmp(channel_name, ECHO_SERVICE)) {
		/* the firmware's channel goes and comes: it stays in the container */
		drain(ev);
		ev->up_events = ev->down_events = 0;
		expect_admin(adm, "UNBIND " ECHO_SERVICE " (the channel goes)",
			     admin_req(adm, RPMSG_NETLINK_CMD_UNBIND, ECHO_SERVICE, 0, 0, 0, 0), 0);
		expect_admin(adm, "BIND " ECHO_SERVICE " (it comes back)",
			     admin_req(adm, RPMSG_NETLINK_CMD_BIND, ECHO_SERVICE, 0, 0, 0, 0), 0);
		step(&p, 'a');
		/* the container has seen its UP: an event for us would be queued by now */
		drain(ev);
		check(!ev->up_events && !ev->down_events,
		      "initial namespace: no event of the re-probe of the assigned channel");
		check(!nl_lists(adm, ECHO_SERVICE),
		      "initial namespace: the re-probed channel is not listed");
	}

	/* UNASSIGN: back here, gone from there */
	ev->up_events = 0;
	expect_admin(adm, "UNASSIGN",
		     admin_req(adm, RPMSG_NETLINK_CMD_UNASSIGN, channel_name, 0, 0, 0, 0), 0);
	check(pump_until(ev, up_seen, channel_name, REPLY_TIMEOUT_MS),
	      "initial namespace: CHANNEL_UP on its events group");
	step(&p, 'n');
	nl_close(user);
	if (nl_client(user, true, &ci))
		return 1;
	echo_ok(user, "initial namespace after UNASSIGN");
	id = ci.id;

	/* ASSIGN by fd; then the namespace goes away and the channel comes home */
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	fd = open(nspath, O_RDONLY);
	if (fd < 0)
		fail("open %s: %s", nspath, strerror(errno));
	expect_admin(adm, "ASSIGN again, by NET_NS_FD",
		     admin_req(adm, RPMSG_NETLINK_CMD_ASSIGN, channel_name,
			       RPMSG_NETLINK_A_NET_NS_FD, (uint32_t)fd, 0, 0),
		     0);
	close(fd);
	step(&p, 'a');
	init_sees_nothing(adm, id);

	ev->up_events = 0;
	tell(p.to_child[1], 'q');
	reap(pid, "the container");
	pipes_close(&p);
	/* the namespace is dismantled by a work item: wait for the event */
	check(pump_until(ev, up_seen, channel_name, 30000),
	      "the container's namespace went away: CHANNEL_UP in the initial namespace");
	nl_close(user);
	if (nl_client(user, true, NULL))
		return 1;
	echo_ok(user, "initial namespace after the container's namespace went away");
	n = dump_access(adm, acc, 4);
	check(n == 0, "GET_ACCESS: the assignment is forgotten");

	nl_close(adm);
	nl_close(ev);
	nl_close(user);
	free(adm);
	free(ev);
	free(user);
	return 0;
}
